// An independent count of the explorer's unreduced state spaces. A brute-force
// enumerator that shares nothing with the explorer but World: no fingerprints (each
// state is its full canonical word sequence, kept in a std::set), no visited-set hashing,
// no reduction. It delivers every enabled message from every state reached and counts
// the distinct states, which must equal the explorer's pinned `--no-reduction` counts
// (explorer_test.cc): a fingerprint collision, a lost state or a state encoded twice in
// the explorer would show here.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/world.h"

using namespace banksim;

namespace {

// The state's words: every actor's own encoding, the in-flight messages as a sorted list
// of their wire fields (a multiset: ids excluded), and the monitor's ghost state.
std::vector<uint64_t> state_words(const World& w) {
  StateEncoder enc(/*keep_words=*/true);
  for (const Branch& b : w.branches()) b.encode(enc);
  for (const Customer& c : w.customers()) c.encode(enc);
  std::vector<std::array<uint64_t, 9>> messages;
  for (const InFlight& f : w.in_flight()) {
    const Message& m = f.msg;
    messages.push_back({static_cast<uint64_t>(m.kind), static_cast<uint64_t>(m.iface),
                        static_cast<uint64_t>(m.success), static_cast<uint64_t>(m.from),
                        static_cast<uint64_t>(m.to), static_cast<uint64_t>(m.customer),
                        static_cast<uint64_t>(m.event), static_cast<uint64_t>(m.seq),
                        static_cast<uint64_t>(m.money)});
  }
  std::sort(messages.begin(), messages.end());
  enc.put(messages.size());
  for (const auto& m : messages) {
    for (const uint64_t x : m) enc.put(x);
  }
  w.monitor().encode(enc);
  return enc.words();
}

// Distinct states reachable from the start, by depth-first search over World copies.
uint64_t brute_force_states(const std::shared_ptr<const Scenario>& s, ProtocolKind p) {
  WorldOptions o{.protocol = p,
                 .wire = false,
                 .record_history = false,
                 .quiescent_queries = false,
                 .properties = PropertySet(),
                 .fingerprint = false};
  World start(s, o);
  start.start(0);
  std::set<std::vector<uint64_t>> seen{state_words(start)};
  std::vector<World> stack{start};
  std::vector<Choice> choices;
  while (!stack.empty()) {
    const World w = std::move(stack.back());
    stack.pop_back();
    choices.clear();
    w.enabled(&choices);
    for (const Choice& c : choices) {
      World next = w;
      next.apply(c, 0);
      if (seen.insert(state_words(next)).second) stack.push_back(std::move(next));
    }
  }
  return seen.size();
}

uint64_t explorer_states(const std::shared_ptr<const Scenario>& s, ProtocolKind p) {
  ExploreOptions o;
  o.protocol = p;
  o.reduction = false;
  o.checked = PropertySet();  // no violation stops the search; the states are the same
  const ExploreResult r = explore(s, o);
  REQUIRE(r.stats.complete());
  return r.stats.distinct;
}

}  // namespace

TEST_CASE("enumerate: brute force derives the explorer's pinned unreduced state counts") {
  struct Case {
    const char* file;
    ProtocolKind protocol;
    uint64_t states;  // as pinned in explorer_test.cc
  };
  const Case cases[] = {{"seed-cc-dest-test1.json", ProtocolKind::kSession, 14},
                        {"seed-cc-dest-test2.json", ProtocolKind::kSession, 8},
                        {"seed-ryw-branch-key.json", ProtocolKind::kSession, 12},
                        {"session-2-customers-3-branches.json", ProtocolKind::kSession, 1350},
                        {"three-customers-deposits.json", ProtocolKind::kSync, 3259}};
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const auto s = testing::load_shipped(c.file);
    CHECK(brute_force_states(s, c.protocol) == c.states);
    CHECK(explorer_states(s, c.protocol) == c.states);
  }
}

TEST_CASE("enumerate: brute force and the explorer agree on every shipped scenario and protocol") {
  for (const std::string& name : testing::shipped_scenario_names()) {
    for (const ProtocolKind p :
         {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      CAPTURE(name);
      CAPTURE(static_cast<int>(p));
      const auto s = testing::load_shipped(name);
      const uint64_t brute = brute_force_states(s, p);
      CHECK(brute > 1);
      CHECK(brute == explorer_states(s, p));
    }
  }
}
