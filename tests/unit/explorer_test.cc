// Explorer: pinned state counts of complete explorations, exact counterexamples, the
// soundness of the reduction (same terminal states and violations with and without),
// and traces that replay to the same violation.
#include <doctest/doctest.h>

#include <string>

#include "cli/explore_command.h"
#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/trace.h"

using namespace banksim;

namespace {

ExploreResult run(const std::shared_ptr<const Scenario>& s, ProtocolKind p, bool reduction,
                  bool keep_going = false, PropertySet checked = PropertySet::all()) {
  ExploreOptions o;
  o.protocol = p;
  o.reduction = reduction;
  o.keep_going = keep_going;
  o.checked = checked;
  return explore(s, o);
}

Trace trace_of(const std::shared_ptr<const Scenario>& s, ProtocolKind p, const Counterexample& c) {
  Trace t;
  t.origin = "explore";
  t.scenario = s;
  t.protocol = p;
  t.schedule = c.schedule;
  t.violation = TraceViolation{c.property, c.detail};
  return t;
}

}  // namespace

TEST_CASE("explore: session keeps every promise on the seed examples, with pinned state counts") {
  // Pinned counts: a change to the search, the encoding or the reduction shows up here.
  struct Case {
    const char* file;
    uint64_t reduced;
    uint64_t unreduced;
  };
  const Case cases[] = {{"seed-cc-dest-test1.json", 10, 14},
                        {"seed-cc-dest-test2.json", 6, 8},
                        {"seed-ryw-branch-key.json", 8, 12},
                        {"session-2-customers-3-branches.json", 127, 1350}};
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const auto s = testing::load_shipped(c.file);
    const ExploreResult with = run(s, ProtocolKind::kSession, true);
    CHECK(with.counterexamples.empty());
    CHECK(with.stats.complete());
    CHECK(with.stats.distinct == c.reduced);
    const ExploreResult without = run(s, ProtocolKind::kSession, false);
    CHECK(without.counterexamples.empty());
    CHECK(without.stats.complete());
    CHECK(without.stats.distinct == c.unreduced);
  }
}

TEST_CASE("explore: sync reduction: acks commute with everything, pinned state counts") {
  // Three customers depositing at their own branches under sync, every interleaving.
  // Reduction comes from acks (a persistent singleton each), from credits (deposits
  // commute with each other and, up to the balance a reply reports, with queries) and
  // from following dependencies through the frozen set; a change to any shows up here.
  const auto s = testing::load_shipped("three-customers-deposits.json");
  const ExploreResult with = run(s, ProtocolKind::kSync, true);
  const ExploreResult without = run(s, ProtocolKind::kSync, false);
  CHECK(with.counterexamples.empty());
  CHECK(with.stats.complete());
  CHECK(without.stats.complete());
  CHECK(with.stats.distinct == 25);
  CHECK(without.stats.distinct == 3259);
  CHECK(with.stats.terminal == without.stats.terminal);
}

TEST_CASE("explore: sync credits commute: deposits alone explore one interleaving") {
  // 3 branches, 3 customers, 2 deposits each at home: every delivery is a deposit, a
  // propagated deposit or an ack, all of which commute, so every state has one
  // persistent choice. With a withdraw, the branch that decides it loses that freedom.
  std::string text = R"([
    {"id": 1, "type": "customer", "events": [{"id": 1, "interface": "deposit", "money": 1},
                                             {"id": 2, "interface": "deposit", "money": 2}]},
    {"id": 2, "type": "customer", "events": [{"id": 3, "interface": "deposit", "money": 3},
                                             {"id": 4, "interface": "deposit", "money": 4}]},
    {"id": 3, "type": "customer", "events": [{"id": 5, "interface": "deposit", "money": 5},
                                             {"id": 6, "interface": "deposit", "money": 6}]},
    {"id": 1, "type": "branch", "balance": 0},
    {"id": 2, "type": "branch", "balance": 0},
    {"id": 3, "type": "branch", "balance": 0}])";
  auto parsed = parse_scenario_text(text, "deposits.json");
  REQUIRE(parsed.ok());
  const auto s = std::make_shared<const Scenario>(std::move(parsed.value()));
  const ExploreResult with = run(s, ProtocolKind::kSync, true);
  const ExploreResult without = run(s, ProtocolKind::kSync, false);
  CHECK(with.counterexamples.empty());
  CHECK(without.stats.terminal == 1);
  CHECK(with.stats.terminal == 1);
  // 6 writes x (request, reply, 2 propagations, 2 acks) = 36 deliveries, one path.
  CHECK(with.stats.distinct == 37);
  CHECK(with.stats.transitions == 36);
  CHECK(without.stats.distinct > 1000);
}

