// The explorer's workers decide nothing that is reported: on random small scenarios,
// every protocol, reordering or per-link FIFO, stopping at the first violation or going
// on, a search with 3 workers (more than this machine's cores, so the threads are also
// preempted at arbitrary points) reports what the single-threaded search reports. A
// complete search: the same distinct, terminal and transition counts and max depth; any
// search: the same verdict and violated properties, and at the first violation the same
// minimized counterexample (with --keep-going each property's breadth-first minimization
// would dominate the time: the unit and e2e tests compare those). This rests on the
// persistent set being a function of the state (sim/reduction.cc breaks ties by message
// content, not by id) and on minimization being one breadth-first thread.
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

std::string findings(const ExploreResult& r, bool schedules) {
  std::string out;
  for (const Counterexample& c : r.counterexamples) {
    out += std::string(property_name(c.property));
    if (schedules) {
      out += fmt::format("{}: {} [{}]", c.minimal ? " (minimal)" : "", c.detail,
                         fmt::join(c.schedule, " "));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("prop: the workers' results equal the single-threaded search's") {
  prop_check("workers decide nothing", [] {
    constexpr ScenarioShape kShape{
        .branches_max = 4, .customers_max = 3, .events_max = 3, .events_total_max = 6};
    const Scenario scenario = *gen_scenario(kShape);
    const ProtocolKind protocol = *gen_protocol();
    const bool fifo = *rc::gen::arbitrary<bool>();
    const bool keep_going = *rc::gen::arbitrary<bool>();
    const auto shared = std::make_shared<const Scenario>(scenario);
    ExploreOptions o;
    o.protocol = protocol;
    o.fifo = fifo;
    o.keep_going = keep_going;
    o.minimize = !keep_going;
    o.max_states = 2'000'000;
    o.workers = 1;
    const ExploreResult one = explore(shared, o);
    RC_PRE(one.stats.complete() || one.stats.stopped_early);
    RC_TAG(std::string(protocol_name(protocol)), fifo ? "fifo" : "reordering",
           one.counterexamples.empty() ? "no violation" : "violation");
    o.workers = 3;
    const ExploreResult three = explore(shared, o);
    RC_ASSERT(three.stats.complete() == one.stats.complete());
    RC_ASSERT(three.stats.stopped_early == one.stats.stopped_early);
    if (one.stats.complete()) {
      RC_ASSERT(three.stats.distinct == one.stats.distinct);
      RC_ASSERT(three.stats.terminal == one.stats.terminal);
      RC_ASSERT(three.stats.transitions == one.stats.transitions);
      RC_ASSERT(three.stats.max_depth == one.stats.max_depth);
    }
    if (findings(three, !keep_going) != findings(one, !keep_going)) {
      RC_FAIL(fmt::format("1 worker found:\n{}3 workers found:\n{}", findings(one, true),
                          findings(three, true)));
    }
  });
}
