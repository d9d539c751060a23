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

Outbox::Outbox(std::string destination, SendFn send, int64_t rpc_timeout_ms, FaultFn on_fault)
    : destination_(std::move(destination)),
      send_(std::move(send)),
      rpc_timeout_ms_(rpc_timeout_ms),
      on_fault_(std::move(on_fault)) {
  thread_ = std::thread([this] { loop(); });
}

Outbox::~Outbox() {
  stop();
}

void Outbox::push(std::string envelope, std::string what) {
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || failed_) return;
    if (queue_.size() >= kOutboxMax) {
      failed_ = true;
      queue_.clear();
      overflow = true;
    } else {
      queue_.emplace_back(std::move(envelope), std::move(what));
    }
  }
  if (overflow) {
    on_fault_(fmt::format("more than {} messages queued for {}", kOutboxMax, destination_));
    return;
  }
  cv_.notify_one();
}

void Outbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
    if (current_ != nullptr) current_->TryCancel();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Outbox::loop() {
  wire::Packet packet;
  for (;;) {
    std::string what;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || (!failed_ && !queue_.empty()); });
      if (stopping_) return;
      packet.set_envelope(std::move(queue_.front().first));
      what = std::move(queue_.front().second);
      queue_.pop_front();
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(rpc_timeout_ms_));
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      current_ = &ctx;
    }
    const grpc::Status status = send_(&ctx, packet);
    bool stopping = false;
    {
      std::lock_guard lock(mu_);
      current_ = nullptr;
      stopping = stopping_;
      if (!status.ok() && !stopping) {
        failed_ = true;
        queue_.clear();
      }
    }
    if (stopping) return;
    if (!status.ok()) {
      on_fault_(
          fmt::format("sending {} to {} failed: {}", what, destination_, status_text(status)));
    }
  }
}

}  // namespace banksim
