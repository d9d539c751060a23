#include "sim/checkpoint.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/fingerprint.h"

namespace banksim {

namespace {

constexpr std::string_view kMagic = "banksim-checkpoint\n";

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

// Checksum of bytes: the explorer's fingerprint over 8-byte words (zero-padded) and the
// length, so any bit flip or truncation changes it (but for a 2^-64 chance).
uint64_t checksum(std::string_view bytes) {
  std::vector<uint64_t> words((bytes.size() + 7) / 8 + 1, 0);
  for (size_t i = 0; i < bytes.size(); ++i) {
    words[i / 8] |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * (i % 8));
  }
  words.back() = bytes.size();
  return fingerprint(words);
}

// Reads what put_* wrote; any read past the end sets `bad` (the checksum was checked
// first, so that means a checkpoint written wrongly, not a torn one).
class Reader {
 public:
  explicit Reader(std::string_view bytes) : b_(bytes) {}
  bool bad() const { return bad_; }
  uint64_t u64() { return uint(8); }
  uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  uint64_t u8() { return uint(1); }
  std::string string() {
    const uint64_t n = u64();
    if (bad_ || n > b_.size() - at_) return fail<std::string>();
    std::string s(b_.substr(at_, n));
    at_ += n;
    return s;
  }
  std::vector<uint64_t> list() {
    const uint64_t n = u64();
    if (bad_ || n > (b_.size() - at_) / 8) return fail<std::vector<uint64_t>>();
    std::vector<uint64_t> v(n);
    for (uint64_t& x : v) x = u64();
    return v;
  }
  size_t left() const { return b_.size() - at_; }

 private:
  uint64_t uint(int bytes) {
    if (bad_ || b_.size() - at_ < static_cast<size_t>(bytes)) return fail<uint64_t>();
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[at_ + i])) << (8 * i);
    }
    at_ += bytes;
    return v;
  }
  template <typename T>
  T fail() {
    bad_ = true;
    return T{};
  }
  std::string_view b_;
  size_t at_ = 0;
  bool bad_ = false;
};

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string checkpoint_digest(std::string_view bytes) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(checksum(bytes)));
  return hex;
}

std::string encode_checkpoint(const CheckpointKey& key, const ExploreFrontier& f) {
  std::string out(kMagic);
  put_u32(out, kCheckpointFormat);
  put_string(out, key.version);
  put_string(out, key.scenario);
  put_string(out, key.options);
  put_u64(out, f.stats.transitions);
  put_u64(out, f.stats.terminal);
  put_u64(out, static_cast<uint64_t>(f.stats.max_depth));
  put_u64(out, f.stats.depth_bounded ? 1 : 0);
  put_u64(out, f.counterexamples.size());
  for (const Counterexample& c : f.counterexamples) {
    out.push_back(static_cast<char>(c.property));
    put_string(out, c.detail);
    put_list(out, c.schedule);
  }
  put_list(out, f.visited);
  put_u64(out, f.stacks.size());
  for (const ExploreStack& stack : f.stacks) {
    put_list(out, stack.base);
    put_list(out, stack.path);
    put_u64(out, stack.unexplored.size());
    for (const auto& level : stack.unexplored) put_list(out, level);
  }
  put_u64(out, checksum(out));
  return out;
}

Result<ExploreFrontier> decode_checkpoint(std::string_view bytes, const CheckpointKey& expected,
                                          const std::string& source) {
  const auto refuse = [&](const std::string& why) -> Result<ExploreFrontier> {
    return Error{source + ": " + why};
  };
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return refuse("not a banksim checkpoint (it does not start with \"banksim-checkpoint\")");
  }
  if (bytes.size() < kMagic.size() + 4 + 8) {
    return refuse("torn checkpoint: truncated (checksum missing); it cannot be resumed");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader tail(bytes.substr(bytes.size() - 8));
  if (tail.u64() != checksum(body)) {
    return refuse(
        "torn checkpoint: checksum mismatch (truncated or damaged); it cannot be resumed");
  }
  Reader r(body.substr(kMagic.size()));
  const uint32_t format = r.u32();
  if (format != kCheckpointFormat) {
    return refuse("checkpoint format " + std::to_string(format) + ", this banksim reads format " +
                  std::to_string(kCheckpointFormat) +
                  (format < kCheckpointFormat ? " (written by an older banksim)" : "") +
                  "; it cannot be resumed");
  }
  const CheckpointKey key{r.string(), r.string(), r.string()};
  if (r.bad()) return refuse("malformed checkpoint header");
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
  ExploreFrontier f;
  f.stats.transitions = r.u64();
  f.stats.terminal = r.u64();
  f.stats.max_depth = static_cast<int64_t>(r.u64());
  f.stats.depth_bounded = r.u64() != 0;
  const uint64_t found = r.u64();
  for (uint64_t i = 0; i < found && !r.bad(); ++i) {
    Counterexample c;
    const uint64_t property = r.u8();
    if (property >= static_cast<uint64_t>(kPropertyCount)) return refuse("malformed checkpoint");
    c.property = static_cast<Property>(property);
    c.detail = r.string();
    c.schedule = r.list();
    f.counterexamples.push_back(std::move(c));
  }
  f.visited = r.list();
  const uint64_t stacks = r.u64();
  // Each stack takes at least 24 bytes: no count can ask for more than the bytes left.
  if (r.bad() || stacks > r.left() / 24) return refuse("malformed checkpoint");
  for (uint64_t s = 0; s < stacks && !r.bad(); ++s) {
    ExploreStack stack;
    stack.base = r.list();
    stack.path = r.list();
    const uint64_t levels = r.u64();
    if (r.bad() || levels != stack.path.size() + 1) return refuse("malformed checkpoint");
    for (uint64_t i = 0; i < levels && !r.bad(); ++i) stack.unexplored.push_back(r.list());
    f.stacks.push_back(std::move(stack));
  }
  if (r.bad() || r.left() != 0) return refuse("malformed checkpoint");
  return f;
}

std::string checkpoint_path(const std::string& dir) {
  return dir + "/checkpoint.bin";
}

Status write_checkpoint(const std::string& dir, const CheckpointKey& key,
                        const ExploreFrontier& frontier) {
  const std::string path = checkpoint_path(dir);
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    return io_error(dir + ": cannot create checkpoint directory: " + errno_text());
  }
  return write_synced(path, encode_checkpoint(key, frontier), /*atomic=*/true);
}

Result<ExploreFrontier> read_checkpoint(const std::string& dir, const CheckpointKey& expected) {
  const std::string path = checkpoint_path(dir);
  auto text = read_checkpoint_file(path, "--resume: " + path);
  if (!text.ok()) return text.error();
  return decode_checkpoint(text.value(), expected, "--resume: " + path);
}

Status write_synced(const std::string& path, std::string_view bytes, bool atomic) {
  const std::string target = atomic ? path + ".tmp" : path;
  const int fd =
      ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return io_error(target + ": cannot write file: " + errno_text());
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(target.c_str());
      return io_error(target + ": cannot write file: " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(target.c_str());
    return io_error(target + ": cannot write file: " + why);
  }
  if (!atomic) return {};
  if (::rename(target.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(target.c_str());
    return io_error(path + ": cannot write file: " + why);
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<std::string> read_checkpoint_file(const std::string& path, const std::string& source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{source + ": cannot read checkpoint: " + errno_text()};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{source + ": cannot read checkpoint: " + errno_text()};
  return text.str();
}

uint64_t checkpoint_checksum(std::string_view bytes) {
  return checksum(bytes);
}

}  // namespace banksim
