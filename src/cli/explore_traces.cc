#include "cli/explore_detail.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "cli/exit_status.h"
#include "cli/summary_json.h"
#include "sim/atomic_file.h"
#include "viz/viz_html.h"

namespace banksim {

namespace {

// --trace-out F: F; with --keep-going always F-<property>.json (F's .json suffix moved
// after the property), however many properties turn out violated.
std::string trace_path(const ExploreArgs& args, Property p) {
  const std::string name(property_name(p));
  if (args.trace_out.empty()) return fmt::format("banksim-trace-{}.json", name);
  if (!args.keep_going) return args.trace_out;
  std::string base = args.trace_out;
  if (base.size() > 5 && base.substr(base.size() - 5) == ".json") base.resize(base.size() - 5);
  return fmt::format("{}-{}.json", base, name);
}

// Test hook: BANKSIM_TEST_BREAK_COUNTEREXAMPLES=1 drops the last delivery of every
// counterexample before it is checked, so tests can see a non-reproducing one refused.
bool testing_break_counterexamples() {
  const char* v = std::getenv("BANKSIM_TEST_BREAK_COUNTEREXAMPLES");
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace

Status check_reproduces(const Trace& t, const std::string& source) {
  if (!t.violation) return internal_error("the trace records no violation");
  auto replayed = replay_trace(t, source, ReplayOptions{});
  // explore made the trace: one its own replay refuses is a banksim bug too.
  if (!replayed.ok()) return internal_error(replayed.error().message);
  for (const Violation& v : replayed.value().world.violations()) {
    if (v.property == t.violation->property && v.detail == t.violation->detail) return {};
  }
  return internal_error(fmt::format("replaying its {} shows no {} violation \"{}\"",
                                    schedule_length_text(t.schedule),
                                    property_name(t.violation->property), t.violation->detail));
}

namespace explore_detail {

Counterexamples replay_counterexamples(const ExploreRun& run) {
  const ExploreArgs& args = run.args;
  const SimSettings& s = run.s;
  const ExploreResult& r = run.r;
  const std::shared_ptr<const Scenario>& scenario = run.scenario;
  const bool random = run.random;
  const uint64_t seed = run.seed;
  // Every counterexample is replayed as `banksim replay` would before it is claimed or
  // written; one that does not reproduce is reported as a bug, and not written.
  std::vector<Trace> traces;
  std::vector<std::string> unreproduced(r.counterexamples.size());
  for (size_t i = 0; i < r.counterexamples.size(); ++i) {
    const Counterexample& c = r.counterexamples[i];
    traces.push_back(Trace{.origin = "explore",
                           .scenario_source = args.scenario,
                           .scenario = scenario,
                           .protocol = s.protocol,
                           .network = s.network,
                           .seed = random ? seed : 0,
                           .quiescent_queries = false,
                           .checked = s.checked,
                           .schedule = c.schedule,
                           .times_us = {},
                           .violation = TraceViolation{c.property, c.detail}});
    if (testing_break_counterexamples() && !traces.back().schedule.empty()) {
      traces.back().schedule.pop_back();
    }
    const Status reproduced = check_reproduces(traces.back(), trace_path(args, c.property));
    if (!reproduced.ok()) unreproduced[i] = reproduced.error().message;
  }
  return Counterexamples{std::move(traces), std::move(unreproduced)};
}

int write_counterexamples(const ExploreRun& run, const Counterexamples& found, std::string& out) {
  const ExploreArgs& args = run.args;
  const ExploreOptions& o = run.o;
  const ExploreResult& r = run.r;
  const ExploreStats& st = r.stats;
  const int signal = run.signal;
  const std::vector<Trace>& traces = found.traces;
  const std::vector<std::string>& unreproduced = found.unreproduced;
  // The worst failure decides the status: a counterexample that did not reproduce (a
  // banksim bug), then one that could not be written; both are reported as they happen,
  // and the other counterexamples are still written.
  bool written = false;
  std::optional<ErrorCode> failed;
  const auto report = [&failed](const Error& e) {
    report_error(e);
    if (!failed || e.code == ErrorCode::kInternal) failed = e.code;
  };
  for (size_t i = 0; i < r.counterexamples.size(); ++i) {
    const Counterexample& c = r.counterexamples[i];
    const std::string path = trace_path(args, c.property);
    if (!unreproduced[i].empty()) {
      report(
          internal_error(fmt::format("explore: the {} counterexample does not reproduce, {} "
                                     "not written: {}",
                                     property_name(c.property), path, unreproduced[i])));
      continue;
    }
    if (Status w = write_file_atomically(path, trace_to_json(traces[i]).dump(1) + "\n"); !w.ok()) {
      report(w.error());
      continue;
    }
    const std::string page = html_path_for_trace(path);  // banksim viz of the trace
    if (Status w = write_trace_html(traces[i], path, page, VizOptions{}); !w.ok()) {
      report(w.error());
      continue;
    }
    written = true;
    std::string how;
    if (c.minimal) {
      how = " (shortest possible)";
    } else if (o.minimize && r.minimize_stopped_by != StopReason::kNone) {
      how = fmt::format(" (the first found: shortening it {})",
                        stop_text(r.minimize_stopped_by, signal));
    } else if (o.minimize && st.stopped_by != StopReason::kNone) {
      how = " (the first found: not shortened, the search was cut short)";
    }
    out += fmt::format("\ncounterexample for {}: {}{}, replayed and reproduced\n",
                       property_name(c.property), schedule_length_text(c.schedule), how);
    out += fmt::format("  trace written to {}\n  drawn in {}\n  replay it: banksim replay {}\n",
                       path, page, path);
  }
  if (!args.summary_json.empty()) {
    // A task's summary for banksim merge: only with every counterexample reproduced.
    const SwarmSearch search{.protocol = run.s.protocol,
                             .checked = run.s.checked,
                             .fifo = run.s.network.fifo,
                             .max_depth = o.max_depth,
                             .keep_going = o.keep_going,
                             .minimize = o.minimize,
                             .faults = o.faults};
    const SwarmSummary summary =
        task_summary(*run.scenario, args.scenario, search, run.seed, run.walks, r, traces);
    const bool broken = std::any_of(unreproduced.begin(), unreproduced.end(),
                                    [](const std::string& u) { return !u.empty(); });
    if (broken) {
      fmt::print(stderr,
                 "banksim: --summary-json: {} not written (a counterexample did not reproduce)\n",
                 args.summary_json);
    } else if (Status w = write_file_atomically(args.summary_json,
                                                summary_to_json(summary).dump(1) + "\n");
               !w.ok()) {
      report(w.error());
    } else {
      out += fmt::format("\nsummary for banksim merge written to {}\n", args.summary_json);
    }
  }
  if (failed) return exit_status(*failed);
  return written ? kExitViolation : kExitOk;
}

}  // namespace explore_detail

}  // namespace banksim
