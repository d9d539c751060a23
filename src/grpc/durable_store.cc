#include "grpc/durable_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace banksim {

namespace {

constexpr char kMagic[8] = {'B', 'A', 'N', 'K', 'S', 'I', 'M', 'D'};
constexpr size_t kHeaderBytes = 16;  // magic, version, length
constexpr size_t kTrailerBytes = 4;  // crc32c
constexpr size_t kMaxPayloadBytes = 64 << 20;

// CRC-32C (Castagnoli, reflected 0x82F63B78), table-driven.
uint32_t crc32c(const std::string& bytes, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc = table[(crc ^ static_cast<uint8_t>(bytes[i])) & 0xFF] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

void put_u32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(in[at + static_cast<size_t>(i)])) << (8 * i);
  }
  return v;
}

std::string errno_text(int e) {
  return std::strerror(e);
}

// Reads a whole file. 0 when read, else the errno (ENOENT: no such file).
int read_whole(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno;
  out->clear();
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > kMaxPayloadBytes + kHeaderBytes + kTrailerBytes) break;
  }
  ::close(fd);
  return 0;
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string describe(const DurableIdentity& id) {
  return fmt::format("scenario {:016x}, branch {} (index {}), protocol {}", id.scenario_hash,
                     id.branch_id, id.branch_index, id.protocol);
}

}  // namespace

uint64_t durable_scenario_hash(const std::string& canonical_json) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : canonical_json) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

void durable_to_proto(const BranchDurable& d, wire::BranchDurable* out) {
  out->Clear();
  out->set_balance(d.balance);
  for (const int32_t a : d.applied) out->add_applied(a);
  for (const ServedReply& r : d.served) {
    wire::ServedReply* w = out->add_served();
    w->set_event(r.event);
    w->set_success(r.success);
    w->set_money(r.money);
  }
  for (const Unacked& u : d.unacked) {
    wire::UnackedPropagation* w = out->add_unacked();
    w->set_customer(u.customer);
    w->set_event(u.event);
    w->set_peer(u.peer);
    w->set_seq(u.seq);
    w->set_iface(static_cast<int32_t>(u.iface));
    w->set_delta(u.delta);
  }
}

std::optional<BranchDurable> durable_from_proto(const wire::BranchDurable& p,
                                                const BankLayout& layout, std::string* error) {
  BranchDurable d;
  d.balance = p.balance();
  const bool robust = layout.protocol == ProtocolKind::kRobust;
  const size_t want = layout.protocol == ProtocolKind::kSession || robust
                          ? static_cast<size_t>(layout.customer_count())
                          : 0;
  if (static_cast<size_t>(p.applied_size()) != want) {
    *error = fmt::format("it records writes applied for {} customers, the {} bank has {}",
                         p.applied_size(), protocol_name(layout.protocol), want);
    return std::nullopt;
  }
  for (int i = 0; i < p.applied_size(); ++i) {
    if (p.applied(i) < 0) {
      *error = fmt::format("it records {} writes applied for customer index {}", p.applied(i), i);
      return std::nullopt;
    }
    d.applied.push_back(p.applied(i));
  }
  // Robust's remembered replies (one per customer) and unacknowledged propagations.
  const size_t served = robust ? static_cast<size_t>(layout.customer_count()) : 0;
  if (static_cast<size_t>(p.served_size()) != served || (!robust && p.unacked_size() > 0)) {
    *error = fmt::format(
        "it records {} remembered replies and {} unacknowledged propagations, "
        "which a {} bank of {} customers cannot hold",
        p.served_size(), p.unacked_size(), protocol_name(layout.protocol), layout.customer_count());
    return std::nullopt;
  }
  for (const wire::ServedReply& r : p.served()) {
    d.served.push_back(ServedReply{.event = r.event(), .success = r.success(), .money = r.money()});
  }
  for (int i = 0; i < p.unacked_size(); ++i) {
    const wire::UnackedPropagation& u = p.unacked(i);
    const bool fits = u.customer() >= 0 && u.customer() < layout.customer_count() &&
                      u.peer() >= 0 && u.peer() < layout.branch_count() && u.event() >= 0 &&
                      u.seq() >= 1 &&
                      (u.iface() == static_cast<int32_t>(Interface::kDeposit) ||
                       u.iface() == static_cast<int32_t>(Interface::kWithdraw));
    if (!fits) {
      *error = fmt::format("unacknowledged propagation {} names no write of this bank", i);
      return std::nullopt;
    }
    d.unacked.push_back(Unacked{.customer = u.customer(),
                                .event = u.event(),
                                .peer = u.peer(),
                                .seq = u.seq(),
                                .iface = static_cast<Interface>(u.iface()),
                                .delta = u.delta()});
  }
  return d;
}

std::string encode_durable_file(const DurableIdentity& id, const BranchDurable& d,
                                const DurableReport& report) {
  wire::DurableFile f;
  f.set_scenario_hash(id.scenario_hash);
  f.set_branch_id(id.branch_id);
  f.set_branch_index(id.branch_index);
  f.set_protocol(id.protocol);
  durable_to_proto(d, f.mutable_state());
  f.set_reported(report.number);
  f.set_last_report(report.step);
  std::string payload;
  f.SerializeToString(&payload);
  std::string out(kMagic, sizeof(kMagic));
  put_u32(&out, kDurableFormatVersion);
  put_u32(&out, static_cast<uint32_t>(payload.size()));
  out += payload;
  put_u32(&out, crc32c(out, out.size()));
  return out;
}