TEST_CASE("explore: async breaks read-your-writes for a moving customer, in 3 deliveries") {
  // Deposit 100 at branch 1, confirmed; the withdraw of 30 at branch 2 is decided before
  // the propagation arrives (the check covers withdraws: they read the balance).
  const auto s = testing::load_shipped("moving-customer-3-branches.json");
  const ExploreResult r =
      run(s, ProtocolKind::kAsync, true, false, PropertySet().with(Property::kReadYourWrites));
  REQUIRE(r.counterexamples.size() == 1);
  const Counterexample& c = r.counterexamples[0];
  CHECK(c.property == Property::kReadYourWrites);
  CHECK(c.minimal);
  CHECK(c.schedule.size() == 3);
  CHECK(c.detail.find("customer 1 event 2 (withdraw 30) at branch 2 was refused on balance 0 "
                      "without customer 1 event 1 (deposit 100)") == 0);
  // The minimum: no schedule of 2 deliveries shows it (exhaustive, no reduction).
  ExploreOptions o;
  o.protocol = ProtocolKind::kAsync;
  o.reduction = false;
  o.max_depth = 2;
  o.checked = PropertySet().with(Property::kReadYourWrites);
  const ExploreResult shorter = explore(s, o);
  CHECK(shorter.counterexamples.empty());
  CHECK(shorter.stats.depth_bounded);

  // The trace replays, through protobuf bytes, to the same violation.
  auto replayed = replay_trace(trace_of(s, ProtocolKind::kAsync, c), "test", {});
  REQUIRE(replayed.ok());
  // A copy, not a reference: GCC 12's UBSan at -O2 reported a null reference binding on
  // vs[0] here although the vector holds one element (a print of data() made it vanish).
  const std::vector<Violation> vs = replayed.value().world.violations();
  REQUIRE(vs.size() >= 1);
  CHECK(vs.front().property == Property::kReadYourWrites);
  CHECK(vs.front().detail == c.detail);
}

TEST_CASE("explore: sync lets two concurrent withdraws overdraw a replica") {
  const auto s = testing::load_shipped("concurrent-withdraws.json");
  const ExploreResult r =
      run(s, ProtocolKind::kSync, true, false, PropertySet().with(Property::kNoOverdraft));
  REQUIRE(r.counterexamples.size() == 1);
  const Counterexample& c = r.counterexamples[0];
  CHECK(c.property == Property::kNoOverdraft);
  CHECK(c.detail.find("fell to") != std::string::npos);
  auto replayed = replay_trace(trace_of(s, ProtocolKind::kSync, c), "test", {});
  REQUIRE(replayed.ok());
  const std::vector<Violation> vs = replayed.value().world.violations();  // a copy: see above
  REQUIRE(vs.size() >= 1);
  CHECK(vs.front().detail == c.detail);
}

TEST_CASE("explore: reduction keeps every terminal state and every violated property") {
  const char* files[] = {"seed-cc-dest-test1.json",
                         "seed-p1-three-branches.json",
                         "moving-customer-3-branches.json",
                         "concurrent-withdraws.json",
                         "session-2-customers-3-branches.json",
                         "three-customers-deposits.json"};
  for (const char* f : files) {
    const auto s = testing::load_shipped(f);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      CAPTURE(f);
      CAPTURE(protocol_name(p));
      ExploreOptions o;
      o.protocol = p;
      o.keep_going = true;
      o.minimize = false;
      o.reduction = true;
      const ExploreResult with = explore(s, o);
      o.reduction = false;
      const ExploreResult without = explore(s, o);
      CHECK(with.stats.complete() == without.stats.complete());
      CHECK(with.stats.terminal == without.stats.terminal);
      CHECK(with.stats.distinct <= without.stats.distinct);
      uint32_t a = 0, b = 0;
      for (const auto& c : with.counterexamples) a |= 1u << static_cast<int>(c.property);
      for (const auto& c : without.counterexamples) b |= 1u << static_cast<int>(c.property);
      CHECK(a == b);
    }
  }
}

