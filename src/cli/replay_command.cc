#include "cli/replay_command.h"

#include <fmt/format.h>

#include "cli/grpc_run.h"
#include "cli/report.h"
#include "cli/settings.h"
#include "sim/trace.h"

namespace banksim {

CLI::App* add_replay_command(CLI::App& app, ReplayArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Re-execute a trace (from 'run --record' or 'explore') exactly: the same deliveries in "
      "the same order, the same timeline, results and violation.\n"
      "Exit status: 0 no checked property violated, 1 a violation (as recorded), 2 bad input "
      "or a trace that does not fit its scenario.");
  cmd->add_option("trace", args.trace, "Trace JSON file")->required();
  add_output_flags(*cmd, args.out);
  cmd->add_flag("--no-timeline", args.no_timeline, "Do not print the step-by-step timeline");
  cmd->add_option("--backend", args.backend,
                  "Where to execute: sim (default) or grpc (one real process per branch; a "
                  "conductor releases every message in the trace's order)");
  add_grpc_timeout_flags(*cmd, args.grpc);
  return cmd;
}

int replay_command(const ReplayArgs& args) {
  if (!validate_output_flags(args.out)) return kExitBadInput;
  if (args.backend == "grpc") return replay_over_grpc_command(args);
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
  std::string timeline;
  ReplayOptions ro;
  if (!args.no_timeline) {
    ro.on_start = [&timeline](const World& w) { timeline += timeline_start(w); };
    ro.on_step = [&timeline](const World& w, int64_t now) { timeline += timeline_step(w, now); };
  }
  auto replayed = replay_trace(t, args.trace, ro);
  if (!replayed.ok()) {
    fmt::print(stderr, "banksim: {}\n", replayed.error().message);
    return kExitBadInput;
  }
  const World& world = replayed.value().world;

  RunFacts facts{.source = args.trace,
                 .command = "replay",
                 .protocol = t.protocol,
                 .seed = t.seed,
                 .network = t.network,
                 .quiescent_queries = t.quiescent_queries,
                 .delivered = world.delivered(),
                 .sent = world.sent(),
                 .end_time_us = replayed.value().end_time_us,
                 .hit_step_bound = !world.quiescent(),
                 .checked = t.checked,
                 .violations = world.violations(),
                 .final_balances = {},
                 .backend = {},
                 .protocol_note = {}};
  for (const Branch& b : world.branches()) facts.final_balances.push_back(b.balance());

  std::string preamble = fmt::format(
      "replaying {} (from banksim {} of {}): {} deliveries{}\n", args.trace, t.origin,
      t.scenario_source.empty() ? "an embedded scenario" : t.scenario_source, t.schedule.size(),
      world.quiescent() ? "" : ", ending before quiescence");
  if (t.violation) {
    preamble += fmt::format("recorded violation: {}: {}\n", property_name(t.violation->property),
                            t.violation->detail);
  }
  preamble += "\n";
  const int status = emit_outcome(world.history(), facts, args.out, timeline, preamble);
  if (status == kExitBadInput) return status;
  if (t.violation) {
    bool reproduced = false;
    for (const Violation& v : world.violations()) {
      reproduced = reproduced || (v.property == t.violation->property &&
                                  v.detail == t.violation->detail);
    }
    if (!reproduced) {
      fmt::print(stderr, "banksim: {}: the recorded {} violation was not reproduced\n",
                 args.trace, property_name(t.violation->property));
      return kExitBadInput;
    }
    if (args.out.output != "-") {
      fmt::print("\nreproduced the recorded {} violation\n", property_name(t.violation->property));
    }
  }
  return status;
}

}  // namespace banksim