std::optional<DurableFileContents> decode_durable_file(const std::string& bytes,
                                                       std::string* error) {
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    *error =
        bytes.size() < sizeof(kMagic) && bytes.compare(0, bytes.size(), kMagic, bytes.size()) == 0
            ? fmt::format("truncated ({} bytes: a torn write?)", bytes.size())
            : "not a banksim durable state file (no BANKSIMD magic)";
    return std::nullopt;
  }
  if (bytes.size() < kHeaderBytes + kTrailerBytes) {
    *error = fmt::format("truncated ({} bytes: a torn write?)", bytes.size());
    return std::nullopt;
  }
  const uint32_t version = get_u32(bytes, 8);
  const uint32_t length = get_u32(bytes, 12);
  const size_t expected = kHeaderBytes + static_cast<size_t>(length) + kTrailerBytes;
  if (length > kMaxPayloadBytes || bytes.size() != expected) {
    *error = bytes.size() < expected
                 ? fmt::format("truncated ({} bytes, its header says {}: a torn write?)",
                               bytes.size(), expected)
                 : fmt::format("corrupt ({} bytes, its header says {})", bytes.size(), expected);
    return std::nullopt;
  }
  const uint32_t stored = get_u32(bytes, bytes.size() - kTrailerBytes);
  const uint32_t computed = crc32c(bytes, bytes.size() - kTrailerBytes);
  if (stored != computed) {
    *error = fmt::format("corrupt (checksum mismatch: CRC-32C {:08x} stored, {:08x} computed)",
                         stored, computed);
    return std::nullopt;
  }
  if (version != kDurableFormatVersion) {
    *error = fmt::format("format version {} (this banksim reads version {})", version,
                         kDurableFormatVersion);
    return std::nullopt;
  }
  wire::DurableFile f;
  if (!f.ParseFromArray(bytes.data() + kHeaderBytes, static_cast<int>(length))) {
    *error = "corrupt (its checksum holds but its payload does not parse)";
    return std::nullopt;
  }
  DurableFileContents out;
  out.identity = DurableIdentity{.scenario_hash = f.scenario_hash(),
                                 .branch_id = f.branch_id(),
                                 .branch_index = f.branch_index(),
                                 .protocol = f.protocol()};
  out.state = f.state();
  out.report = DurableReport{.number = f.reported(), .step = f.last_report()};
  return out;
}

std::unique_ptr<DurableStore> DurableStore::open(const std::string& dir, const DurableIdentity& id,
                                                 const BankLayout& layout, int32_t self,
                                                 std::optional<BranchDurable>* restored,
                                                 std::string* error) {
  restored->reset();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    *error = fmt::format("--data-dir {}: {}", dir, errno_text(errno));
    return nullptr;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = fmt::format("--data-dir {}: not a directory", dir);
    return nullptr;
  }
  std::unique_ptr<DurableStore> s(new DurableStore());
  s->dir_ = dir;
  s->path_ = fmt::format("{}/branch-{}.durable", dir, id.branch_id);
  s->id_ = id;
  std::string bytes;
  const int e = read_whole(s->path_, &bytes);
  if (e != 0 && e != ENOENT) {
    *error = fmt::format("{}: cannot read the durable state: {}", s->path_, errno_text(e));
    return nullptr;
  }
  BranchDurable state;
  state.balance = layout.balances.at(static_cast<size_t>(self));
  if (layout.protocol == ProtocolKind::kSession || layout.protocol == ProtocolKind::kRobust) {
    state.applied.assign(static_cast<size_t>(layout.customer_count()), 0);
  }
  if (layout.protocol == ProtocolKind::kRobust) {
    state.served.assign(static_cast<size_t>(layout.customer_count()), ServedReply{});
  }
  if (e == 0) {
    std::string why;
    auto contents = decode_durable_file(bytes, &why);
    if (!contents) {
      *error = fmt::format("{}: {}; refusing to load it (remove it to start this branch afresh)",
                           s->path_, why);
      return nullptr;
    }
    if (contents->identity != id) {
      *error = fmt::format(
          "{}: holds the durable state of another bank ({}), not of this one ({}); refusing to "
          "load or overwrite it",
          s->path_, describe(contents->identity), describe(id));
      return nullptr;
    }
    auto decoded = durable_from_proto(contents->state, layout, &why);
    if (!decoded) {
      *error = fmt::format("{}: does not fit its bank: {}; refusing to load it", s->path_, why);
      return nullptr;
    }
    state = std::move(*decoded);
    *restored = state;
    s->report_ = contents->report;
  }
  std::string why;
  if (!s->save(state, s->report_, &why)) {
    *error = fmt::format("--data-dir {}: {}", dir, why);
    return nullptr;
  }
  return s;
}

bool DurableStore::save(const BranchDurable& d, const DurableReport& report, std::string* error) {
  const std::string bytes = encode_durable_file(id_, d, report);
  // An exclusive temporary beside the file (a planted name is never followed or reused).
  std::random_device rd;
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = fmt::format("{}.tmp-{:08x}", path_, rd());
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    *error = fmt::format("cannot create {}: {}", temp, errno_text(errno));
    return false;
  }
  const auto failed = [&](const char* what) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    *error = fmt::format("cannot {} {}: {}", what, temp, errno_text(e));
    return false;
  };
  if (!write_all(fd, bytes)) return failed("write");
  if (::fsync(fd) != 0) return failed("fsync");
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    *error = fmt::format("cannot close {}: {}", temp, errno_text(e));
    return false;
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    *error = fmt::format("cannot rename {} to {}: {}", temp, path_, errno_text(e));
    return false;
  }
  // The rename itself is durable once the directory is.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || ::fsync(dfd) != 0) {
    const int e = errno;
    if (dfd >= 0) ::close(dfd);
    *error = fmt::format("cannot fsync directory {}: {}", dir_, errno_text(e));
    return false;
  }
  ::close(dfd);
  saved_ = d;
  if (&report != &report_) report_ = report;
  return true;
}

}  // namespace banksim
