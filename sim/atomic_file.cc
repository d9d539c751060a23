#include "sim/atomic_file.h"

#include <atomic>
#include <cassert>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace banksim {

namespace {

// ---- Live temporary files, unlinked by the signal handler ----

// Writes are sequential in banksim; a few slots leave room for one per thread.
constexpr int kLiveSlots = 8;
enum SlotState : int { kFree = 0, kFilling = 1, kLive = 2 };
struct LiveTemp {
  std::atomic<int> state{kFree};
  char path[PATH_MAX] = {};
};
LiveTemp g_live[kLiveSlots];
static_assert(std::atomic<int>::is_always_lock_free);

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kSignalCount = sizeof(kCleanupSignals) / sizeof(kCleanupSignals[0]);
struct sigaction g_previous[kSignalCount];
bool g_installed[kSignalCount] = {};
std::mutex g_install_mutex;  // guards g_registered, g_previous and g_installed
int g_registered = 0;

// Async-signal-safe: atomics, unlink, sigaction and raise only.
void unlink_live_temporaries(int sig) {
  for (LiveTemp& t : g_live) {
    if (t.state.load() == kLive) ::unlink(t.path);
  }
  for (int i = 0; i < kSignalCount; ++i) {
    if (kCleanupSignals[i] == sig && g_installed[i]) ::sigaction(sig, &g_previous[i], nullptr);
  }
  // Blocked until this handler returns; then it takes its previous course (by default
  // the process ends with the signal, as if banksim had not caught it).
  ::raise(sig);
}

// Registers `path` (call with the cleanup signals blocked); returns its slot, or -1 when
// every slot is taken or the path is too long to keep (the file is then not cleaned up
// on a signal, but still on every other exit path).
int register_temporary(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kLiveSlots; ++i) {
    int expected = kFree;
    if (!g_live[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_live[i].path, path.c_str(), path.size() + 1);
    g_live[i].state.store(kLive);
    std::lock_guard<std::mutex> lock(g_install_mutex);
    if (g_registered++ == 0) {
      for (int s = 0; s < kSignalCount; ++s) {
        struct sigaction previous {};
        ::sigaction(kCleanupSignals[s], nullptr, &previous);
        // An ignored signal stays ignored (nohup): it will not end the write.
        g_installed[s] = previous.sa_handler != SIG_IGN;
        if (!g_installed[s]) continue;
        g_previous[s] = previous;
        struct sigaction action {};
        action.sa_handler = unlink_live_temporaries;
        sigemptyset(&action.sa_mask);
        ::sigaction(kCleanupSignals[s], &action, nullptr);
      }
    }
    return i;
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot < 0) return;
  assert(g_live[slot].state.load() == kLive);
  g_live[slot].state.store(kFree);
  std::lock_guard<std::mutex> lock(g_install_mutex);
  assert(g_registered > 0);
  if (--g_registered == 0) {
    for (int s = 0; s < kSignalCount; ++s) {
      if (g_installed[s]) ::sigaction(kCleanupSignals[s], &g_previous[s], nullptr);
      g_installed[s] = false;
    }
  }
}

// Blocks the cleanup signals for its lifetime, so that creating (or renaming) a temporary
// file and registering (or unregistering) it happen together.
class CleanupSignalsBlocked {
 public:
  CleanupSignalsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kCleanupSignals) sigaddset(&set, s);
    ::pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~CleanupSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  CleanupSignalsBlocked(const CleanupSignalsBlocked&) = delete;
  CleanupSignalsBlocked& operator=(const CleanupSignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

// ---- Writing ----

std::string reason(int err) {
  return std::strerror(err);
}

// Writes all of `text` to fd; 0 or the errno of the failure.
int write_all(int fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// A device, pipe or socket that exists: written in place.
// "PATH: cannot write file: REASON", an I/O error.
Error cannot_write(const std::string& path, int err) {
  return io_error(fmt::format("{}: cannot write file: {}", path, reason(err)));
}

Status write_in_place(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot_write(path, errno);
  int err = write_all(fd, text);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) return cannot_write(path, err);
  return {};
}

// "DIR/NAME" -> "DIR/" + at most 100 bytes of NAME + ".tmp.XXXXXX": in the target's
// folder (rename stays within one file system) and short enough for NAME_MAX whatever
// the target's name.
std::string temporary_template(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + name.substr(0, 100) + ".tmp.XXXXXX";
}

// The permission bits a new file gets from open(..., 0666).
mode_t default_file_mode() {
  // umask cannot be read without setting it; banksim creates no file concurrently.
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view text) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device, pipe or socket: there is nothing to replace atomically, and renaming a
    // temporary file over /dev/null (as root) would turn it into a regular file.
    // Directories fail here with "cannot write file: Is a directory".
    return write_in_place(path, text);
  }
  StagedFile file;
  if (Status staged = file.stage(path, text); !staged.ok()) return staged;
  return file.commit();
}

