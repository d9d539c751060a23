// Property 5: timed runs and exploration agree. A timed run delivers messages in one of
// the orders the explorer's network (a multiset: any order) allows, so every property
// a timed run of a scenario violates must also be violated somewhere in a complete
// exploration of that scenario. (--quiescent-queries restricts the timed run in a way
// explore does not model, so it is never drawn here.)
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

TEST_CASE("prop: a violation seen in a timed run is found by exploring the scenario") {
  prop_check("timed runs and exploration agree", [] {
    const RunCase c = *gen_run_case(kExploreShape, /*quiescent_queries=*/false);
    const RunRecord r = run_case(c);
    PropertySet seen;
    for (const Violation& v : r.result.world.violations()) seen = seen.with(v.property);
    RC_TAG(std::string(protocol_name(c.protocol)),
           seen.empty() ? std::string("no violation") : std::string("violations"));
    if (seen.empty()) return;

    ExploreOptions o;
    o.protocol = c.protocol;
    o.checked = seen;
    o.keep_going = true;  // one counterexample per property
    o.minimize = false;
    o.max_states = 2'000'000;
    const ExploreResult e = explore(std::make_shared<const Scenario>(c.scenario), o);
    for (int i = 0; i < kPropertyCount; ++i) {
      const Property p = static_cast<Property>(i);
      if (!seen.has(p)) continue;
      bool found = false;
      for (const Counterexample& ce : e.counterexamples) found = found || ce.property == p;
      if (found) continue;
      std::string detail;
      for (const Violation& v : r.result.world.violations()) {
        if (v.property == p) detail = v.detail;
      }
      RC_FAIL(fmt::format(
          "the timed run violates {} ({}) but {} exploration ({} states) "
          "finds no such interleaving\n{}",
          property_name(p), detail, e.stats.complete() ? "a complete" : "an INCOMPLETE",
          e.stats.distinct, save_failure("timed-vs-explore", c.scenario, trace_of_run(c, r))));
    }
  });
}
