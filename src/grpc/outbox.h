// Outbox: one link's queue of outgoing traffic, sent on one long-lived client stream
// (BranchService.Stream or DriverService.Stream) with gRPC's async API on the process's
// LinkEngine: writes start inline from whichever thread flushes (usually the engine's own,
// in a handler) and complete on the engine's thread; no thread hand-off per message. What
// is pushed waits for flush(); while a write is in progress, whatever is pushed queues and
// goes out together as the next Batch, so a busy link costs one write per batch rather
// than one RPC per message. One outbox per link keeps per-link FIFO: envelopes reach a
// destination in the order they were pushed, and a report pushed before an envelope is
// never in a later batch than that envelope.
//
// The stream is opened on the first push and has no deadline (it lives for the run); a
// receiver that does not keep up is caught by the driver's idle timeout. A stream that ends
// (the receiver refused or rejected a message, died, or the transport failed) is a fault:
// `on_fault` is called once with a one-line message and everything after it is dropped (the
// run has failed; nothing downstream can be trusted). Bounded: more than kOutboxMax queued
// items is a fault too. `on_fault` runs on the engine's side thread (LinkEngine::post),
// never inside push() or on the completion-queue thread, so it may take the locks its
// caller holds around push() and make blocking calls. An outbox has no thread of its own:
// a process with hundreds of links must not have a thread per link.
//
// Reconnecting (the robust protocol, whose retransmissions resend whatever a link loses): a
// stream that ends because its receiver died or could not take it yet (any status but
// INVALID_ARGUMENT, a rejected message: a protocol bug, still a fault) is not a fault. What
// the stream was writing is lost; once both of its completions are in, the next flush opens
// a new stream on the same channel (gRPC reconnects the channel itself), no sooner than a
// backoff after the failure (50 ms, doubling up to 800 ms, back to 50 ms after a write
// succeeds). Pushes meanwhile queue, bounded as above. reconnects() counts new streams.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/link_engine.h"

namespace banksim {

constexpr size_t kOutboxMax = 1'000'000;

class Outbox final {
 public:
  using Writer = grpc::ClientAsyncWriter<wire::Batch>;
  // Prepares the link's stream (stub->PrepareAsyncStream(ctx, response, cq)); not started.
  using OpenFn = std::function<std::unique_ptr<Writer>(grpc::ClientContext*, wire::Empty*,
                                                       grpc::CompletionQueue*)>;
  using FaultFn = std::function<void(const std::string&)>;

  // `destination` names the receiver in fault messages ("branch 2 at 127.0.0.1:40123").
  // `engine` must outlive the outbox's stream: stop() before the engine stops.
  // `reconnect`: see above.
  Outbox(std::string destination, LinkEngine* engine, OpenFn open, FaultFn on_fault,
         bool reconnect = false);
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues one serialized Envelope. It leaves with the next flush() (or, while a write is
  // in progress, when that write completes).
  void push(std::string envelope);
  // Queues one step report, ahead of every envelope pushed after it.
  void push_report(wire::StepEffects report);
  // Starts writing what is queued, unless a write is in progress (its completion will).
  // The write starts inline, on the calling thread.
  // Callers push everything one handler produced, then flush once: one write per batch.
  void flush();
  bool has_pending() const;
  // Cancels the stream, drops the queue and waits until the stream is done (on the engine's
  // thread: never call it there). A fault raised before still reaches `on_fault` (on the
  // engine's side thread); none after. Idempotent.
  void stop();

  // Batches written so far (for tests and measurements).
  uint64_t batches_written() const;
  // Streams that ended and were replaced (reconnecting outboxes only).
  uint64_t reconnects() const;

 private:
  // Completions, on the engine's thread.
  void on_write_done(bool ok);
  void on_done();
  // REQUIRES mu_ held. False (and the fault raised) when the queue is full.
  bool admit_locked();
  // REQUIRES mu_ held, no write in progress, something pending. Moves the pending items
  // into current_, marks a write in progress and starts it (opening the stream first).
  void write_pending_locked();
  void raise_locked(std::string message);
  // REQUIRES mu_ held. Reconnecting: once the ended stream's completions are both in, forgets
  // it so that a flush after the backoff opens a new one.
  void retire_stream_locked();

  std::string destination_;
  LinkEngine* engine_;
  OpenFn open_;
  FaultFn on_fault_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  wire::Batch pending_;  // queued, not yet handed to the stream
  size_t pending_items_ = 0;
  wire::Batch current_;  // being written
  wire::Empty response_;
  uint64_t batches_written_ = 0;
  bool opened_ = false;             // the stream was started (so on_done will come)
  bool writing_ = false;            // a write is in progress
  bool done_ = false;               // on_done ran
  bool write_outstanding_ = false;  // a Write was started and has not completed
  bool stopping_ = false;
  bool failed_ = false;
  bool reconnect_ = false;
  bool retiring_ = false;  // the stream ended and will be replaced
  uint64_t reconnects_ = 0;
  std::chrono::milliseconds backoff_{50};
  std::chrono::steady_clock::time_point retry_at_{};  // no new stream before this
  std::unique_ptr<grpc::ClientContext> context_;      // the stream's; TryCancel() from stop()
  std::unique_ptr<Writer> writer_;
  grpc::Status status_;  // how the stream ended
  CqTag write_tag_;
  CqTag done_tag_;
};

// Creates a channel to a loopback (or explicitly allowed) address; `link`: for link streams
// only (a lighter stack that does not enforce deadlines). Other channels never share a
// connection with another channel.
std::shared_ptr<grpc::Channel> make_channel(const std::string& address, bool link = false);

// The OpenFn of a link stream to `Service` (wire::BranchService or wire::DriverService) at
// `address`. The channel is created when the stream opens (the first message), not before:
// at 256 branches, configuring every process with a channel per peer made 65,280 channels,
// most of them never used by a run with few writers. The stub lives as long as the OpenFn
// (the outbox), so it outlives the stream.
template <class Service>
Outbox::OpenFn link_stream(const std::string& address) {
  return [address, stub = std::shared_ptr<typename Service::Stub>()](
             grpc::ClientContext* ctx, wire::Empty* e, grpc::CompletionQueue* cq) mutable {
    if (stub == nullptr) stub = Service::NewStub(make_channel(address, /*link=*/true));
    return stub->PrepareAsyncStream(ctx, e, cq);
  };
}

// "DEADLINE_EXCEEDED: Deadline Exceeded" etc.
std::string status_text(const grpc::Status& s);

}  // namespace banksim
