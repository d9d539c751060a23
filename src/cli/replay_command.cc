#include "cli/replay_command.h"

#include <fmt/format.h>

#include "cli/grpc_run.h"
#include "cli/report.h"
#include "cli/settings.h"
#include "sim/trace.h"
#include "sim/world.h"

namespace banksim {

CLI::App* add_replay_command(CLI::App& app, ReplayArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Re-execute a trace (from 'run --record' or 'explore') exactly: the same deliveries in "
      "the same order, the same timeline, results and violation.\n"
      "A trace that does not fit its scenario, or whose recorded violation does not "
      "reproduce, is invalid input (exit status 2; no output file is written).");
  cmd->add_option("trace", args.trace, "Trace JSON file")->required();
  add_output_flags(*cmd, args.out);
  cmd->add_flag("--no-timeline", args.no_timeline, "Do not print the step-by-step timeline");
  cmd->add_option("--backend", args.backend,
                  "Where to execute: sim (default) or grpc (one real process per branch; a "
                  "conductor releases every message in the trace's order)");
  add_grpc_timeout_flags(*cmd, args.grpc);
  return cmd;
}

namespace {

// What a replay prints before the outcome: the trace, where it came from (echoed escaped
// and capped: a trace is input), and the violation it records.
std::string replay_preamble(const ReplayArgs& args, const Trace& t, bool quiescent) {
  const size_t faults = fault_steps(t.schedule);
  const size_t timers = timer_steps(t.schedule);
  std::string fault_count =
      faults == 0 ? "" : fmt::format(" and {} fault{}", faults, faults == 1 ? "" : "s");
  if (timers > 0) fault_count += fmt::format(", {} timer{}", timers, timers == 1 ? "" : "s");
  std::string preamble =
      fmt::format("replaying {} (from banksim {} of {}): {} deliveries{}{}\n", args.trace, t.origin,
                  t.scenario_source.empty() ? "an embedded scenario"
                                            : printable(t.scenario_source, kEchoMaxBytes),
                  t.schedule.size() - faults - timers, fault_count,
                  quiescent ? "" : ", ending before quiescence (the trace stops there)");
  if (t.violation) {
    preamble += fmt::format("recorded violation: {}: {}\n", property_name(t.violation->property),
                            printable(t.violation->detail, kEchoMaxBytes));
  }
  return preamble + "\n";
}

RunFacts replay_facts(const ReplayArgs& args, const Trace& t) {
  return RunFacts{.source = args.trace,
                  .command = "replay",
                  .protocol = t.protocol,
                  .seed = t.seed,
                  .network = t.network,
                  .quiescent_queries = t.quiescent_queries,
                  .delivered = 0,
                  .sent = 0,
                  .end_time_us = 0,
                  .hit_step_bound = false,
                  .checked = t.checked,
                  .violations = {},
                  .final_balances = {},
                  .backend = {},
                  .protocol_note = {},
                  // An explored schedule has no clock: its times are step numbers.
                  .step_times = t.times_us.empty(),
                  .in_flight_at_end = {},
                  .give_up_us = 0,
                  .gave_up = {},
                  .give_up_note = {}};
}

bool reproduces(const Trace& t, const std::vector<Violation>& found) {
  if (!t.violation) return true;
  bool reproduced = false;
  for (const Violation& v : found) {
    reproduced =
        reproduced || (v.property == t.violation->property && v.detail == t.violation->detail);
  }
  return reproduced;
}

std::string replay_withheld(const Trace& t, const std::vector<Violation>& found) {
  return reproduces(t, found) ? "" : "the recorded violation was not reproduced";
}

int judge_reproduction(const ReplayArgs& args, const Trace& t, const std::vector<Violation>& found,
                       int status) {
  if (!t.violation) return status;
  if (!reproduces(t, found)) {
    fmt::print(stderr, "banksim: {}: the recorded {} violation was not reproduced\n", args.trace,
               property_name(t.violation->property));
    return kExitBadInput;
  }
  if (args.out.output != "-") {
    fmt::print("\nreproduced the recorded {} violation\n", property_name(t.violation->property));
  }
  return status;
}

}  // namespace

int replay_over(const ReplayArgs& args, const Trace& t, OutputPlan& plan, Executor* executor,
                const std::function<int(const std::string&)>& backend_failed) {
  const bool step_times = t.times_us.empty();
  std::string timeline;
  ReplayOptions ro;
  ro.executor = executor;
  if (!args.no_timeline && !args.out.quiet) {
    ro.on_start = [&timeline, step_times](const World& w) {
      timeline += timeline_start(w, step_times);
    };
    ro.on_step = [&timeline, step_times](const World& w, int64_t now) {
      timeline += timeline_step(w, now, step_times);
    };
  }
  Executor& ex = executor != nullptr ? *executor : InProcessExecutor::instance();
  auto replayed = replay_trace(t, args.trace, ro);
  if (!replayed.ok()) {
    if (!ex.failure().empty()) return backend_failed(ex.failure());
    return report_error(replayed.error());
  }
  const World& world = replayed.value().world;

  RunFacts facts = replay_facts(args, t);
  facts.delivered = world.delivered();
  facts.sent = world.sent();
  facts.end_time_us = replayed.value().end_time_us;
  facts.hit_step_bound = !world.quiescent();
  facts.violations = world.violations();
  // From wherever the branches live: the real processes, for a remote executor.
  if (!ex.balances(world.branches(), &facts.final_balances)) return backend_failed(ex.failure());
  const auto in_flight = world.in_flight();
  facts.in_flight_at_end.assign(in_flight.begin(), in_flight.end());

  const int status = emit_outcome(ExecutionRecord(world.history()), facts, args.out, timeline,
                                  replay_preamble(args, t, world.quiescent()), plan,
                                  replay_withheld(t, world.violations()));
  if (status != kExitOk && status != kExitViolation) return status;  // an output failed
  return judge_reproduction(args, t, world.violations(), status);
}

int replay_command(const ReplayArgs& args) {
  if (!validate_output_flags(args.out)) return kExitBadInput;
  if (args.backend == "grpc") {
    return replay_over_grpc_command(args);
  }
  if (args.backend != "sim") {
    fmt::print(stderr, "banksim: --backend: unknown backend \"{}\" (expected sim or grpc)\n",
               args.backend);
    return kExitBadInput;
  }
  auto loaded = load_trace_file(args.trace);
  if (!loaded.ok()) {
    fmt::print(stderr, "banksim: {}\n", loaded.error().message);
    return kExitBadInput;
  }
  const Trace& t = loaded.value();
  OutputPlan plan;
  if (Status planned = plan_output_files(args.out, plan); !planned.ok()) {
    return report_error(planned.error());
  }
  return replay_over(args, t, plan, nullptr, [](const std::string& why) {
    // In process nothing fails but the protocol, and that aborts first.
    return report_error(internal_error("internal error: " + why));
  });
}

}  // namespace banksim
