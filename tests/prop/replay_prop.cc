// Property 3: every recorded schedule replays to the identical history. Schedules come
// from timed runs (`run --record`), from arbitrary interleavings (walks over World) and
// from the explorer's counterexamples; each goes through the trace file format (JSON
// text and back) before it is replayed, and the trace file itself round-trips byte for
// byte.
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

// Serializes a trace as `run --record` does and loads it back.
Result<Trace> through_file(const Trace& t) {
  return parse_trace_text(trace_to_json(t).dump(1) + "\n", "recorded.json");
}

// The first difference between a recorded execution and its replay, or "".
std::string difference(const World& recorded, const World& replayed) {
  const auto& a = recorded.history();
  const auto& b = replayed.history();
  if (a.events.size() != b.events.size()) {
    return fmt::format("the histories have {} and {} events", a.events.size(), b.events.size());
  }
  for (size_t i = 0; i < a.events.size(); ++i) {
    if (!(a.events[i] == b.events[i])) return fmt::format("history event {} differs", i);
  }
  if (a.quiescent != b.quiescent) return "one ended quiescent, the other not";
  const auto& va = recorded.violations();
  const auto& vb = replayed.violations();
  if (va.size() != vb.size()) return fmt::format("{} vs {} violations", va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    if (va[i].property != vb[i].property || va[i].detail != vb[i].detail ||
        va[i].time_us != vb[i].time_us || va[i].events != vb[i].events) {
      return fmt::format("violation {} differs: {} / {}", i, va[i].detail, vb[i].detail);
    }
  }
  if (recorded.delivered() != replayed.delivered() || recorded.sent() != replayed.sent()) {
    return "the message counts differ";
  }
  for (size_t b2 = 0; b2 < recorded.branches().size(); ++b2) {
    if (!(recorded.branches()[b2] == replayed.branches()[b2])) {
      return fmt::format("branch {} ends in another state", b2);
    }
  }
  return "";
}

// Replays `t` through the file format; returns "" or what went wrong.
std::string replay_matches(const Trace& t, const World& recorded) {
  auto loaded = through_file(t);
  if (!loaded.ok()) return "the trace does not load: " + loaded.error().message;
  const std::string bytes = trace_to_json(t).dump(1);
  if (trace_to_json(loaded.value()).dump(1) != bytes) {
    return "the trace changes when written, loaded and written again";
  }
  auto replayed = replay_trace(loaded.value(), "recorded.json", ReplayOptions{});
  if (!replayed.ok()) return "the replay fails: " + replayed.error().message;
  return difference(recorded, replayed.value().world);
}

}  // namespace

TEST_CASE("prop: a timed run's recorded schedule replays to the identical history") {
  prop_check("timed runs replay", [] {
    const RunCase c = *gen_run_case(kTimedShape, /*quiescent_queries=*/true);
    const RunRecord r = run_case(c);
    const Trace t = trace_of_run(c, r);
    const std::string diff = replay_matches(t, r.result.world);
    if (!diff.empty()) {
      RC_FAIL(fmt::format("replaying a recorded run: {}\n{}", diff,
                          save_failure("replay-timed", c.scenario, t)));
    }
  });
}

TEST_CASE("prop: any interleaving's schedule replays to the identical history") {
  prop_check("interleavings replay", [] {
    const auto scenario = std::make_shared<const Scenario>(*gen_scenario(kTimedShape));
    const ProtocolKind protocol = *gen_protocol();
    const bool quiescent_queries = *rc::gen::weightedElement<bool>({{1, true}, {3, false}});
    const auto picks =
        *rc::gen::container<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(0, 64));
    World world(scenario, WorldOptions{.protocol = protocol,
                                       .wire = *rc::gen::arbitrary<bool>(),
                                       .record_history = true,
                                       .quiescent_queries = quiescent_queries,
                                       .properties = PropertySet::all()});
    const WalkResult walked =
        walk(world, picks, 100'000, [](const World&, int64_t) { return true; });
    RC_TAG(walked.quiescent ? "quiescent" : "cut off");
    const Trace t = trace_of_schedule(scenario, protocol, walked.schedule, quiescent_queries,
                                      world.violations());
    const std::string diff = replay_matches(t, world);
    if (!diff.empty()) {
      RC_FAIL(fmt::format("replaying an interleaving: {}\n{}", diff,
                          save_failure("replay-interleaving", *scenario, t)));
    }
  });
}

TEST_CASE("prop: every counterexample the explorer reports replays to its violation") {
  prop_check("counterexamples replay", [] {
    const auto scenario = std::make_shared<const Scenario>(*gen_scenario(kExploreShape));
    ExploreOptions o;
    o.protocol = *rc::gen::element(ProtocolKind::kSync, ProtocolKind::kAsync);
    o.keep_going = true;
    o.minimize = *rc::gen::arbitrary<bool>();
    o.max_states = 50'000;
    o.minimize_max_states = 50'000;  // the breadth-first search keeps whole worlds: bound it
    const ExploreResult r = explore(scenario, o);
    RC_TAG(r.counterexamples.empty() ? "no counterexample" : "counterexamples");
    for (const Counterexample& ce : r.counterexamples) {
      Trace t = trace_of_schedule(scenario, o.protocol, ce.schedule, false, {});
      t.violation = TraceViolation{ce.property, ce.detail};
      auto loaded = through_file(t);
      RC_ASSERT(loaded.ok());
      std::string seen;
      if (!replay_shows(loaded.value(), ce.property, ce.detail, &seen)) {
        RC_FAIL(
            fmt::format("the {} counterexample ({}) does not replay to its violation; the "
                        "replay shows:\n{}\n{}",
                        property_name(ce.property), ce.detail, seen,
                        save_failure("replay-counterexample", *scenario, t)));
      }
    }
  });
}
