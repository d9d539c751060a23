// Outbox (src/grpc/outbox.h) when its receiver goes away: a plain outbox reports a fault; a
// reconnecting one (robust) opens a new stream once the receiver is back on its address, and
// still reports a receiver that rejects a message. In process, on loopback. Only built with
// BANKSIM_GRPC. Waits poll with generous deadlines; nothing here measures time.
#ifdef BANKSIM_HAVE_GRPC

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "grpc/link_engine.h"
#include "grpc/outbox.h"

namespace wire = banksim::wire;
using banksim::InboundStreams;
using banksim::LinkEngine;
using banksim::Outbox;

namespace {

// A process's side of links: a server whose Stream method records the envelopes it reads
// and ends the stream with INVALID_ARGUMENT on one that says "bad".
class Receiver {
 public:
  bool start(const std::string& address, int* port) {
    server_ = engine_.serve(address, &service_, port);
    if (server_ == nullptr) return false;
    InboundStreams::listen(&engine_, &service_, &wire::BranchService::AsyncService::RequestStream,
                           [this](const wire::Batch& b) {
                             std::lock_guard lock(mu_);
                             for (const std::string& e : b.envelopes()) {
                               if (e == "bad") {
                                 return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad");
                               }
                               got_.push_back(e);
                             }
                             return grpc::Status::OK;
                           });
    engine_.run();
    return true;
  }
  void stop() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    engine_.stop();
  }
  ~Receiver() { stop(); }
  bool has(const std::string& e) {
    std::lock_guard lock(mu_);
    for (const std::string& g : got_) {
      if (g == e) return true;
    }
    return false;
  }
  LinkEngine* engine() { return &engine_; }

 private:
  wire::BranchService::AsyncService service_;
  LinkEngine engine_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::vector<std::string> got_;
};

struct Faults {
  std::mutex mu;
  std::vector<std::string> seen;
  Outbox::FaultFn fn() {
    return [this](const std::string& m) {
      std::lock_guard lock(mu);
      seen.push_back(m);
    };
  }
  size_t count() {
    std::lock_guard lock(mu);
    return seen.size();
  }
};

// Polls `done` every 20 ms for up to 20 s (a loaded machine may be slow).
template <class Fn>
bool eventually(Fn done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A sender's engine, a receiver on a port of its own and an outbox to it that has
// delivered "a" already.
struct Link {
  explicit Link(bool reconnect) {
    REQUIRE(sender_side.start("127.0.0.1:0", &sender_port));
    REQUIRE(receiver->start("127.0.0.1:0", &port));
    address = "127.0.0.1:" + std::to_string(port);
    outbox.emplace("receiver", sender_side.engine(),
                   banksim::link_stream<wire::BranchService>(address), faults.fn(), reconnect);
    outbox->push("a");
    outbox->flush();
    REQUIRE(eventually([&] { return receiver->has("a"); }));
  }

  Receiver sender_side;  // hosts the outbox's engine
  int sender_port = 0;
  std::unique_ptr<Receiver> receiver = std::make_unique<Receiver>();
  int port = 0;
  std::string address;
  Faults faults;
  std::optional<Outbox> outbox;
};

}  // namespace

TEST_CASE("outbox: a plain outbox reports a receiver that goes away") {
  Link link(/*reconnect=*/false);
  link.receiver.reset();  // gone
  CHECK(eventually([&] { return link.faults.count() == 1; }));
  link.outbox->stop();
}

TEST_CASE("outbox: a reconnecting outbox reaches a receiver back on its address") {
  Link link(/*reconnect=*/true);
  Outbox& o = *link.outbox;
  Faults& faults = link.faults;
  auto& receiver = link.receiver;
  const int port = link.port;
  receiver.reset();  // gone: its stream ends, which is not a fault here
  REQUIRE(eventually([&] { return o.reconnects() >= 1; }));
  receiver = std::make_unique<Receiver>();
  int again = port;
  REQUIRE(receiver->start(link.address, &again));
  REQUIRE(again == port);
  // What is pushed now goes out on a new stream once the backoff has passed (a flush during
  // it only queues; robust's timers flush again, as this loop does).
  CHECK(eventually([&] {
    o.push("b");
    o.flush();
    return receiver->has("b");
  }));
  CHECK(faults.count() == 0);
  // A message the receiver rejects is still a fault.
  o.push("bad");
  o.flush();
  CHECK(eventually([&] { return faults.count() == 1; }));
  o.stop();
}

#endif  // BANKSIM_HAVE_GRPC
