// Sleep sets (explore --sleep-sets) are sound: on random small scenarios of every protocol
// (session-heavy too), with the network reordering everything or keeping per-link FIFO,
// with and without the persistent sets under them, the search with sleep sets reaches
// exactly the terminal states of the full search (it only visits reachable states, so
// equal counts of distinct terminal states mean equal sets) and finds a violation of
// exactly the same properties. (Robust has no persistent sets: its sleep sets stand alone,
// and its timers never sleep.)
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

void check_sleep_sets(const Scenario& scenario, ProtocolKind protocol, bool fifo,
                      PropertySet checked) {
  const bool reduction = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
  const auto shared = std::make_shared<const Scenario>(scenario);
  ExploreOptions o;
  o.protocol = protocol;
  o.fifo = fifo;
  o.checked = checked;
  o.keep_going = true;  // one counterexample per property
  o.minimize = false;
  o.max_states = 2'000'000;
  o.reduction = false;
  const ExploreResult full = explore(shared, o);
  RC_PRE(full.stats.complete());
  o.reduction = reduction;
  const ExploreResult plain = explore(shared, o);
  o.sleep_sets = true;
  const ExploreResult sleep = explore(shared, o);
  RC_TAG(std::string(protocol_name(protocol)), fifo ? "fifo" : "reordering",
         reduction ? "persistent + sleep sets" : "sleep sets alone");
  RC_ASSERT(sleep.stats.complete());
  // Fewer transitions is the point, but not a law: a state reached again with a smaller
  // sleep set explores what it had left asleep, persistent or not. Tagged, not asserted.
  RC_TAG(sleep.stats.transitions <= plain.stats.transitions ? "no more transitions"
                                                            : "more transitions");
  if (sleep.stats.terminal != full.stats.terminal) {
    RC_FAIL(fmt::format("sleep sets reach {} distinct terminal states, the full search {} ({}, {})",
                        sleep.stats.terminal, full.stats.terminal,
                        fifo ? "per-link FIFO" : "reordering",
                        reduction ? "with persistent sets" : "alone"));
  }
  for (const Counterexample& c : full.counterexamples) {
    bool found = false;
    for (const Counterexample& k : sleep.counterexamples) found = found || k.property == c.property;
    if (found) continue;
    Trace trace = trace_of_schedule(shared, protocol, c.schedule, false, {});
    trace.network.fifo = fifo;
    RC_FAIL(fmt::format("the full search finds a {} violation ({}), sleep sets none ({}, {})\n{}",
                        property_name(c.property), c.detail, fifo ? "per-link FIFO" : "reordering",
                        reduction ? "with persistent sets" : "alone",
                        save_failure("sleep-sets", scenario, std::move(trace))));
  }
  RC_ASSERT(sleep.counterexamples.size() == full.counterexamples.size());
}

}  // namespace

TEST_CASE("prop: sleep sets keep every terminal state and every violated property") {
  prop_check("sleep sets are sound", [] {
    constexpr ScenarioShape kShape{
        .branches_max = 4, .customers_max = 3, .events_max = 3, .events_total_max = 6};
    const Scenario scenario = *gen_scenario(kShape);
    const ProtocolKind protocol =
        *rc::gen::weightedElement<ProtocolKind>({{1, ProtocolKind::kSync},
                                                 {1, ProtocolKind::kAsync},
                                                 {2, ProtocolKind::kSession},
                                                 {1, ProtocolKind::kRobust}});
    check_sleep_sets(scenario, protocol, *rc::gen::arbitrary<bool>(), PropertySet::all());
  });
}

TEST_CASE("prop: sleep sets are sound under session with any subset of properties checked") {
  prop_check("sleep sets are sound (session, --check subsets)", [] {
    constexpr ScenarioShape kShape{
        .branches_max = 3, .customers_max = 3, .events_max = 3, .events_total_max = 6};
    const Scenario scenario = *gen_scenario(kShape);
    PropertySet checked;
    for (int p = 0; p < kPropertyCount; ++p) {
      if (*rc::gen::arbitrary<bool>()) checked = checked.with(static_cast<Property>(p));
    }
    RC_PRE(!checked.empty());
    check_sleep_sets(scenario, ProtocolKind::kSession, *rc::gen::arbitrary<bool>(), checked);
  });
}
