// GrpcCluster: the branch processes of one gRPC execution: one `banksim serve` per
// scenario branch on 127.0.0.1, ports chosen by the OS, each told by the Configure RPC
// where its peers and the driver are. Owns the processes: destroying it kills and reaps
// every one, then removes its private directory (the scenario copy and the data dir).
//
// Crash and restart (kill_branch, restart_branch): a cluster started `durable` gives every
// branch `--data-dir` (one directory for the run, in its private directory), so a branch
// killed with SIGKILL and started again on the same address comes back from its durable
// state, configured as before. The conductor of `replay --backend grpc` uses them for a
// trace's crash and restart steps (RemoteExecutor); a timed run can use the same two calls
// to kill a free-running branch and bring it back (peers reconnect to the same address).
//
// Orchestration layer (banksim_orchestration): sees sim and grpc, never cli; `run --backend
// grpc` and `replay --backend grpc` (src/cli) start clusters through it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grpc/node_config.h"
#include "orchestration/grpc_processes.h"
#include "orchestration/grpc_timeouts.h"
#include "protocol/bank_layout.h"
#include "sim/scenario.h"
#include "sim/scenario_layout.h"

namespace banksim {

class GrpcCluster {
 public:
  // Starts every branch process and waits until each listens. nullptr and *error on failure
  // (the processes started so far are stopped).
  // `durable`: every branch keeps its durable state in the cluster's data directory.
  // `retransmit_ms`: robust's retransmission delay, given to free-running branches.
  static std::unique_ptr<GrpcCluster> start(const Scenario& scenario, ProtocolKind protocol,
                                            const GrpcTimeouts& timeouts, std::string* error,
                                            bool durable = false,
                                            int64_t retransmit_ms = kDefaultRetransmitMs);
  ~GrpcCluster();

  // Configures every branch: the driver's address, the peers, conducted or not.
  bool configure(const std::string& driver, bool conducted, std::string* error);

  // Kills branch `b`'s process (SIGKILL to its process group) and reaps it: a crash. Its
  // durable file stays; failure() does not report it. REQUIRES: a durable cluster.
  void kill_branch(int32_t b);
  // Starts branch `b`'s process again exactly as it was started, on the address it had, and
  // waits until it listens (the same start-up allowance as start()); it loads its durable
  // state from the data directory. Then configures it as configure() last did. False and
  // *error when it does not come back (its error, e.g. a corrupt durable file, is on stderr).
  // REQUIRES: kill_branch(b) before.
  bool restart_branch(int32_t b, std::string* error);
  // The branches' data directory, or empty when not durable.
  const std::string& data_dir() const { return data_dir_; }

  const std::vector<std::string>& addresses() const { return addresses_; }
  const std::shared_ptr<const BankLayout>& layout() const { return layout_; }
  const GrpcTimeouts& timeouts() const { return timeouts_; }
  // Why the execution must stop now: an interrupt or a branch process that exited.
  std::optional<std::string> failure();
  std::vector<pid_t> pids() const { return processes_.pids(); }
  // Kills and reaps every branch process. Idempotent.
  void stop() { processes_.stop_all(); }

 private:
  GrpcCluster() = default;
  // Configures branch `b` with the configuration configure() last gave.
  bool configure_one(int32_t b, std::string* error);

  std::shared_ptr<const BankLayout> layout_;
  GrpcTimeouts timeouts_;
  std::string private_dir_;  // removed by the destructor, after the processes are gone
  std::string data_dir_;
  std::string exe_;
  std::vector<std::vector<std::string>> spawn_args_;  // by branch: serve's arguments
  int64_t startup_ms_ = 0;
  int64_t retransmit_ms_ = kDefaultRetransmitMs;
  bool configured_ = false;
  std::string driver_;
  bool conducted_ = false;
  BranchProcesses processes_;  // after private_dir_: destroyed (killed) first
  std::vector<std::string> addresses_;
};

}  // namespace banksim
