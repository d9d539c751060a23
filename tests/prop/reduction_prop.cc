// The explorer's partial-order reduction is sound: on random small scenarios, every
// protocol, a reduced search reaches exactly the terminal states of the unreduced one
// (it only ever visits reachable states, so equal counts of distinct terminal states mean
// equal sets) and finds a violation of exactly the same properties, with the network
// reordering everything or keeping per-link FIFO (then only the oldest message of a link
// is enabled, and the reduction must pick among those). Reduction rests on
// protocol facts (who may still send to whom; a sync ack commutes with everything), so a
// protocol change that breaks one of them shows up here.
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/explorer.h"

using namespace banksim;

TEST_CASE("prop: reduction keeps every terminal state and every violated property") {
  prop_check("reduction is sound", [] {
    // Smaller than kExploreShape: every case explores twice, once without reduction.
    constexpr ScenarioShape kShape{
        .branches_max = 4, .customers_max = 3, .events_max = 3, .events_total_max = 6};
    const Scenario scenario = *gen_scenario(kShape);
    const ProtocolKind protocol = *gen_protocol();
    const bool fifo = *rc::gen::arbitrary<bool>();
    const auto shared = std::make_shared<const Scenario>(scenario);
    ExploreOptions o;
    o.protocol = protocol;
    o.fifo = fifo;
    o.keep_going = true;  // one counterexample per property
    o.minimize = false;
    o.max_states = 2'000'000;
    o.reduction = true;
    const ExploreResult with = explore(shared, o);
    o.reduction = false;
    const ExploreResult without = explore(shared, o);
    RC_PRE(without.stats.complete());
    RC_TAG(std::string(protocol_name(protocol)), fifo ? "fifo" : "reordering");
    RC_ASSERT(with.stats.complete());
    RC_ASSERT(with.stats.distinct <= without.stats.distinct);
    if (with.stats.terminal != without.stats.terminal) {
      RC_FAIL(fmt::format("reduction reaches {} distinct terminal states, the full search {} ({})",
                          with.stats.terminal, without.stats.terminal,
                          fifo ? "per-link FIFO" : "reordering"));
    }
    for (const Counterexample& full : without.counterexamples) {
      bool found = false;
      for (const Counterexample& c : with.counterexamples) found = found || c.property == full.property;
      if (found) continue;
      // The unreduced search's schedule shows the violation the reduced one missed.
      Trace trace = trace_of_schedule(shared, protocol, full.schedule, false, {});
      trace.network.fifo = fifo;
      RC_FAIL(fmt::format(
          "the full search finds a {} violation ({}), the reduced search none ({})\n{}",
          property_name(full.property), full.detail, fifo ? "per-link FIFO" : "reordering",
          save_failure("reduction", scenario, std::move(trace))));
    }
    RC_ASSERT(with.counterexamples.size() == without.counterexamples.size());
  });
}

// The credit rule (sim/reduction.cc credit_singleton) depends on the protocol, on the
// network model and on whether no-overdraft is checked (without it a propagated withdraw
// commutes like a deposit): session, the protocol it reduces most, with a random subset
// of the properties checked, every case.
TEST_CASE("prop: reduction is sound under session with any subset of properties checked") {
  prop_check("reduction is sound (session, --check subsets)", [] {
    constexpr ScenarioShape kShape{
        .branches_max = 3, .customers_max = 3, .events_max = 3, .events_total_max = 6};
    const Scenario scenario = *gen_scenario(kShape);
    const bool fifo = *rc::gen::arbitrary<bool>();
    PropertySet checked;
    for (int p = 0; p < kPropertyCount; ++p) {
      if (*rc::gen::arbitrary<bool>()) checked = checked.with(static_cast<Property>(p));
    }
    RC_PRE(!checked.empty());
    const ProtocolKind protocol = *rc::gen::weightedElement<ProtocolKind>(
        {{3, ProtocolKind::kSession}, {1, ProtocolKind::kSync}, {1, ProtocolKind::kAsync}});
    const auto shared = std::make_shared<const Scenario>(scenario);
    ExploreOptions o;
    o.protocol = protocol;
    o.fifo = fifo;
    o.checked = checked;
    o.keep_going = true;
    o.minimize = false;
    o.max_states = 2'000'000;
    o.reduction = true;
    const ExploreResult with = explore(shared, o);
    o.reduction = false;
    const ExploreResult without = explore(shared, o);
    RC_PRE(without.stats.complete());
    RC_TAG(std::string(protocol_name(protocol)), fifo ? "fifo" : "reordering",
           checked.has(Property::kNoOverdraft) ? "no-overdraft" : "no no-overdraft");
    RC_ASSERT(with.stats.complete());
    RC_ASSERT(with.stats.distinct <= without.stats.distinct);
    RC_ASSERT(with.stats.terminal == without.stats.terminal);
    for (const Counterexample& full : without.counterexamples) {
      bool found = false;
      for (const Counterexample& c : with.counterexamples)
        found = found || c.property == full.property;
      if (found) continue;
      Trace trace = trace_of_schedule(shared, protocol, full.schedule, false, {});
      trace.network.fifo = fifo;
      RC_FAIL(fmt::format(
          "the full search finds a {} violation ({}), the reduced search none ({}, checked "
          "{:#x})\n{}",
          property_name(full.property), full.detail, fifo ? "per-link FIFO" : "reordering",
          checked.bits(), save_failure("reduction-session", scenario, std::move(trace))));
    }
    RC_ASSERT(with.counterexamples.size() == without.counterexamples.size());
  });
}
