#include "cli/run_command.h"

#include <limits>

#include <fmt/format.h>

#include "cli/cli_style.h"
#include "cli/execution_record.h"
#include "cli/grpc_run.h"
#include "cli/report.h"
#include "sim/timed_run.h"
#include "sim/trace.h"
#include "viz/viz_html.h"

namespace banksim {

CLI::App* add_run_command(CLI::App& app, RunArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run one simulated execution: customers issue their events, the seeded network "
      "delivers messages, and every checked property is judged on the history.");
  cmd->add_option("scenario", args.scenario, "Scenario JSON (any seed input form)")->required();
  cmd->add_option("--seed", args.seed, "Seed of the network's random choices (default 1)");
  add_sim_flags(*cmd, args.sim);
  add_output_flags(*cmd, args.out);
  cmd->add_option("--record", args.record,
                  "Save this run's schedule as a trace FILE for 'banksim replay'");
  cmd->add_option("--viz", args.viz,
                  "Draw this run as an HTML page FILE (what 'banksim viz' draws from its trace)");
  cmd->add_flag("--quiescent-queries", args.quiescent_queries,
                "Hold each query until no write is in flight anywhere (the seeds' semantics "
                "of querying after propagation settled)");
  cmd->add_option("--max-steps", args.max_steps, "Stop after this many deliveries")
      ->check(positive_integer());
  cmd->add_option("--backend", args.backend,
                  "Where to execute: sim (default: the simulator) or grpc (one real process per "
                  "branch on 127.0.0.1, customers issuing concurrently; --seed, --latency, "
                  "--fifo and --max-steps do not apply; exit status 3 when a process dies or "
                  "hangs)");
  add_grpc_timeout_flags(*cmd, args.grpc);
  cmd->add_option("--faults", args.faults,
                  "Inject faults: drop=0.01,dup=0.005 (rates per delivery), "
                  "partition=1+2|3@20000..60000, crash=2@30000,restart=2@45000 (branch ids, "
                  "virtual microseconds)");
  cmd->add_option("--give-up-after", args.give_up_after_ms,
                  "A sync, async or session customer gives up on a request unanswered this "
                  "many virtual milliseconds after it was sent, and the run reports it (default: "
                  "twice the retransmission period, 8 x the latency model's largest parameter "
                  "+ 2 ms; robust customers retransmit instead)")
      ->check(positive_integer());
  cmd->add_option("--kill", args.kills,
                  "gRPC backend, robust protocol: once OPS customer operations are answered, "
                  "SIGKILL branch BRANCH's process and restart it from its durable state "
                  "(BRANCH@OPS, a branch id; repeatable; implies --durable)")
      ->allow_extra_args(false);
  cmd->add_option("--retransmit-ms", args.retransmit_ms,
                  "gRPC backend, robust protocol: a request or propagation unanswered for this "
                  "many milliseconds is sent again (default 200)")
      ->check(CLI::Range(int64_t{1}, int64_t{600'000}));
  cmd->add_flag("--durable", args.durable,
                "gRPC backend: every branch keeps its durable state in a temporary data "
                "directory, written and fsync'd before anything that depends on it is sent");
  return cmd;
}

namespace {

// What --faults injected, before the summary.
std::string fault_summary(const std::string& spec, const World& w, const TimedResult& r) {
  const FaultCounts& f = w.faults();
  std::string out = fmt::format(
      "faults ({}): {} dropped, {} duplicated, {} crashes, {} restarts, {} partitions, {} "
      "heals; {} messages lost to crashes and partitions\n",
      spec, f.drops, f.duplicates, f.crashes, f.restarts, f.partitions, f.heals, f.lost);
  if (w.options().protocol == ProtocolKind::kRobust) {
    out += fmt::format("robust: {} retransmission timers fired", w.timers_fired());
    out += r.timers_left > 0
               ? fmt::format(", {} still armed at the end (given up)\n", r.timers_left)
               : "\n";
  }
  if (r.ended_in_fault_window) {
    out +=
        "the run ended inside a fault window (a branch still down): convergence, "
        "conservation and liveness are not judged\n";
  }
  return out + "\n";
}

}  // namespace

CommandResult run_command(const RunArgs& args) {
  auto loaded = load_scenario_file(args.scenario);
  if (!loaded.ok()) return loaded.error();
  auto scenario = std::make_shared<const Scenario>(std::move(loaded.value()));
  auto settings = resolve_settings(args.sim, *scenario);
  if (!settings.ok()) return settings.error();
  if (Status checked = check_output_flags(args.out); !checked.ok()) return checked.error();
  // Every output path is checked now, before the run, and written together after it.
  OutputPlan plan;
  if (Status planned = plan_output_files(args.out, plan); !planned.ok()) return planned.error();
  const SimSettings& s = settings.value();
  if (args.backend == "grpc" && !args.viz.empty()) {
    return Error{
        "--viz: a gRPC run has no replayable schedule to draw; draw a simulated run, "
        "or 'banksim viz' a trace"};
  }
  FaultSpec faults;
  // --faults wins over the scenario's "faults" block.
  const std::string fault_text = !args.faults.empty() ? args.faults : scenario->faults.value_or("");
  if (!fault_text.empty() || scenario->faults) {
    auto parsed = parse_fault_spec(
        fault_text, *scenario,
        !args.faults.empty() ? std::string("--faults") : args.scenario + ": $.faults");
    if (!parsed.ok()) return parsed.error();
    faults = std::move(parsed.value());
    if (args.backend == "grpc") {
      return Error{fmt::format(
          "{}: faults are not yet supported by the grpc backend",
          !args.faults.empty() ? std::string("--faults") : args.scenario + ": $.faults")};
    }
  }
  if (args.give_up_after_ms > 0 && args.backend == "grpc") {
    return Error{"--give-up-after: the grpc backend has no virtual time to give up in"};
  }
  if (args.give_up_after_ms > 0 && s.protocol == ProtocolKind::kRobust) {
    return Error{
        "--give-up-after: robust customers retransmit an unanswered request instead of giving "
        "up"};
  }
  if (args.give_up_after_ms > std::numeric_limits<int64_t>::max() / 1000 / 4) {
    return Error{"--give-up-after: too large"};
  }
  if (args.backend != "grpc") {
    if (!args.kills.empty()) {
      return Error{
          "--kill: kills a real branch process: only with --backend grpc (the simulator's "
          "crashes are --faults crash=BRANCH@TIME,restart=BRANCH@TIME)"};
    }
    if (args.retransmit_ms > 0) {
      return Error{
          "--retransmit-ms: only with --backend grpc (the simulator's robust timers fire in "
          "virtual time)"};
    }
    if (args.durable) return Error{"--durable: only with --backend grpc"};
  }
  if (args.backend == "grpc") return run_over_grpc(args, scenario, s);
  if (args.backend != "sim") {
    return Error{
        fmt::format("--backend: unknown backend \"{}\" (expected sim or grpc)", args.backend)};
  }
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string&>{"--record", args.record}, {"--viz", args.viz}}) {
    if (path.empty()) continue;
    if (Status added = plan.add(flag, path); !added.ok()) return added.error();
  }

  // The run keeps no History: the record folds each step's observations into what the
  // outputs print, and keeps the observations themselves only for outputs that print
  // them. The monitor judges the properties online.
  WorldOptions wo{.protocol = s.protocol,
                  .wire = true,
                  .record_history = false,
                  .quiescent_queries = args.quiescent_queries,
                  .properties = s.checked,
                  .fingerprint = false,
                  .keep_every_violation = false};
  ExecutionRecord record(scenario, outputs_need_history(args.out, scenario->form));
  TimedOptions to;
  to.network = s.network;
  to.seed = args.seed;
  to.max_steps = args.max_steps;
  const bool keep_trace = !args.record.empty() || !args.viz.empty();
  to.record_schedule = keep_trace;
  to.faults = faults;
  to.give_up_us = args.give_up_after_ms * 1000;
  std::string timeline;
  std::vector<int64_t> times;
  to.on_start = [&](const World& w) {
    record.observe(0, w.last_observations());
    if (args.out.debug) timeline += timeline_start(w);
  };
  to.on_step = [&](const World& w, int64_t now) {
    record.observe(now, w.last_observations());
    if (args.out.debug) timeline += timeline_step(w, now);
    if (keep_trace) times.push_back(now);
  };
  if (args.out.debug && args.quiescent_queries) {
    to.on_hold = [&](const World& w, int64_t now, const InFlight* held, size_t released) {
      timeline += held != nullptr ? timeline_query_held(w, now, *held)
                                  : timeline_queries_released(now, released);
    };
  }
  if (args.out.debug) {
    to.on_give_up = [&](const World& w, const GaveUp& g) {
      timeline += timeline_give_up(w, g, effective_give_up_us(to));
    };
  }
  TimedResult r = run_timed(scenario, wo, to);
  const World& world = r.world;
  record.set_quiescent(!r.hit_step_bound && !r.ended_in_fault_window);

  RunFacts facts{.source = args.scenario,
                 .command = "run",
                 .protocol = s.protocol,
                 .seed = args.seed,
                 .network = s.network,
                 .quiescent_queries = args.quiescent_queries,
                 .delivered = world.delivered(),
                 .sent = world.sent(),
                 .end_time_us = r.end_time_us,
                 .hit_step_bound = r.hit_step_bound || r.ended_in_fault_window,
                 .checked = s.checked,
                 .violations = world.violations(),
                 .final_balances = {},
                 .backend = {},
                 .protocol_note = s.protocol_note,
                 .step_times = false,
                 .in_flight_at_end = {},
                 .give_up_us = 0,
                 .gave_up = {},
                 .give_up_note = {}};
  for (const Branch& b : world.branches()) facts.final_balances.push_back(b.balance());
  if (r.hit_step_bound) {
    const auto in_flight = world.in_flight();
    facts.in_flight_at_end.assign(in_flight.begin(), in_flight.end());
  }
  // The World kept only the first violation of each property; the record has the counts.
  std::vector<uint64_t> counts;
  for (int i = 0; i < kPropertyCount; ++i) {
    counts.push_back(world.violation_count(static_cast<Property>(i)));
  }
  record.set_violation_counts(std::move(counts));

  if (keep_trace) {
    Trace t{.origin = "run",
            .scenario_source = args.scenario,
            .scenario = scenario,
            .protocol = s.protocol,
            .network = s.network,
            .seed = args.seed,
            .quiescent_queries = args.quiescent_queries,
            .checked = s.checked,
            .schedule = std::move(r.schedule),
            .times_us = std::move(times),
            .violation = std::nullopt};
    if (!facts.violations.empty()) {
      t.violation = TraceViolation{facts.violations[0].property, facts.violations[0].detail};
    }
    // Drawn from the trace before anything is written, so a page that cannot be drawn
    // leaves no file behind; it is the page 'banksim viz' draws of --record's trace.
    if (!args.viz.empty()) {
      auto picture = picture_trace(t, args.record.empty() ? args.scenario : args.record);
      if (!picture.ok()) {
        return Error{"--viz: " + picture.error().message, picture.error().code};
      }
      plan.set(args.viz, picture_html(picture.value(), VizOptions{}));
    }
    if (!args.record.empty()) plan.set(args.record, trace_to_json(t).dump(1) + "\n");
  }
  // Give-ups: the liveness row says so (after the trace took the monitor's own words,
  // which replay compares).
  facts.give_up_us = r.give_up_us;
  facts.gave_up = std::move(r.gave_up);
  facts.give_up_note = give_up_note(facts, *scenario);
  for (Violation& v : facts.violations) {
    if (v.property != Property::kLiveness || v.events.empty()) continue;
    if (find_give_up(facts, static_cast<size_t>(v.events[0].customer),
                     static_cast<size_t>(v.events[0].event)) != nullptr) {
      v.detail += fmt::format(" (the customer gave up on it{})",
                              s.protocol == ProtocolKind::kRobust
                                  ? " at the end of the run"
                                  : " after " + duration_text(facts.give_up_us));
    }
  }
  return emit_outcome(record, facts, args.out, timeline,
                      faults.any() ? fault_summary(fault_text, world, r) : "", plan);
}

}  // namespace banksim
