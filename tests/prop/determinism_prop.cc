// Property 1: the same scenario, settings and seed give the identical run: the same
// schedule, history, violations and every output byte. A run with another seed in
// between must not disturb it (no hidden global state).
#include <fmt/format.h>

#include "prop/harness.h"

using namespace banksim;

namespace {

bool same_violations(const std::vector<Violation>& a, const std::vector<Violation>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].property != b[i].property || a[i].detail != b[i].detail ||
        a[i].events != b[i].events || a[i].time_us != b[i].time_us) {
      return false;
    }
  }
  return true;
}

// The first difference between two runs of one case, or "" when they are identical.
std::string difference(const RunRecord& a, const RunRecord& b) {
  if (a.result.schedule != b.result.schedule) return "the schedules differ";
  if (a.times_us != b.times_us) return "the delivery times differ";
  if (a.result.end_time_us != b.result.end_time_us) return "the end times differ";
  if (a.result.world.history().events != b.result.world.history().events) {
    return "the histories differ";
  }
  if (!same_violations(a.result.world.violations(), b.result.world.violations())) {
    return "the violations differ";
  }
  if (a.output != b.output) {
    size_t at = 0;
    while (at < a.output.size() && at < b.output.size() && a.output[at] == b.output[at]) ++at;
    return fmt::format("the output bytes differ from byte {}:\n  first:  {}\n  second: {}", at,
                       a.output.substr(at, 80), b.output.substr(at, 80));
  }
  return "";
}

}  // namespace

TEST_CASE("prop: same scenario, settings and seed give the identical run") {
  prop_check("identical runs", [] {
    const RunCase c = *gen_run_case(kTimedShape, /*quiescent_queries=*/true);
    const RunRecord first = run_case(c);
    RunCase other = c;
    other.seed = c.seed ^ 0x9e3779b97f4a7c15ULL;
    const RunRecord between = run_case(other);
    const RunRecord second = run_case(c);
    RC_TAG(std::string(protocol_name(c.protocol)),
           std::string(c.network.fifo ? "fifo" : "reordering"));
    const std::string diff = difference(first, second);
    if (!diff.empty()) {
      RC_FAIL(fmt::format("two runs of one case differ: {}\n{}", diff,
                          save_failure("identical-runs", c.scenario, trace_of_run(c, first))));
    }
    // Trace bytes too: what `run --record` writes twice must be the same file.
    const std::string t1 = trace_to_json(trace_of_run(c, first)).dump(1);
    const std::string t2 = trace_to_json(trace_of_run(c, second)).dump(1);
    if (t1 != t2) {
      RC_FAIL(fmt::format("two recordings of one case differ\n{}",
                          save_failure("identical-runs", c.scenario, trace_of_run(c, first))));
    }
    (void)between;
  });
}
