// BranchNode: one branch as a gRPC server. It hosts the same Branch state machine the
// simulator runs, consumes messages one at a time (under a mutex) from its link streams
// (Stream: one per peer and one from the driver, each carrying batches) or the unary
// Deliver RPC, and sends what the Branch emits to its peers and to the driver (which hosts
// the customers).
//
// Order of a step (free mode), and why:
//   1. decode the message and ask the Branch (refuse()); a bad one is rejected, state unchanged
//      (on a stream: the stream ends with the reason, and its sender reports the fault);
//   2. Branch::on_message;
//   3. hold the step's report (step number, consumed message, sends, observations) and
//      queue the sends, one Outbox (stream) per destination.
// A step that sends to the driver queues every held report there first, ahead of its reply.
// After a whole batch (flush point), the held reports ride with the traffic: all of them go
// to the driver's outbox if anything goes to the driver, else to the first peer that gets a
// message (which holds them in turn), else they
// wait; a held report never waits longer than about kReportHoldMs (a timer sends it to the
// driver). So in the sync protocol a whole operation's reports reach the driver in one
// write, with its reply, instead of one write per step.
// Nothing waits for the driver, and reports reach it out of order and by different paths:
// the driver orders them itself by per-branch step number and causality (a step is taken
// once its delivered message has been sent by a step already taken; see driver_node.h), so
// in-flight counting stays exact and quiescence is detected, not guessed.
//
// Conducted mode (replay): the step's effects go back in the DeliverReply; the branch sends
// and reports nothing, so the caller (orchestration/remote_executor.h, under the World's
// trace scheduler) alone decides what happens next.
//
// Durable state (with a DurableStore, `serve --data-dir`): after step 2, when the step
// changed Branch::durable(), the store writes it (fsync'd) before step 3, so no reply and
// no send that depends on the step leaves the process before its durable effect is on disk.
// A branch that cannot write it stops at once (exit kExitDurableWriteFailed): going on would
// answer from a state that a crash would lose.
//
// Robust, free mode (`run --backend grpc --protocol robust`): the state machine's timer
// effects arm and disarm real timers (NodeConfiguration::retransmit_ms after they are set);
// when one fires while still armed, the timer thread feeds it to Branch::on_timer as a step.
// The Branch still reads no clock. Deliveries may repeat (retransmissions), so they are
// checked as a faulty network's (Branch::refuse with repeats_possible). Links reconnect
// (Outbox's reconnect mode): a peer that dies and comes back is not a fault. Reports are not
// held or carried: a step with observations gets the next report number (counted across
// restarts), and its report goes to the driver ahead of any of the step's sends. With a
// DurableStore, the steps of one incoming batch are committed as a group: once the batch is
// consumed, the state they produced is saved with their reports (one atomic, fsync'd write),
// the reports go on the unary Report RPC, answered, and only then are the group's sends
// queued. So no effect of a step leaves before it is on disk, and the driver has the report
// of every step whose effects anyone saw, even when this process is killed just after the
// save: a restarted branch sends its last saved group again when it is configured (the
// driver ignores reports it has) and arms the timers of its unacknowledged propagations.
// (One save per batch rather than per step: under load a batch holds several messages.)
// Without a store (no crash to survive) the report is queued on the driver's stream, ahead
// of the step's reply there. Steps without observations (acks, repeats, timers) are not
// reported: the driver's history needs only observations.
//
// Threads: every handler runs on the process's LinkEngine thread (one completion queue
// for all methods, see link_engine.h); a timer thread flushes old held reports (it sleeps
// while none is held). No thread per peer: a process has the engine's two threads, the
// timer and gRPC's own, whatever the number of branches. The Branch state is touched only
// under mu_.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/durable_store.h"
#include "grpc/link_engine.h"
#include "grpc/node_config.h"
#include "grpc/outbox.h"
#include "grpc/real_timers.h"
#include "protocol/bank_layout.h"
#include "protocol/branch.h"