bool write_file_atomically(const std::string& path, std::string_view text, std::string* error) {
  const Status written = write_file_atomically(path, text);
  if (!written.ok()) *error = written.error().message;
  return written.ok();
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::move(other.path_)), temporary_(std::move(other.temporary_)), slot_(other.slot_) {
  other.temporary_.clear();
  other.slot_ = -1;
}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    temporary_ = std::move(other.temporary_);
    slot_ = other.slot_;
    other.temporary_.clear();
    other.slot_ = -1;
  }
  return *this;
}

Status StagedFile::stage(const std::string& path, std::string_view text) {
  assert(!staged());
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  const mode_t mode = exists ? (st.st_mode & 07777) : default_file_mode();

  std::string tmp = temporary_template(path);
  int fd = -1;
  {
    CleanupSignalsBlocked blocked;
    // mkostemp opens with O_CREAT|O_EXCL (never through a planted symlink or file) and
    // passes O_NOFOLLOW on.
    fd = ::mkostemp(tmp.data(), O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return cannot_write(path, errno);
    slot_ = register_temporary(tmp);
  }
  path_ = path;
  temporary_ = tmp;
  int err = ::fchmod(fd, mode) == 0 ? 0 : errno;
  if (err == 0) err = write_all(fd, text);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) {
    discard();
    return cannot_write(path, err);
  }
  return {};
}

Status StagedFile::commit() {
  assert(staged());
  CleanupSignalsBlocked blocked;
  const int err = ::rename(temporary_.c_str(), path_.c_str()) == 0 ? 0 : errno;
  if (err != 0) ::unlink(temporary_.c_str());
  unregister_temporary(slot_);
  slot_ = -1;
  temporary_.clear();
  if (err != 0) return cannot_write(path_, err);
  return {};
}

void StagedFile::discard() {
  if (!staged()) return;
  CleanupSignalsBlocked blocked;
  ::unlink(temporary_.c_str());
  unregister_temporary(slot_);
  slot_ = -1;
  temporary_.clear();
}

bool same_existing_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// ---- Standard streams ----

namespace {

// stderr's writes: to fd 2, whatever happens; a failure drops the message.
ssize_t write_stderr_or_drop(void*, const char* buf, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(STDERR_FILENO, buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(size);
}

// The first error of a write to stdout (0: none yet).
std::atomic<int> g_stdout_errno{0};

// stdout's writes: to fd 1; a failure is recorded for finish_stdout and the stream goes
// on as if written, so no caller throws (fmt::print) or stops halfway.
ssize_t write_stdout_recording_errors(void*, const char* buf, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(STDOUT_FILENO, buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int none = 0;
      g_stdout_errno.compare_exchange_strong(none, n < 0 ? errno : EIO);
      break;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(size);
}

}  // namespace

void guard_standard_streams() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // Opened the other way round: reading stdout or writing stdin fails (EBADF) instead
    // of quietly succeeding, and the descriptor is no longer free for a file.
    const int opened = ::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
  // Past a file size limit (ulimit -f) a write fails with EFBIG, said as "File too
  // large", instead of SIGXFSZ ending banksim with no word.
  std::signal(SIGXFSZ, SIG_IGN);
  // fmt::print(stderr, ...) throws std::system_error when a write fails; errors are
  // printed everywhere, so the stream itself never reports a failure.
  cookie_io_functions_t io{};
  io.write = write_stderr_or_drop;
  FILE* quiet = ::fopencookie(nullptr, "w", io);
  if (quiet != nullptr) {
    std::setvbuf(quiet, nullptr, _IONBF, 0);
    stderr = quiet;
  }
  // stdout likewise never fails a write, but remembers why one failed (errno is long
  // gone when a buffered write fails inside fputs).
  cookie_io_functions_t out_io{};
  out_io.write = write_stdout_recording_errors;
  FILE* recording = ::fopencookie(nullptr, "w", out_io);
  if (recording != nullptr) {
    std::fflush(stdout);
    std::setvbuf(recording, nullptr, ::isatty(STDOUT_FILENO) != 0 ? _IOLBF : _IOFBF, 1 << 16);
    stdout = recording;
  }
}

Status flush_stdout(int write_errno) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int flush_errno = errno;
  const int recorded = g_stdout_errno.load();
  if (write_errno == 0 && recorded == 0 && flushed && !std::ferror(stdout)) return {};
  const int err = write_errno != 0   ? write_errno
                  : recorded != 0    ? recorded
                  : flush_errno != 0 ? flush_errno
                                     : EIO;
  return io_error(fmt::format("cannot write to stdout: {}", reason(err)));
}

int finish_stdout(int status, std::string_view program, int write_errno) {
  const Status flushed = flush_stdout(write_errno);
  if (flushed.ok()) return status;
  fmt::print(stderr, "{}: {}\n", program, flushed.error().message);
  return kExitOutputFailed;
}

}  // namespace banksim
