// What the property tests share: running a generated case the way `banksim run` does
// (capturing every byte it would print), turning an execution into a Trace, walking a
// World along generated choices, and writing a failing (shrunk) case out as a scenario
// file plus a trace that `banksim replay` reproduces.
//
// rapidcheck evaluates a failing property again for every smaller candidate it tries;
// the files are overwritten each time, so after shrinking they hold the minimal case
// (rapidcheck re-runs that one last).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include "prop/gen.h"
#include "sim/timed_run.h"
#include "sim/trace.h"
#include "sim/world.h"

namespace banksim {

// One `banksim run` of a case, with everything it produced.
struct RunRecord {
  std::shared_ptr<const Scenario> scenario;
  TimedResult result;
  std::vector<int64_t> times_us;  // delivery times, one per schedule entry
  // Every output of the run, concatenated: the --debug timeline, the summary, the
  // property table, the results in the scenario's format and in banksim's JSON, the
  // history and the write sets.
  std::string output;
};

RunRecord run_case(const RunCase& c, PropertySet checked = PropertySet::all());

// The trace `banksim run --record` would write for this run (violation: the first one).
Trace trace_of_run(const RunCase& c, const RunRecord& r);

// A schedule with no clock (explore-style): deliveries at times 1, 2, ...
Trace trace_of_schedule(std::shared_ptr<const Scenario> scenario, ProtocolKind protocol,
                        const std::vector<uint64_t>& schedule, bool quiescent_queries,
                        const std::vector<Violation>& violations);

// Delivers, at each step, enabled[picks[i] % enabled.size()] (the oldest once picks run
// out) until quiescence or `steps_max` deliveries. After start() and after every step
// calls `after_step(world, step)`; stops early when it returns false.
struct WalkResult {
  std::vector<uint64_t> schedule;
  bool quiescent = false;
};
template <typename AfterStep>
WalkResult walk(World& world, const std::vector<uint32_t>& picks, int64_t steps_max,
                AfterStep&& after_step) {
  WalkResult r;
  std::vector<Choice> enabled;
  world.start(0);
  if (!after_step(world, int64_t{0})) return r;
  for (int64_t step = 1; step <= steps_max; ++step) {
    enabled.clear();
    world.enabled(&enabled);
    if (enabled.empty()) break;
    const size_t i = static_cast<size_t>(step - 1);
    const Choice c = enabled[i < picks.size() ? picks[i] % enabled.size() : 0];
    world.apply(c, step);
    r.schedule.push_back(c.message_id);
    if (!after_step(world, step)) return r;
  }
  if (world.quiescent()) {
    world.finish(static_cast<int64_t>(r.schedule.size()));
    r.quiescent = true;
  }
  return r;
}

// Writes `<dir>/<property>.scenario.json` and `<dir>/<property>.trace.json` (dir:
// $BANKSIM_FAILURE_DIR, else ./prop-failures) and returns a message naming both files and
// the commands that reproduce the case. The trace's scenario_source is set to the
// scenario file.
std::string save_failure(std::string_view property, const Scenario& scenario, Trace trace);

// Violations as "property: detail" lines.
std::string describe(const std::vector<Violation>& violations);

// Replays `t` as `banksim replay` would. True when it shows `property` with `detail`;
// `seen` gets what the replay showed instead (its violations, or its error).
bool replay_shows(const Trace& t, Property property, const std::string& detail,
                  std::string* seen);

// Runs a rapidcheck property inside a doctest test case; the test fails with it.
template <typename Testable>
void prop_check(const std::string& name, Testable&& testable) {
  CHECK_MESSAGE(rc::check(name, std::forward<Testable>(testable)),
                "property failed: see the counterexample and the files above");
}

}  // namespace banksim