namespace banksim {

// How long held step reports wait for traffic to ride with before the timer sends them
// (the timer ticks at this period, so the wait is between one and two of it).
constexpr int64_t kReportHoldMs = 1;

// The exit status of a branch process that could not write its durable state (I/O; the
// CLI's kExitIo, checked there).
constexpr int kExitDurableWriteFailed = 4;

class BranchNode {
 public:
  // REQUIRES: self is a branch index of layout.
  BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self);
  // A branch with a data directory: it starts from `restored` (a state the store loaded)
  // when given, else from its initial balance, and saves every change through `store`.
  // REQUIRES: `restored` fits the layout (durable_from_proto checked it).
  BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self,
             std::unique_ptr<DurableStore> store, const std::optional<BranchDurable>& restored);
  ~BranchNode();  // shutdown()
  BranchNode(const BranchNode&) = delete;
  BranchNode& operator=(const BranchNode&) = delete;

  // Listens on `address` (HOST:PORT; port 0 lets the OS choose) and serves. Sets *port to
  // the port bound. The caller decides which hosts are acceptable.
  bool start(const std::string& address, int* port, std::string* error);
  // Same as the Configure RPC. Fails when already configured or `c` is incomplete.
  bool configure(const NodeConfiguration& c, std::string* error);
  // Stops serving and sending. Idempotent.
  void shutdown();

  int32_t self() const { return self_; }
  std::string name() const { return layout_->actor_name(self_); }

  // The handlers (registered by listen(); public for tests).
  grpc::Status on_configure(const wire::Configuration& c);
  grpc::Status on_deliver(const wire::Packet& p, wire::DeliverReply* reply);
  // One batch of a link stream: its envelopes in order; its reports (other branches', riding
  // along) are held for the driver. Stops at the first refused envelope and returns why.
  grpc::Status on_batch(const wire::Batch& b);
  grpc::Status on_status(wire::BranchStatus* out);
  // Conducted mode only: Branch::on_timer, durable state saved, the step in `reply`.
  grpc::Status on_fire_timer(const wire::Timer& t, wire::DeliverReply* reply);

 private:
  void listen();
  void fault(const std::string& message);
  // REQUIRES mu_ held. One step: check, consume, then report and send (free mode) or fill
  // `reply` (conducted mode; `reply` non-null).
  // repeats_possible: as Branch::refuse (set by a conductor whose World took a fault).
  grpc::Status step_locked(const std::string& envelope, wire::DeliverReply* reply,
                           bool repeats_possible);
  // REQUIRES mu_ held. The flush point: held reports join the traffic (see above) or, with
  // `to_driver`, go to the driver regardless; then every outbox writes.
  void flush_locked(bool to_driver);
  void hold_locked(wire::StepEffects report);
  void timer_loop();
  // Robust, free mode (see above).
  void robust_timer_loop();
  // REQUIRES mu_ held; the step's effects in effects_. Reports it, arms its timers, queues
  // its sends; with a store, into the group that commit_group_locked() saves and sends
  // (at once unless grouping_). `fired`: a timer step.
  void finish_robust_step_locked(const std::string& delivered, const TimerKey* fired);
  // REQUIRES mu_ held. Group commit: saves the state with the group's reports (one atomic,
  // fsync'd write), sends the reports (answered), then queues the group's sends.
  void commit_group_locked();
  // REQUIRES mu_ held. The Report RPC (answered); false after raising a fault.
  bool send_reports_locked(const wire::Batch& reports);
  // REQUIRES mu_ held. Writes Branch::durable() when the step changed it (see above).
  void save_durable_locked();

  std::shared_ptr<const BankLayout> layout_;
  int32_t self_;
  wire::BranchService::AsyncService service_;
  LinkEngine engine_;  // after service_: its calls refer to the service
  std::unique_ptr<grpc::Server> server_;

  std::mutex mu_;  // guards everything below
  Branch branch_;
  std::unique_ptr<DurableStore> store_;  // null without --data-dir
  Effects effects_;
  uint64_t steps_ = 0;
  bool configured_ = false;
  bool shut_down_ = false;
  NodeConfiguration config_;
  std::unique_ptr<wire::DriverService::Stub> driver_;
  std::vector<wire::StepEffects> held_reports_;       // own and forwarded, for the driver
  std::chrono::steady_clock::time_point held_since_;  // when held_reports_ last became non-empty
  std::condition_variable timer_cv_;
  bool timer_idle_ = false;  // the timer sleeps until a report is held
  std::thread timer_;
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // by branch index; back(): the driver
  // Robust, free mode.
  bool robust_free_ = false;
  uint64_t reported_ = 0;  // step reports made, across restarts (the store's)
  bool grouping_ = false;  // on_batch: steps join the group until the batch ends
  wire::Batch group_reports_;
  std::vector<std::pair<size_t, std::string>> group_sends_;  // (outbox, envelope)
  RealTimers timers_;                                        // robust, free mode
};

}  // namespace banksim
