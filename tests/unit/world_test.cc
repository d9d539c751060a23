// World and the timed scheduler: money is conserved after every step of random
// schedules (any delivery order, every protocol, every scenario in scenarios/); session
// keeps every promise under arbitrary reordering; queries wait under quiescent_queries;
// run_timed gives identical histories for one seed and different interleavings for
// different seeds.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/properties.h"
#include "shipped_scenarios.h"
#include "sim/prng.h"
#include "sim/scenario.h"
#include "sim/timed_run.h"
#include "sim/world.h"

using banksim::Choice;
using banksim::History;
using banksim::HistoryEvent;
using banksim::MessageKind;
using banksim::Observation;
using banksim::Prng;
using banksim::promised_properties;
using banksim::ProtocolKind;
using banksim::Scenario;
using banksim::TimedOptions;
using banksim::TimedResult;
using banksim::World;
using banksim::WorldOptions;
using banksim::testing::load_shipped;
using banksim::testing::shipped_scenario_names;

namespace {

constexpr ProtocolKind kProtocols[] = {ProtocolKind::kSync, ProtocolKind::kAsync,
                                       ProtocolKind::kSession};

// Runs the world to quiescence delivering a uniformly random enabled message each step
// (no latency, no FIFO: any order), checking money after every step. Returns the steps.
int run_random(World& w, uint64_t seed) {
  Prng p(seed);
  w.start(0);
  REQUIRE(w.money_conserved());
  std::vector<Choice> choices;
  int steps = 0;
  int64_t now = 0;
  while (!w.quiescent()) {
    choices.clear();
    w.enabled(&choices);
    REQUIRE(!choices.empty());
    for (size_t i = 1; i < choices.size(); ++i) {
      REQUIRE(choices[i - 1].message_id < choices[i].message_id);
    }
    w.apply(choices[p.below(choices.size())], ++now);
    ++steps;
    REQUIRE_MESSAGE(w.money_conserved(), "seed " << seed << " step " << steps);
    REQUIRE(steps < 10000);
  }
  w.finish(now);
  return steps;
}

// The order of what happened, without times: two runs interleave alike iff these match.
std::vector<Observation> order_of(const History& h) {
  std::vector<Observation> v;
  for (const HistoryEvent& e : h.events) v.push_back(e.obs);
  return v;
}

}  // namespace

TEST_CASE("world: money is conserved after every step of random schedules") {
  int runs = 0;
  for (const std::string& name : shipped_scenario_names()) {
    const auto scenario = load_shipped(name);
    for (const ProtocolKind p : kProtocols) {
      for (uint64_t seed = 1; seed <= 15; ++seed) {
        CAPTURE(name);
        CAPTURE(static_cast<int>(p));
        World w(scenario, WorldOptions{.protocol = p});
        const int steps = run_random(w, seed);
        CHECK(steps > 0);
        // Every customer got every answer: liveness holds under every protocol.
        for (const auto& c : w.customers()) CHECK(c.done());
        ++runs;
      }
    }
  }
  CHECK(runs >= 9 * 3 * 15);
}

TEST_CASE("world: session keeps every promise in any delivery order") {
  for (const char* name : {"moving-customer-3-branches.json", "session-2-customers-3-branches.json",
                           "seed-cc-dest-test1.json", "seed-cc-dest-test2.json",
                           "seed-ryw-branch-key.json", "banksim-form-session.json"}) {
    const auto scenario = load_shipped(name);
    for (uint64_t seed = 1; seed <= 200; ++seed) {
      CAPTURE(name);
      CAPTURE(seed);
      World w(scenario, WorldOptions{.protocol = ProtocolKind::kSession,
                                     .properties = promised_properties(ProtocolKind::kSession)});
      run_random(w, seed);
      for (const auto& v : w.violations()) FAIL_CHECK(v.detail);
      // All replicas agree once it is over.
      for (const auto& b : w.branches()) CHECK(b.balance() == w.branches()[0].balance());
    }
  }
}

