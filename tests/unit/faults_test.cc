// Faults as World choices (issue 14): drop, duplicate, crash/restart, partition/heal.
// The engine's invariants hold under every fault; a crashed branch comes back from its
// durable part alone; a fault-free World is unchanged; traces carry faults and replay
// them; and the three expected breakages: a dropped propagation breaks convergence under
// async, a dropped ack loses liveness under sync, a duplicated propagation breaks
// conservation under a protocol that does not deduplicate (sync, async; session does).
#include <doctest/doctest.h>

#include <string>

#include "cli/explore_command.h"
#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/prng.h"
#include "sim/trace.h"

using namespace banksim;

namespace {

constexpr ProtocolKind kProtocols[] = {ProtocolKind::kSync, ProtocolKind::kAsync,
                                       ProtocolKind::kSession};

std::shared_ptr<const Scenario> small() {
  return testing::load_shipped("faults/small.json");
}

WorldOptions options(ProtocolKind p, bool wire = false) {
  return WorldOptions{.protocol = p, .wire = wire};
}

// Delivers the lowest-id in-flight message matching `pick` (none: returns false).
template <typename Pick>
bool deliver_first(World& w, Pick pick, int64_t now) {
  for (const InFlight& f : w.in_flight()) {
    if (pick(f.msg)) {
      w.apply(Choice{f.id}, now);
      return true;
    }
  }
  return false;
}

// The lowest id of an in-flight message matching `pick`; 0 when none (ids start at 0,
// so callers check find()).
template <typename Pick>
const InFlight* first(const World& w, Pick pick) {
  for (const InFlight& f : w.in_flight()) {
    if (pick(f.msg)) return &f;
  }
  return nullptr;
}

// Delivers everything (lowest id first) until quiescent, then judges.
void drain(World& w, int64_t now) {
  while (!w.in_flight().empty()) {
    w.apply(Choice{w.in_flight().front().id}, ++now);
    REQUIRE(w.money_conserved());
  }
  REQUIRE(w.quiescent());
  w.finish(++now);
}

bool violated(const World& w, Property p) {
  return w.violation_count(p) > 0;
}

}  // namespace

TEST_CASE("faults: a choice packs into one schedule step and back; a delivery is its id") {
  CHECK(pack_choice(Choice{42}) == 42);
  CHECK_FALSE(is_fault_step(42));
  const Choice choices[] = {Choice{7, ChoiceKind::kDrop},
                            Choice{9, ChoiceKind::kDuplicate},
                            Choice{0, ChoiceKind::kCrash, 2},
                            Choice{0, ChoiceKind::kRestart, 2},
                            Choice{0, ChoiceKind::kPartition, 0, 0b011},
                            Choice{0, ChoiceKind::kHeal}};
  for (const Choice& c : choices) {
    CHECK(is_fault_step(pack_choice(c)));
    CHECK(unpack_choice(pack_choice(c)) == c);
  }
}

TEST_CASE("faults: a dropped propagation breaks convergence under async") {
  World w(small(), options(ProtocolKind::kAsync));
  w.start(0);
  // Customer 1's deposit at branch 1 is served, then its propagation to branch 2 is lost.
  REQUIRE(deliver_first(
      w, [](const Message& m) { return m.to == 0; }, 1));
  const InFlight* p =
      first(w, [](const Message& m) { return m.kind == MessageKind::kPropagate && m.to == 1; });
  REQUIRE(p != nullptr);
  w.apply(Choice{p->id, ChoiceKind::kDrop}, 2);
  CHECK(w.faults().drops == 1);
  CHECK(w.money_conserved());
  drain(w, 3);
  CHECK(violated(w, Property::kConvergence));
  CHECK_FALSE(violated(w, Property::kLiveness));
}

TEST_CASE("faults: a dropped ack makes sync lose liveness") {
  World w(small(), options(ProtocolKind::kSync));
  w.start(0);
  REQUIRE(deliver_first(
      w, [](const Message& m) { return m.to == 0; }, 1));  // the deposit
  REQUIRE(deliver_first(
      w,
      [](const Message& m) {
        return m.kind == MessageKind::kPropagate && m.from == 0 && m.to == 1;
      },
      2));
  const InFlight* ack = first(w, [](const Message& m) { return m.kind == MessageKind::kAck; });
  REQUIRE(ack != nullptr);
  w.apply(Choice{ack->id, ChoiceKind::kDrop}, 3);
  drain(w, 4);
  CHECK(violated(w, Property::kLiveness));
  // Every replica applied the write: only the answer is missing.
  CHECK_FALSE(violated(w, Property::kConvergence));
  CHECK_FALSE(violated(w, Property::kConservation));
}

