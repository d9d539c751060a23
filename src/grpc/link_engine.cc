#include "grpc/link_engine.h"

#include <unistd.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <absl/synchronization/mutex.h>

namespace banksim {

LinkEngine::LinkEngine() {
  // Debian's Abseil is built in debug mode, so every absl::Mutex lock inside gRPC also
  // updates a global lock-order graph (deadlock detection): ~3% of a sync run's perf
  // samples (GraphCycles 1.7%, absl synchronization 2.3% -> 1.2%).
  // gRPC's locking is gRPC's to check; this process does not pay for it.
  static std::once_flag once;
  std::call_once(once, [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
}

LinkEngine::~LinkEngine() {
  stop();
}

std::unique_ptr<grpc::Server> LinkEngine::serve(const std::string& address, grpc::Service* service,
                                                int* port) {
  assert(cq_ == nullptr);
  grpc::ServerBuilder builder;
  // A fixed port must not be shared silently with another process (gRPC's default allows it).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Links carry many small messages on streams without deadlines: the minimal filter stack
  // (see make_channel in outbox.h, its client side).
  builder.AddChannelArgument(GRPC_ARG_MINIMAL_STACK, 1);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  cq_ = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) return nullptr;
  return server;
}

void LinkEngine::run() {
  assert(cq_ != nullptr && !thread_.joinable());
  side_ = std::thread([this] { side_loop(); });
  thread_ = std::thread([cq = cq_.get()] {
    try {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<CqTag*>(tag)->run(ok);
    } catch (const std::exception& e) {
      exit_on_thread_failure(e);
    }
  });
}

void exit_on_thread_failure(const std::exception& e) {
  std::fprintf(stderr, "banksim: pid %d ran out of resources: %s\n", static_cast<int>(::getpid()),
               e.what());
  std::fflush(stderr);
  std::_Exit(kExitThreadFailure);
}

void LinkEngine::post(std::function<void()> fn) {
  std::lock_guard lock(side_mu_);
  if (side_closed_) return;
  side_queue_.push_back(std::move(fn));
  side_cv_.notify_one();
}

void LinkEngine::side_loop() {
  std::unique_lock lock(side_mu_);
  for (;;) {
    side_cv_.wait(lock, [&] { return side_closed_ || !side_queue_.empty(); });
    if (side_queue_.empty()) return;  // closed and drained
    std::function<void()> fn = std::move(side_queue_.front());
    side_queue_.pop_front();
    lock.unlock();
    try {
      fn();
    } catch (const std::exception& e) {
      exit_on_thread_failure(e);
    }
    lock.lock();
  }
}

void LinkEngine::stop() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    if (cq_ != nullptr) cq_->Shutdown();
  }
  if (thread_.joinable()) {
    thread_.join();
  } else if (cq_ != nullptr) {
    // Never ran: drain here (requested calls complete, cancelled, at server shutdown).
    void* tag = nullptr;
    bool ok = false;
    while (cq_->Next(&tag, &ok)) static_cast<CqTag*>(tag)->run(false);
  }
  // What was posted still runs (a fault raised before the stop is still reported), as
  // each link's own notifier thread used to before it was joined.
  {
    std::lock_guard lock(side_mu_);
    side_closed_ = true;
    side_cv_.notify_all();
  }
  if (side_.joinable()) side_.join();
}

namespace {

class InboundStream {
 public:
  struct Shared {
    LinkEngine* engine;
    InboundStreams::RequestFn request;
    InboundStreams::HandleFn handle;
  };

  static void arm(std::shared_ptr<const Shared> shared) {
    auto* s = new InboundStream(std::move(shared));
    if (!s->shared_->engine->start([s](grpc::ServerCompletionQueue* cq) {
          s->shared_->request(&s->ctx_, &s->reader_, cq, &s->tag_);
        })) {
      delete s;
    }
  }

 private:
  enum class State { kAccepting, kReading, kFinishing };

  explicit InboundStream(std::shared_ptr<const Shared> shared)
      : shared_(std::move(shared)), reader_(&ctx_), tag_([this](bool ok) { on_done(ok); }) {}

  void on_done(bool ok) {
    switch (state_) {
      case State::kAccepting:
        if (!ok) break;  // the server is shutting down
        arm(shared_);    // the next stream
        state_ = State::kReading;
        read();
        return;
      case State::kReading:
        if (!ok) {  // the sender closed or cancelled the stream
          finish(grpc::Status::OK);
          return;
        }
        if (const grpc::Status s = shared_->handle(batch_); !s.ok()) {
          finish(s);
          return;
        }
        read();
        return;
      case State::kFinishing:
        break;
    }
    delete this;
  }

  void read() {
    if (!shared_->engine->start(
            [this](grpc::ServerCompletionQueue*) { reader_.Read(&batch_, &tag_); })) {
      delete this;
    }
  }

  void finish(const grpc::Status& s) {
    state_ = State::kFinishing;
    if (!shared_->engine->start([&](grpc::ServerCompletionQueue*) {
          if (s.ok()) {
            reader_.Finish(wire::Empty(), s, &tag_);
          } else {
            reader_.FinishWithError(s, &tag_);
          }
        })) {
      delete this;
    }
  }

  std::shared_ptr<const Shared> shared_;
  grpc::ServerContext ctx_;
  InboundStreams::Reader reader_;
  wire::Batch batch_;
  CqTag tag_;
  State state_ = State::kAccepting;
};

}  // namespace

void InboundStreams::accept(LinkEngine* engine, RequestFn request, HandleFn handle) {
  InboundStream::arm(std::make_shared<const InboundStream::Shared>(
      InboundStream::Shared{engine, std::move(request), std::move(handle)}));
}

}  // namespace banksim
