// The robust protocol (issue 15): timers as effects, request deduplication with
// remembered replies, propagations retransmitted until acknowledged, durable state; and
// the World's timer choices (enabled only when what a timer waits for was lost).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/timed_run.h"
#include "sim/trace.h"

using namespace banksim;

namespace {

std::shared_ptr<const Scenario> small() {
  return testing::load_shipped("faults/small.json");
}

WorldOptions robust(bool wire = false) {
  return WorldOptions{.protocol = ProtocolKind::kRobust, .wire = wire};
}

BranchConfig config(int32_t self) {
  return BranchConfig{
      .protocol = ProtocolKind::kRobust, .self = self, .branch_count = 3, .customer_count = 2};
}

Message deposit_request(int32_t to, int32_t customer, int32_t event, int32_t seq, Money money) {
  return Message{.kind = MessageKind::kRequest,
                 .iface = Interface::kDeposit,
                 .from = 3 + customer,
                 .to = to,
                 .customer = customer,
                 .event = event,
                 .seq = seq,
                 .money = money};
}

size_t count(const Effects& e, MessageKind k) {
  return static_cast<size_t>(std::count_if(e.sends().begin(), e.sends().end(),
                                           [&](const Message& m) { return m.kind == k; }));
}

template <typename Pick>
const InFlight* first(const World& w, Pick pick) {
  for (const InFlight& f : w.in_flight()) {
    if (pick(f.msg)) return &f;
  }
  return nullptr;
}

std::vector<Choice> timer_choices(const World& w) {
  std::vector<Choice> out;
  w.timer_choices(&out);
  return out;
}

// Takes every enabled choice but faults, lowest first (deliveries, then timers), until
// none is left; then judges.
void drain(World& w, int64_t now) {
  std::vector<Choice> c;
  for (;;) {
    c.clear();
    w.enabled(&c);
    if (c.empty()) break;
    w.apply(c.front(), ++now);
    REQUIRE(w.money_conserved());
  }
  REQUIRE(w.quiescent());
  w.finish(++now);
}

}  // namespace

TEST_CASE("robust: a retried write is applied once and its remembered reply sent again") {
  Branch b(config(0), 100);
  Effects out;
  b.on_message(deposit_request(0, 0, 0, 0, 10), out);
  CHECK(b.balance() == 110);
  REQUIRE(count(out, MessageKind::kReply) == 1);
  const Message reply = out.sends().front();
  CHECK(count(out, MessageKind::kPropagate) == 2);
  CHECK(out.timers().size() == 2);  // one per peer's ack
  CHECK(b.unacked().size() == 2);
  out.clear();
  b.on_message(deposit_request(0, 0, 0, 0, 10), out);  // the customer retransmits
  CHECK(b.balance() == 110);
  REQUIRE(out.sends().size() == 1);
  CHECK(out.sends().front().same_wire(reply));
  CHECK(out.timers().empty());
}

TEST_CASE("robust: a request older than the last one served to its customer is ignored") {
  Branch b(config(0), 100);
  Effects out;
  b.on_message(deposit_request(0, 0, 0, 0, 10), out);
  b.on_message(deposit_request(0, 0, 1, 1, 5), out);
  CHECK(b.balance() == 115);
  out.clear();
  b.on_message(deposit_request(0, 0, 0, 0, 10), out);  // a stale duplicate
  CHECK(out.sends().empty());
  CHECK(b.balance() == 115);
}

TEST_CASE("robust: propagations are acknowledged once applied, repeats again, and retransmitted") {
  Branch origin(config(0), 100);
  Branch peer(config(1), 100);
  Effects out;
  origin.on_message(deposit_request(0, 0, 0, 0, 10), out);
  const auto p = std::find_if(out.sends().begin(), out.sends().end(), [](const Message& m) {
    return m.kind == MessageKind::kPropagate && m.to == 1;
  });
  REQUIRE(p != out.sends().end());
  const Message propagation = *p;
  Effects at_peer;
  peer.on_message(propagation, at_peer);
  CHECK(peer.balance() == 110);
  REQUIRE(at_peer.sends().size() == 1);
  const Message ack = at_peer.sends().front();
  CHECK(ack.kind == MessageKind::kAck);
  CHECK(ack.to == 0);
  at_peer.clear();
  peer.on_message(propagation, at_peer);  // a repeat: applied once, acknowledged again
  CHECK(peer.balance() == 110);
  CHECK(count(at_peer, MessageKind::kAck) == 1);

  // Until the ack arrives, the origin's timer retransmits the propagation.
  const TimerKey timer{
      .kind = MessageKind::kPropagate, .owner = 0, .customer = 0, .event = 0, .peer = 1};
  out.clear();
  origin.on_timer(timer, out);
  REQUIRE(out.sends().size() == 1);
  CHECK(out.sends().front().same_wire(propagation));
  CHECK(out.timers() == std::vector<TimerEffect>{{timer, true}});
  out.clear();
  origin.on_message(ack, out);
  CHECK(out.timers() == std::vector<TimerEffect>{{timer, false}});
  CHECK(origin.unacked().size() == 1);  // branch 2's ack still due
  out.clear();
  origin.on_timer(timer, out);  // acknowledged: nothing to retransmit
  CHECK(out.sends().empty());
  out.clear();
  origin.on_message(ack, out);  // a repeated ack: nothing
  CHECK(out.sends().empty());
  CHECK(out.timers().empty());
}

