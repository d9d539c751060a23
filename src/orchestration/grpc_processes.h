// The operating-system side of a gRPC execution: starting one `banksim serve` process per
// branch, learning the port each one bound, noticing one that dies, and killing and reaping
// them all on every exit path. Orchestration layer (banksim_orchestration): plain POSIX,
// no gRPC calls; GrpcCluster (grpc_cluster.h) is its user.
//
// Guarantees: a child runs in its own process group (a terminal's Ctrl-C reaches only this
// process, which then stops the children itself) and gets SIGKILL if this process dies
// first (PR_SET_PDEATHSIG), so no branch process outlives its driver, even one killed by
// SIGKILL. BranchProcesses' destructor kills (SIGKILL) and reaps every child it started.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace banksim {

// While alive, SIGINT, SIGTERM and SIGHUP set a flag instead of ending the process; the
// previous handlers come back on destruction. One at a time.
class InterruptWatch {
 public:
  InterruptWatch();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;
  // The signal caught, or 0.
  static int caught();
};

// The one place that reads serve's "listening on HOST:PORT" line (its format belongs to
// serve_command): the address, or nullopt when `line` is not that line.
std::optional<std::string> listening_address(const std::string& line);

class BranchProcesses {
 public:
  BranchProcesses() = default;
  ~BranchProcesses();  // stop_all()
  BranchProcesses(const BranchProcesses&) = delete;
  BranchProcesses& operator=(const BranchProcesses&) = delete;

  // Starts `exe args...` with stdout on a pipe (stderr shared with this process). `name`
  // ("branch 2") names it in errors.
  bool spawn(const std::string& name, const std::string& exe, const std::vector<std::string>& args,
             std::string* error);
  // Reads each child's "listening on HOST:PORT" line, in spawn order. Fails when a child
  // exits first, on timeout, or on an interrupt.
  bool read_addresses(int64_t timeout_ms, std::vector<std::string>* out, std::string* error);
  // Child `index` (spawn order) alone: SIGKILLs its process group and reaps it, as a crash
  // does; exited() does not report it. REQUIRES: index < size().
  void kill_one(size_t index);
  // Starts child `index` again (REQUIRES: kill_one(index) or an exit reaped it) with new
  // arguments, and reads its "listening on" line into *address (as read_addresses does).
  bool respawn(size_t index, const std::string& exe, const std::vector<std::string>& args,
               int64_t timeout_ms, std::string* address, std::string* error);
  size_t size() const { return children_.size(); }
  // Describes every child that has exited ("branch 2 (pid 123) was killed by signal 9
  // (Killed)"), or nullopt when all are running. Reaps them.
  std::optional<std::string> exited();
  // SIGKILLs and reaps every child still running. Idempotent.
  void stop_all();

  std::vector<pid_t> pids() const;

 private:
  struct Child {
    std::string name;
    pid_t pid = -1;
    int stdout_fd = -1;
    bool reaped = false;
    int status = 0;
    std::string buffer;
  };
  static std::string describe_exit(const Child& c);
  // Starts a child process for `slot` (fills everything but the name).
  bool start_child(Child* slot, const std::string& exe, const std::vector<std::string>& args,
                   std::string* error);
  // read_addresses for the children at `which`; out[k] for which[k].
  bool read_addresses_of(const std::vector<size_t>& which, int64_t timeout_ms,
                         std::vector<std::string>* out, std::string* error);

  std::vector<Child> children_;
};

}  // namespace banksim
