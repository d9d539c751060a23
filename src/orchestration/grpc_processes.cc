#include "orchestration/grpc_processes.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace banksim {

namespace {

volatile std::sig_atomic_t g_caught = 0;

extern "C" void on_interrupt(int sig) {
  g_caught = sig;
}

constexpr int kWatched[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

}  // namespace

InterruptWatch::InterruptWatch() {
  g_caught = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  for (int i = 0; i < 3; ++i) sigaction(kWatched[i], &sa, &g_previous[i]);
}

InterruptWatch::~InterruptWatch() {
  for (int i = 0; i < 3; ++i) sigaction(kWatched[i], &g_previous[i], nullptr);
}

int InterruptWatch::caught() {
  return g_caught;
}

std::optional<std::string> listening_address(const std::string& line) {
  constexpr std::string_view kMarker = "listening on ";
  const size_t at = line.find(kMarker);
  if (at == std::string::npos) return std::nullopt;
  return line.substr(at + kMarker.size());
}

BranchProcesses::~BranchProcesses() {
  stop_all();
}

bool BranchProcesses::spawn(const std::string& name, const std::string& exe,
                            const std::vector<std::string>& args, std::string* error) {
  Child c{name, -1, -1, false, 0, {}};
  if (!start_child(&c, exe, args, error)) return false;
  children_.push_back(std::move(c));
  return true;
}

bool BranchProcesses::start_child(Child* slot, const std::string& exe,
                                  const std::vector<std::string>& args, std::string* error) {
  const std::string& name = slot->name;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    *error = fmt::format("cannot start {}: pipe: {}", name, std::strerror(errno));
    return false;
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls until exec.
  std::vector<std::string> argv_store;
  argv_store.push_back(exe);
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = fmt::format("cannot start {}: fork: {}", name, std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(fds[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: whichever runs first wins, both agree
  ::close(fds[1]);
  *slot = Child{name, pid, fds[0], false, 0, {}};
  return true;
}

std::string BranchProcesses::describe_exit(const Child& c) {
  if (WIFSIGNALED(c.status)) {
    return fmt::format("{} (pid {}) was killed by signal {} ({})", c.name, c.pid,
                       WTERMSIG(c.status), ::strsignal(WTERMSIG(c.status)));
  }
  if (WIFEXITED(c.status)) {
    return fmt::format("{} (pid {}) exited with status {}", c.name, c.pid, WEXITSTATUS(c.status));
  }
  return fmt::format("{} (pid {}) stopped", c.name, c.pid);
}

std::optional<std::string> BranchProcesses::exited() {
  std::string out;
  for (Child& c : children_) {
    if (c.reaped) continue;
    int status = 0;
    const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
    if (r != c.pid) continue;
    c.reaped = true;
    c.status = status;
    if (!out.empty()) out += "; ";
    out += describe_exit(c);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool BranchProcesses::read_addresses(int64_t timeout_ms, std::vector<std::string>* out,
                                     std::string* error) {
  std::vector<size_t> all;
  for (size_t i = 0; i < children_.size(); ++i) all.push_back(i);
  return read_addresses_of(all, timeout_ms, out, error);
}

void BranchProcesses::kill_one(size_t index) {
  Child& c = children_.at(index);
  if (!c.reaped) {
    ::kill(-c.pid, SIGKILL);  // its process group
    ::kill(c.pid, SIGKILL);   // in case it has not made the group yet
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    c.reaped = true;
    c.status = status;
  }
  if (c.stdout_fd >= 0) {
    ::close(c.stdout_fd);
    c.stdout_fd = -1;
  }
}

bool BranchProcesses::respawn(size_t index, const std::string& exe,
                              const std::vector<std::string>& args, int64_t timeout_ms,
                              std::string* address, std::string* error) {
  Child& c = children_.at(index);
  if (!c.reaped) {
    *error = fmt::format("{} (pid {}) is still running", c.name, c.pid);
    return false;
  }
  if (c.stdout_fd >= 0) ::close(c.stdout_fd);
  c.stdout_fd = -1;
  if (!start_child(&c, exe, args, error)) return false;
  std::vector<std::string> found;
  if (!read_addresses_of({index}, timeout_ms, &found, error)) return false;
  *address = found.front();
  return true;
}

bool BranchProcesses::read_addresses_of(const std::vector<size_t>& which_children,
                                        int64_t timeout_ms, std::vector<std::string>* out,
                                        std::string* error) {
  // A wall clock on purpose: this supervises real processes (orchestration, beside the gRPC
  // transport); nothing it decides reaches a simulated order or an output.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::optional<std::string>> found(which_children.size());
  size_t missing = which_children.size();
  while (missing > 0) {
    if (InterruptWatch::caught() != 0) {
      *error = fmt::format("interrupted by signal {}", static_cast<int>(InterruptWatch::caught()));
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      std::string names;
      for (size_t i = 0; i < which_children.size(); ++i) {
        if (!found[i]) names += (names.empty() ? "" : ", ") + children_[which_children[i]].name;
      }
      *error = fmt::format("{} did not start listening within {} ms", names, timeout_ms);
      return false;
    }
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < which_children.size(); ++i) {
      if (found[i]) continue;
      fds.push_back(pollfd{children_[which_children[i]].stdout_fd, POLLIN, 0});
      which.push_back(i);
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left, 50)));
    if (n < 0 && errno != EINTR) {
      *error = fmt::format("poll: {}", std::strerror(errno));
      return false;
    }
    for (size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Child& c = children_[which_children[which[k]]];
      char buf[512];
      const ssize_t r = ::read(c.stdout_fd, buf, sizeof(buf));
      if (r > 0) {
        c.buffer.append(buf, static_cast<size_t>(r));
        const size_t nl = c.buffer.find('\n');
        if (nl == std::string::npos) {
          if (c.buffer.size() > 4096) {
            *error = fmt::format("{} printed an unexpected line", c.name);
            return false;
          }
          continue;
        }
        const std::string line = c.buffer.substr(0, nl);
        std::optional<std::string> address = listening_address(line);
        if (!address) {
          *error =
              fmt::format("{} printed \"{}\", expected \"listening on HOST:PORT\"", c.name, line);
          return false;
        }
        found[which[k]] = std::move(address);
        --missing;
        continue;
      }
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        // The child closed its stdout: it is exiting. Wait briefly to say how.
        for (int i = 0; i < 100; ++i) {
          int status = 0;
          if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
            c.reaped = true;
            c.status = status;
            break;
          }
          ::usleep(10'000);
        }
        *error = c.reaped ? describe_exit(c) + " before it was listening"
                          : fmt::format("{} (pid {}) closed its output before it was listening",
                                        c.name, c.pid);
        return false;
      }
    }
  }
  out->clear();
  for (auto& a : found) out->push_back(*a);
  return true;
}

void BranchProcesses::stop_all() {
  for (size_t i = 0; i < children_.size(); ++i) kill_one(i);
}

std::vector<pid_t> BranchProcesses::pids() const {
  std::vector<pid_t> out;
  for (const Child& c : children_) out.push_back(c.pid);
  return out;
}

}  // namespace banksim
