// DriverNode: the process that hosts the customers of a gRPC run and gathers its history.
//
// Customers are the same Customer state machines the simulator runs; they issue their
// events concurrently (each customer one at a time, after the previous reply). Branches
// stream their step reports and their replies to customers here (Stream), a step's report
// ahead of the replies it sent; a report may also ride through other branches first (see
// branch_node.h). So reports arrive in any order, even one branch's, and the driver orders
// them itself: it *takes* a step (appends its observations, counts its sends) only when
//   - it is the next step of its branch (step numbers are 1, 2, 3... per branch), and
//   - the message it consumed was sent by a step already taken (or by a customer here),
// and it delivers a reply to its customer only once the step that sent it is taken. So:
//   - observations are appended in a causal order: a customer's reply precedes its next
//     request, a write's apply precedes a query served after it at that branch, a send
//     precedes its delivery. The checkers need exactly that.
//   - in_flight (messages sent by taken steps, not yet consumed by a taken step) is 0
//     exactly when the bank is quiescent: any step not yet taken consumed a message that is
//     still counted, or one sent by another untaken step, back to a customer's request.
// A message is identified by (kind, from, to, customer, event): the protocols never send
// two messages with the same identity, and the driver refuses a second one. A reply is
// accepted only when a reported step sent exactly that message (unary Deliver: a step
// already taken; on a stream: a step received on it, taken or waiting). Time stamps are
// wall-clock microseconds since the customers started (monotonic), taken when a step or
// reply is taken.
//
// --quiescent-queries: a query request is held here until no write traffic is in flight
// (write requests/replies, propagates, acks, counted from the taken steps), and new write
// requests are held while a released query has not been delivered yet; so every query is
// served with no write in flight, as in the simulator.
//
// Robust (DriverNodeOptions::robust; `run --protocol robust`): messages repeat
// (retransmissions) and a branch may be killed and restarted, losing what it had queued, so
// the exact in-flight accounting above does not apply. Instead:
//   - customers retransmit: their timer effects arm real timers (retransmit_ms), fired on
//     this process's timer thread into Customer::on_timer;
//   - branches report only steps with observations, numbered 1, 2, ... per branch across
//     restarts, each ahead of the step's sends (branch_node.h: on the unary Report RPC with
//     durable state, a batch's steps together, else on the stream ahead of the replies):
//     they are taken in number order (a report taken already, sent again by a restarted
//     branch, is ignored), so every observation of a step precedes every effect of it here;
//   - a reply is checked by its customer as a faulty network's (Customer::refuse with
//     repeats_possible); a repeat is ignored;
//   - quiescence: every customer is done, no report waits for an earlier one, and the
//     caller's `settled` check holds (run: every branch has no unacknowledged propagation,
//     no held request and no buffered write, and every report it made is taken, read with
//     the Status RPC), after which nothing can change any more.
//
// Failure: a fault (a branch could not send, a send from here failed, a report is malformed
// or out of order, a reply nobody sent), no progress for the idle timeout, or the caller's
// cancel check ends the wait with a one-line reason. Nothing here blocks without a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
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
#include "grpc/link_engine.h"
#include "grpc/outbox.h"
#include "grpc/real_timers.h"
#include "grpc/wire_convert.h"
#include "protocol/bank_layout.h"
#include "protocol/customer.h"
#include "protocol/effects.h"

namespace banksim {

struct DriverNodeOptions {
  bool quiescent_queries = false;
  int64_t rpc_timeout_ms = 2000;
  bool robust = false;          // see above
  int64_t retransmit_ms = 200;  // robust: customers' retransmission delay
};

struct TimedObservation {
  int64_t time_us = 0;
  Observation obs;
};

class DriverNode {
 public:
  DriverNode(std::shared_ptr<const BankLayout> layout, DriverNodeOptions options);
  ~DriverNode();  // shutdown()
  DriverNode(const DriverNode&) = delete;
  DriverNode& operator=(const DriverNode&) = delete;

  // Listens on `address` (HOST:PORT, port 0: the OS chooses); sets *port.
  bool start(const std::string& address, int* port, std::string* error);
  // Connects to the branches (addresses by branch index) and issues every customer's first
  // event. Call once, after every branch is configured.
  void start_customers(const std::vector<std::string>& branch_addresses);

