#include "cli/explore_command.h"

#include "cli/explore_detail.h"
#include "cli/summary_json.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/checkpoint.h"
#include "sim/explorer.h"
#ifdef BANKSIM_HAVE_MPI
#include "sim/mpi_explorer.h"
#endif

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
      "Exit status 0 means no checked property was violated in what was searched: the summary "
      "says whether that is a proof (search complete) or not (bounded or stopped; a search "
      "that reached no quiescent state leaves convergence, conservation and liveness \"not "
      "judged\"). A counterexample that does not reproduce on replay is a banksim bug: it "
      "is not written, exit status 70. Ctrl-C, SIGTERM, --max-seconds and --max-memory end "
      "the search with a partial summary and the statuses of what it found.");
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
  cmd->add_flag("--sleep-sets", args.sleep_sets,
                "Sleep sets on top of the persistent sets (or alone with --no-reduction): fewer "
                "transitions, the same terminal states and verdicts. Costs two bytes more per "
                "visited-set slot (a sleep mask per state). dfs with one worker, no fault "
                "budgets, --checkpoint, --resume or --mpi");
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
  cmd->add_option("--summary-json", args.summary_json,
                  "Write this task's summary (coverage with every state's fingerprint, verdicts, "
                  "counterexample traces) for banksim merge (--strategy random only)");
  cmd->add_option("--max-memory", args.max_memory,
                  "End the search, with a partial summary, before its memory (peak resident "
                  "set, with room for the visited set's next growth) passes SIZE: 512M, 4G... "
                  "Default: half the physical memory; under ulimit -v also 85% of that limit");
  cmd->add_option("--max-seconds", args.max_seconds,
                  "End the search after this many seconds of wall-clock time, with a partial "
                  "summary (like Ctrl-C or SIGTERM: counterexamples found so far are written)");
  cmd->add_option("--workers", args.workers,
                  "Threads of a dfs search, sharing one visited set (default: the number of "
                  "cores; 1 with --max-depth or --max-states). The counts, verdicts and "
                  "counterexamples of a complete search do not depend on it");
  cmd->add_option("--checkpoint", args.checkpoint,
                  "Write the search's state to DIR/checkpoint.bin every --checkpoint-every "
                  "seconds and when Ctrl-C, SIGTERM, --max-seconds or --max-memory ends it "
                  "(dfs, any --workers; with --mpi: DIR/mpi-checkpoint.bin and one part "
                  "per rank, at the end of a round)");
  cmd->add_option("--checkpoint-every", args.checkpoint_every,
                  "Seconds between checkpoints (--checkpoint only; default 60)");
  cmd->add_option("--resume", args.resume,
                  "Continue the search saved in DIR/checkpoint.bin (same scenario, options "
                  "and banksim version; any --workers): it ends with the counts, verdicts and "
                  "counterexamples of an uninterrupted search. With --mpi: the one saved in "
                  "DIR/mpi-checkpoint.bin, under any rank count");
  cmd->add_flag("-q,--quiet", args.quiet,
                "No progress lines on stderr (otherwise one a second on long searches)");
  add_fault_budget_flags(*cmd, args);
  cmd->add_flag("--mpi", args.mpi,
                "Spread the search over the processes of mpirun -np N: each owns the states of "
                "its fingerprints (breadth-first, level by level); rank 0 prints the summary "
                "and writes the counterexamples. Needs a banksim built with BANKSIM_MPI");
  return cmd;
}

