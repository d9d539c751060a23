// BranchNode: one branch as a gRPC server. It hosts the same Branch state machine the
// simulator runs, consumes messages one at a time (under a mutex) from its link streams
// (Stream: one per peer and one from the driver, each carrying batches) or the unary
// Deliver RPC, and sends what the Branch emits to its peers and to the driver (which hosts
// the customers).
//
// Order of a step (free mode), and why:
//   1. decode and check the message (MessageGuard); a bad one is rejected, state unchanged
//      (on a stream: the stream ends with the reason, and its sender reports the fault);
//   2. Branch::on_message;
//   3. queue the step's report (step number, consumed message, sends, observations) on the
//      driver's outbox, then queue the sends, one Outbox (thread + stream) per destination.
// Nothing waits for the driver: the report travels in the same FIFO stream as this
// branch's replies, ahead of them, and carries this branch's step number. The driver puts
// reports into a causal order itself (a step is taken in once its delivered message has
// been sent by a step it already took; see driver_node.h), so in-flight counting stays
// exact and quiescence is detected, not guessed. Holding the mutex while queueing keeps one
// branch's reports in step order.
//
// Conducted mode (replay): the step's effects go back in the DeliverReply; the branch sends
// and reports nothing, so the conductor alone decides what happens next.
//
// Threads: gRPC's server threads call the handlers (one per open stream); each Outbox has
// its own thread. The Branch state is touched only under mu_.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/layout.h"
#include "grpc/message_guard.h"
#include "grpc/node_config.h"
#include "grpc/outbox.h"
#include "protocol/branch.h"

namespace banksim {

class BranchNode {
 public:
  // REQUIRES: self is a branch index of layout.
  BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self);
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

  // The handlers, public for the service adapter.
  grpc::Status on_configure(const wire::Configuration& c);
  grpc::Status on_deliver(const wire::Packet& p, wire::DeliverReply* reply);
  // One batch of a link stream: its envelopes in order. Reports are refused (branches take
  // none). Stops at the first refused envelope and returns why.
  grpc::Status on_batch(const wire::Batch& b);
  grpc::Status on_status(wire::BranchStatus* out);

 private:
  class Service;
  void fault(const std::string& message);
  // REQUIRES mu_ held. One step: check, consume, then report and send (free mode) or fill
  // `reply` (conducted mode; `reply` non-null).
  grpc::Status step_locked(const std::string& envelope, wire::DeliverReply* reply);

  std::shared_ptr<const BankLayout> layout_;
  int32_t self_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  std::mutex mu_;  // guards everything below
  Branch branch_;
  MessageGuard guard_;
  Effects effects_;
  uint64_t steps_ = 0;
  bool configured_ = false;
  bool shut_down_ = false;
  NodeConfiguration config_;
  std::unique_ptr<wire::DriverService::Stub> driver_;
  wire::StepEffects report_;                       // scratch for step_locked
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // by branch index; back(): the driver
};

}  // namespace banksim