// Sleep sets (--sleep-sets) over the persistent sets, and alone: the terminal states and
// violated properties of the full search on the shipped scenarios, reordering and FIFO.
// Deliberately broken variants show the test can fail (ExploreOptions::BrokenSleep).
TEST_CASE("explore: sleep sets keep every terminal state and broken sleep sets do not") {
  const char* files[] = {"seed-cc-dest-test1.json",
                         "seed-p1-three-branches.json",
                         "moving-customer-3-branches.json",
                         "concurrent-withdraws.json",
                         "session-2-customers-3-branches.json",
                         "three-customers-deposits.json"};
  uint64_t lost_no_revisit = 0, lost_same_actor = 0, fewer_transitions = 0, cases = 0;
  for (const char* f : files) {
    const auto s = testing::load_shipped(f);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      for (const bool fifo : {false, true}) {
        for (const bool reduction : {true, false}) {
          CAPTURE(f);
          CAPTURE(protocol_name(p));
          CAPTURE(fifo);
          CAPTURE(reduction);
          ExploreOptions o;
          o.protocol = p;
          o.fifo = fifo;
          o.keep_going = true;
          o.minimize = false;
          o.reduction = false;
          const ExploreResult full = explore(s, o);
          REQUIRE(full.stats.complete());
          o.reduction = reduction;
          const ExploreResult plain = explore(s, o);
          o.sleep_sets = true;
          const ExploreResult sleep = explore(s, o);
          CHECK(sleep.stats.complete());
          CHECK(sleep.stats.terminal == full.stats.terminal);
          uint32_t a = 0, b = 0, c = 0;
          for (const auto& k : sleep.counterexamples) a |= 1u << static_cast<int>(k.property);
          for (const auto& k : full.counterexamples) b |= 1u << static_cast<int>(k.property);
          CHECK(a == b);
          cases += 1;
          fewer_transitions += sleep.stats.transitions < plain.stats.transitions;
          o.sleep_sets_broken = ExploreOptions::BrokenSleep::kNoRevisit;
          const ExploreResult no_revisit = explore(s, o);
          for (const auto& k : no_revisit.counterexamples) c |= 1u << static_cast<int>(k.property);
          lost_no_revisit += no_revisit.stats.terminal < full.stats.terminal || c != b;
          o.sleep_sets_broken = ExploreOptions::BrokenSleep::kSameActor;
          const ExploreResult same_actor = explore(s, o);
          c = 0;
          for (const auto& k : same_actor.counterexamples) c |= 1u << static_cast<int>(k.property);
          lost_same_actor += same_actor.stats.terminal < full.stats.terminal || c != b;
        }
      }
    }
  }
  MESSAGE(cases, " cases: sleep sets took fewer transitions in ", fewer_transitions,
          "; lost terminal states or violations: without the revisit rule ", lost_no_revisit,
          ", with deliveries to one actor put to sleep ", lost_same_actor);
  CHECK(fewer_transitions > 0);
  // Putting dependent deliveries to sleep loses terminal states: this test can fail. The
  // variant without the revisit rule has lost none here, nor on 1,000 random scenarios
  // (README, Sleep sets): the revisit rule is argued, not shown necessary by a test.
  CHECK(lost_same_actor > 0);
}

