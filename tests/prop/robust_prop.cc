// Property (issue 15): the robust protocol keeps its promises (convergence, conservation,
// monotonic writes, read-your-writes, liveness) on random timed runs with random fault
// rates: drops, duplicates, and a crash-restart and a partition window at random times.
// Judged by the online monitor and, independently, by the whole-history checkers. A
// shrunk failure is written out as scenario + trace (with its faults and timer steps).
#include <fmt/format.h>

#include "prop/harness.h"
#include "sim/fault_spec.h"
#include "sim/monitor.h"

using namespace banksim;

namespace {

constexpr PropertySet kRobustPromises = PropertySet()
                                            .with(Property::kMonotonicWrites)
                                            .with(Property::kReadYourWrites)
                                            .with(Property::kConvergence)
                                            .with(Property::kConservation)
                                            .with(Property::kLiveness);

// A fault spec for `s`: rates up to 30% drops and 20% duplicates; maybe a crash of one
// branch restarted later, maybe a partition window (both within the first 100 ms).
std::string gen_fault_text(const Scenario& s) {
  const auto drop = *rc::gen::inRange<uint32_t>(0, 300'001);
  const auto dup = *rc::gen::inRange<uint32_t>(0, 200'001);
  std::string text = fmt::format("drop={}.{:06},dup={}.{:06}", drop / 1'000'000, drop % 1'000'000,
                                 dup / 1'000'000, dup % 1'000'000);
  const auto id = [&](size_t b) { return s.branches[b].id; };
  const size_t n = s.branches.size();
  if (*rc::gen::arbitrary<bool>()) {
    const auto b = *rc::gen::inRange<size_t>(0, n);
    const auto at = *rc::gen::inRange<int64_t>(0, 50'000);
    const auto back = at + *rc::gen::inRange<int64_t>(1, 50'000);
    text += fmt::format(",crash={}@{},restart={}@{}", id(b), at, id(b), back);
  }
  if (n >= 2 && *rc::gen::arbitrary<bool>()) {
    const auto split = *rc::gen::inRange<size_t>(1, n);  // branches [0, split) on one side
    std::string left, right;
    for (size_t b = 0; b < n; ++b) {
      std::string& side = b < split ? left : right;
      side += (side.empty() ? "" : "+") + std::to_string(id(b));
    }
    const auto from = *rc::gen::inRange<int64_t>(0, 50'000);
    const auto to = from + *rc::gen::inRange<int64_t>(1, 50'000);
    text += fmt::format(",partition={}|{}@{}..{}", left, right, from, to);
  }
  return text;
}

}  // namespace

TEST_CASE("prop: robust keeps its promises on random timed runs with random faults") {
  prop_check("robust under random faults", [] {
    const RunCase c = *gen_run_case(with_equal_balances(kTimedShape), /*quiescent_queries=*/false,
                                    ProtocolKind::kRobust);
    const std::string text = gen_fault_text(c.scenario);
    RC_LOG() << "--faults " << text << "\n";
    auto scenario = std::make_shared<const Scenario>(c.scenario);
    auto spec = parse_fault_spec(text, *scenario, "--faults");
    RC_ASSERT(spec.ok());
    TimedOptions to;
    to.network = c.network;
    to.seed = c.seed;
    to.record_schedule = true;
    to.max_steps = 100'000;
    to.faults = spec.value();
    std::vector<int64_t> times;
    to.on_step = [&](const World&, int64_t now) { times.push_back(now); };
    const WorldOptions wo{.protocol = ProtocolKind::kRobust,
                          .wire = true,
                          .record_history = true,
                          .properties = kRobustPromises};
    RunRecord r{scenario, run_timed(scenario, wo, to), std::move(times), {}};
    const World& w = r.result.world;
    const std::vector<Violation> online = w.violations();
    const std::vector<Violation> offline = check_history(w.history(), kRobustPromises);
    RC_TAG(w.timers_fired() > 0 ? "retransmitted" : "no retransmission");
    if (r.result.hit_step_bound || r.result.ended_in_fault_window || !w.quiescent() ||
        !online.empty() || !offline.empty()) {
      RC_FAIL(fmt::format(
          "robust broke a promise under --faults {}{}\nmonitor:\n{}history checkers:\n{}{}", text,
          r.result.hit_step_bound ? " (and never reached quiescence)" : "", describe(online),
          describe(offline), save_failure("robust-faults", c.scenario, trace_of_run(c, r))));
    }
  });
}
