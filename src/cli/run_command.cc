#include "cli/run_command.h"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "cli/report.h"
#include "sim/timed_run.h"

namespace banksim {

CLI::App* add_run_command(CLI::App& app, RunArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run one simulated execution: customers issue their events, the seeded network "
      "delivers messages, and every checked property is judged on the history.\n"
      "Exit status: 0 all checked properties hold, 1 a property is violated, 2 bad input.");
  cmd->add_option("scenario", args.scenario, "Scenario JSON (any seed input form)")->required();
  cmd->add_option("--seed", args.seed, "Seed of the network's random choices (default 1)");
  add_sim_flags(*cmd, args.sim);
  cmd->add_option("--format", args.format,
                  "Results format: auto (by input form), recv (seeds 000/001), balance (seed "
                  "002), events (seed 004), json (everything)");
  cmd->add_option("-o,--output", args.output,
                  "Write the results to FILE instead of after the summary ('-': stdout only)");
  cmd->add_option("--history", args.history, "Write the history alone to FILE (JSON)");
  cmd->add_flag("--debug", args.debug,
                "Print a step-by-step timeline and the write sets per branch");
  cmd->add_flag("--quiescent-queries", args.quiescent_queries,
                "Hold each query until no write is in flight anywhere (the seeds' semantics "
                "of querying after propagation settled)");
  cmd->add_option("--max-steps", args.max_steps, "Stop after this many deliveries")
      ->check(CLI::PositiveNumber);
  return cmd;
}

int run_command(const RunArgs& args) {
  auto loaded = load_scenario_file(args.scenario);
  if (!loaded.ok()) {
    fmt::print(stderr, "banksim: {}\n", loaded.error().message);
    return kExitBadInput;
  }
  auto scenario = std::make_shared<const Scenario>(std::move(loaded.value()));
  auto settings = resolve_settings(args.sim, *scenario);
  if (!settings.ok()) {
    fmt::print(stderr, "banksim: {}\n", settings.error().message);
    return kExitBadInput;
  }
  const auto format = parse_format(args.format);
  if (!format) {
    fmt::print(stderr,
               "banksim: --format: unknown format \"{}\" (expected auto, recv, balance, events "
               "or json)\n",
               args.format);
    return kExitBadInput;
  }
  const SimSettings& s = settings.value();
  const bool results_to_stdout_only = args.output == "-";

  WorldOptions wo{.protocol = s.protocol,
                  .wire = true,
                  .record_history = true,
                  .quiescent_queries = args.quiescent_queries,
                  .properties = s.checked};
  TimedOptions to;
  to.network = s.network;
  to.seed = args.seed;
  to.max_steps = args.max_steps;
  std::string timeline;
  if (args.debug) {
    to.on_start = [&timeline](const World& w) { timeline += timeline_start(w); };
    to.on_step = [&timeline](const World& w, int64_t now) { timeline += timeline_step(w, now); };
  }
  TimedResult r = run_timed(scenario, wo, to);
  const World& world = r.world;

  RunFacts facts{.source = args.scenario,
                 .command = "run",
                 .protocol = s.protocol,
                 .seed = args.seed,
                 .network = s.network,
                 .quiescent_queries = args.quiescent_queries,
                 .delivered = world.delivered(),
                 .sent = world.sent(),
                 .end_time_us = r.end_time_us,
                 .hit_step_bound = r.hit_step_bound,
                 .checked = s.checked,
                 .violations = world.violations(),
                 .final_balances = {}};
  for (const Branch& b : world.branches()) facts.final_balances.push_back(b.balance());

  const History& h = world.history();
  const std::string results =
      results_json(h, facts, resolve_format(*format, scenario->form)).dump(2) + "\n";
  std::string error;
  if (!args.output.empty() && !results_to_stdout_only &&
      !write_file_atomically(args.output, results, &error)) {
    fmt::print(stderr, "banksim: {}\n", error);
    return kExitBadInput;
  }
  if (!args.history.empty() &&
      !write_file_atomically(args.history, history_json(h).dump(2) + "\n", &error)) {
    fmt::print(stderr, "banksim: {}\n", error);
    return kExitBadInput;
  }

  if (results_to_stdout_only) {
    std::fputs(results.c_str(), stdout);
  } else {
    std::string out;
    if (args.debug) out += "timeline:\n" + timeline + "\n";
    out += summary_text(h, facts);
    if (args.debug) out += "write sets per branch:\n" + write_sets_json(h).dump(2) + "\n";
    out += "\n" + property_table(facts);
    if (args.output.empty()) {
      out += fmt::format("\nresults ({} format):\n{}",
                         format_name(resolve_format(*format, scenario->form)), results);
    } else {
      out += fmt::format("\nresults written to {}\n", args.output);
    }
    std::fputs(out.c_str(), stdout);
  }
  return facts.violations.empty() ? kExitOk : kExitViolation;
}

}  // namespace banksim
