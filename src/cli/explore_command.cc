#include "cli/explore_command.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/report.h"
#include "sim/explorer.h"
#include "sim/trace.h"

namespace banksim {

CLI::App* add_explore_command(CLI::App& app, ExploreArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Check every interleaving: enumerate the orders in which in-flight messages can be "
      "delivered (each customer's events stay sequential), check every property on every "
      "state, and on a violation write the shortest schedule found as a replayable trace.\n"
      "Exit status: 0 no checked property was violated in what was searched (the summary "
      "says whether that is a proof: search complete, or bounded or stopped; a search that "
      "reached no quiescent state leaves convergence, conservation and liveness \"not "
      "judged\", still exit status 0), 1 a violation was found, 2 bad input.");
  cmd->add_option("scenario", args.scenario, "Scenario JSON (any seed input form)")->required();
  add_sim_flags(*cmd, args.sim);
  // Shared with run and replay; explore overrides what differs. Time is not simulated,
  // so --latency is refused (explore_command), not listed.
  cmd->get_option("--latency")->group("");
  cmd->get_option("--fifo")->description(
      "Per-link FIFO: only the oldest in-flight message of each link can be delivered. "
      "--no-fifo, or neither and no network.fifo in the scenario (explore's default): any "
      "in-flight message can be delivered next");
  cmd->add_option("--max-depth", args.max_depth,
                  "Bound the number of deliveries on a path, at least 1 (default: none, run "
                  "to completion)");
  cmd->add_option("--max-states", args.max_states, "Stop after this many distinct states")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-reduction", args.no_reduction,
                "Turn off partial-order reduction (persistent sets)");
  cmd->add_flag("--no-compare", args.no_compare,
                "Do not also count the states without reduction for the summary");
  cmd->add_flag("--keep-going", args.keep_going,
                "Continue after a violation, to find one counterexample per property");
  cmd->add_flag("--no-minimize", args.no_minimize,
                "Keep the first schedule found instead of searching for the shortest");
  cmd->add_option("--strategy", args.strategy,
                  "dfs (exhaustive, default) or random (random walks, for spaces too large)");
  cmd->add_option("--walks", args.walks,
                  "Random walks to take (--strategy random only; default 1000)");
  cmd->add_option("--seed", args.seed,
                  "Seed of the random walks (--strategy random only; default 1)");
  cmd->add_option("--trace-out", args.trace_out,
                  "Trace file for the counterexample (default banksim-trace-<property>.json). "
                  "With --keep-going, one file per violated property: FILE-<property>.json "
                  "(a .json suffix of FILE goes after the property), never FILE itself");
  cmd->add_flag("-q,--quiet", args.quiet, "No progress lines on stderr");
  return cmd;
}

namespace {

using Clock = std::chrono::steady_clock;

std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

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

}  // namespace