TEST_CASE("faults: a duplicated propagation breaks conservation unless the protocol dedups") {
  for (const ProtocolKind p : kProtocols) {
    CAPTURE(protocol_name(p));
    World w(small(), options(p, /*wire=*/true));
    w.start(0);
    REQUIRE(deliver_first(
        w, [](const Message& m) { return m.to == 0; }, 1));
    const InFlight* prop =
        first(w, [](const Message& m) { return m.kind == MessageKind::kPropagate; });
    REQUIRE(prop != nullptr);
    const uint64_t sent = w.sent();
    w.apply(Choice{prop->id, ChoiceKind::kDuplicate}, 2);
    // The copy is a new message with a fresh id, delivered independently.
    REQUIRE(w.last_sent().size() == 1);
    CHECK(w.last_sent()[0].id == sent);
    CHECK(w.last_sent()[0].msg.same_wire(w.last_fault_message().msg));
    CHECK(w.money_conserved());
    drain(w, 3);
    CHECK(violated(w, Property::kConservation) == (p != ProtocolKind::kSession));
  }
}

TEST_CASE(
    "faults: a crash loses volatile state and messages to the branch; restart keeps durable") {
  World w(small(), options(ProtocolKind::kSession));
  w.start(0);
  // Customer 1 deposits 10 at branch 1; the propagation to branch 2 is in flight.
  REQUIRE(deliver_first(
      w, [](const Message& m) { return m.to == 0; }, 1));
  const BranchDurable before = w.branches()[1].durable();
  REQUIRE(first(w, [](const Message& m) { return m.to == 1; }) != nullptr);
  w.apply(Choice{0, ChoiceKind::kCrash, 1}, 2);
  CHECK(w.down(1));
  CHECK(first(w, [](const Message& m) { return m.to == 1; }) == nullptr);
  CHECK(w.faults().lost >= 1);
  CHECK(w.branches()[1].durable() == before);
  CHECK_FALSE(w.quiescent());
  CHECK(w.money_conserved());
  // Nothing can be restarted twice or crashed while down.
  CHECK_FALSE(w.fault_allowed(Choice{0, ChoiceKind::kCrash, 1}));
  CHECK(w.fault_allowed(Choice{0, ChoiceKind::kRestart, 1}));
  CHECK_FALSE(w.fault_allowed(Choice{0, ChoiceKind::kRestart, 0}));
  w.apply(Choice{0, ChoiceKind::kRestart, 1}, 3);
  CHECK_FALSE(w.down(1));
  CHECK(w.branches()[1] == Branch(w.branches()[1].config(), before));
  drain(w, 4);
  CHECK(violated(w, Property::kConvergence));  // branch 2 never got the deposit
}

TEST_CASE("faults: a restored branch holds its durable part and nothing volatile") {
  const BranchConfig c{
      .protocol = ProtocolKind::kSession, .self = 0, .branch_count = 2, .customer_count = 1};
  Branch b(c, 100);
  Effects out;
  // A propagation ahead of its turn is buffered (volatile).
  b.on_message(Message{.kind = MessageKind::kPropagate,
                       .iface = Interface::kDeposit,
                       .from = 1,
                       .to = 0,
                       .customer = 0,
                       .event = 1,
                       .seq = 2,
                       .money = 5},
               out);
  CHECK(b.buffered_delta() == 5);
  const Branch back(c, b.durable());
  CHECK(back.balance() == 100);
  CHECK(back.buffered_delta() == 0);
  CHECK(back.durable() == b.durable());
}

TEST_CASE("faults: a partition loses messages sent across it, not within a side") {
  World w(small(), options(ProtocolKind::kAsync));
  w.start(0);
  // Branches 1 (index 0) and 2 on one side, branch 3 on the other.
  const Choice cut{0, ChoiceKind::kPartition, 0, 0b011};
  REQUIRE(w.fault_allowed(cut));
  CHECK_FALSE(w.fault_allowed(Choice{0, ChoiceKind::kPartition, 0, 0b110}));  // bit 0 unset
  CHECK_FALSE(w.fault_allowed(Choice{0, ChoiceKind::kPartition, 0, 0b111}));  // not a split
  w.apply(cut, 1);
  CHECK(w.cut(0, 2));
  CHECK_FALSE(w.cut(0, 1));
  CHECK_FALSE(w.cut(0, 3));  // customers' links are never cut
  REQUIRE(deliver_first(
      w, [](const Message& m) { return m.to == 0; }, 2));
  // The deposit's propagations: to branch 2 sent, to branch 3 lost.
  CHECK(first(w, [](const Message& m) { return m.kind == MessageKind::kPropagate && m.to == 1; }) !=
        nullptr);
  CHECK(first(w, [](const Message& m) { return m.kind == MessageKind::kPropagate && m.to == 2; }) ==
        nullptr);
  CHECK(w.faults().lost == 1);
  CHECK(w.money_conserved());
  w.apply(Choice{0, ChoiceKind::kHeal}, 3);
  drain(w, 4);
  CHECK(violated(w, Property::kConvergence));
}