// Sleep sets with robust: no persistent sets there, and its timers never sleep.
TEST_CASE("explore: sleep sets alone keep every terminal state under robust") {
  const auto s = testing::load_shipped("three-customers-deposits.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kRobust;
  o.keep_going = true;
  o.minimize = false;
  o.reduction = false;
  const ExploreResult full = explore(s, o);
  REQUIRE(full.stats.complete());
  o.sleep_sets = true;
  const ExploreResult sleep = explore(s, o);
  CHECK(sleep.stats.complete());
  CHECK(sleep.stats.terminal == full.stats.terminal);
  CHECK(sleep.counterexamples.size() == full.counterexamples.size());
  CHECK(sleep.stats.transitions < full.stats.transitions);
  // Two bytes of sleep mask beside each 8-byte slot: 10 bytes a slot.
  CHECK(sleep.stats.visited_bytes % 10 == 0);
  CHECK(sleep.stats.visited_bytes <= 20 * sleep.stats.distinct + 10 * 64 * 1024);
}

TEST_CASE("explore: a schedule that does not fit its scenario is refused") {
  const auto s = testing::load_shipped("seed-cc-dest-test2.json");
  Trace t;
  t.scenario = s;
  t.protocol = ProtocolKind::kSession;
  t.schedule = {0, 999};
  auto r = replay_trace(t, "bad.json", {});
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("bad.json: $.schedule[1]: message 999") == 0);
}

TEST_CASE("explore: the same search twice gives the same statistics and schedules") {
  const auto s = testing::load_shipped("session-2-customers-3-branches.json");
  for (ProtocolKind p : {ProtocolKind::kAsync, ProtocolKind::kSync}) {
    const ExploreResult a = run(s, p, true, true);
    const ExploreResult b = run(s, p, true, true);
    CHECK(a.stats.distinct == b.stats.distinct);
    CHECK(a.stats.transitions == b.stats.transitions);
    REQUIRE(a.counterexamples.size() == b.counterexamples.size());
    for (size_t i = 0; i < a.counterexamples.size(); ++i) {
      CHECK(a.counterexamples[i].schedule == b.counterexamples[i].schedule);
    }
  }
}

namespace {

// One customer, two deposits at branch 1, two branches (the FIFO issue's example).
std::shared_ptr<const Scenario> two_deposits_one_link() {
  auto parsed = parse_scenario_text(R"([
    {"id": 1, "type": "customer", "events": [{"id": 1, "branch": 1, "interface": "deposit", "money": 1},
                                             {"id": 2, "branch": 1, "interface": "deposit", "money": 2}]},
    {"id": 1, "type": "branch", "balance": 0},
    {"id": 2, "type": "branch", "balance": 0}])",
                                    "two-deposits.json");
  REQUIRE(parsed.ok());
  return std::make_shared<const Scenario>(std::move(parsed.value()));
}

}  // namespace

TEST_CASE("explore: per-link FIFO keeps a link's propagations in order") {
  const auto s = two_deposits_one_link();
  for (const bool reduction : {true, false}) {
    CAPTURE(reduction);
    ExploreOptions o;
    o.protocol = ProtocolKind::kAsync;
    o.reduction = reduction;
    o.checked = PropertySet().with(Property::kMonotonicWrites);
    // Without FIFO the second propagation overtakes the first on link 1 -> 2.
    o.fifo = false;
    const ExploreResult reordering = explore(s, o);
    REQUIRE(reordering.counterexamples.size() == 1);
    CHECK(reordering.counterexamples[0].property == Property::kMonotonicWrites);
    // With FIFO it cannot: every interleaving keeps monotonic writes.
    o.fifo = true;
    const ExploreResult fifo = explore(s, o);
    CHECK(fifo.counterexamples.empty());
    CHECK(fifo.stats.complete());
  }
}

TEST_CASE("explore: under FIFO only the oldest message of each link is deliverable") {
  const auto s = two_deposits_one_link();
  World w(s, WorldOptions{.protocol = ProtocolKind::kAsync, .wire = false,
                          .record_history = false});
  w.start(0);
  // Deliver every request and reply (never a propagation) until none is left: both
  // deposits are served, and both propagations wait on link 1 -> 2.
  for (bool delivered = true; delivered;) {
    delivered = false;
    for (const InFlight& f : w.in_flight()) {
      if (f.msg.kind == MessageKind::kPropagate) continue;
      w.apply(Choice{f.id}, 1);
      delivered = true;
      break;
    }
  }
  std::vector<uint64_t> propagations;
  for (const InFlight& f : w.in_flight()) {
    REQUIRE(f.msg.kind == MessageKind::kPropagate);
    propagations.push_back(f.id);
  }
  REQUIRE(propagations.size() == 2);
  std::vector<Choice> all, heads;
  deliverable(w, false, &all);
  deliverable(w, true, &heads);
  CHECK(all == std::vector<Choice>{Choice{propagations[0]}, Choice{propagations[1]}});
  CHECK(heads == std::vector<Choice>{Choice{propagations[0]}});
}

