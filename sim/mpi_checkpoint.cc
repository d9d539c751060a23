#include "sim/mpi_checkpoint.h"

#include <algorithm>
#include <filesystem>

namespace banksim {

namespace {

constexpr std::string_view kManifestMagic = "banksim-mpi-checkpoint\n";
constexpr std::string_view kPartMagic = "banksim-mpi-rank\n";

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_string(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}
void put_list(std::string& out, const std::vector<uint64_t>& v) {
  put_u64(out, v.size());
  for (uint64_t x : v) put_u64(out, x);
}
void put_key(std::string& out, const CheckpointKey& key) {
  put_string(out, key.version);
  put_string(out, key.scenario);
  put_string(out, key.options);
}
void put_checksum(std::string& out) {
  put_u64(out, checkpoint_checksum(out));
}

// Reads what put_* wrote; a read past the end sets bad().
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool bad() const { return bad_; }
  size_t left() const { return b_.size() - at_; }
  uint64_t u64() { return uint(8); }
  uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  uint64_t u8() { return uint(1); }
  std::string string() {
    const uint64_t n = u64();
    if (bad_ || n > left()) return bad_ = true, std::string();
    std::string s(b_.substr(at_, n));
    at_ += n;
    return s;
  }
  std::vector<uint64_t> list() {
    const uint64_t n = u64();
    if (bad_ || n > left() / 8) return bad_ = true, std::vector<uint64_t>();
    std::vector<uint64_t> v(n);
    for (uint64_t& x : v) x = u64();
    return v;
  }

 private:
  uint64_t uint(int n) {
    if (bad_ || left() < static_cast<size_t>(n)) return bad_ = true, 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[at_ + i])) << (8 * i);
    }
    at_ += n;
    return v;
  }
  std::string_view b_;
  size_t at_ = 0;
  bool bad_ = false;
};

// The body of a file after its magic, checked against the trailing checksum and the key;
// or the refusal.
Result<std::string_view> open_body(std::string_view bytes, std::string_view magic, const char* what,
                                   const CheckpointKey& expected, const std::string& source,
                                   Reader* header) {
  const auto refuse = [&](const std::string& why) -> Result<std::string_view> {
    return Error{source + ": " + why};
  };
  if (bytes.substr(0, magic.size()) != magic) {
    return refuse(std::string("not ") + what + " (it does not start with \"" +
                  std::string(magic.substr(0, magic.size() - 1)) + "\")");
  }
  if (bytes.size() < magic.size() + 4 + 8) {
    return refuse("torn checkpoint: truncated (checksum missing); it cannot be resumed");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader tail(bytes.substr(bytes.size() - 8));
  if (tail.u64() != checkpoint_checksum(body)) {
    return refuse(
        "torn checkpoint: checksum mismatch (truncated or damaged); it cannot be resumed");
  }
  *header = Reader(body.substr(magic.size()));
  const uint32_t format = header->u32();
  if (format != kMpiCheckpointFormat) {
    return refuse("MPI checkpoint format " + std::to_string(format) +
                  ", this banksim reads format " + std::to_string(kMpiCheckpointFormat));
  }
  const CheckpointKey key{header->string(), header->string(), header->string()};
  if (header->bad()) return refuse("malformed checkpoint header");
  if (key.version != expected.version) {
    return refuse("written by banksim " + key.version + ", this is banksim " + expected.version +
                  "; a checkpoint is resumed by the version that wrote it");
  }
  if (key.scenario != expected.scenario) {
    return refuse("of another scenario (digest " + key.scenario + ", the scenario given has " +
                  expected.scenario + ")");
  }
  if (key.options != expected.options) {
    return refuse("made with other search options (" + key.options + "; now " + expected.options +
                  ")");
  }
  return body;
}

}  // namespace

std::string mpi_manifest_path(const std::string& dir) {
  return dir + "/mpi-checkpoint.bin";
}

std::string mpi_generation_dir(const std::string& dir, uint64_t generation) {
  return dir + "/mpi-" + std::to_string(generation);
}

std::string mpi_part_path(const std::string& dir, uint64_t generation, uint32_t rank) {
  return mpi_generation_dir(dir, generation) + "/rank-" + std::to_string(rank) + ".bin";
}

std::string encode_mpi_manifest(const CheckpointKey& key, const MpiCheckpointManifest& m) {
  std::string out(kManifestMagic);
  put_u32(out, kMpiCheckpointFormat);
  put_key(out, key);
  put_u32(out, m.ranks);
  put_u64(out, m.generation);
  put_u64(out, static_cast<uint64_t>(m.depth));
  put_u64(out, m.levels);
  put_u64(out, m.rounds);
  put_u64(out, m.transitions);
  put_u64(out, m.terminal);
  put_u64(out, m.distinct);
  put_u64(out, static_cast<uint64_t>(m.max_depth));
  put_u64(out, m.found_violation ? 1 : 0);
  put_u64(out, m.counterexamples.size());
  for (const Counterexample& c : m.counterexamples) {
    out.push_back(static_cast<char>(c.property));
    put_string(out, c.detail);
    put_list(out, c.schedule);
  }
  put_list(out, m.part_checksums);
  put_checksum(out);
  return out;
}

