#include "cli/explore_command.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/report.h"
#include "sim/explorer.h"
#include "sim/trace.h"
#include "viz/viz_html.h"

namespace banksim {

namespace {

void add_fault_budget_flags(CLI::App& cmd, ExploreArgs& args) {
  cmd.add_option("--max-drops", args.max_drops,
                 "Faults: messages the network may drop per execution (default 0)");
  cmd.add_option("--max-dups", args.max_dups,
                 "Faults: messages the network may duplicate per execution (default 0)");
  cmd.add_option("--max-crashes", args.max_crashes,
                 "Faults: branch crashes per execution; a crashed branch may restart at any "
                 "step and must have restarted before the execution ends (default 0)");
  cmd.add_option("--max-partitions", args.max_partitions,
                 "Faults: partitions (branches split in two) per execution; healing is always "
                 "a choice and must happen before the execution ends (default 0)");
}

}  // namespace

CLI::App* add_explore_command(CLI::App& app, ExploreArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Check every interleaving: enumerate the orders in which in-flight messages can be "
      "delivered (each customer's events stay sequential), check every property on every "
      "state, and on a violation write the shortest schedule found as a replayable trace.\n"
      "Exit status: 0 no checked property was violated in what was searched (the summary "
      "says whether that is a proof: search complete, or bounded or stopped; a search that "
      "reached no quiescent state leaves convergence, conservation and liveness \"not "
      "judged\", still exit status 0), 1 a violation was found, 2 bad input, 3 a "
      "counterexample did not reproduce on replay (a banksim bug; no trace written for it). "
      "Ctrl-C, SIGTERM, --max-seconds and --max-memory end the search with a partial summary "
      "and the same statuses.");
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
  cmd->add_option("--max-states", args.max_states,
                  "Stop after this many distinct states (dfs only; default 500,000,000)");
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
  cmd->add_option("--max-memory", args.max_memory,
                  "End the search, with a partial summary, before its memory (peak resident "
                  "set, with room for the visited set's next growth) passes SIZE: 512M, 4G... "
                  "Default: half the physical memory; under ulimit -v also 85% of that limit");
  cmd->add_option("--max-seconds", args.max_seconds,
                  "End the search after this many seconds of wall-clock time, with a partial "
                  "summary (like Ctrl-C or SIGTERM: counterexamples found so far are written)");
  cmd->add_flag("-q,--quiet", args.quiet,
                "No progress lines on stderr (otherwise one a second on long searches)");
  add_fault_budget_flags(*cmd, args);
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

constexpr int kExitUnreproduced = 3;

// Test hook: BANKSIM_TEST_BREAK_COUNTEREXAMPLES=1 drops the last delivery of every
// counterexample before it is checked, so tests can see a non-reproducing one refused.
bool testing_break_counterexamples() {
  const char* v = std::getenv("BANKSIM_TEST_BREAK_COUNTEREXAMPLES");
  return v != nullptr && std::string_view(v) == "1";
}

// Set by SIGINT/SIGTERM; the search polls it. A second signal kills as usual.
volatile std::sig_atomic_t g_interrupt = 0;

void on_interrupt(int sig) {
  if (g_interrupt != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_interrupt = sig;
}

// Installs on_interrupt for SIGINT and SIGTERM while alive.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupt = 0;
    old_int_ = std::signal(SIGINT, on_interrupt);
    old_term_ = std::signal(SIGTERM, on_interrupt);
  }
  ~InterruptScope() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

// Peak resident set of this process, bytes (getrusage: one system call).
uint64_t peak_rss() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;
}

// Virtual size of this process, bytes (what ulimit -v bounds), 0 when unknown.
uint64_t virtual_size() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  if (!(statm >> pages)) return 0;
  return pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(size);
}

// The address-space limit (ulimit -v), 0 when none.
uint64_t address_space_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_AS, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<uint64_t>(r.rlim_cur);
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

std::string stop_text(StopReason r, int signal) {
  switch (r) {
    case StopReason::kNone:
      return "";
    case StopReason::kInterrupted:
      return signal == SIGTERM ? "interrupted (SIGTERM)" : "interrupted (SIGINT)";
    case StopReason::kTimeLimit:
      return "stopped at the time limit (--max-seconds)";
    case StopReason::kMemoryLimit:
      return "stopped at the memory limit (--max-memory)";
    case StopReason::kOutOfMemory:
      return "stopped: out of memory (an allocation failed)";
  }
  return "";
}

}  // namespace