TEST_CASE("explore: reduction keeps every terminal state and violation under FIFO") {
  const char* files[] = {"seed-cc-dest-test1.json", "seed-p1-three-branches.json",
                         "moving-customer-3-branches.json", "concurrent-withdraws.json",
                         "session-2-customers-3-branches.json", "three-customers-deposits.json"};
  for (const char* f : files) {
    const auto s = testing::load_shipped(f);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      CAPTURE(f);
      CAPTURE(protocol_name(p));
      ExploreOptions o;
      o.protocol = p;
      o.fifo = true;
      o.keep_going = true;
      o.minimize = false;
      o.reduction = true;
      const ExploreResult with = explore(s, o);
      o.reduction = false;
      const ExploreResult without = explore(s, o);
      CHECK(with.stats.complete());
      CHECK(without.stats.complete());
      CHECK(with.stats.terminal == without.stats.terminal);
      CHECK(with.stats.distinct <= without.stats.distinct);
      uint32_t a = 0, b = 0;
      for (const auto& c : with.counterexamples) a |= 1u << static_cast<int>(c.property);
      for (const auto& c : without.counterexamples) b |= 1u << static_cast<int>(c.property);
      CHECK(a == b);
    }
  }
}

TEST_CASE("explore: a poll ends the search with a partial result, counterexamples kept") {
  const auto s = testing::load_shipped("session-2-customers-3-branches.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kAsync;
  o.reduction = false;
  o.keep_going = true;
  const ExploreResult full = explore(s, o);
  REQUIRE(full.stats.complete());
  REQUIRE(full.stats.transitions > 4 * kPollEvery);
  uint64_t polls = 0;
  o.poll = [&](const ExploreStats&) {
    return ++polls == 3 ? StopReason::kInterrupted : StopReason::kNone;
  };
  const ExploreResult cut = explore(s, o);
  CHECK(cut.stats.stopped_by == StopReason::kInterrupted);
  CHECK_FALSE(cut.stats.complete());
  CHECK(cut.stats.transitions < full.stats.transitions);
  CHECK(polls == 3);
  // The stack is asked about before each new level: a limit on it bounds the depth.
  o.poll = [](const ExploreStats& st) {
    return st.stack > 5 ? StopReason::kMemoryLimit : StopReason::kNone;
  };
  const ExploreResult shallow = explore(s, o);
  CHECK(shallow.stats.stopped_by == StopReason::kMemoryLimit);
  CHECK(shallow.stats.max_depth <= 6);
}

TEST_CASE("explore: a counterexample is written only if replaying it reproduces it") {
  const auto s = testing::load_shipped("concurrent-withdraws.json");
  const ExploreResult r =
      run(s, ProtocolKind::kSync, true, false, PropertySet().with(Property::kNoOverdraft));
  REQUIRE(r.counterexamples.size() == 1);
  Trace t = trace_of(s, ProtocolKind::kSync, r.counterexamples[0]);
  t.checked = PropertySet().with(Property::kNoOverdraft);
  CHECK(check_reproduces(t, "t.json").ok());
  // One delivery short: the overdraft has not happened yet.
  Trace shorter = t;
  shorter.schedule.pop_back();
  const Status short_one = check_reproduces(shorter, "t.json");
  REQUIRE_FALSE(short_one.ok());
  CHECK(short_one.error().code == ErrorCode::kInternal);
  CHECK(short_one.error().message.find("shows no no-overdraft violation") != std::string::npos);
  // Another detail: not the same violation.
  Trace other = t;
  other.violation->detail += " (edited)";
  CHECK_FALSE(check_reproduces(other, "t.json").ok());
  // A schedule that does not fit: replay's own error.
  Trace bad = t;
  bad.schedule.insert(bad.schedule.begin(), 4242);
  const Status bad_one = check_reproduces(bad, "t.json");
  REQUIRE_FALSE(bad_one.ok());
  CHECK(bad_one.error().message.find("t.json: $.schedule[0]: message 4242") == 0);
}

TEST_CASE("explore: --max-memory sizes") {
  CHECK(parse_size("512M") == 512ull << 20);
  CHECK(parse_size("4G") == 4ull << 30);
  CHECK(parse_size("2GiB") == 2ull << 30);
  CHECK(parse_size("1048576") == 1048576u);
  CHECK_FALSE(parse_size("").has_value());
  CHECK_FALSE(parse_size("0").has_value());
  CHECK_FALSE(parse_size("12X").has_value());
  CHECK_FALSE(parse_size("-1G").has_value());
  CHECK_FALSE(parse_size("99999999999T").has_value());
}

TEST_CASE("explore: a stack of checkpoints visits the same states in the same order") {
  // checkpoint_every = 1 keeps a World per level; 3 and 4 rebuild the others from the
  // checkpoint below by re-applying the path. Counts, schedules and details must match.
  const char* files[] = {"seed-cc-dest-test1.json", "moving-customer-3-branches.json",
                         "concurrent-withdraws.json", "session-2-customers-3-branches.json",
                         "three-customers-deposits.json"};
  for (const char* f : files) {
    const auto s = testing::load_shipped(f);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      for (const bool reduction : {true, false}) {
        CAPTURE(f);
        CAPTURE(protocol_name(p));
        CAPTURE(reduction);
        ExploreOptions o;
        o.protocol = p;
        o.reduction = reduction;
        o.keep_going = true;
        o.minimize = false;
        o.checkpoint_every = 1;
        const ExploreResult every = explore(s, o);
        for (const size_t k : {3, 4}) {
          CAPTURE(k);
          o.checkpoint_every = k;
          const ExploreResult sparse = explore(s, o);
          CHECK(sparse.stats.distinct == every.stats.distinct);
          CHECK(sparse.stats.transitions == every.stats.transitions);
          CHECK(sparse.stats.terminal == every.stats.terminal);
          CHECK(sparse.stats.max_depth == every.stats.max_depth);
          REQUIRE(sparse.counterexamples.size() == every.counterexamples.size());
          for (size_t i = 0; i < every.counterexamples.size(); ++i) {
            CHECK(sparse.counterexamples[i].schedule == every.counterexamples[i].schedule);
            CHECK(sparse.counterexamples[i].detail == every.counterexamples[i].detail);
          }
        }
      }
    }
  }
}

