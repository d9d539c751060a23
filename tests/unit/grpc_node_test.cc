// The gRPC backend's defenses and plumbing, in process (the rules themselves, Branch::refuse
// and Customer::refuse, are tested in refuse_test.cc): a BranchNode
// answers a bad message (unparsable, for another branch, from an unknown sender, duplicate)
// with INVALID_ARGUMENT and an unchanged state; a DriverNode does the same for replies;
// configuration and address rules. Only built with BANKSIM_GRPC.
#ifdef BANKSIM_HAVE_GRPC

#include <doctest/doctest.h>

#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cli/grpc_options.h"
#include "grpc/branch_client.h"
#include "grpc/branch_node.h"
#include "grpc/driver_node.h"
#include "grpc/node_config.h"
#include "grpc/outbox.h"
#include "grpc/wire_convert.h"
#include "protocol/bank_layout.h"
#include "small_bank.h"
#include "protocol/codec.h"

using banksim::BankLayout;
using banksim::Branch;
using banksim::BranchClient;
using banksim::BranchConfig;
using banksim::BranchNode;
using banksim::DriverNode;
using banksim::Effects;
using banksim::Event;
using banksim::Interface;
using banksim::Message;
using banksim::MessageKind;
using banksim::NodeConfiguration;
using banksim::ProtocolKind;

namespace {

using small_bank::deposit_request;
using small_bank::make_layout;
using small_bank::propagate_from_1_to_2;

Branch make_branch(const BankLayout& l, int32_t self) {
  return Branch(BranchConfig{.protocol = l.protocol,
                             .self = self,
                             .branch_count = l.branch_count(),
                             .customer_count = l.customer_count()},
                l.balances[static_cast<size_t>(self)]);
}

std::string encoded(const Message& m) {
  std::string out;
  banksim::encode_message(m, &out);
  return out;
}

}  // namespace

TEST_CASE("grpc branch node: bad messages are rejected and change nothing") {
  auto l = make_layout(ProtocolKind::kSync);
  BranchNode node(l, 0);
  int port = 0;
  std::string error;
  REQUIRE(node.start("127.0.0.1:0", &port, &error));
  const std::string address = "127.0.0.1:" + std::to_string(port);
  BranchClient client("branch 1", address, 2000);

  {
    banksim::wire::DeliverReply reply;
    // Not configured yet: refused, not crashed.
    CHECK_FALSE(client.deliver(encoded(deposit_request()), &reply, &error));
    CHECK(error.find("not configured") != std::string::npos);
  }

  NodeConfiguration c;
  c.driver = "127.0.0.1:1";  // never called in conducted mode
  c.peers = {"", ""};
  c.conducted = true;
  REQUIRE(node.configure(c, &error));
  CHECK_FALSE(node.configure(c, &error));
  CHECK(error.find("already configured") != std::string::npos);

  const auto status = [&] {
    banksim::wire::BranchStatus s;
    REQUIRE(client.status(&s, &error));
    return s;
  };
  const auto rejected = [&](const std::string& bytes, const std::string& reason) {
    banksim::wire::DeliverReply reply;
    std::string why;
    CHECK_FALSE(client.deliver(bytes, &reply, &why));
    CHECK(why.find("INVALID_ARGUMENT") != std::string::npos);
    CHECK_MESSAGE(why.find(reason) != std::string::npos, why);
    CHECK(status().balance() == 100);
    CHECK(status().steps() == 0);
  };
  rejected("\xff\xff\xff garbage", "do not parse as a banksim.wire.Envelope");
  Message m = deposit_request();
  m.to = 1;
  rejected(encoded(m), "for branch 2 delivered to branch 1");
  m = deposit_request();
  m.from = 42;
  rejected(encoded(m), "unknown sender");

  // A good message goes through; in conducted mode its effects come back.
  banksim::wire::DeliverReply reply;
  REQUIRE(client.deliver(encoded(deposit_request()), &reply, &error));
  CHECK(reply.effects().sends_size() == 1);         // propagate to branch 2; reply after its ack
  CHECK(reply.effects().observations_size() == 2);  // serve + apply
  CHECK(status().balance() == 110);
  CHECK(status().steps() == 1);
  // ...once.
  CHECK_FALSE(client.deliver(encoded(deposit_request()), &reply, &error));
  CHECK(error.find("duplicate request") != std::string::npos);
  CHECK(status().balance() == 110);
  // Unless the conductor's World took a fault: then a duplicate is a real delivery (sync
  // does not deduplicate, so it applies the deposit again), as Branch::refuse has it.
  REQUIRE(client.deliver(encoded(deposit_request()), &reply, &error, /*repeats_possible=*/true));
  CHECK(status().balance() == 120);
  CHECK(status().steps() == 2);
  node.shutdown();
}

