// RemoteExecutor: the executor (sim/executor.h) whose branches are real `banksim serve`
// processes. The cluster's processes are configured "conducted": a branch consumes a
// message only when it is delivered here (Deliver RPC), performs the step with the same
// Branch state machine and the same refuse() rules as the simulator, and hands the step's
// sends and observations back in the reply instead of sending anything. Customers stay in
// this process (their refuse() judged like a branch's reply from the network: a refused
// reply is a backend failure, not an internal error). Branch state lives in the processes:
// balances() asks each one (Status RPC).
//
// Crash and restart (REQUIRES a durable cluster, GrpcCluster::start(..., durable)): crash()
// reads the branch's volatile buffered money (Status RPC), then kills its process with
// SIGKILL; restart() starts it again on the same address from its durable file
// (GrpcCluster::restart_branch) and talks to it on a fresh channel.
//
// Timers (robust): a branch's timer fires in its process (FireTimer RPC); a customer's in
// this process. Every step hands back the timers it set or cancelled, for the World.
//
// The World's branch copies mirror the processes: after each step a process performed, the
// same step is taken on the World's copy (crash: rebuilt from its durable part), and the
// process's effects must equal the copy's (else a backend failure). The World reads its
// copies to decide what may happen next (World::timer_enabled: does a branch hold a request
// or buffer a propagation; a duplicate that changes nothing); what happens is the
// processes' steps, and balances() still asks them.
//
// So `replay --backend grpc` is the ordinary trace scheduler (replay_trace) over this
// executor: message ids, the in-flight set, the quiescent gate, the monitor, the timeline
// and the report are the simulator's, and the output equals the simulated replay's.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "grpc/branch_client.h"
#include "orchestration/grpc_cluster.h"
#include "sim/executor.h"

namespace banksim {

class RemoteExecutor final : public Executor {
 public:
  // REQUIRES: `cluster` is configured conducted and outlives the executor.
  explicit RemoteExecutor(GrpcCluster& cluster);

  bool deliver(Actors actors, const Delivery& d, Effects& out) override;
  bool balances(std::span<const Branch> in_world, std::vector<Money>* out) override;
  bool crash(Actors actors, int32_t branch, Money* lost) override;
  bool restart(Actors actors, int32_t branch) override;
  bool fire_timer(Actors actors, const TimerKey& k, Effects& out) override;
  const std::string& failure() const override { return failure_; }
  // The failure was an interrupt (SIGINT/SIGTERM), not the backend.
  bool interrupted() const;

 private:
  // Records why the execution cannot go on; a dead process explains a failed call better
  // than the call does, so wait a moment for one. Returns false.
  bool fail(const std::string& message);
  std::unique_ptr<BranchClient> client(int32_t branch) const;
  // A step a process reported (`reply`, for `what`): decoded, checked against the same step
  // on the World's copy (`mirror`, the copy's effects), appended to `out`.
  bool take_step(const wire::DeliverReply& reply, int32_t branch, const Effects& mirror,
                 const std::string& what, Effects& out);

  GrpcCluster& cluster_;
  std::vector<std::unique_ptr<BranchClient>> branches_;
  std::string failure_;
};

}  // namespace banksim