TEST_CASE("faults: random fault walks keep the engine invariants, with and without wire") {
  const FaultBudget budget{.drops = 2, .duplicates = 2, .crashes = 2, .partitions = 2};
  for (const std::string& name : testing::shipped_scenario_names()) {
    const auto s = testing::load_shipped(name);
    for (const ProtocolKind p : kProtocols) {
      for (const bool wire : {false, true}) {
        CAPTURE(name);
        CAPTURE(protocol_name(p));
        Prng prng(7);
        for (int walk = 0; walk < 20; ++walk) {
          World w(s, options(p, wire));
          w.start(0);
          std::vector<Choice> choices;
          int64_t step = 0;
          while (true) {
            choices.clear();
            w.enabled(&choices);
            fault_choices(w, budget, &choices);
            if (choices.empty()) break;
            const Choice c = choices[prng.below(choices.size())];
            w.apply(c, ++step);
            CAPTURE(wire);
            CAPTURE(walk);
            CAPTURE(step);
            CAPTURE(static_cast<int>(c.kind));
            REQUIRE(w.money_conserved());
            const auto flight = w.in_flight();
            for (size_t i = 1; i < flight.size(); ++i) REQUIRE(flight[i - 1].id < flight[i].id);
          }
          REQUIRE(w.quiescent());
          w.finish(++step);
        }
      }
    }
  }
}

TEST_CASE("faults: a trace with faults round-trips through JSON and replays the same way") {
  const auto s = small();
  ExploreOptions o;
  o.protocol = ProtocolKind::kAsync;
  o.faults = FaultBudget{.drops = 1};
  o.checked = PropertySet().with(Property::kConvergence);
  const ExploreResult r = explore(s, o);
  REQUIRE(r.counterexamples.size() == 1);
  const Counterexample& c = r.counterexamples[0];
  CHECK(c.minimal);
  REQUIRE(fault_steps(c.schedule) == 1);
  Trace t;
  t.origin = "explore";
  t.scenario = s;
  t.protocol = o.protocol;
  t.checked = o.checked;
  t.schedule = c.schedule;
  t.violation = TraceViolation{c.property, c.detail};
  const std::string text = trace_to_json(t).dump(1);
  CHECK(text.find("\"drop\"") != std::string::npos);
  auto back = parse_trace_text(text, "t.json");
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message));
  CHECK(back.value().schedule == t.schedule);
  CHECK(check_reproduces(back.value(), "t.json").ok());
}

TEST_CASE("faults: malformed fault entries in a trace are refused with their JSON path") {
  Trace t;
  t.origin = "explore";
  t.scenario = small();
  t.schedule = {0};
  const std::string good = trace_to_json(t).dump();
  const auto with = [&](const std::string& entry) {
    std::string text = good;
    const std::string from = "\"schedule\":[0]";
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), "\"schedule\":[0," + entry + "]");
    auto r = parse_trace_text(text, "t.json");
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(with("{\"drop\":-1}").find("t.json: $.schedule[1].drop: ") == 0);
  CHECK(with("{\"crash\":9}").find("t.json: $.schedule[1].crash: must be the id of a branch") == 0);
  CHECK(with("{\"partition\":\"1+2\"}").find("t.json: $.schedule[1].partition: ") == 0);
  CHECK(with("{\"partition\":\"1+2|2+3\"}").find("listed twice") != std::string::npos);
  CHECK(with("{\"partition\":\"1|3\"}").find("every branch") != std::string::npos);
  CHECK(with("{\"melt\":1}").find("t.json: $.schedule[1].melt: unknown fault") == 0);
  CHECK(with("{\"drop\":1,\"dup\":1}").find("t.json: $.schedule[1]: a fault must be") == 0);
  CHECK(with("{\"heal\":false}").find("t.json: $.schedule[1].heal: must be true") == 0);
  // A fault that cannot happen at its step is refused on replay.
  t.schedule = {pack_choice(Choice{0, ChoiceKind::kRestart, 1})};
  auto parsed = parse_trace_text(trace_to_json(t).dump(), "t.json");
  REQUIRE(parsed.ok());
  auto replayed = replay_trace(parsed.value(), "t.json", ReplayOptions{});
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.error().message.find("t.json: $.schedule[0]: fault {\"restart\":2} cannot "
                                      "happen") == 0);
}

TEST_CASE("faults: budgets 0 are the search without faults; budgets grow the space") {
  const auto s = small();
  for (const ProtocolKind p : kProtocols) {
    CAPTURE(protocol_name(p));
    ExploreOptions plain;
    plain.protocol = p;
    plain.reduction = false;
    ExploreOptions zero = plain;
    zero.faults = FaultBudget{};
    const ExploreResult a = explore(s, plain);
    const ExploreResult b = explore(s, zero);
    CHECK(a.stats.distinct == b.stats.distinct);
    CHECK(a.stats.terminal == b.stats.terminal);
    ExploreOptions one = plain;
    one.faults = FaultBudget{.crashes = 1};
    one.keep_going = true;
    one.minimize = false;
    const ExploreResult c = explore(s, one);
    CHECK(c.stats.distinct > a.stats.distinct);
  }
}
