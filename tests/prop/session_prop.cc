// Property 2: the session protocol never violates monotonic writes, read-your-writes,
// convergence, conservation or liveness: not on random timed runs (judged by the online
// monitor and, independently, by the whole-history checkers), and not in any
// interleaving of a complete exploration of a small scenario. (No-overdraft is not
// promised: concurrent withdraws at two branches may both pass.)
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

constexpr PropertySet kSessionPromises = PropertySet()
                                             .with(Property::kMonotonicWrites)
                                             .with(Property::kReadYourWrites)
                                             .with(Property::kConvergence)
                                             .with(Property::kConservation)
                                             .with(Property::kLiveness);
// Small enough that every exploration is complete within max_states (kExploreShape's
// 4 branches x 3 customers x 8 events can pass 200,000 states under session).
constexpr ScenarioShape kCompleteShape{
    .branches_max = 4, .customers_max = 3, .events_max = 3, .events_total_max = 7};
}  // namespace

TEST_CASE("prop: session keeps its promises on random timed runs") {
  prop_check("session on timed runs", [] {
    const RunCase c = *gen_run_case(with_equal_balances(kTimedShape), /*quiescent_queries=*/true,
                                    ProtocolKind::kSession);
    const RunRecord r = run_case(c, kSessionPromises);
    const World& w = r.result.world;
    const std::vector<Violation> online = w.violations();
    const std::vector<Violation> offline = check_history(w.history(), kSessionPromises);
    RC_TAG(online.empty() ? "holds" : "violated");
    if (r.result.hit_step_bound || !w.quiescent() || !online.empty() || !offline.empty()) {
      RC_FAIL(fmt::format(
          "session broke a promise on a timed run{}\nmonitor:\n{}history checkers:\n{}{}",
          r.result.hit_step_bound ? " (and never reached quiescence)" : "", describe(online),
          describe(offline), save_failure("session-timed", c.scenario, trace_of_run(c, r))));
    }
  });
}

TEST_CASE("prop: session keeps its promises in every interleaving of small scenarios") {
  prop_check("session on complete explorations", [] {
    const auto scenario =
        std::make_shared<const Scenario>(*gen_scenario(with_equal_balances(kCompleteShape)));
    ExploreOptions o;
    o.protocol = ProtocolKind::kSession;
    o.checked = kSessionPromises;
    o.max_states = 200'000;
    o.keep_going = false;
    o.minimize = true;
    const ExploreResult r = explore(scenario, o);
    RC_TAG(r.stats.complete() ? "complete" : "cut off at max_states",
           r.stats.distinct < 100     ? "< 100 states"
           : r.stats.distinct < 10000 ? "100-9999 states"
                                      : ">= 10000 states");
    if (!r.counterexamples.empty()) {
      const Counterexample& ce = r.counterexamples.front();
      // Replay the counterexample so the trace records the violation exactly as replay
      // reproduces it.
      Trace t = trace_of_schedule(scenario, o.protocol, ce.schedule, false, {});
      t.checked = kSessionPromises;
      auto replayed = replay_trace(t, "counterexample", ReplayOptions{});
      if (replayed.ok()) {
        const auto& v = replayed.value().world.violations();
        if (!v.empty()) t.violation = TraceViolation{v[0].property, v[0].detail};
      }
      RC_FAIL(fmt::format("exploration found a session {} violation: {}\n{}",
                          property_name(ce.property), ce.detail,
                          save_failure("session-explore", *scenario, t)));
    }
    // A search cut off proves nothing about the interleavings it did not reach: every
    // case must be a complete search (the shape keeps the spaces far below max_states).
    if (!r.stats.complete()) {
      RC_FAIL(fmt::format("the exploration was not complete ({} distinct states{}{}{}): "
                          "it cannot show that session keeps its promises\n{}",
                          r.stats.distinct, r.stats.state_bounded ? ", hit max_states" : "",
                          r.stats.depth_bounded ? ", hit the depth bound" : "",
                          r.stats.stopped_early ? ", stopped early" : "",
                          save_failure("session-explore-incomplete", *scenario,
                                       trace_of_schedule(scenario, o.protocol, {}, false, {}))));
    }
  });
}
