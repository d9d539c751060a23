// Outbox: one destination's queue of outgoing messages and the thread that sends them, one
// unary Deliver RPC at a time, each with a deadline. One outbox per link keeps per-link FIFO:
// messages reach a destination in the order they were pushed.
//
// A failed send (deadline exceeded, refused, rejected by the receiver) is a fault: the outbox
// calls `on_fault` once with a one-line message and drops everything after it (the run has
// failed; nothing downstream can be trusted). Bounded: more than kOutboxMax queued messages
// is a fault too.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"

namespace banksim {

constexpr size_t kOutboxMax = 1'000'000;

class Outbox {
 public:
  // Sends one packet; returns the RPC's status.
  using SendFn = std::function<grpc::Status(grpc::ClientContext*, const wire::Packet&)>;
  using FaultFn = std::function<void(const std::string&)>;

  // `destination` names the receiver in fault messages ("branch 2 at 127.0.0.1:40123").
  Outbox(std::string destination, SendFn send, int64_t rpc_timeout_ms, FaultFn on_fault);
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues one serialized Envelope; `what` describes it for fault messages.
  void push(std::string envelope, std::string what);
  // Cancels an RPC in progress, drops the queue and joins the thread. Idempotent.
  void stop();

 private:
  void loop();

  std::string destination_;
  SendFn send_;
  int64_t rpc_timeout_ms_;
  FaultFn on_fault_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::string>> queue_;  // (bytes, what)
  bool stopping_ = false;
  bool failed_ = false;
  grpc::ClientContext* current_ = nullptr;  // the RPC in progress, for stop()
  std::thread thread_;
};

// Creates a channel to a loopback (or explicitly allowed) address.
std::shared_ptr<grpc::Channel> make_channel(const std::string& address);

// "DEADLINE_EXCEEDED: Deadline Exceeded" etc.
std::string status_text(const grpc::Status& s);

}  // namespace banksim