TEST_CASE("world: async breaks read-your-writes for some random delivery order") {
  const auto scenario = load_shipped("moving-customer-3-branches.json");
  int async_violations = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    World w(scenario, WorldOptions{.protocol = ProtocolKind::kAsync});
    run_random(w, seed);
    for (const auto& v : w.violations()) {
      async_violations += v.property == banksim::Property::kReadYourWrites ? 1 : 0;
    }
  }
  CHECK(async_violations > 0);
}

TEST_CASE("world: with quiescent_queries a query waits while a write is in flight") {
  const auto scenario = load_shipped("seed-p1-three-branches.json");
  World w(scenario, WorldOptions{.protocol = ProtocolKind::kSync, .quiescent_queries = true});
  w.start(0);
  // Customer 1's query and customer 2's deposit and customer 3's withdraw are in flight.
  REQUIRE(w.in_flight().size() == 3);
  CHECK(w.write_traffic() == 2);
  std::vector<Choice> choices;
  w.enabled(&choices);
  REQUIRE(choices.size() == 2);
  for (const Choice& c : choices) {
    CHECK(w.find(c.message_id)->msg.iface != banksim::Interface::kQuery);
  }
  // Deliver everything that is enabled until only the query(s) remain; they become
  // enabled exactly when no write traffic is left.
  int64_t now = 0;
  while (!w.quiescent()) {
    choices.clear();
    w.enabled(&choices);
    REQUIRE(!choices.empty());
    for (const auto& f : w.in_flight()) {
      const bool query =
          f.msg.kind == MessageKind::kRequest && f.msg.iface == banksim::Interface::kQuery;
      if (query) CHECK(w.can_deliver(f.msg) == (w.write_traffic() == 0));
    }
    w.apply(choices.front(), ++now);
  }
  w.finish(now);
  // Every query saw every write: 400 + 170 - 70.
  for (const HistoryEvent& e : w.history().events) {
    if (e.obs.kind == banksim::ObservationKind::kReply &&
        e.obs.iface == banksim::Interface::kQuery) {
      CHECK(e.obs.balance == 500);
    }
  }
  CHECK(w.violations().empty());
}

TEST_CASE("timed run: the same seed gives the same history, and money holds at every step") {
  for (const std::string& name : shipped_scenario_names()) {
    const auto scenario = load_shipped(name);
    for (const ProtocolKind p : kProtocols) {
      for (const bool fifo : {true, false}) {
        CAPTURE(name);
        CAPTURE(static_cast<int>(p));
        CAPTURE(fifo);
        TimedOptions to;
        to.seed = 12345;
        to.network.fifo = fifo;
        to.record_schedule = true;
        int steps = 0;
        to.on_step = [&steps](const World& w, int64_t) {
          ++steps;
          CHECK(w.money_conserved());
        };
        const WorldOptions wo{.protocol = p};
        const TimedResult a = run_timed(scenario, wo, to);
        to.on_step = nullptr;
        const TimedResult b = run_timed(scenario, wo, to);
        CHECK(steps == static_cast<int>(a.world.delivered()));
        CHECK_FALSE(a.hit_step_bound);
        CHECK(a.world.history().quiescent);
        CHECK(a.world.history().events == b.world.history().events);
        CHECK(a.schedule == b.schedule);
        CHECK(a.end_time_us == b.end_time_us);
        CHECK(a.world.violations().size() == b.world.violations().size());
      }
    }
  }
}

TEST_CASE("timed run: different seeds interleave differently on a concurrent scenario") {
  for (const char* name : {"three-customers-deposits.json", "concurrent-withdraws.json",
                           "session-2-customers-3-branches.json"}) {
    CAPTURE(name);
    const auto scenario = load_shipped(name);
    std::vector<std::vector<Observation>> orders;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      TimedOptions to;
      to.seed = seed;
      const TimedResult r = run_timed(scenario, WorldOptions{.protocol = ProtocolKind::kSync}, to);
      const auto order = order_of(r.world.history());
      bool seen = false;
      for (const auto& o : orders) seen = seen || o == order;
      if (!seen) orders.push_back(order);
    }
    CHECK(orders.size() >= 2);
  }
}
