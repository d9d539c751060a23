// Faults in the explorer (issue 14), on random small scenarios and random budgets:
//  - the reduced and the unreduced searches agree (same terminal states, same violated
//    properties). The reduction reduces states where drops are the only faults left (a
//    drop budget, or crash and partition budgets spent with every branch back up and
//    the network whole) and expands every choice elsewhere (README: Faults and the
//    reduction); the budgets are drawn so that both kinds of state are common, and the
//    case is tagged "reduced" when the reduced search visited fewer states;
//  - budgets of 0 are the search without faults;
//  - every counterexample, faults included, goes through a trace file and replays to its
//    violation.
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

constexpr ScenarioShape kFaultShape{
    .branches_max = 3, .customers_max = 2, .events_max = 2, .events_total_max = 3};

FaultBudget gen_budget() {
  const auto one = [] { return static_cast<uint64_t>(*rc::gen::inRange(0, 2)); };
  // Duplicates turn the reduction off for the whole search: drawn less often, so that
  // drops with crashes or partitions (reduced once those are spent) are common.
  const auto rarely = [] { return static_cast<uint64_t>(*rc::gen::inRange(0, 4) == 3); };
  return FaultBudget{.drops = static_cast<uint64_t>(*rc::gen::inRange(0, 3)),
                     .duplicates = rarely(),
                     .crashes = one(),
                     .partitions = rarely()};
}

}  // namespace

TEST_CASE("prop: with fault budgets, reduced and unreduced searches agree") {
  prop_check("reduction with faults", [] {
    const auto shared = std::make_shared<const Scenario>(*gen_scenario(kFaultShape));
    ExploreOptions o;
    o.protocol = *gen_protocol();
    o.fifo = *rc::gen::arbitrary<bool>();
    o.faults = gen_budget();
    o.keep_going = true;
    o.minimize = false;
    o.max_states = 300'000;
    o.reduction = true;
    const ExploreResult with = explore(shared, o);
    o.reduction = false;
    const ExploreResult without = explore(shared, o);
    RC_PRE(without.stats.complete());
    RC_TAG(std::string(protocol_name(o.protocol)), o.fifo ? "fifo" : "reordering",
           o.faults.any() ? "faults" : "no faults",
           with.stats.distinct < without.stats.distinct ? "reduced" : "not reduced");
    RC_ASSERT(with.stats.complete());
    RC_ASSERT(with.stats.terminal == without.stats.terminal);
    RC_ASSERT(with.counterexamples.size() == without.counterexamples.size());
    for (size_t i = 0; i < with.counterexamples.size(); ++i) {
      bool found = false;
      for (const Counterexample& c : without.counterexamples) {
        found = found || c.property == with.counterexamples[i].property;
      }
      RC_ASSERT(found);
    }
    if (!o.faults.any()) return;
    // Budgets only add choices: the search without faults is a part of it.
    ExploreOptions plain = o;
    plain.faults = FaultBudget{};
    const ExploreResult none = explore(shared, plain);
    RC_ASSERT(none.stats.distinct <= without.stats.distinct);
  });
}

// Copies a duplicate left in flight break the rules' assumptions (a request served twice
// answers one event twice, with different results): once a duplicate was taken, the
// reduction expands every choice even when only deliveries or drops remain. Budgets with
// one duplicate and nothing else that blocks the reduction test exactly that guard.
TEST_CASE("prop: after a duplicate, reduced and unreduced searches agree") {
  prop_check("reduction after a duplicate", [] {
    const auto shared = std::make_shared<const Scenario>(*gen_scenario(kFaultShape));
    ExploreOptions o;
    o.protocol = *gen_protocol();
    o.fifo = *rc::gen::arbitrary<bool>();
    o.faults =
        FaultBudget{.drops = static_cast<uint64_t>(*rc::gen::inRange(0, 2)), .duplicates = 1};
    o.keep_going = true;
    o.minimize = false;
    o.max_states = 300'000;
    o.reduction = true;
    const ExploreResult with = explore(shared, o);
    o.reduction = false;
    const ExploreResult without = explore(shared, o);
    RC_PRE(without.stats.complete());
    RC_TAG(std::string(protocol_name(o.protocol)), o.fifo ? "fifo" : "reordering",
           with.stats.distinct < without.stats.distinct ? "reduced" : "not reduced");
    RC_ASSERT(with.stats.complete());
    RC_ASSERT(with.stats.terminal == without.stats.terminal);
    RC_ASSERT(with.counterexamples.size() == without.counterexamples.size());
  });
}

TEST_CASE("prop: every counterexample with faults replays to its violation") {
  prop_check("fault counterexamples replay", [] {
    const auto scenario = std::make_shared<const Scenario>(*gen_scenario(kFaultShape));
    ExploreOptions o;
    o.protocol = *gen_protocol();
    o.faults = gen_budget();
    o.keep_going = true;
    o.minimize = *rc::gen::arbitrary<bool>();
    o.max_states = 100'000;
    o.minimize_max_states = 100'000;
    const ExploreResult r = explore(scenario, o);
    RC_TAG(r.counterexamples.empty() ? "no counterexample" : "counterexamples");
    for (const Counterexample& ce : r.counterexamples) {
      Trace t = trace_of_schedule(scenario, o.protocol, ce.schedule, false, {});
      t.violation = TraceViolation{ce.property, ce.detail};
      auto loaded = parse_trace_text(trace_to_json(t).dump(1), "counterexample.json");
      RC_ASSERT(loaded.ok());
      RC_ASSERT(loaded.value().schedule == ce.schedule);
      std::string seen;
      if (!replay_shows(loaded.value(), ce.property, ce.detail, &seen)) {
        RC_FAIL(fmt::format("the {} counterexample ({}) with {} faults does not replay; the "
                            "replay shows:\n{}\n{}",
                            property_name(ce.property), ce.detail, fault_steps(ce.schedule), seen,
                            save_failure("replay-fault-counterexample", *scenario, t)));
      }
    }
  });
}
