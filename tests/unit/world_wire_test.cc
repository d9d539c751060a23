// WorldWire (sim/world_wire.h): a World rebuilt from its serialization goes on exactly as
// the original. Random walks over the shipped scenarios, every protocol, with and without
// fault budgets: at each step the decoded World has the original's fingerprint (plain,
// FIFO and fault-budget variants), the same enabled choices, re-encodes to the same bytes,
// and every successor of both (each enabled choice applied to each) has the same
// fingerprint, violations and fault counts.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/prng.h"
#include "sim/world_wire.h"

using namespace banksim;

namespace {

std::string violations_of(const World& w) {
  std::string out;
  for (const Violation& v : w.violations()) {
    out += std::string(property_name(v.property)) + ": " + v.detail + "\n";
  }
  return out;
}

// Checks that `copy` (decoded) behaves as `w`, and returns how many successors it compared.
int same_world(const World& w, const World& copy, const ExploreOptions& o) {
  StateEncoder a(false), b(false);
  CHECK(world_fingerprint(w, a) == world_fingerprint(copy, b));
  CHECK(explorer_fingerprint(w, o, a) == explorer_fingerprint(copy, o, b));
  ExploreOptions fifo = o;
  fifo.fifo = !o.fifo;
  CHECK(explorer_fingerprint(w, fifo, a) == explorer_fingerprint(copy, fifo, b));
  CHECK(w.faults() == copy.faults());
  CHECK(w.money_conserved() == copy.money_conserved());
  CHECK(w.write_traffic() == copy.write_traffic());
  CHECK(w.quiescent() == copy.quiescent());
  CHECK(violations_of(w) == violations_of(copy));
  std::vector<Choice> ours, theirs;
  explorer_enabled(w, o, &ours);
  explorer_enabled(copy, o, &theirs);
  REQUIRE(ours == theirs);
  int compared = 0;
  for (const Choice& c : ours) {
    World x = w;
    World y = copy;
    x.apply(c, 1);
    y.apply(c, 1);
    CHECK(explorer_fingerprint(x, o, a) == explorer_fingerprint(y, o, b));
    CHECK(violations_of(x) == violations_of(y));
    CHECK(x.faults() == y.faults());
    ++compared;
  }
  if (w.quiescent()) {
    World x = w;
    World y = copy;
    x.finish(1);
    y.finish(1);
    CHECK(violations_of(x) == violations_of(y));
  }
  return compared;
}

// What the walks carried through the wire (so the test shows it covered them).
struct Seen {
  int faulted = 0;   // states after a fault
  int down = 0;      // states with a crashed branch
  int cut = 0;       // states with a partition on
  int timers = 0;    // states with an armed timer
  int violated = 0;  // states carrying a violation
};

void walk_and_compare(const std::shared_ptr<const Scenario>& s, const ExploreOptions& o,
                      uint64_t seed, int walks, Seen& seen) {
  const WorldOptions wo = explorer_world_options(o);
  Prng prng(seed);
  int steps = 0;
  for (int walk = 0; walk < walks; ++walk) {
    World w(s, wo);
    w.start(0);
    for (int depth = 0; depth < 400; ++depth) {
      std::string bytes;
      WorldWire::encode(w, &bytes);
      const World copy = WorldWire::decode(s, wo, bytes);
      std::string again;
      WorldWire::encode(copy, &again);
      CHECK(again == bytes);
      same_world(w, copy, o);
      seen.faulted += w.faults().injected() > 0 ? 1 : 0;
      seen.down += w.down_mask() != 0 ? 1 : 0;
      seen.cut += w.partition_side() != 0 ? 1 : 0;
      seen.timers += w.timers().empty() ? 0 : 1;
      seen.violated += w.violations().empty() ? 0 : 1;
      std::vector<Choice> enabled;
      explorer_enabled(w, o, &enabled);
      if (enabled.empty()) break;
      w.apply(enabled[prng.below(enabled.size())], depth + 1);
      ++steps;
    }
  }
  CHECK(steps > 0);
}

}  // namespace

TEST_CASE(
    "world wire: decode(encode(w)) goes on as w, over random walks of the shipped "
    "scenarios") {
  uint64_t seed = 1;
  Seen seen;
  for (const std::string& name : testing::shipped_scenario_names()) {
    CAPTURE(name);
    const auto s = testing::load_shipped(name);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession,
                           ProtocolKind::kRobust}) {
      CAPTURE(static_cast<int>(p));
      ExploreOptions o;
      o.protocol = p;
      walk_and_compare(s, o, seed++, 3, seen);
      // Fault budgets: crashed branches, partitions, drops and duplicates in the state.
      o.faults = FaultBudget{.drops = 2, .duplicates = 1, .crashes = 1, .partitions = 1};
      walk_and_compare(s, o, seed++, 3, seen);
    }
  }
  CHECK(seen.faulted > 0);
  CHECK(seen.down > 0);
  CHECK(seen.cut > 0);
  CHECK(seen.timers > 0);
  CHECK(seen.violated > 0);
}

TEST_CASE("world wire: two different states never share their bytes") {
  const auto s = testing::load_shipped("concurrent-withdraws.json");
  ExploreOptions o;
  const WorldOptions wo = explorer_world_options(o);
  World w(s, wo);
  w.start(0);
  std::string before;
  WorldWire::encode(w, &before);
  std::vector<Choice> enabled;
  explorer_enabled(w, o, &enabled);
  REQUIRE(!enabled.empty());
  w.apply(enabled.front(), 1);
  std::string after;
  WorldWire::encode(w, &after);
  CHECK(before != after);
  // And the decoded earlier state is not the later one.
  const World old = WorldWire::decode(s, wo, before);
  StateEncoder a(false), b(false);
  CHECK(world_fingerprint(old, a) != world_fingerprint(w, b));
}