TEST_CASE("robust: a buffered propagation is acknowledged only once applied") {
  Branch b(config(2), 100);
  Effects out;
  Message second{.kind = MessageKind::kPropagate,
                 .iface = Interface::kDeposit,
                 .success = true,
                 .from = 1,
                 .to = 2,
                 .customer = 0,
                 .event = 1,
                 .seq = 2,
                 .money = 5};
  b.on_message(second, out);
  CHECK(out.sends().empty());  // buffered (volatile): no ack yet
  Message first_write = second;
  first_write.from = 0;
  first_write.event = 0;
  first_write.seq = 1;
  first_write.money = 10;
  b.on_message(first_write, out);
  CHECK(b.balance() == 115);
  REQUIRE(count(out, MessageKind::kAck) == 2);
  CHECK(out.sends()[0].to == 0);
  CHECK(out.sends()[1].to == 1);
}

TEST_CASE("robust: the durable part holds replies and unacknowledged propagations") {
  Branch b(config(0), 100);
  Effects out;
  b.on_message(deposit_request(0, 0, 0, 0, 10), out);
  const BranchDurable d = b.durable();
  CHECK(d.balance == 110);
  CHECK(d.applied == std::vector<int32_t>{1, 0});
  REQUIRE(d.served.size() == 2);
  CHECK(d.served[0].event == 0);
  CHECK(d.served[0].success);
  CHECK(d.served[1].event == -1);
  CHECK(d.unacked.size() == 2);
  const Branch back(config(0), d);
  CHECK(back == b);
  CHECK(back.durable() == d);
  // After the restart the retry still gets the remembered reply, not a second deposit.
  Branch restarted = back;
  out.clear();
  restarted.on_message(deposit_request(0, 0, 0, 0, 10), out);
  CHECK(restarted.balance() == 110);
  CHECK(count(out, MessageKind::kReply) == 1);
}

TEST_CASE("robust: a customer arms a timer per request, retransmits it, cancels on reply") {
  const std::vector<Event> events{
      {.id = 1, .iface = Interface::kDeposit, .money = 10, .branch = 0}};
  Customer c(0, 3, events, /*retransmit=*/true);
  Effects out;
  c.start(out);
  REQUIRE(out.sends().size() == 1);
  const Message request = out.sends().front();
  REQUIRE(out.timers().size() == 1);
  const TimerKey k = out.timers().front().key;
  CHECK(k.kind == MessageKind::kRequest);
  CHECK(k.owner == 3);
  CHECK(k.peer == 0);
  out.clear();
  c.on_timer(k, out);
  REQUIRE(out.sends().size() == 1);
  CHECK(out.sends().front().same_wire(request));
  out.clear();
  c.on_message(Message{.kind = MessageKind::kReply,
                       .iface = Interface::kDeposit,
                       .success = true,
                       .from = 0,
                       .to = 3,
                       .customer = 0,
                       .event = 0},
               out);
  CHECK(out.timers() == std::vector<TimerEffect>{{k, false}});
  CHECK(c.done());
}

TEST_CASE("robust: the seed protocols arm no timers") {
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    World w(small(), WorldOptions{.protocol = p, .wire = false});
    w.start(0);
    drain(w, 0);
    CHECK(w.timers().empty());
    CHECK(w.timers_fired() == 0);
  }
}

TEST_CASE("robust: without faults no timer is ever enabled, and every promise holds") {
  World w(small(), robust());
  w.start(0);
  CHECK_FALSE(w.timers().empty());
  int64_t now = 0;
  while (!w.in_flight().empty()) {
    CHECK(timer_choices(w).empty());
    w.apply(Choice{w.in_flight().front().id}, ++now);
  }
  CHECK(timer_choices(w).empty());
  CHECK(w.timers().empty());
  w.finish(++now);
  CHECK(w.violations().empty());
}

