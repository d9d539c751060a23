#include "cli/explore_detail.h"

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

#include "cli/report.h"

namespace banksim::explore_detail {

using ojson = nlohmann::ordered_json;

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

std::string search_text(const ExploreRun& run) {
  const ExploreArgs& args = run.args;
  const ExploreStats& st = run.r.stats;
  const bool random = run.random;
  const uint64_t walks = run.walks, max_states = run.max_states;
  const int signal = run.signal;
  const std::string& memory_limit_hit = run.memory_limit_hit;
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
  return search;
}

std::string summary_head(const ExploreRun& run, const std::string& search) {
  const ExploreArgs& args = run.args;
  const SimSettings& s = run.s;
  const ExploreOptions& o = run.o;
  const ExploreResult& r = run.r;
  const std::optional<ExploreStats>& unreduced = run.unreduced;
  const double secs = run.secs;
  const uint64_t memory_used = run.memory_used, max_memory = run.max_memory;
  const uint64_t as_limit = run.as_limit, as_budget = run.as_budget;
  const char* fifo_source = run.fifo_source;
  const ExploreStats& st = r.stats;
  std::string out = fmt::format("banksim explore: {}\n", args.scenario);
  const FaultBudget& faults = o.faults;
  out += fmt::format("protocol {}{}, strategy {}{}, reduction {}, depth bound {}\n",
                     protocol_name(s.protocol),
                     s.protocol_note.empty() ? "" : fmt::format(" ({})", s.protocol_note),
                     args.strategy, st.workers > 1 ? fmt::format(", {} workers", st.workers) : "",
                     o.reduction && o.sleep_sets ? "on (persistent sets, sleep sets)"
                     : o.reduction               ? "on (persistent sets)"
                     : o.sleep_sets              ? "off (sleep sets only)"
                     : s.protocol == ProtocolKind::kRobust && !args.no_reduction && !run.random
                         ? "off (robust: every choice expanded)"
                         : "off",
                     args.max_depth ? std::to_string(*args.max_depth) : "none");
  if (faults.any()) {
    out += fmt::format(
        "faults per execution: at most {} drops, {} duplicates, {} crashes, {} "
        "partitions (restarts and heals always possible, required before the end)\n",
        faults.drops, faults.duplicates, faults.crashes, faults.partitions);
  }
  if (run.scenario->faults) {
    // Said, not silently ignored: the block is a timed run's rates and schedule.
    out += fmt::format(
        "faults: the scenario's faults block (\"{}\") is for banksim run; explore places "
        "faults only within --max-drops/--max-dups/--max-crashes/--max-partitions{}\n",
        printable(*run.scenario->faults, 200), faults.any() ? "" : " (none given: no faults)");
  }
  out += fmt::format("network: {} ({})\n",
                     s.network.fifo ? "per-link FIFO, only the oldest message of a link can be "
                                      "delivered"
                                    : "no FIFO, any in-flight message can be delivered next",
                     fifo_source);
  // Where several workers stopped depends on their timing: the counts are then only what
  // this run reached.
  const bool timed = st.workers > 1 && (st.stopped_early || st.stopped_by != StopReason::kNone);
  out +=
      fmt::format("states visited {}, distinct {}, transitions {}, terminal {}, max depth {}{}\n",
                  grouped(st.transitions + 1), grouped(st.distinct), grouped(st.transitions),
                  grouped(st.terminal), st.max_depth,
                  timed ? " (when the workers stopped: depends on thread timing)" : "");
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
  out += fmt::format(
      "elapsed {:.3f} s, {:.0f} distinct states/s, visited set {:.1f} MiB ({:.1f} "
      "bytes/state)\n",
      secs, static_cast<double>(st.distinct) / std::max(secs, 1e-9),
      static_cast<double>(st.visited_bytes) / (1 << 20),
      static_cast<double>(st.visited_bytes) /
          static_cast<double>(std::max<uint64_t>(st.distinct, 1)));
  out += fmt::format(
      "memory: peak {:.0f} MiB resident, limit {:.0f} MiB ({}){}\n", mib(memory_used),
      mib(max_memory), args.max_memory.empty() ? "half the physical memory" : "--max-memory",
      as_budget > 0 ? fmt::format(", address space limit {:.0f} MiB (ulimit -v)", mib(as_limit))
                    : "");
  out += "search: " + search + "\n\n";
  return out;
}

ojson verdicts_json(const ExploreRun& run, const std::vector<std::string>& unreproduced,
                    const std::string& search) {
  const SimSettings& s = run.s;
  const ExploreResult& r = run.r;
  const ExploreStats& st = r.stats;
  ojson rows = ojson::array();
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
    const bool at_quiescence = judged_at_quiescence(p);
    if (verdict.empty()) {
      if (st.complete()) {
        verdict = "holds in every interleaving";
      } else if (st.stopped_early) {
        // Not whether a quiescent state was reached: with several workers, that depends
        // on where each was when the first violation stopped them.
        verdict = "not violated before the search stopped";
      } else if (at_quiescence && st.terminal == 0) {
        verdict = "not judged: no path searched reached quiescence (" + search + ")";
      } else if (at_quiescence) {
        verdict = fmt::format("not violated in the {} quiescent state{} reached ({})",
                              grouped(st.terminal), st.terminal == 1 ? "" : "s", search);
      } else {
        verdict = "not violated in the states searched (" + search + ")";
      }
    }
    ojson row = property_entry(p, s.protocol);
    row["verdict"] = std::move(verdict);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string verdict_table(const ExploreRun& run, const std::vector<std::string>& unreproduced,
                          const std::string& search) {
  std::string out = fmt::format("{:<18} {:<9} {}\n", "property", "promised", "verdict");
  for (const ojson& row : verdicts_json(run, unreproduced, search)) {
    out +=
        fmt::format("{:<18} {:<9} {}\n", row["property"].get<std::string>(),
                    row["promised"].get<bool>() ? "yes" : "no", row["verdict"].get<std::string>());
  }
  return out;
}

}  // namespace banksim::explore_detail