namespace {

using Clock = std::chrono::steady_clock;
using explore_detail::mib;

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

CommandResult explore_command(const ExploreArgs& args) {
#ifdef BANKSIM_HAVE_MPI
  // Every rank runs this command; only rank 0 speaks (its refusals, summary and traces):
  // the others' stdout and stderr go to /dev/null.
  std::optional<MpiSession> mpi;
  if (args.mpi) {
    mpi.emplace();
    if (mpi->rank() != 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      if (null < 0 || ::dup2(null, STDOUT_FILENO) < 0 || ::dup2(null, STDERR_FILENO) < 0) {
        return Error{"--mpi: cannot silence a rank other than 0 (/dev/null)"};
      }
      ::close(null);
    }
  }
#else
  if (args.mpi) {
    return Error{
        "--mpi: this banksim was built without MPI (configure with -DBANKSIM_MPI=ON and "
        "Open MPI installed: tools/setup)"};
  }
#endif
  auto loaded = load_scenario_file(args.scenario);
  if (!loaded.ok()) return loaded.error();
  auto scenario = std::make_shared<const Scenario>(std::move(loaded.value()));
  auto settings = resolve_settings(args.sim, *scenario);
  if (!settings.ok()) return settings.error();
  if (args.strategy != "dfs" && args.strategy != "random") {
    return Error{
        fmt::format("--strategy: unknown strategy \"{}\" (expected dfs or random)", args.strategy)};
  }
  if (!args.sim.latency.empty()) {
    return Error{
        "--latency: does not apply to explore (it enumerates delivery orders; no time "
        "is simulated)"};
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
  const auto refuse = [&](std::string message) -> CommandResult {
#ifdef BANKSIM_HAVE_MPI
    // Under mpirun, rank 0 prints before MPI_Finalize (a fence every rank waits at), not
    // after it in main: a rank that exits non-zero first makes mpirun end the job, and
    // rank 0's line was sometimes lost.
    if (mpi) return report_error(Error{std::move(message)});
#endif
    return Error{std::move(message)};
  };
  if (!random && args.walks) return refuse("--walks: applies only with --strategy random");
  if (!random && args.seed) return refuse("--seed: applies only with --strategy random");
  if (!random && !args.summary_json.empty()) {
    return refuse(
        "--summary-json: applies only with --strategy random (a swarm task's summary for "
        "banksim merge; a dfs search is not split into tasks)");
  }
  if (!args.summary_json.empty() && args.summary_json == args.trace_out) {
    return refuse("--summary-json: names the --trace-out file; give each its own");
  }
  if (random && args.no_reduction) {
    return refuse(
        "--no-reduction: does not apply to --strategy random (random walks never reduce)");
  }
  if (args.no_compare && (random || args.no_reduction)) {
    return refuse(
        "--no-compare: applies only to a dfs search with reduction (the comparison is "
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
      return refuse(
          fmt::format("--max-memory: \"{}\" must be a size such as 512M or 4G "
                      "(bytes, or K, M, G, T: powers of 1024)",
                      args.max_memory));
    }
    max_memory = *size;
  }
  // Under ulimit -v, stop well before an allocation can fail.
  const uint64_t as_limit = address_space_limit();
  const uint64_t as_budget = as_limit / 100 * 85;
  if (random && args.max_states) {
    return refuse(
        "--max-states: does not apply to --strategy random (bound the walks with "
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
  }
  const bool checkpointing = !args.checkpoint.empty() || !args.resume.empty();
  if (args.checkpoint_every && args.checkpoint.empty()) {
    return refuse("--checkpoint-every: applies only with --checkpoint");
  }
  if (args.checkpoint_every && !(*args.checkpoint_every > 0)) {
    return refuse(fmt::format("--checkpoint-every: must be a positive number of seconds, not {}",
                              *args.checkpoint_every));
  }
  if (checkpointing && random) {
    return refuse(fmt::format("{}: applies only to --strategy dfs (random walks keep no frontier)",
                              args.checkpoint.empty() ? "--resume" : "--checkpoint"));
  }
  if (args.mpi) {
    // What the MPI search does not take: it is breadth-first over processes, so bounds by
    // the order states are reached in and threads do not apply.
    const char* flag = random                              ? "--strategy random"
                       : args.workers && *args.workers > 1 ? "--workers"
                       : args.max_depth                    ? "--max-depth"
                       : args.max_states                   ? "--max-states"
                                                           : nullptr;
    if (flag != nullptr) {
      return refuse(fmt::format(
          "{}: does not apply with --mpi (a breadth-first search over the MPI processes: one "
          "thread per process, no bound by the order states are reached in)",
          flag));
    }
  }
  if (args.sleep_sets) {
    // Sleep sets are kept per visited state and decided by the order states are reached
    // in: one thread, and no frontier saved without them (README, "Sleep sets").
    const char* flag = random                              ? "--strategy random"
                       : args.workers && *args.workers > 1 ? "--workers above 1"
                       : !args.checkpoint.empty()          ? "--checkpoint"
                       : !args.resume.empty()              ? "--resume"
                       : args.mpi                          ? "--mpi"
                       : faults.any()                      ? "fault budgets (--max-drops ...)"
                                                           : nullptr;
    if (flag != nullptr) {
      return refuse(fmt::format(
          "--sleep-sets: does not apply with {} (a depth-first search by one worker, without "
          "faults)",
          flag));
    }
  }
  uint32_t workers = std::max(1u, std::thread::hardware_concurrency());
  if (args.workers) {
    if (*args.workers < 1 || *args.workers > 256) {
      return refuse(fmt::format("--workers: must be between 1 and 256, not {}", *args.workers));
    }
    // What such a search reaches depends on the order it reaches states in; with more
    // than one worker that order is the threads' timing.
    if (*args.workers > 1 && random) {
      return refuse("--workers: applies only to --strategy dfs (random walks take one thread)");
    }
    if (*args.workers > 1 && (args.max_depth || args.max_states)) {
      return refuse(fmt::format(
          "--workers: {} bounds a search by the order states are reached in, which with more "
          "than one worker depends on thread timing; use --workers 1",
          args.max_depth ? "--max-depth" : "--max-states"));
    }
    workers = static_cast<uint32_t>(*args.workers);
  }
  if (random || args.max_depth || args.max_states || args.mpi || args.sleep_sets) workers = 1;
  const auto max_states = static_cast<uint64_t>(args.max_states.value_or(500'000'000));
  const auto walks = static_cast<uint64_t>(args.walks.value_or(1000));
  const uint64_t seed = args.seed.value_or(1);

  ExploreOptions o;
  o.protocol = s.protocol;
  o.checked = s.checked;
  o.fifo = s.network.fifo;
  o.max_depth = args.max_depth.value_or(0);
  o.max_states = max_states;
  // With faults only some states reduce: README, "Faults and the reduction". Robust: off.
  o.reduction = !args.no_reduction && !random && o.protocol != ProtocolKind::kRobust;
  o.sleep_sets = args.sleep_sets;
  o.faults = faults;
  o.keep_going = args.keep_going;
  o.minimize = !args.no_minimize;
  o.strategy = random ? ExploreStrategy::kRandom : ExploreStrategy::kDfs;
  o.walks = walks;
  o.seed = seed;
  o.keep_fingerprints = !args.summary_json.empty();
  o.workers = workers;

  // What a checkpoint must agree with: this banksim, the scenario's bytes and every
  // option that decides which states the search reaches and in what order.
  CheckpointKey key;
  std::optional<ExploreFrontier> resumed;
  if (checkpointing) {
    std::ifstream in(args.scenario, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    key.version = std::string(banksim_version());
    key.scenario = checkpoint_digest(bytes.str());
    key.options = fmt::format(
        "protocol {}, properties {:#x}, fifo {}, max-depth {}, max-states {}, reduction {}, "
        "keep-going {}, drops {}, dups {}, crashes {}, partitions {}",
        protocol_name(o.protocol), o.checked.bits(), o.fifo ? "on" : "off", o.max_depth,
        o.max_states, o.reduction ? "on" : "off", o.keep_going ? "on" : "off", faults.drops,
        faults.duplicates, faults.crashes, faults.partitions);
  }
  // A checkpoint of the other kind of search (with or without --mpi) is refused by name.
  const auto exists = [](const std::string& path) { return ::access(path.c_str(), F_OK) == 0; };
#ifdef BANKSIM_HAVE_MPI
  std::optional<MpiResume> mpi_resumed;
  MpiCheckpointing mpi_checkpointing;
  if (mpi && !args.resume.empty()) {
    if (!exists(mpi_manifest_path(args.resume)) && exists(checkpoint_path(args.resume))) {
      return refuse(fmt::format(
          "--resume: {} holds the checkpoint of a search without --mpi ({}), not an MPI one; "
          "resume it without --mpi",
          args.resume, checkpoint_path(args.resume)));
    }
    auto read = mpi_read_checkpoint(*mpi, args.resume, key);
    if (!read.ok()) return report_error(read.error());  // before MPI_Finalize, as refuse()
    mpi_resumed = std::move(read.value());
    mpi_checkpointing.resume = &*mpi_resumed;
  }
#endif
  if (!args.resume.empty() && !args.mpi) {
    if (!exists(checkpoint_path(args.resume)) && exists(args.resume + "/mpi-checkpoint.bin")) {
      return refuse(fmt::format(
          "--resume: {} holds the checkpoint of an MPI search ({}/mpi-checkpoint.bin), not one "
          "of a search without --mpi; resume it with mpirun -np N banksim explore ... --mpi "
          "--resume {}",
          args.resume, args.resume, args.resume));
    }
    auto read = read_checkpoint(args.resume, key);
    if (!read.ok()) return read.error();
    resumed = std::move(read.value());
    o.resume = &*resumed;
  }
  uint64_t checkpoints_written = 0;
  std::optional<Error> checkpoint_error;
  Clock::time_point last_checkpoint = Clock::now();
  const double checkpoint_every = args.checkpoint_every.value_or(60.0);
  const auto checkpoint_due = [&] {
    return std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >=
           checkpoint_every;
  };
#ifdef BANKSIM_HAVE_MPI
  if (mpi && !args.checkpoint.empty()) {
    mpi_checkpointing.dir = args.checkpoint;
    mpi_checkpointing.key = key;
    mpi_checkpointing.due = checkpoint_due;
    mpi_checkpointing.written = [&] { last_checkpoint = Clock::now(); };
  }
#endif
  if (!args.checkpoint.empty() && !args.mpi) {
    o.checkpoint_due = checkpoint_due;
    o.checkpoint = [&](const ExploreFrontier& f) {
      last_checkpoint = Clock::now();
      if (checkpoint_error) return;  // reported once, at the end
      const Status written = write_checkpoint(args.checkpoint, key, f);
      if (!written.ok()) {
        checkpoint_error = written.error();
      } else {
        checkpoints_written += 1;
      }
    };
  }

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  bool printed_progress = false;
  uint64_t memory_used = 0;      // at the last poll: peak resident set
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
    // Room for the next level of every worker's stack (each may take one before its next
    // poll) and for the visited set's next growth (1.5x its table, while the old one lives).
    const uint64_t growth =
        level_cost * std::max<uint32_t>(st.workers, 1) + st.visited_bytes * 3 / 2;
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
  // The search: this process's threads, or the MPI processes (every rank runs it).
#ifdef BANKSIM_HAVE_MPI
  MpiExploreReport mpi_report;
#endif
  const auto search_with = [&](const ExploreOptions& options, bool report) {
#ifdef BANKSIM_HAVE_MPI
    if (mpi) {
      return mpi_explore(*mpi, scenario, options, report ? &mpi_report : nullptr,
                         report ? &mpi_checkpointing : nullptr);
    }
#endif
    (void)report;
    return explore(scenario, options);
  };
  ExploreResult r = search_with(o, true);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (printed_progress && tty) fmt::print(stderr, "\n");
  memory_used = std::max(memory_used, peak_rss());

  // The same search without reduction, so the summary can show what reduction saved.
  std::optional<ExploreStats> unreduced;
  if (o.reduction && !args.no_compare && r.stats.complete() && r.counterexamples.empty()) {
    ExploreOptions plain = o;
    plain.reduction = false;
    plain.sleep_sets = false;
    plain.poll = limits;  // the same limits, no progress line
    plain.checkpoint_due = nullptr;
    plain.checkpoint = nullptr;
    plain.resume = nullptr;
    plain.max_states =
        std::min<uint64_t>(max_states, std::max<uint64_t>(r.stats.distinct * 50, 1'000'000));
    unreduced = search_with(plain, false).stats;
  }

#ifdef BANKSIM_HAVE_MPI
  // Rank 0 writes the summary and the traces; the others end with its exit status.
  if (mpi && mpi->rank() != 0) return mpi->broadcast(0);
#endif
  const int signal = static_cast<int>(g_interrupt);
  const explore_detail::ExploreRun run{.args = args,
                                       .scenario = scenario,
                                       .s = s,
                                       .fifo_source = fifo_source,
                                       .o = o,
                                       .r = std::move(r),
                                       .unreduced = unreduced,
                                       .secs = secs,
                                       .memory_used = memory_used,
                                       .max_memory = max_memory,
                                       .as_limit = as_limit,
                                       .as_budget = as_budget,
                                       .memory_limit_hit = memory_limit_hit,
                                       .max_states = max_states,
                                       .walks = walks,
                                       .seed = seed,
                                       .random = random,
                                       .signal = signal};
  const std::string search = explore_detail::search_text(run);
  std::string out = explore_detail::summary_head(run, search);
  if (resumed) {
    out += fmt::format("resumed:      from {} ({} distinct states, {} transitions before)\n",
                       checkpoint_path(args.resume), grouped(resumed->visited.size()),
                       grouped(resumed->stats.transitions));
  }
#ifdef BANKSIM_HAVE_MPI
  if (mpi_resumed) {
    out += fmt::format(
        "resumed:      from {} ({} distinct states, {} transitions before; written by {} "
        "rank{})\n",
        mpi_resumed->source, grouped(mpi_resumed->manifest.distinct),
        grouped(mpi_resumed->manifest.transitions), mpi_resumed->manifest.ranks,
        mpi_resumed->manifest.ranks == 1 ? "" : "s");
  }
  if (mpi) {
    checkpoints_written = mpi_checkpointing.count;
    if (mpi_checkpointing.error) checkpoint_error = mpi_checkpointing.error;
  }
  const std::string written_path =
      mpi ? mpi_manifest_path(args.checkpoint) : checkpoint_path(args.checkpoint);
#else
  const std::string written_path = checkpoint_path(args.checkpoint);
#endif
  if (!args.checkpoint.empty()) {
    out += checkpoints_written > 0
               ? fmt::format("checkpoint:   {} written {} time{}; continue with --resume {}\n",
                             written_path, checkpoints_written, checkpoints_written == 1 ? "" : "s",
                             args.checkpoint)
               : fmt::format("checkpoint:   none written (the search ended before one was due)\n");
  }
#ifdef BANKSIM_HAVE_MPI
  if (mpi) {
    // Each rank's share of the states and of the traffic.
    uint64_t sent_states = 0, sent_bytes = 0, local_states = 0, max_world = 0;
    for (const MpiRankShare& share : mpi_report.ranks) {
      sent_states += share.sent_states;
      sent_bytes += share.sent_bytes;
      local_states += share.local_states;
      max_world = std::max(max_world, share.max_world_bytes);
    }
    std::string lines = fmt::format(
        "mpi:          {} ranks, breadth-first: {} levels, {} exchanges; {} successors sent "
        "to other ranks ({:.0f} bytes each, World up to {} bytes), {} kept by their own\n",
        mpi->size(), mpi_report.levels, mpi_report.rounds, grouped(sent_states),
        static_cast<double>(sent_bytes) / static_cast<double>(std::max<uint64_t>(sent_states, 1)),
        max_world, grouped(local_states));
    for (size_t i = 0; i < mpi_report.ranks.size(); ++i) {
      const MpiRankShare& share = mpi_report.ranks[i];
      lines += fmt::format(
          "  rank {}:     {} distinct states ({:.1f}%), visited set {:.1f} MiB ({:.1f} "
          "bytes/state), sent {} successors, {:.1f} MiB; peak {:.0f} MiB resident\n",
          i, grouped(share.states),
          100.0 * static_cast<double>(share.states) /
              static_cast<double>(std::max<uint64_t>(run.r.stats.distinct, 1)),
          mib(share.visited_bytes),
          static_cast<double>(share.visited_bytes) /
              static_cast<double>(std::max<uint64_t>(share.states, 1)),
          grouped(share.sent_states), mib(share.sent_bytes), mib(share.peak_rss));
    }
    // After the search line, before the blank line that ends the head.
    const size_t at = out.size() >= 2 && out.ends_with("\n\n") ? out.size() - 1 : out.size();
    out.insert(at, lines);
  }
#endif
  const explore_detail::Counterexamples found = explore_detail::replay_counterexamples(run);
  out += explore_detail::verdict_table(run, found.unreproduced, search);
  const int status = explore_detail::write_counterexamples(run, found, out);
  std::fputs(out.c_str(), stdout);
#ifdef BANKSIM_HAVE_MPI
  if (mpi) {
    std::fflush(stdout);
    mpi->broadcast(status);
  }
#endif
  if (checkpoint_error) return report_error(*checkpoint_error);
  return status;
}

}  // namespace banksim