TEST_CASE("explore: peek_encode gives the successor's encoding without copying the World") {
  // Every transition of every state reached by a few random walks, every protocol: the
  // explorer skips the copy of a seen successor on this fingerprint alone.
  for (const char* file : {"three-customers-deposits.json", "concurrent-withdraws.json",
                           "session-2-customers-3-branches.json"}) {
    for (const ProtocolKind p :
         {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      CAPTURE(file);
      CAPTURE(protocol_name(p));
      const auto s = testing::load_shipped(file);
      World w(s, WorldOptions{.protocol = p, .wire = false, .record_history = false});
      w.start(0);
      World::PeekScratch scratch;
      StateEncoder peeked(/*keep_words=*/false);
      StateEncoder real(/*keep_words=*/false);
      std::vector<Choice> enabled;
      int64_t depth = 0;
      uint64_t compared = 0;
      while (true) {
        enabled.clear();
        w.enabled(&enabled);
        if (enabled.empty()) break;
        for (const Choice& c : enabled) {
          World child = w;
          child.apply(c, depth + 1);
          const bool ok = w.peek_encode(c, peeked, scratch);
          // false only when the step finds a violation.
          CHECK(ok == (child.violations().size() == w.violations().size()));
          if (!ok) continue;
          real.clear();
          child.encode(real);
          CHECK(peeked.digest() == real.digest());
          ++compared;
        }
        w.apply(enabled[static_cast<size_t>(depth) % enabled.size()], depth + 1);
        ++depth;
      }
      CHECK(compared > 10);
    }
  }
}