TEST_CASE("robust: a dropped request enables its customer's timer; the retry is answered") {
  World w(small(), robust());
  w.start(0);
  const InFlight* req = first(w, [](const Message& m) { return m.kind == MessageKind::kRequest; });
  REQUIRE(req != nullptr);
  CHECK(timer_choices(w).empty());
  w.apply(Choice{req->id, ChoiceKind::kDrop}, 1);
  const auto timers = timer_choices(w);
  REQUIRE(timers.size() == 1);
  CHECK(w.fault_allowed(timers[0]));
  w.apply(timers[0], 2);
  CHECK(w.timers_fired() == 1);
  CHECK(timer_choices(w).empty());  // the retry is in flight
  drain(w, 3);
  CHECK(w.violations().empty());
}

TEST_CASE("robust: a dropped ack or propagation is retransmitted; a crash waits for restart") {
  for (const MessageKind lost : {MessageKind::kPropagate, MessageKind::kAck}) {
    World w(small(), robust());
    w.start(0);
    int64_t now = 0;
    // Serve customer 1's deposit at branch 1 (index 0).
    const InFlight* req = first(w, [](const Message& m) { return m.to == 0; });
    REQUIRE(req != nullptr);
    w.apply(Choice{req->id}, ++now);
    if (lost == MessageKind::kAck) {
      const InFlight* p =
          first(w, [](const Message& m) { return m.kind == MessageKind::kPropagate && m.to == 1; });
      REQUIRE(p != nullptr);
      w.apply(Choice{p->id}, ++now);
    }
    const InFlight* victim = first(w, [&](const Message& m) {
      return m.kind == lost && (m.to == 1 || m.from == 1) && m.customer == 0;
    });
    REQUIRE(victim != nullptr);
    w.apply(Choice{victim->id, ChoiceKind::kDrop}, ++now);
    REQUIRE(timer_choices(w).size() == 1);
    // Branch 2 (index 1) crashes: the retransmission could not arrive, so it waits.
    w.apply(Choice{0, ChoiceKind::kCrash, 1}, ++now);
    CHECK(timer_choices(w).empty());
    w.apply(Choice{0, ChoiceKind::kRestart, 1}, ++now);
    CHECK(timer_choices(w).size() == 1);
    drain(w, now);
    CHECK(w.violations().empty());
    CHECK(w.timers_fired() >= 1);
    CHECK(w.branches()[0].unacked().empty());
  }
}

TEST_CASE("robust: a timer step packs, goes into a trace and replays") {
  const Choice t{7, ChoiceKind::kTimer};
  CHECK(is_fault_step(pack_choice(t)));
  CHECK(unpack_choice(pack_choice(t)) == t);

  World w(small(), robust());
  w.start(0);
  std::vector<uint64_t> schedule;
  const InFlight* req = first(w, [](const Message& m) { return m.kind == MessageKind::kRequest; });
  const Choice drop{req->id, ChoiceKind::kDrop};
  w.apply(drop, 1);
  schedule.push_back(pack_choice(drop));
  std::vector<Choice> c;
  for (int64_t now = 2;; ++now) {
    c.clear();
    w.enabled(&c);
    if (c.empty()) break;
    w.apply(c.front(), now);
    schedule.push_back(pack_choice(c.front()));
  }
  CHECK(timer_steps(schedule) == 1);
  CHECK(fault_steps(schedule) == 1);
  Trace trace;
  trace.origin = "explore";
  trace.scenario = small();
  trace.protocol = ProtocolKind::kRobust;
  trace.checked = PropertySet::all();
  trace.schedule = schedule;
  const std::string text = trace_to_json(trace).dump();
  CHECK(text.find("{\"timer\":") != std::string::npos);
  auto parsed = parse_trace_text(text, "t.json");
  REQUIRE(parsed.ok());
  CHECK(parsed.value().schedule == schedule);
  auto replayed = replay_trace(parsed.value(), "t.json", ReplayOptions{});
  REQUIRE(replayed.ok());
  CHECK(replayed.value().world.quiescent());
  CHECK(replayed.value().world.violations().empty());
}

TEST_CASE("robust: a timed run with drops retransmits and keeps every promise") {
  TimedOptions o;
  o.seed = 3;
  o.faults.drop_per_million = 200'000;  // 20%
  o.faults.dup_per_million = 100'000;
  const TimedResult r = run_timed(small(), robust(/*wire=*/true), o);
  CHECK_FALSE(r.hit_step_bound);
  CHECK_FALSE(r.ended_in_fault_window);
  CHECK(r.world.violations().empty());
  CHECK(r.timers_left == 0);
}

TEST_CASE("robust: a timed run ends when a branch never comes back, its timers given up") {
  auto s = small();
  TimedOptions o;
  auto spec = parse_fault_spec("crash=3@1", *s, "--faults");
  REQUIRE(spec.ok());
  o.faults = spec.value();
  const TimedResult r = run_timed(s, robust(), o);
  CHECK_FALSE(r.hit_step_bound);
  CHECK(r.ended_in_fault_window);
  CHECK(r.timers_left > 0);
}