int explore_command(const ExploreArgs& args) {
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
  if (args.strategy != "dfs" && args.strategy != "random") {
    fmt::print(stderr, "banksim: --strategy: unknown strategy \"{}\" (expected dfs or random)\n",
               args.strategy);
    return kExitBadInput;
  }
  if (!args.sim.latency.empty()) {
    fmt::print(stderr,
               "banksim: --latency: does not apply to explore (it enumerates delivery orders; "
               "no time is simulated)\n");
    return kExitBadInput;
  }
  SimSettings s = settings.value();
  // Explore's network model: the flag, else the scenario's network.fifo, else reordering
  // (every order the network could produce; run's default, FIFO, allows a subset).
  const char* fifo_source = "explore's default";
  s.network.fifo = false;
  if (args.sim.fifo) {
    s.network.fifo = *args.sim.fifo;
    fifo_source = s.network.fifo ? "--fifo" : "--no-fifo";
  } else if (scenario->fifo) {
    s.network.fifo = *scenario->fifo;
    fifo_source = "the scenario's network.fifo";
  }
  const bool random = args.strategy == "random";
  // Options that do not apply are refused, not ignored.
  const auto refuse = [](std::string_view message) {
    fmt::print(stderr, "banksim: {}\n", message);
    return kExitBadInput;
  };
  if (!random && args.walks) return refuse("--walks: applies only with --strategy random");
  if (!random && args.seed) return refuse("--seed: applies only with --strategy random");
  if (random && args.no_reduction) {
    return refuse("--no-reduction: does not apply to --strategy random (random walks never reduce)");
  }
  if (args.no_compare && (random || args.no_reduction)) {
    return refuse("--no-compare: applies only to a dfs search with reduction (the comparison is "
                  "the search without it)");
  }
  if (args.max_depth && *args.max_depth < 1) {
    return refuse(fmt::format("--max-depth: must be at least 1, not {} (leave it out for no bound)",
                              *args.max_depth));
  }
  const uint64_t walks = args.walks.value_or(1000);
  const uint64_t seed = args.seed.value_or(1);

  ExploreOptions o;
  o.protocol = s.protocol;
  o.checked = s.checked;
  o.fifo = s.network.fifo;
  o.max_depth = args.max_depth.value_or(0);
  o.max_states = args.max_states;
  o.reduction = !args.no_reduction && !random;
  o.keep_going = args.keep_going;
  o.minimize = !args.no_minimize;
  o.strategy = random ? ExploreStrategy::kRandom : ExploreStrategy::kDfs;
  o.walks = walks;
  o.seed = seed;

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  bool printed_progress = false;
  if (!args.quiet) {
    o.progress = [&](const ExploreStats& st) {
      const Clock::time_point now = Clock::now();
      if (now - last < std::chrono::seconds(1)) return;
      last = now;
      const double secs = std::chrono::duration<double>(now - start).count();
      const std::string line = fmt::format(
          "explore: {} states visited, {} distinct, depth {}, {:.0f} states/s", 
          grouped(st.transitions + 1), grouped(st.distinct), st.max_depth,
          static_cast<double>(st.transitions) / secs);
      if (tty) {
        fmt::print(stderr, "\r{}\033[K", line);
      } else {
        fmt::print(stderr, "{}\n", line);
      }
      printed_progress = true;
    };
  }
  ExploreResult r = explore(scenario, o);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (printed_progress && tty) fmt::print(stderr, "\n");

  // The same search without reduction, so the summary can show what reduction saved.
  std::optional<ExploreStats> unreduced;
  if (o.reduction && !args.no_compare && r.stats.complete() && r.counterexamples.empty()) {
    ExploreOptions plain = o;
    plain.reduction = false;
    plain.progress = nullptr;
    plain.max_states = std::min<uint64_t>(args.max_states, std::max<uint64_t>(r.stats.distinct * 50, 1'000'000));
    unreduced = explore(scenario, plain).stats;
  }

  const ExploreStats& st = r.stats;
  std::string out = fmt::format("banksim explore: {}\n", args.scenario);
  out += fmt::format("protocol {}, strategy {}, reduction {}, depth bound {}\n",
                     protocol_name(s.protocol), args.strategy,
                     o.reduction ? "on (persistent sets)" : "off",
                     args.max_depth ? std::to_string(*args.max_depth) : "none");
  out += fmt::format("network: {} ({})\n",
                     s.network.fifo ? "per-link FIFO, only the oldest message of a link can be "
                                      "delivered"
                                    : "no FIFO, any in-flight message can be delivered next",
                     fifo_source);
  out += fmt::format(
      "states visited {}, distinct {}, transitions {}, terminal {}, max depth {}\n",
      grouped(st.transitions + 1), grouped(st.distinct), grouped(st.transitions),
      grouped(st.terminal), st.max_depth);
  if (unreduced) {
    if (unreduced->complete()) {
      out += fmt::format("without reduction: distinct {}, transitions {} ({:.1f}x the states)\n",
                         grouped(unreduced->distinct), grouped(unreduced->transitions),
                         static_cast<double>(unreduced->distinct) /
                             static_cast<double>(std::max<uint64_t>(st.distinct, 1)));
    } else {
      out += fmt::format("without reduction: more than {} distinct (stopped counting)\n",
                         grouped(unreduced->distinct));
    }
  }
  out += fmt::format("elapsed {:.3f} s, {:.0f} distinct states/s, visited set {:.1f} MiB ({:.1f} "
                     "bytes/state)\n",
                     secs, static_cast<double>(st.distinct) / std::max(secs, 1e-9),
                     static_cast<double>(st.visited_bytes) / (1 << 20),
                     static_cast<double>(st.visited_bytes) /
                         static_cast<double>(std::max<uint64_t>(st.distinct, 1)));
  std::string search;
  if (random) {
    search = fmt::format("sampled by {} random walks (not a proof)", walks);
  } else if (st.stopped_early) {
    search = "stopped at the first violation";
  } else if (st.state_bounded) {
    search = fmt::format("stopped at {} distinct states (--max-states): not complete",
                         grouped(args.max_states));
  } else if (st.depth_bounded) {
    search = fmt::format("bounded at depth {}", *args.max_depth);
  } else {
    search = "complete";
  }
  out += "search: " + search + "\n\n";

  // Verdicts.
  const PropertySet promised = promised_properties(s.protocol);
  out += fmt::format("{:<18} {:<9} {}\n", "property", "promised", "verdict");
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    if (!s.checked.has(p)) continue;
    std::string verdict;
    for (const Counterexample& c : r.counterexamples) {
      if (c.property == p) verdict = "VIOLATED: " + c.detail;
    }
    // Convergence, conservation and liveness are judged at quiescent (terminal) states.
    const bool at_quiescence = p == Property::kConvergence || p == Property::kConservation ||
                               p == Property::kLiveness;
    if (verdict.empty()) {
      if (st.complete()) {
        verdict = "holds in every interleaving";
      } else if (at_quiescence && st.terminal == 0) {
        verdict = "not judged: no path searched reached quiescence (" + search + ")";
      } else if (st.stopped_early) {
        verdict = "not violated before the search stopped";
      } else if (at_quiescence) {
        verdict = fmt::format("not violated in the {} quiescent states reached ({})",
                              grouped(st.terminal), search);
      } else {
        verdict = "not violated in the states searched (" + search + ")";
      }
    }
    out += fmt::format("{:<18} {:<9} {}\n", property_name(p), promised.has(p) ? "yes" : "no",
                       verdict);
  }

  int status = r.counterexamples.empty() ? kExitOk : kExitViolation;
  for (const Counterexample& c : r.counterexamples) {
    const std::string path = trace_path(args, c.property);
    Trace t{.origin = "explore",
            .scenario_source = args.scenario,
            .scenario = scenario,
            .protocol = s.protocol,
            .network = s.network,
            .seed = random ? seed : 0,
            .quiescent_queries = false,
            .checked = s.checked,
            .schedule = c.schedule,
            .times_us = {},
            .violation = TraceViolation{c.property, c.detail}};
    std::string error;
    if (!write_file_atomically(path, trace_to_json(t).dump(1) + "\n", &error)) {
      fmt::print(stderr, "banksim: {}\n", error);
      status = kExitBadInput;
      continue;
    }
    out += fmt::format("\ncounterexample for {}: {} deliveries{}\n", property_name(c.property),
                       c.schedule.size(), c.minimal ? " (shortest possible)" : "");
    out += fmt::format("  trace written to {}\n  replay it: banksim replay {}\n", path, path);
  }
  std::fputs(out.c_str(), stdout);
  return status;
}

}  // namespace banksim
