// DriverNode: the process that hosts the customers of a gRPC run and gathers its history.
//
// Customers are the same Customer state machines the simulator runs; they issue their
// events concurrently (each customer one at a time, after the previous reply), and the
// branches send replies to this node's Deliver RPC. Branches report every step here before
// sending that step's messages (see branch_node.h), so:
//   - observations are appended in arrival order, which is a causal order: a customer's
//     reply precedes its next request, a write's apply precedes a query served after it at
//     that branch, a send precedes its delivery. The checkers need exactly that.
//   - in_flight = sends counted - deliveries counted is never below the true number of
//     messages in flight, and is 0 exactly when the bank is quiescent.
// (The alternative, a Lamport clock on every message and a sort at the end, orders the
// observations too, but leaves quiescence to guesswork: a report still on its way looks
// exactly like a quiet bank. Reporting first costs one local RPC per step and makes both
// exact.) Time stamps are wall-clock microseconds since the customers started (monotonic).
//
// --quiescent-queries: a query request is held here until no write traffic is in flight
// (write requests/replies, propagates, acks, counted from the reports), and new write
// requests are held while a released query has not been delivered yet; so every query is
// served with no write in flight, as in the simulator.
//
// Failure: a fault (a branch could not send or report, a send from here failed, a report
// is malformed), no progress for the idle timeout, or the caller's cancel check ends the
// wait with a one-line reason. Nothing here blocks without a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/layout.h"
#include "grpc/outbox.h"
#include "protocol/customer.h"
#include "protocol/effects.h"

namespace banksim {

struct DriverNodeOptions {
  bool quiescent_queries = false;
  int64_t rpc_timeout_ms = 2000;
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
  // returning a reason (polled every 20 ms).
  WaitResult wait(int64_t idle_timeout_ms,
                  const std::function<std::optional<std::string>()>& cancel);

  // The observations so far, in causal order.
  std::vector<TimedObservation> observations() const;
  uint64_t delivered() const;
  uint64_t sent() const;
  int64_t elapsed_us() const;
  // Stops serving and sending. Idempotent.
  void shutdown();

  // The handlers, public for the service adapter.
  grpc::Status on_deliver(const wire::Packet& p);
  grpc::Status on_report(const wire::StepEffects& s);
  void on_fault(const std::string& message);

 private:
  class Service;
  static bool is_write_traffic(const Message& m);
  int64_t now_us() const;
  // REQUIRES mu_ held. Counts a customer's sends and sends or parks them.
  void route_locked(const Message& m);
  void send_locked(const Message& m);
  void pump_gate_locked();
  void record_locked(const std::vector<Observation>& obs);
  std::string check_reply_locked(const Message& m) const;
  std::string stall_text_locked(int64_t idle_ms) const;

  std::shared_ptr<const BankLayout> layout_;
  DriverNodeOptions options_;
  std::unique_ptr<Service> service_;
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
  int64_t released_queries_ = 0;  // released, not yet delivered
  int64_t in_flight_ = 0;
  int64_t write_traffic_ = 0;
  uint64_t delivered_ = 0;
  uint64_t sent_ = 0;
  bool started_ = false;
  bool shut_down_ = false;
  std::optional<std::string> fault_;
  std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace banksim
