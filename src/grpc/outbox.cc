#include "grpc/outbox.h"

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

std::shared_ptr<grpc::Channel> make_channel(const std::string& address) {
  grpc::ChannelArguments args;
  // Peers are local processes: reconnect quickly rather than backing off for seconds.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

Outbox::Outbox(std::string destination, OpenFn open, FaultFn on_fault)
    : destination_(std::move(destination)), open_(std::move(open)), on_fault_(std::move(on_fault)) {
  thread_ = std::thread([this] { loop(); });
}

Outbox::~Outbox() {
  stop();
}

bool Outbox::admit_locked() {
  if (pending_items_ < kOutboxMax) {
    pending_items_ += 1;
    return true;
  }
  // The fault is raised by the sending thread: the caller may hold locks on_fault needs.
  failed_ = true;
  overflowed_ = true;
  pending_.Clear();
  pending_items_ = 0;
  return false;
}

void Outbox::push(std::string envelope) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || failed_) return;
    if (admit_locked()) pending_.add_envelopes(std::move(envelope));
  }
  cv_.notify_one();
}

void Outbox::push_report(wire::StepEffects report) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || failed_) return;
    if (admit_locked()) *pending_.add_reports() = std::move(report);
  }
  cv_.notify_one();
}

uint64_t Outbox::batches_written() const {
  std::lock_guard lock(mu_);
  return batches_written_;
}

void Outbox::stop() {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) context_.TryCancel();
    stopping_ = true;
    pending_.Clear();
    pending_items_ = 0;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Outbox::loop() {
  wire::Empty empty;
  std::unique_ptr<Writer> writer;
  wire::Batch batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || overflowed_ || (!failed_ && pending_items_ > 0); });
      if (stopping_) break;
      if (overflowed_) {
        lock.unlock();
        on_fault_(fmt::format("more than {} messages queued for {}", kOutboxMax, destination_));
        break;
      }
      batch.Clear();
      batch.Swap(&pending_);
      pending_items_ = 0;
    }
    if (writer == nullptr) writer = open_(&context_, &empty);
    if (writer->Write(batch)) {
      std::lock_guard lock(mu_);
      batches_written_ += 1;
      continue;
    }
    // The stream broke: Finish() says why (the receiver's status, or the transport's).
    const grpc::Status status = writer->Finish();
    writer.reset();
    bool stopping = false;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      failed_ = true;
      pending_.Clear();
      pending_items_ = 0;
    }
    if (!stopping) {
      on_fault_(fmt::format("sending to {} failed: {}", destination_, status_text(status)));
    }
    return;
  }
  // Stopping: the context is cancelled, so Finish() returns at once.
  if (writer != nullptr) writer->Finish();
}

}  // namespace banksim