TEST_CASE("grpc branch node: robust timers fire only conducted, only the branch's own") {
  auto l = make_layout(ProtocolKind::kRobust);
  std::string error;
  {
    // A free robust branch fires its own timers in real time: FireTimer is a conductor's.
    BranchNode free_node(l, 0);
    NodeConfiguration c;
    c.driver = "127.0.0.1:1";
    c.peers = {"", "127.0.0.1:1"};
    REQUIRE(free_node.configure(c, &error));
    banksim::wire::Timer t;
    banksim::wire::DeliverReply r;
    const grpc::Status s = free_node.on_fire_timer(t, &r);
    CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(s.error_message().find("not conducted") != std::string::npos);
  }
  BranchNode node(l, 0);
  int port = 0;
  REQUIRE(node.start("127.0.0.1:0", &port, &error));
  BranchClient client("branch 1", "127.0.0.1:" + std::to_string(port), 2000);
  NodeConfiguration c;
  c.driver = "127.0.0.1:1";
  c.peers = {"", ""};
  c.conducted = true;
  REQUIRE(node.configure(c, &error));

  // The deposit's propagation to branch 2 waits for an ack: its timer comes back set.
  banksim::wire::DeliverReply reply;
  REQUIRE(client.deliver(encoded(deposit_request()), &reply, &error));
  const banksim::TimerKey key{.kind = MessageKind::kPropagate, .owner = 0, .customer = 0,
                              .event = 0, .peer = 1};
  auto step = banksim::decode_step(reply.effects(), *l, &error);
  REQUIRE(step.has_value());
  REQUIRE(step->timers.size() == 1);
  CHECK(step->timers[0] == banksim::TimerEffect{key, true});

  // Firing it resends the propagation and re-arms the timer, in a timer step.
  banksim::wire::Timer t;
  banksim::to_proto(key, true, &t);
  REQUIRE(client.fire_timer(t, &reply, &error));
  step = banksim::decode_step(reply.effects(), *l, &error);
  REQUIRE(step.has_value());
  REQUIRE(step->fired.has_value());
  CHECK(*step->fired == key);
  REQUIRE(step->sends.size() == 1);
  CHECK(step->sends[0].kind == MessageKind::kPropagate);
  CHECK(step->sends[0].to == 1);
  CHECK(step->timers.size() == 1);

  // Another actor's timer, or one out of range: refused.
  banksim::TimerKey other = key;
  other.owner = 1;
  other.peer = 0;
  banksim::to_proto(other, true, &t);
  CHECK_FALSE(client.fire_timer(t, &reply, &error));
  CHECK(error.find("INVALID_ARGUMENT") != std::string::npos);
  other = key;
  other.event = 9;
  banksim::to_proto(other, true, &t);
  CHECK_FALSE(client.fire_timer(t, &reply, &error));
  CHECK(error.find("INVALID_ARGUMENT") != std::string::npos);
  node.shutdown();

  // A protocol without timers refuses a timer.
  BranchNode sync_node(make_layout(ProtocolKind::kSync), 0);
  REQUIRE(sync_node.start("127.0.0.1:0", &port, &error));
  REQUIRE(sync_node.configure(c, &error));
  BranchClient sync_client("branch 1", "127.0.0.1:" + std::to_string(port), 2000);
  banksim::to_proto(key, true, &t);
  CHECK_FALSE(sync_client.fire_timer(t, &reply, &error));
  CHECK(error.find("without timers") != std::string::npos);
  sync_node.shutdown();
}

