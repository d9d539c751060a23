// Outbox: one link's queue of outgoing traffic and the thread that sends it on one
// long-lived client stream (BranchService.Stream or DriverService.Stream). Whatever is queued
// while a write is in progress goes out together as the next Batch, so a busy link costs one
// write per batch rather than one RPC per message. One outbox per link keeps per-link FIFO:
// envelopes reach a destination in the order they were pushed, and a report pushed before
// an envelope is never in a later batch than that envelope.
//
// The stream is opened on the first push and has no deadline (it lives for the run); a
// receiver that does not keep up is caught by the driver's idle timeout. A failed write or a
// stream the receiver ends (refused, rejected a message, died) is a fault: the outbox calls
// `on_fault` once with a one-line message and drops everything after it (the run has failed;
// nothing downstream can be trusted). Bounded: more than kOutboxMax queued items is a fault
// too.
#pragma once

#include <condition_variable>
#include <cstdint>
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
  using Writer = grpc::ClientWriterInterface<wire::Batch>;
  // Opens the link's stream.
  using OpenFn = std::function<std::unique_ptr<Writer>(grpc::ClientContext*, wire::Empty*)>;
  using FaultFn = std::function<void(const std::string&)>;

  // `destination` names the receiver in fault messages ("branch 2 at 127.0.0.1:40123").
  Outbox(std::string destination, OpenFn open, FaultFn on_fault);
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues one serialized Envelope.
  void push(std::string envelope);
  // Queues one step report (driver links only), ahead of every envelope pushed after it.
  void push_report(wire::StepEffects report);
  // Cancels the stream, drops the queue and joins the thread. Idempotent.
  void stop();

  // Batches written so far (for tests and measurements).
  uint64_t batches_written() const;

 private:
  void loop();
  // REQUIRES mu_ held. False (and a fault to raise) when the queue is full.
  bool admit_locked();

  std::string destination_;
  OpenFn open_;
  FaultFn on_fault_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  wire::Batch pending_;  // queued, not yet handed to the stream
  size_t pending_items_ = 0;
  uint64_t batches_written_ = 0;
  bool stopping_ = false;
  bool failed_ = false;
  bool overflowed_ = false;
  grpc::ClientContext context_;  // the stream's; TryCancel() from stop()
  std::thread thread_;
};

// Creates a channel to a loopback (or explicitly allowed) address.
std::shared_ptr<grpc::Channel> make_channel(const std::string& address);

// "DEADLINE_EXCEEDED: Deadline Exceeded" etc.
std::string status_text(const grpc::Status& s);

}  // namespace banksim