  enum class Outcome { kQuiescent, kFault, kStalled, kCancelled };
  struct WaitResult {
    Outcome outcome = Outcome::kQuiescent;
    std::string message;  // why, when not quiescent
  };
  // Blocks until quiescence, a fault, `idle_timeout_ms` without any step, or `cancel`
  // returning a reason (polled every 20 ms, and at once when answered() reaches the value
  // watch_answered() set). Robust: quiescence needs `settled` too (see above).
  WaitResult wait(int64_t idle_timeout_ms,
                  const std::function<std::optional<std::string>()>& cancel,
                  const std::function<bool()>& settled = {});
  // Customer operations answered so far.
  uint64_t answered() const;
  // Wakes wait() (to poll `cancel`) when answered() reaches `n`.
  void watch_answered(uint64_t n);
  // Restarts the idle clock (after the caller spent time restarting a branch).
  void note_progress();
  // Robust: reports sent again by a restarted branch (ignored) and customer retransmissions.
  uint64_t repeated_reports() const;
  uint64_t retransmissions() const;
  // Robust: how many of branch `b`'s reports were taken (numbers 1..n).
  uint64_t reports_taken(int32_t b) const;

  // The observations so far, in causal order.
  std::vector<TimedObservation> observations() const;
  // Messages delivered here and taken (robust: replies only, repeats included; the branches
  // count their own deliveries).
  uint64_t delivered() const;
  // Per answered customer operation: microseconds from sending its request to taking its
  // reply, in the order the replies were taken.
  std::vector<int64_t> latencies_us() const;
  uint64_t sent() const;
  int64_t elapsed_us() const;
  // Stops serving and sending. Idempotent.
  void shutdown();

  // The handlers (registered by listen(); public for tests).
  grpc::Status on_deliver(const wire::Packet& p);
  // One batch of a branch's stream: its reports first, then its replies.
  grpc::Status on_batch(const wire::Batch& b);
  // Robust: one branch's step reports (Batch.reports), in order.
  grpc::Status on_report(const wire::Batch& b);
  void on_fault(const std::string& message);

 private:
  void listen();
  // (kind, from, to, customer, event): unique per message of a run.
  using MessageKey = std::tuple<int32_t, int32_t, int32_t, int32_t, int32_t>;
  struct ReceivedStep {
    int32_t branch = 0;
    uint64_t step = 0;
    DecodedStep effects;
  };
  static MessageKey key_of(const Message& m);
  int64_t now_us() const;
  // REQUIRES mu_ held. Counts a customer's sends and sends or parks them.
  void route_locked(const Message& m);
  void send_locked(const Message& m);
  void pump_gate_locked();
  void record_locked(const std::vector<Observation>& obs);
  // REQUIRES mu_ held. Queue a received step / reply; empty, or why it is refused.
  std::string receive_step_locked(ReceivedStep step);
  std::string receive_reply_locked(const Message& m, bool on_stream);
  // REQUIRES mu_ held. Takes every step and reply whose causes are taken; then wakes wait().
  void advance_locked();
  bool step_ready_locked(const ReceivedStep& s);
  void take_step_locked(const ReceivedStep& s);
  void take_reply_locked(const Message& m);
  void set_fault_locked(const std::string& message);
  void flush_locked();
  std::string check_reply_locked(const Message& m) const;
  std::string stall_text_locked(int64_t idle_ms) const;
  // Robust (see above).
  void take_reply_robust_locked(const Message& m);
  // A report, in number order per branch (one taken already is ignored); empty or why not.
  std::string take_report_locked(ReceivedStep step);
  void timer_loop();

  std::shared_ptr<const BankLayout> layout_;
  DriverNodeOptions options_;
  wire::DriverService::AsyncService service_;
  LinkEngine engine_;  // after service_: its calls refer to the service
  std::unique_ptr<grpc::Server> server_;
  std::chrono::steady_clock::time_point start_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::vector<Customer> customers_;
  Effects effects_;
  std::vector<TimedObservation> observations_;
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // by branch index
  std::vector<Message> parked_queries_;
  std::vector<Message> parked_writes_;
  int64_t released_queries_ = 0;                            // released, not yet delivered
  std::map<MessageKey, Message> in_flight_;                 // sent by a taken step or a customer
  std::vector<std::map<uint64_t, ReceivedStep>> received_;  // per branch, by step: not taken
  std::vector<uint64_t> next_step_;                         // per branch: the next to take
  std::vector<Message> waiting_replies_;  // received on a stream; their step is not taken yet
  std::vector<int64_t> issued_us_;        // per customer: when its outstanding request left
  std::vector<int64_t> latencies_us_;
  QuiescentGate gate_;  // counts write traffic in flight, for --quiescent-queries
  uint64_t delivered_ = 0;
  uint64_t sent_ = 0;
  bool started_ = false;
  bool shut_down_ = false;
  std::optional<std::string> fault_;
  std::chrono::steady_clock::time_point last_progress_;
  // Robust.
  uint64_t watch_answered_ = 0;
  uint64_t repeated_reports_ = 0;
  uint64_t retransmissions_ = 0;
  RealTimers timers_;  // the customers' (robust)
  std::thread timer_;
};

}  // namespace banksim
