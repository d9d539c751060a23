// LinkEngine: a process's one gRPC completion queue and the one thread that drives it.
//
// Why: gRPC's callback and sync APIs run handlers on threads of their own (pollers,
// executors, a sync server's pool), so a message used to cross several threads on its way
// from the socket to the Branch and back out. Here one thread calls Next(): it is gRPC's
// poller, so it reads the socket, gets the completion itself, runs the handler, and the
// handler's writes (Outbox) start inline from the same thread. Every server method of the
// process (link streams and unary calls) is async on this queue, so no other thread polls.
//
// Every operation is started through start(), under the engine's lock: once stop() begins,
// nothing new is started (gRPC forbids starting an operation on a queue that is shut down),
// and whoever asked learns it and cleans up.
//
// Tags are CqTag*: the handler to run with the completion's `ok`.
//
// Order of shutdown: cancel the client streams (Outbox::stop), Shutdown() the server, then
// stop() here, which drains the queue (every pending operation completes) and joins.
//
// Threads: exactly two per engine, whatever the number of links: the completion-queue
// thread, and a side thread for work that may block (fault reports make an RPC with a
// deadline), which must never run on the completion-queue thread. A process with hundreds
// of peers therefore has no thread per peer (a 256-branch run used to need 256 + 13
// threads per process and ran out of them).
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"

namespace banksim {

// Exit status of a process whose gRPC thread ran out of a resource (threads, memory): the
// CLI's kExitBackendFailed (cli/grpc_options.h checks they agree).
constexpr int kExitThreadFailure = 3;
// For the body of a thread this backend starts: an exception escaping a std::thread aborts
// the process; instead print one line naming the process and the failure, and exit with
// kExitThreadFailure. (The driver notices a branch that exits; a driver's branches die
// with it.)
[[noreturn]] void exit_on_thread_failure(const std::exception& e);

class CqTag {
 public:
  explicit CqTag(std::function<void(bool)> on_done) : on_done_(std::move(on_done)) {}
  void run(bool ok) { on_done_(ok); }

 private:
  std::function<void(bool)> on_done_;
};

class LinkEngine {
 public:
  LinkEngine();
  ~LinkEngine();  // stop()
  LinkEngine(const LinkEngine&) = delete;
  LinkEngine& operator=(const LinkEngine&) = delete;

  // Builds and starts a server for `service` on `address` (HOST:PORT; port 0 lets the OS
  // choose; *port is set to the port bound) with this engine's queue as its only queue.
  // Null when it cannot listen. Then register the methods (UnaryMethod, InboundStreams)
  // and run().
  std::unique_ptr<grpc::Server> serve(const std::string& address, grpc::Service* service,
                                      int* port);
  // After serve(): starts the thread.
  void run();
  // Calls `op(cq)` under the engine's lock unless stopping; `op` starts one gRPC operation.
  // False (and `op` not called) once stop() began.
  template <class Op>
  bool start(Op&& op) {
    std::lock_guard lock(mu_);
    if (closed_ || cq_ == nullptr) return false;
    op(cq_.get());
    return true;
  }
  // Runs `fn` on the engine's side thread, after every fn posted before it; never on the
  // completion-queue thread, never inline. Dropped once stop() has drained the side queue.
  // Usable before run() (it waits for run()).
  void post(std::function<void()> fn);
  // No operation starts after this; drains the queue and joins; then runs what was posted
  // and joins the side thread. Idempotent.
  void stop();

 private:
  void side_loop();

  std::mutex mu_;
  bool closed_ = false;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;

  std::mutex side_mu_;  // guards the three below
  std::condition_variable side_cv_;
  std::deque<std::function<void()>> side_queue_;
  bool side_closed_ = false;
  std::thread side_;
};

// One server-streaming-in call (a link stream) accepted on the engine: each Batch read is
// handed to `handle` on the engine's thread, in order; the first batch it refuses ends the
// stream with that status (the sender reports the fault). The stream ends OK when the
// sender closes or cancels it. A new call is requested as soon as one is accepted.
class InboundStreams {
 public:
  using Reader = grpc::ServerAsyncReader<wire::Empty, wire::Batch>;
  using HandleFn = std::function<grpc::Status(const wire::Batch&)>;
  using RequestFn =
      std::function<void(grpc::ServerContext*, Reader*, grpc::ServerCompletionQueue*, void*)>;
  // Starts accepting calls of an async service's generated RequestStream
  // (`&Service::RequestStream`); the engine must outlive them all.
  template <class Service, class RequestMethod>
  static void listen(LinkEngine* engine, Service* service, RequestMethod method, HandleFn handle) {
    accept(
        engine,
        [service, method](grpc::ServerContext* ctx, Reader* r, grpc::ServerCompletionQueue* cq,
                          void* tag) { (service->*method)(ctx, r, cq, cq, tag); },
        std::move(handle));
  }

 private:
  static void accept(LinkEngine* engine, RequestFn request, HandleFn handle);
};

// One unary method served on the engine: `handle` runs on the engine's thread (keep it short;
// it blocks every link of the process meanwhile).
template <class Request, class Response>
class UnaryMethod {
 public:
  using Responder = grpc::ServerAsyncResponseWriter<Response>;
  using HandleFn = std::function<grpc::Status(const Request&, Response*)>;

  // Starts accepting calls of an async service's generated RequestX (`&Service::RequestX`).
  template <class Service, class RequestMethod>
  static void listen(LinkEngine* engine, Service* service, RequestMethod method, HandleFn handle) {
    RequestFn request = [service, method](grpc::ServerContext* ctx, Request* r, Responder* w,
                                          grpc::ServerCompletionQueue* cq, void* tag) {
      (service->*method)(ctx, r, w, cq, cq, tag);
    };
    Call::arm(
        std::make_shared<const Shared>(Shared{engine, std::move(request), std::move(handle)}));
  }

 private:
  using RequestFn = std::function<void(grpc::ServerContext*, Request*, Responder*,
                                       grpc::ServerCompletionQueue*, void*)>;
  struct Shared {
    LinkEngine* engine;
    RequestFn request;
    HandleFn handle;
  };
  class Call {
   public:
    static void arm(std::shared_ptr<const Shared> shared) {
      auto* c = new Call(std::move(shared));
      if (!c->shared_->engine->start([c](grpc::ServerCompletionQueue* cq) {
            c->shared_->request(&c->ctx_, &c->request_, &c->responder_, cq, &c->tag_);
          })) {
        delete c;
      }
    }

   private:
    explicit Call(std::shared_ptr<const Shared> shared)
        : shared_(std::move(shared)), responder_(&ctx_), tag_([this](bool ok) { on_done(ok); }) {}
    void on_done(bool ok) {
      if (finishing_ || !ok) {  // answered, or never accepted (the server is shutting down)
        delete this;
        return;
      }
      arm(shared_);  // the next call of this method
      finishing_ = true;
      const grpc::Status s = shared_->handle(request_, &response_);
      if (!shared_->engine->start([&](grpc::ServerCompletionQueue*) {
            if (s.ok()) {
              responder_.Finish(response_, s, &tag_);
            } else {
              responder_.FinishWithError(s, &tag_);
            }
          })) {
        delete this;
      }
    }

    std::shared_ptr<const Shared> shared_;
    grpc::ServerContext ctx_;
    Request request_;
    Response response_;
    Responder responder_;
    CqTag tag_;
    bool finishing_ = false;
  };
};

}  // namespace banksim
