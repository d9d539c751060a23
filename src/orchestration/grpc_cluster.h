// GrpcCluster: the branch processes of one gRPC execution: one `banksim serve` per
// scenario branch on 127.0.0.1, ports chosen by the OS, each told by the Configure RPC
// where its peers and the driver are. Owns the processes: destroying it kills and reaps
// every one. Orchestration layer (banksim_orchestration): sees sim and grpc, never cli;
// `run --backend grpc` and `replay --backend grpc` (src/cli) start clusters through it.
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
  static std::unique_ptr<GrpcCluster> start(const Scenario& scenario, ProtocolKind protocol,
                                            const GrpcTimeouts& timeouts, std::string* error);

  // Configures every branch: the driver's address, the peers, conducted or not.
  bool configure(const std::string& driver, bool conducted, std::string* error);

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

  std::shared_ptr<const BankLayout> layout_;
  GrpcTimeouts timeouts_;
  BranchProcesses processes_;
  std::vector<std::string> addresses_;
};

}  // namespace banksim