namespace {

// Stands in for every branch of a driver under test: takes its link streams, drops the
// messages.
class SinkBranch final : public banksim::wire::BranchService::Service {
 public:
  grpc::Status Stream(grpc::ServerContext*, grpc::ServerReader<banksim::wire::Batch>* reader,
                      banksim::wire::Empty*) override {
    banksim::wire::Batch b;
    while (reader->Read(&b)) {
    }
    return grpc::Status::OK;
  }
};

// A SinkBranch listening on loopback for the duration of a test.
class SinkServer {
 public:
  SinkServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&sink_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~SinkServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  SinkBranch sink_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// One step of `branch` (index `self`): consumes m, returns its report as a branch sends it.
banksim::wire::StepEffects step(Branch& branch, int32_t self, uint64_t n, const Message& m,
                                Effects* effects) {
  effects->clear();
  branch.on_message(m, *effects);
  banksim::wire::StepEffects report;
  banksim::to_proto(self, n, encoded(m), *effects, &report);
  return report;
}

}  // namespace

TEST_CASE("grpc driver node: replies are checked before a customer sees them") {
  auto l = make_layout(ProtocolKind::kSync);
  DriverNode driver(l, {});
  int port = 0;
  std::string error;
  REQUIRE(driver.start("127.0.0.1:0", &port, &error));
  banksim::wire::Packet p;
  p.set_envelope("not an envelope \x01\x02\x03");
  CHECK(driver.on_deliver(p).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  Message reply{.kind = MessageKind::kReply,
                .iface = Interface::kDeposit,
                .success = true,
                .from = 0,
                .to = 2,
                .customer = 0,
                .event = 0,
                .money = 110};
  // Not started: no customer is waiting for anything.
  p.set_envelope(encoded(reply));
  CHECK(driver.on_deliver(p).error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // Started: customer 7 waits for the reply to its deposit at branch 1. Each forged reply
  // is refused for its own reason (not merely because nothing is started) and changes
  // nothing.
  SinkServer sink;
  driver.start_customers({sink.address(), sink.address()});
  REQUIRE(driver.observations().size() == 1);  // the deposit's issue
  const auto refused = [&](const Message& m, const std::string& reason) {
    banksim::wire::Packet forged;
    forged.set_envelope(encoded(m));
    const grpc::Status s = driver.on_deliver(forged);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_MESSAGE(s.error_message().find(reason) != std::string::npos, s.error_message());
    CHECK(driver.delivered() == 0);
    CHECK(driver.observations().size() == 1);
  };
  Message m = reply;
  m.from = 5;  // no such actor
  refused(m, "unknown sender");
  m = reply;
  m.from = 1;  // branch 2 answers a request made at branch 1
  refused(m, "does not match it");
  m = reply;
  m.event = 1;  // not the outstanding event
  refused(m, "not outstanding");
  // Well formed and expected, but no branch reported a step that sent it.
  refused(reply, "was not sent by any reported step");
  driver.shutdown();
}

TEST_CASE("grpc driver node: reports arriving out of order are taken in causal order") {
  auto l = make_layout(ProtocolKind::kSync);
  SinkBranch sink;
  grpc::ServerBuilder builder;
  int sink_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &sink_port);
  builder.RegisterService(&sink);
  auto sink_server = builder.BuildAndStart();
  REQUIRE(sink_server != nullptr);
  const std::string sink_address = "127.0.0.1:" + std::to_string(sink_port);

  DriverNode driver(l, {});
  int port = 0;
  std::string error;
  REQUIRE(driver.start("127.0.0.1:0", &port, &error));
  driver.start_customers({sink_address, sink_address});  // customer 7: deposit at branch 1
  REQUIRE(driver.observations().size() == 1);            // its issue

  // What the branches do, computed here: branch 1 serves the deposit and propagates it,
  // branch 2 applies it and acks, branch 1 replies.
  Branch b1 = make_branch(*l, 0);
  Branch b2 = make_branch(*l, 1);
  Effects e;
  const auto serve = step(b1, 0, 1, deposit_request(), &e);
  REQUIRE(e.sends().size() == 1);
  const Message propagate = e.sends()[0];
  const auto apply = step(b2, 1, 1, propagate, &e);
  REQUIRE(e.sends().size() == 1);
  const Message ack = e.sends()[0];
  const auto reply_step = step(b1, 0, 2, ack, &e);
  REQUIRE(e.sends().size() == 1);
  const Message reply = e.sends()[0];
  REQUIRE(reply.kind == MessageKind::kReply);

  // Branch 2's step arrives first: its propagate was sent by a step not reported yet.
  banksim::wire::Batch first;
  *first.add_reports() = apply;
  REQUIRE(driver.on_batch(first).ok());
  CHECK(driver.delivered() == 0);
  // Branch 1's second step, with its reply, before its first: held too.
  banksim::wire::Batch second;
  *second.add_reports() = reply_step;
  second.add_envelopes(encoded(reply));
  REQUIRE(driver.on_batch(second).ok());
  CHECK(driver.delivered() == 0);
  CHECK(driver.observations().size() == 1);
  // A reply no reported step sent is refused.
  Message forged = reply;
  forged.money = 999;
  banksim::wire::Packet p;
  p.set_envelope(encoded(forged));
  CHECK(driver.on_deliver(p).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  // Branch 1's first step unlocks everything: request, propagate, ack and reply delivered.
  banksim::wire::Batch third;
  *third.add_reports() = serve;
  REQUIRE(driver.on_batch(third).ok());
  CHECK(driver.delivered() == 4);
  const auto obs = driver.observations();
  std::vector<std::pair<banksim::ObservationKind, int32_t>> order;
  for (const auto& o : obs) order.emplace_back(o.obs.kind, o.obs.branch);
  using K = banksim::ObservationKind;
  // issue; branch 1 serves and applies; branch 2 applies; reply; the next event's issue.
  const std::vector<std::pair<K, int32_t>> want = {{K::kIssue, 0}, {K::kServe, 0}, {K::kApply, 0},
                                                   {K::kApply, 1}, {K::kReply, 0}, {K::kIssue, 1}};
  CHECK(order == want);
  // A step reported twice is a fault.
  CHECK_FALSE(driver.on_batch(third).ok());
  driver.shutdown();
  sink_server->Shutdown(std::chrono::system_clock::now());
}

TEST_CASE("grpc resources: running out is a status, not an abort") {
  // What a failed std::thread or allocation throws becomes kExitBackendFailed.
  CHECK(banksim::exit_on_resource_failure("test", []() -> int {
          throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                                  "cannot create a thread");
        }) == banksim::kExitBackendFailed);
  CHECK(banksim::exit_on_resource_failure("test", []() -> int { throw std::bad_alloc(); }) ==
        banksim::kExitBackendFailed);
  CHECK(banksim::exit_on_resource_failure("test", [] { return 1; }) == 1);
}

TEST_CASE("grpc link engine: posted work runs on its one side thread, in order, before stop") {
  banksim::LinkEngine engine;
  int port = 0;
  banksim::wire::BranchService::AsyncService service;
  auto server = engine.serve("127.0.0.1:0", &service, &port);
  REQUIRE(server != nullptr);
  engine.run();
  std::mutex mu;
  std::vector<int> ran;
  std::vector<std::thread::id> threads;
  for (int i = 0; i < 50; ++i) {
    engine.post([&, i] {
      std::lock_guard lock(mu);
      ran.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  }
  server->Shutdown(std::chrono::system_clock::now());
  engine.stop();                            // runs what was posted, then joins
  engine.post([&] { ran.push_back(-1); });  // after stop: dropped
  std::vector<int> want(50);
  for (int i = 0; i < 50; ++i) want[static_cast<size_t>(i)] = i;
  CHECK(ran == want);
  REQUIRE(threads.size() == 50);
  for (const auto& t : threads) {
    CHECK(t == threads.front());
    CHECK(t != std::this_thread::get_id());
  }
}

TEST_CASE("quiescent-query gate: one rule for the simulator, the driver and the conductor") {
  Message query{.kind = MessageKind::kRequest, .iface = Interface::kQuery};
  Message deposit = deposit_request();
  CHECK_FALSE(banksim::is_write_traffic(query));
  CHECK(banksim::is_write_traffic(deposit));
  CHECK(banksim::is_write_traffic(propagate_from_1_to_2()));
  Message ack = propagate_from_1_to_2();
  ack.kind = MessageKind::kAck;
  CHECK(banksim::is_write_traffic(ack));
  Message query_reply = query;
  query_reply.kind = MessageKind::kReply;
  CHECK_FALSE(banksim::is_write_traffic(query_reply));
  // Only a query request waits, and only while write traffic is in flight.
  CHECK(banksim::held_by_quiescent_gate(query, 1));
  CHECK_FALSE(banksim::held_by_quiescent_gate(query, 0));
  CHECK_FALSE(banksim::held_by_quiescent_gate(deposit, 1));
  CHECK_FALSE(banksim::held_by_quiescent_gate(query_reply, 1));
}

TEST_CASE("grpc addresses: loopback detection and HOST:PORT parsing") {
  CHECK(banksim::is_loopback_host("127.0.0.1"));
  CHECK(banksim::is_loopback_host("127.1.2.3"));
  CHECK(banksim::is_loopback_host("localhost"));
  CHECK(banksim::is_loopback_host("[::1]"));
  CHECK_FALSE(banksim::is_loopback_host("0.0.0.0"));
  CHECK_FALSE(banksim::is_loopback_host("127.evil.example"));
  CHECK_FALSE(banksim::is_loopback_host("10.0.0.1"));
  std::string host;
  int port = -1;
  CHECK(banksim::split_host_port("127.0.0.1:0", &host, &port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 0);
  CHECK(banksim::split_host_port("[::1]:5005", &host, &port));
  CHECK(host == "[::1]");
  CHECK(port == 5005);
  CHECK_FALSE(banksim::split_host_port("127.0.0.1", &host, &port));
  CHECK_FALSE(banksim::split_host_port("127.0.0.1:70000", &host, &port));
  CHECK_FALSE(banksim::split_host_port("127.0.0.1:12x", &host, &port));
}

#endif  // BANKSIM_HAVE_GRPC