std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  uint64_t value = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.size() == 3 && unit.substr(1) == "iB") unit.resize(1);
  int shift = 0;
  if (unit.empty()) {
    shift = 0;
  } else if (unit == "K" || unit == "k") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return std::nullopt;
  }
  if (value == 0 || value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::string check_reproduces(const Trace& t, const std::string& source) {
  if (!t.violation) return "the trace records no violation";
  auto replayed = replay_trace(t, source, ReplayOptions{});
  if (!replayed.ok()) return replayed.error().message;
  for (const Violation& v : replayed.value().world.violations()) {
    if (v.property == t.violation->property && v.detail == t.violation->detail) return "";
  }
  return fmt::format("replaying its {} deliveries shows no {} violation \"{}\"",
                     t.schedule.size(), property_name(t.violation->property),
                     t.violation->detail);
}

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
  uint64_t max_memory = physical_memory() / 2;
  if (!args.max_memory.empty()) {
    const auto size = parse_size(args.max_memory);
    if (!size) {
      return refuse(fmt::format("--max-memory: \"{}\" must be a size such as 512M or 4G "
                                "(bytes, or K, M, G, T: powers of 1024)",
                                args.max_memory));
    }
    max_memory = *size;
  }
  // Under ulimit -v, stop well before an allocation can fail.
  const uint64_t as_limit = address_space_limit();
  const uint64_t as_budget = as_limit / 100 * 85;
  if (random && args.max_states) {
    return refuse("--max-states: does not apply to --strategy random (bound the walks with "
                  "--walks and --max-depth)");
  }
  if (args.max_states && *args.max_states < 1) {
    return refuse(fmt::format("--max-states: must be at least 1, not {}", *args.max_states));
  }
  if (args.walks && *args.walks < 1) {
    return refuse(fmt::format("--walks: must be at least 1, not {}", *args.walks));
  }
  if (args.max_seconds && !(*args.max_seconds > 0)) {
    return refuse(fmt::format("--max-seconds: must be a positive number of seconds, not {}",
                              *args.max_seconds));
  }
  FaultBudget faults;
  {
    const std::pair<const char*, const std::optional<int64_t>*> budgets[] = {
        {"--max-drops", &args.max_drops},
        {"--max-dups", &args.max_dups},
        {"--max-crashes", &args.max_crashes},
        {"--max-partitions", &args.max_partitions}};
    for (const auto& [flag, value] : budgets) {
      if (*value && (**value < 0 || **value > 1000)) {
        return refuse(fmt::format("{}: must be between 0 and 1000, not {}", flag, **value));
      }
    }
    faults.drops = static_cast<uint64_t>(args.max_drops.value_or(0));
    faults.duplicates = static_cast<uint64_t>(args.max_dups.value_or(0));
    faults.crashes = static_cast<uint64_t>(args.max_crashes.value_or(0));
    faults.partitions = static_cast<uint64_t>(args.max_partitions.value_or(0));
    if (faults.partitions > 0 && scenario->branch_count() > kMaxPartitionSearchBranches) {
      return refuse(
          fmt::format("--max-partitions: explores every split of the branches, for "
                      "at most {} branches; the scenario has {}",
                      kMaxPartitionSearchBranches, scenario->branch_count()));
    }
    if (faults.crashes > 0 && scenario->branch_count() > kMaxFaultBranches) {
      return refuse(
          fmt::format("--max-crashes: crashes only the first {} branches; the "
                      "scenario has {}",
                      kMaxFaultBranches, scenario->branch_count()));
    }
    if (faults.any() && args.no_compare) {
      return refuse(
          "--no-compare: with fault budgets the search expands every choice (no "
          "reduction), so there is nothing to compare");
    }
  }
  const auto max_states = static_cast<uint64_t>(args.max_states.value_or(500'000'000));
  const auto walks = static_cast<uint64_t>(args.walks.value_or(1000));
  const uint64_t seed = args.seed.value_or(1);

  ExploreOptions o;
  o.protocol = s.protocol;
  o.checked = s.checked;
  o.fifo = s.network.fifo;
  o.max_depth = args.max_depth.value_or(0);
  o.max_states = max_states;
  // With faults the reduction is off: README, "Faults and the reduction".
  o.reduction = !args.no_reduction && !random && !faults.any();
  o.faults = faults;
  o.keep_going = args.keep_going;
  o.minimize = !args.no_minimize;
  o.strategy = random ? ExploreStrategy::kRandom : ExploreStrategy::kDfs;
  o.walks = walks;
  o.seed = seed;

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  bool printed_progress = false;
  uint64_t memory_used = 0;  // at the last poll: peak resident set
  std::string memory_limit_hit;  // which memory limit ended the search
  uint64_t deepest = 0, used_at_deepest = 0, level_cost = 0;
  InterruptScope interrupts;
  // Everything that may end a search early, and the progress line: asked every
  // kPollEvery transitions and before each new level of the search stack.
  const auto limits = [&](const ExploreStats& st) {
    if (g_interrupt != 0) return StopReason::kInterrupted;
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (args.max_seconds && secs >= *args.max_seconds) return StopReason::kTimeLimit;
    memory_used = std::max(memory_used, peak_rss());
    // What a new stack level costs (a World copy), as measured: the growth of the peak
    // between the polls that saw the stack deeper than ever (an over-estimate when the
    // visited set grew meanwhile: on the safe side).
    if (st.stack > deepest) {
      if (deepest > 0 && memory_used > used_at_deepest) {
        level_cost = std::max(level_cost, (memory_used - used_at_deepest) / (st.stack - deepest));
      }
      deepest = st.stack;
      used_at_deepest = memory_used;
    }
    // Room for the next level and for the visited set's next growth (1.5x its table,
    // while the old one lives).
    const uint64_t growth = level_cost + st.visited_bytes * 3 / 2;
    if (memory_used + growth > max_memory) {
      memory_limit_hit = "--max-memory";
      return StopReason::kMemoryLimit;
    }
    if (as_budget > 0 && virtual_size() + growth > as_budget) {
      memory_limit_hit = "ulimit -v";
      return StopReason::kMemoryLimit;
    }
    return StopReason::kNone;
  };
  o.poll = [&](const ExploreStats& st) {
    const StopReason why = limits(st);
    if (why != StopReason::kNone) return why;
    const Clock::time_point now = Clock::now();
    const double secs = std::chrono::duration<double>(now - start).count();
    if (args.quiet || now - last < std::chrono::seconds(1)) return StopReason::kNone;
    last = now;
    const std::string line = fmt::format(
        "explore: {} distinct states, {:.0f} distinct/s, {} visited, stack {}, max depth {}, "
        "{:.0f} s, {:.0f} MiB",
        grouped(st.distinct), static_cast<double>(st.distinct) / std::max(secs, 1e-9),
        grouped(st.transitions + 1), grouped(st.stack), st.max_depth, secs, mib(memory_used));
    if (tty) {
      fmt::print(stderr, "\r{}\033[K", line);
    } else {
      fmt::print(stderr, "{}\n", line);
    }
    printed_progress = true;
    return StopReason::kNone;
  };
  ExploreResult r = explore(scenario, o);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (printed_progress && tty) fmt::print(stderr, "\n");
  memory_used = std::max(memory_used, peak_rss());

  // The same search without reduction, so the summary can show what reduction saved.
  std::optional<ExploreStats> unreduced;
  if (o.reduction && !args.no_compare && r.stats.complete() && r.counterexamples.empty()) {
    ExploreOptions plain = o;
    plain.reduction = false;
    plain.poll = limits;  // the same limits, no progress line
    plain.max_states = std::min<uint64_t>(max_states, std::max<uint64_t>(r.stats.distinct * 50, 1'000'000));
    unreduced = explore(scenario, plain).stats;
  }

  const ExploreStats& st = r.stats;
  std::string out = fmt::format("banksim explore: {}\n", args.scenario);
  out += fmt::format(
      "protocol {}{}, strategy {}, reduction {}, depth bound {}\n", protocol_name(s.protocol),
      s.protocol_note.empty() ? "" : fmt::format(" ({})", s.protocol_note), args.strategy,
      o.reduction                                     ? "on (persistent sets)"
      : faults.any() && !args.no_reduction && !random ? "off (fault budgets: every choice expanded)"
                                                      : "off",
      args.max_depth ? std::to_string(*args.max_depth) : "none");
  if (faults.any()) {
    out += fmt::format(
        "faults per execution: at most {} drops, {} duplicates, {} crashes, {} "
        "partitions (restarts and heals always possible, required before the end)\n",
        faults.drops, faults.duplicates, faults.crashes, faults.partitions);
  }
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
  out += fmt::format("memory: peak {:.0f} MiB resident, limit {:.0f} MiB ({}){}\n",
                     mib(memory_used), mib(max_memory),
                     args.max_memory.empty() ? "half the physical memory" : "--max-memory",
                     as_budget > 0 ? fmt::format(", address space limit {:.0f} MiB (ulimit -v)",
                                                 mib(as_limit))
                                   : "");
  const int signal = static_cast<int>(g_interrupt);
  std::string search;
  if (random) {
    search = fmt::format("sampled by {} random walks (not a proof)", walks);
    if (st.stopped_by != StopReason::kNone) {
      search = fmt::format("{}: sampled by random walks (not a proof)",
                           stop_text(st.stopped_by, signal));
    }
  } else if (st.stopped_early) {
    search = "stopped at the first violation";
  } else if (st.stopped_by != StopReason::kNone) {
    search = stop_text(st.stopped_by, signal) + ": not complete";
    if (st.stopped_by == StopReason::kMemoryLimit && memory_limit_hit == "ulimit -v") {
      search = "stopped at the memory limit (85% of ulimit -v): not complete";
    }
  } else if (st.state_bounded) {
    search = fmt::format("stopped at {} distinct states (--max-states): not complete",
                         grouped(max_states));
  } else if (st.depth_bounded) {
    search = fmt::format("bounded at depth {}", *args.max_depth);
  } else {
    search = "complete";
  }
  out += "search: " + search + "\n\n";

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
    unreproduced[i] = check_reproduces(traces.back(), trace_path(args, c.property));
  }

  // Verdicts.
  const PropertySet promised = promised_properties(s.protocol);
  out += fmt::format("{:<18} {:<9} {}\n", "property", "promised", "verdict");
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    if (!s.checked.has(p)) continue;
    std::string verdict;
    for (size_t k = 0; k < r.counterexamples.size(); ++k) {
      if (r.counterexamples[k].property != p) continue;
      verdict = unreproduced[k].empty()
                    ? "VIOLATED: " + r.counterexamples[k].detail
                    : "not judged: the violation found did not reproduce on replay (a banksim "
                      "bug; see stderr)";
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
        verdict = fmt::format("not violated in the {} quiescent state{} reached ({})",
                              grouped(st.terminal), st.terminal == 1 ? "" : "s", search);
      } else {
        verdict = "not violated in the states searched (" + search + ")";
      }
    }
    out += fmt::format("{:<18} {:<9} {}\n", property_name(p), promised.has(p) ? "yes" : "no",
                       verdict);
  }

  bool written = false, unwritable = false, broken = false;
  for (size_t i = 0; i < r.counterexamples.size(); ++i) {
    const Counterexample& c = r.counterexamples[i];
    const std::string path = trace_path(args, c.property);
    if (!unreproduced[i].empty()) {
      fmt::print(stderr, "banksim: explore: the {} counterexample does not reproduce, {} not "
                 "written: {}\n", property_name(c.property), path, unreproduced[i]);
      broken = true;
      continue;
    }
    std::string error;
    if (!write_file_atomically(path, trace_to_json(traces[i]).dump(1) + "\n", &error)) {
      fmt::print(stderr, "banksim: {}\n", error);
      unwritable = true;
      continue;
    }
    const std::string page = html_path_for_trace(path);  // banksim viz of the trace
    if (!write_trace_html(traces[i], path, page, VizOptions{}, &error)) {
      fmt::print(stderr, "banksim: {}\n", error);
      unwritable = true;
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
    const size_t fault_count = fault_steps(c.schedule);
    out += fmt::format(
        "\ncounterexample for {}: {} deliveries{}{}, replayed and reproduced\n",
        property_name(c.property), c.schedule.size() - fault_count,
        fault_count == 0 ? ""
                         : fmt::format(" and {} fault{}", fault_count, fault_count == 1 ? "" : "s"),
        how);
    out += fmt::format("  trace written to {}\n  drawn in {}\n  replay it: banksim replay {}\n",
                       path, page, path);
  }
  std::fputs(out.c_str(), stdout);
  if (broken) return kExitUnreproduced;
  if (unwritable) return kExitBadInput;
  return written ? kExitViolation : kExitOk;
}

}  // namespace banksim