std::string encode_mpi_part(const CheckpointKey& key, const MpiCheckpointPart& p) {
  std::string out(kPartMagic);
  put_u32(out, kMpiCheckpointFormat);
  put_key(out, key);
  put_u32(out, p.ranks);
  put_u32(out, p.rank);
  put_u64(out, p.generation);
  put_list(out, p.visited);
  put_string(out, p.frontier);
  put_string(out, p.next);
  put_checksum(out);
  return out;
}

Result<MpiCheckpointManifest> decode_mpi_manifest(std::string_view bytes,
                                                  const CheckpointKey& expected,
                                                  const std::string& source) {
  Reader r({});
  auto body = open_body(bytes, kManifestMagic, "a banksim MPI checkpoint", expected, source, &r);
  if (!body.ok()) return body.error();
  const Error malformed{source + ": malformed MPI checkpoint"};
  MpiCheckpointManifest m;
  m.ranks = r.u32();
  m.generation = r.u64();
  m.depth = static_cast<int64_t>(r.u64());
  m.levels = r.u64();
  m.rounds = r.u64();
  m.transitions = r.u64();
  m.terminal = r.u64();
  m.distinct = r.u64();
  m.max_depth = static_cast<int64_t>(r.u64());
  m.found_violation = r.u64() != 0;
  const uint64_t found = r.u64();
  for (uint64_t i = 0; i < found && !r.bad(); ++i) {
    Counterexample c;
    const uint64_t property = r.u8();
    if (property >= static_cast<uint64_t>(kPropertyCount)) return malformed;
    c.property = static_cast<Property>(property);
    c.detail = r.string();
    c.schedule = r.list();
    m.counterexamples.push_back(std::move(c));
  }
  m.part_checksums = r.list();
  if (r.bad() || r.left() != 0 || m.ranks == 0 || m.part_checksums.size() != m.ranks ||
      m.depth < 0) {
    return malformed;
  }
  return m;
}

Result<MpiCheckpointPart> decode_mpi_part(std::string_view bytes, const CheckpointKey& expected,
                                          const MpiCheckpointManifest& manifest, uint32_t rank,
                                          const std::string& source) {
  if (rank >= manifest.part_checksums.size() ||
      checkpoint_checksum(bytes) != manifest.part_checksums[rank]) {
    return Error{source +
                 ": torn checkpoint: not the part the manifest names (checksum differs); it "
                 "cannot be resumed"};
  }
  Reader r({});
  auto body = open_body(bytes, kPartMagic, "a rank's part of a banksim MPI checkpoint", expected,
                        source, &r);
  if (!body.ok()) return body.error();
  MpiCheckpointPart p;
  p.ranks = r.u32();
  p.rank = r.u32();
  p.generation = r.u64();
  p.visited = r.list();
  p.frontier = r.string();
  p.next = r.string();
  if (r.bad() || r.left() != 0 || p.ranks != manifest.ranks || p.rank != rank ||
      p.generation != manifest.generation) {
    return Error{source + ": malformed MPI checkpoint part"};
  }
  return p;
}

namespace {

// G of a directory entry named mpi-<G> (digits only), 0 otherwise.
uint64_t generation_of(const std::string& name) {
  if (name.size() < 5 || name.size() > 4 + 18 || name.compare(0, 4, "mpi-") != 0) return 0;
  uint64_t g = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    g = g * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return g;
}

}  // namespace

Result<uint64_t> mpi_new_generation(const std::string& dir, uint64_t after) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir + ": cannot create checkpoint directory: " + ec.message());
  uint64_t last = after;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    last = std::max(last, generation_of(entry.path().filename().string()));
  }
  if (ec) return io_error(dir + ": cannot list checkpoint directory: " + ec.message());
  const uint64_t g = last + 1;
  const std::string sub = mpi_generation_dir(dir, g);
  std::filesystem::create_directory(sub, ec);
  if (ec) return io_error(sub + ": cannot create checkpoint directory: " + ec.message());
  return g;
}

void mpi_remove_other_generations(const std::string& dir, uint64_t keep) {
  std::error_code ec;
  std::vector<std::filesystem::path> old;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const uint64_t g = generation_of(entry.path().filename().string());
    if (g != 0 && g != keep) old.push_back(entry.path());
  }
  for (const auto& path : old) std::filesystem::remove_all(path, ec);
}

}  // namespace banksim
