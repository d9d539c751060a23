#include "grpc/outbox.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace banksim {

namespace {
const char* code_name(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN_CODE";
  }
}
}  // namespace

std::string status_text(const grpc::Status& s) {
  return fmt::format("{}: {}", code_name(s.error_code()), s.error_message());
}

// Link streams carry many small messages: per message, the full filter stack (deadline,
// message size, census...) and the retry layer (which buffers what a stream sends until a
// response header arrives, never, for a stream whose receiver answers only at its end)
// cost more than the message. Streams have no deadline to enforce. Measured: ~10% more
// operations/s under sync.
std::shared_ptr<grpc::Channel> make_channel(const std::string& address, bool link) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // nothing here is retried: a failure is a fault
  // The minimal stack has no deadline filter: only for streams, which have no deadline.
  if (link) args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
  // A call channel (configure, status, deliver) gets connections of its own: with the
  // process-wide subchannel pool, a channel made for a branch process restarted on the same
  // port could be handed the dead process's connection and fail its first call.
  if (!link) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

Outbox::Outbox(std::string destination, LinkEngine* engine, OpenFn open, FaultFn on_fault,
               bool reconnect)
    : destination_(std::move(destination)),
      engine_(engine),
      open_(std::move(open)),
      on_fault_(std::move(on_fault)),
      reconnect_(reconnect),
      context_(std::make_unique<grpc::ClientContext>()),
      write_tag_([this](bool ok) { on_write_done(ok); }),
      done_tag_([this](bool) { on_done(); }) {
  // The first write carries the stream's headers: one packet, and no separate start
  // operation to wait for before writing.
  context_->set_initial_metadata_corked(true);
}

Outbox::~Outbox() {
  stop();
}

void Outbox::raise_locked(std::string message) {
  if (failed_) return;
  failed_ = true;
  pending_.Clear();
  pending_items_ = 0;
  // Reported from the engine's side thread: the caller may hold the locks on_fault takes.
  // The closure owns copies, so this outbox may be gone by the time it runs.
  if (!stopping_) engine_->post([f = on_fault_, m = std::move(message)] { f(m); });
}

bool Outbox::admit_locked() {
  if (pending_items_ < kOutboxMax) {
    pending_items_ += 1;
    return true;
  }
  raise_locked(fmt::format("more than {} messages queued for {}", kOutboxMax, destination_));
  if (opened_) context_->TryCancel();
  return false;
}

void Outbox::write_pending_locked() {
  current_.Clear();
  current_.Swap(&pending_);
  pending_items_ = 0;
  writing_ = true;
  // Engine stopping: the process is shutting down, so nothing more is sent (writing_ stays
  // set, so nothing is tried again).
  engine_->start([&](grpc::CompletionQueue* cq) {
    if (!opened_) {
      writer_ = open_(context_.get(), &response_, cq);
      writer_->StartCall(nullptr);  // corked: no operation of its own
      writer_->Finish(&status_, &done_tag_);
      opened_ = true;
    }
    writer_->Write(current_, &write_tag_);
    write_outstanding_ = true;
  });
}

void Outbox::push(std::string envelope) {
  std::lock_guard lock(mu_);
  if (stopping_ || failed_) return;
  if (admit_locked()) pending_.add_envelopes(std::move(envelope));
}

void Outbox::push_report(wire::StepEffects report) {
  std::lock_guard lock(mu_);
  if (stopping_ || failed_) return;
  if (admit_locked()) *pending_.add_reports() = std::move(report);
}

bool Outbox::has_pending() const {
  std::lock_guard lock(mu_);
  return pending_items_ > 0;
}

void Outbox::flush() {
  std::lock_guard lock(mu_);
  if (stopping_ || failed_ || writing_ || pending_items_ == 0) return;
  if (reconnect_ && !opened_ && std::chrono::steady_clock::now() < retry_at_) return;
  write_pending_locked();
}

void Outbox::retire_stream_locked() {
  if (!retiring_ || !done_ || write_outstanding_ || stopping_) return;
  writer_.reset();
  context_ = std::make_unique<grpc::ClientContext>();
  context_->set_initial_metadata_corked(true);
  status_ = grpc::Status();
  opened_ = false;
  done_ = false;
  writing_ = false;
  retiring_ = false;
  reconnects_ += 1;
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(800));
}

void Outbox::on_write_done(bool ok) {
  std::lock_guard lock(mu_);
  write_outstanding_ = false;
  if (stopping_) cv_.notify_all();  // under mu_: stop() may be waiting for this
  // A failed write means the stream ended (on_done says why): writing_ stays set, so
  // nothing more is written on it.
  if (!ok || retiring_) {
    retire_stream_locked();
    return;
  }
  writing_ = false;
  batches_written_ += 1;
  backoff_ = std::chrono::milliseconds(50);
  if (stopping_ || failed_ || pending_items_ == 0) return;
  write_pending_locked();
}

void Outbox::on_done() {
  std::lock_guard lock(mu_);
  if (reconnect_ && !stopping_ && !failed_ &&
      status_.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
    // The receiver died or was not ready: robust's retransmissions resend what is lost.
    retiring_ = true;
    done_ = true;
    writing_ = true;  // nothing more on this stream
    retire_stream_locked();
    cv_.notify_all();
    return;
  }
  raise_locked(status_.ok()
                   ? fmt::format("{} ended the stream", destination_)
                   : fmt::format("sending to {} failed: {}", destination_, status_text(status_)));
  done_ = true;
  cv_.notify_all();  // under mu_: stop() may destroy this outbox as soon as it sees done_
}

uint64_t Outbox::reconnects() const {
  std::lock_guard lock(mu_);
  return reconnects_;
}

uint64_t Outbox::batches_written() const {
  std::lock_guard lock(mu_);
  return batches_written_;
}

void Outbox::stop() {
  {
    std::unique_lock lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      pending_.Clear();
      pending_items_ = 0;
      cv_.notify_all();
      if (opened_) context_->TryCancel();
    }
    // Both completions must be in before this outbox may go: gRPC does not order them.
    cv_.wait(lock, [&] { return !opened_ || (done_ && !write_outstanding_); });
  }
}

}  // namespace banksim
