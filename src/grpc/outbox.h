// Outbox: one link's queue of outgoing traffic, sent on one long-lived client stream
// (BranchService.Stream or DriverService.Stream) with gRPC's callback API: no thread of its
// own, no thread hand-off per message. What is pushed waits for flush(); while a write is
// in progress, whatever is pushed queues and goes out together as the next Batch, so a busy
// link costs one write per batch rather than one RPC per message. One outbox per link keeps
// per-link FIFO: envelopes reach a destination in the order they were pushed, and a report pushed
// before an envelope is never in a later batch than that envelope.
//
// The stream is opened on the first push and has no deadline (it lives for the run); a
// receiver that does not keep up is caught by the driver's idle timeout. A stream that ends
// (the receiver refused or rejected a message, died, or the transport failed) is a fault:
// `on_fault` is called once with a one-line message and everything after it is dropped (the
// run has failed; nothing downstream can be trusted). Bounded: more than kOutboxMax queued
// items is a fault too. `on_fault` runs on the outbox's own notifier thread, never inside
// push() or a gRPC callback, so it may take the locks its caller holds around push().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include "banksim_service.grpc.pb.h"

namespace banksim {

constexpr size_t kOutboxMax = 1'000'000;

class Outbox final : private grpc::ClientWriteReactor<wire::Batch> {
 public:
  using Reactor = grpc::ClientWriteReactor<wire::Batch>;
  // Binds the link's stream to `reactor` (stub->async()->Stream(ctx, response, reactor)).
  using OpenFn = std::function<void(grpc::ClientContext*, wire::Empty*, Reactor*)>;
  using FaultFn = std::function<void(const std::string&)>;

  // `destination` names the receiver in fault messages ("branch 2 at 127.0.0.1:40123").
  Outbox(std::string destination, OpenFn open, FaultFn on_fault);
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues one serialized Envelope. It leaves with the next flush() (or, while a write is
  // in progress, when that write completes).
  void push(std::string envelope);
  // Queues one step report, ahead of every envelope pushed after it.
  void push_report(wire::StepEffects report);
  // Starts writing what is queued, unless a write is in progress (its completion will).
  // Callers push everything one handler produced, then flush once: one write per batch.
  void flush();
  bool has_pending() const;
  // Cancels the stream, drops the queue and joins the thread. Idempotent.
  void stop();

  // Batches written so far (for tests and measurements).
  uint64_t batches_written() const;

 private:
  // gRPC reactions.
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;
  // REQUIRES mu_ held. False (and the fault raised) when the queue is full.
  bool admit_locked();
  // REQUIRES mu_ held, no write in progress, something pending. Moves the pending items
  // into current_ and marks a write in progress; the caller starts it after unlocking
  // (a reaction may run inline in StartWrite and takes mu_).
  void take_pending_locked();
  void raise_locked(std::string message);
  void notify_loop();

  std::string destination_;
  OpenFn open_;
  FaultFn on_fault_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  wire::Batch pending_;  // queued, not yet handed to the stream
  size_t pending_items_ = 0;
  wire::Batch current_;  // being written
  wire::Empty response_;
  uint64_t batches_written_ = 0;
  bool opened_ = false;   // the stream was started (so OnDone will come)
  bool writing_ = false;  // a write is in progress
  bool done_ = false;     // OnDone ran
  bool stopping_ = false;
  bool failed_ = false;
  std::string fault_;            // raised, for the notifier to report
  grpc::ClientContext context_;  // the stream's; TryCancel() from stop()
  std::thread notifier_;
};

// Applies the link tuning of make_channel(address, /*link=*/true) to a server.
void tune_link(grpc::ServerBuilder* b);

// Creates a channel to a loopback (or explicitly allowed) address; `link`: for link streams
// only (a lighter stack that does not enforce deadlines).
std::shared_ptr<grpc::Channel> make_channel(const std::string& address, bool link = false);

// "DEADLINE_EXCEEDED: Deadline Exceeded" etc.
std::string status_text(const grpc::Status& s);

}  // namespace banksim
