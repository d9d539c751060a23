#include "cli/merge_command.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "cli/explore_command.h"
#include "cli/outcome.h"
#include "cli/report.h"
#include "sim/atomic_file.h"

namespace banksim {

CLI::App* add_merge_command(CLI::App& app, MergeArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Combine the summaries of a swarm's tasks (banksim explore F --strategy random --walks K "
      "--seed S --summary-json out-S.json, one seed per task) into one: the distinct states "
      "reached (the exact union of the tasks' state fingerprints, not a sum), walks, "
      "transitions and max depth; the verdicts (random walks sample: a property is \"not "
      "violated\" in what was reached, never proved); and per violated property the shortest "
      "counterexample of any task (ties: smaller seed), replayed before it is claimed and "
      "written as a trace for banksim replay. The merged summary (-o) has the same form, so "
      "merges merge again. Summaries of another scenario, search option or banksim version, "
      "or repeating a seed, are refused. A counterexample that does not reproduce on replay "
      "is a banksim bug: it is not written, and neither is -o (exit status 70, internal).");
  cmd->add_option("summaries", args.inputs, "Summary files (explore --summary-json, or merged)")
      ->required();
  cmd->add_option("-o,--output", args.output,
                  "Write the merged summary to FILE (default: none, the report alone)");
  cmd->add_option("--trace-out", args.trace_out,
                  "Counterexample traces: FILE-<property>.json per violated property (a .json "
                  "suffix of FILE goes after the property); default "
                  "banksim-trace-<property>.json");
  return cmd;
}

namespace {

std::string trace_path(const MergeArgs& args, Property p) {
  const std::string name(property_name(p));
  if (args.trace_out.empty()) return fmt::format("banksim-trace-{}.json", name);
  std::string base = args.trace_out;
  if (base.size() > 5 && base.substr(base.size() - 5) == ".json") base.resize(base.size() - 5);
  return fmt::format("{}-{}.json", base, name);
}

std::string depth_text(int64_t d) {
  return d > 0 ? std::to_string(d) : "null";
}

// The first search field where `b` differs from `a`, as (JSON path, b's, a's); empty path
// when equal.
struct Difference {
  std::string path, theirs, ours;
};
Difference search_difference(const SwarmSearch& a, const SwarmSearch& b) {
  const auto yes = [](bool v) { return std::string(v ? "true" : "false"); };
  if (a.protocol != b.protocol) {
    return {"$.search.protocol", std::string(protocol_name(b.protocol)),
            std::string(protocol_name(a.protocol))};
  }
  if (!(a.checked == b.checked)) return {"$.search.check", "another set", "its"};
  if (a.fifo != b.fifo) return {"$.search.fifo", yes(b.fifo), yes(a.fifo)};
  if (a.max_depth != b.max_depth) {
    return {"$.search.max_depth", depth_text(b.max_depth), depth_text(a.max_depth)};
  }
  if (a.keep_going != b.keep_going)
    return {"$.search.keep_going", yes(b.keep_going), yes(a.keep_going)};
  if (a.minimize != b.minimize) return {"$.search.minimize", yes(b.minimize), yes(a.minimize)};
  const auto budget = [](const FaultBudget& f) {
    return fmt::format("drops {}, duplicates {}, crashes {}, partitions {}", f.drops, f.duplicates,
                       f.crashes, f.partitions);
  };
  if (!(a.faults.drops == b.faults.drops && a.faults.duplicates == b.faults.duplicates &&
        a.faults.crashes == b.faults.crashes && a.faults.partitions == b.faults.partitions)) {
    return {"$.search.faults", budget(b.faults), budget(a.faults)};
  }
  return {};
}

// Shortest schedule first; ties: the smaller task seed, then the smaller schedule.
bool better(const SwarmCounterexample& a, const SwarmCounterexample& b) {
  if (a.trace.schedule.size() != b.trace.schedule.size()) {
    return a.trace.schedule.size() < b.trace.schedule.size();
  }
  if (a.task_seed != b.task_seed) return a.task_seed < b.task_seed;
  return a.trace.schedule < b.trace.schedule;
}

}  // namespace

Result<SwarmSummary> merge_summaries(const std::vector<std::pair<std::string, SwarmSummary>>& in) {
  assert(!in.empty());
  const auto& [first_file, first] = in.front();
  for (size_t i = 1; i < in.size(); ++i) {
    const auto& [file, s] = in[i];
    if (s.version != first.version) {
      return Error{fmt::format(
          "{}: $.banksim_version: {} differs from {}'s {} (summaries of "
          "different banksim versions are not merged)",
          file, quote_for_error(s.version), first_file, quote_for_error(first.version))};
    }
    if (const Difference d = search_difference(first.search, s.search); !d.path.empty()) {
      return Error{
          fmt::format("{}: {}: {} differs from {}'s {} (summaries of different "
                      "searches are not merged)",
                      file, d.path, d.theirs, first_file, d.ours)};
    }
    if (s.identity != first.identity) {
      return Error{
          fmt::format("{}: $.identity: {} differs from {}'s {}: another scenario "
                      "(summaries of different searches are not merged)",
                      file, s.identity, first_file, first.identity)};
    }
  }
  // Seeds: each once over every input (the same walks twice would count twice).
  std::vector<std::pair<uint64_t, size_t>> seeds;  // (seed, input)
  for (size_t i = 0; i < in.size(); ++i) {
    for (const SwarmTask& t : in[i].second.tasks) seeds.emplace_back(t.seed, i);
  }
  std::sort(seeds.begin(), seeds.end());
  for (size_t k = 1; k < seeds.size(); ++k) {
    if (seeds[k].first != seeds[k - 1].first) continue;
    const size_t later = std::max(seeds[k].second, seeds[k - 1].second);
    const size_t earlier = std::min(seeds[k].second, seeds[k - 1].second);
    const auto& tasks = in[later].second.tasks;
    size_t index = 0;
    while (tasks[index].seed != seeds[k].first) ++index;
    return Error{
        fmt::format("{}: $.tasks[{}].seed: seed {} is also in {} (the same walks "
                    "would be counted twice)",
                    in[later].first, index, seeds[k].first,
                    earlier == later ? "this file" : in[earlier].first)};
  }

  SwarmSummary m;
  m.version = first.version;
  m.identity = first.identity;
  m.search = first.search;
  // Informational fields from the input holding the smallest seed: independent of order.
  m.scenario_source = in[seeds.front().second].second.scenario_source;
  size_t total = 0;
  for (const auto& [file, s] : in) {
    for (const SwarmTask& t : s.tasks) m.tasks.push_back(t);
    m.transitions += s.transitions;
    m.quiescent += s.quiescent;
    m.max_depth = std::max(m.max_depth, s.max_depth);
    m.depth_bounded = m.depth_bounded || s.depth_bounded;
    total += s.fingerprints.size();
  }
  std::sort(m.tasks.begin(), m.tasks.end(),
            [](const SwarmTask& a, const SwarmTask& b) { return a.seed < b.seed; });
  // The exact union of the reached states: each input's fingerprints ascend.
  m.fingerprints.reserve(total);
  for (const auto& [file, s] : in) {
    const size_t mid = m.fingerprints.size();
    m.fingerprints.insert(m.fingerprints.end(), s.fingerprints.begin(), s.fingerprints.end());
    std::inplace_merge(m.fingerprints.begin(),
                       m.fingerprints.begin() + static_cast<std::ptrdiff_t>(mid),
                       m.fingerprints.end());
    m.fingerprints.erase(std::unique(m.fingerprints.begin(), m.fingerprints.end()),
                         m.fingerprints.end());
  }
  m.distinct = m.fingerprints.size();
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    const SwarmCounterexample* best = nullptr;
    bool minimal = false;
    for (const auto& [file, s] : in) {
      for (const SwarmCounterexample& c : s.counterexamples) {
        if (c.property != p) continue;
        if (best == nullptr || better(c, *best)) best = &c;
      }
    }
    if (best == nullptr) continue;
    // Shortest possible when any task's shortest-possible one is no shorter.
    for (const auto& [file, s] : in) {
      for (const SwarmCounterexample& c : s.counterexamples) {
        minimal = minimal || (c.property == p && c.minimal &&
                              c.trace.schedule.size() == best->trace.schedule.size());
      }
    }
    SwarmCounterexample kept = *best;
    kept.minimal = minimal;
    m.counterexamples.push_back(std::move(kept));
  }
  return m;
}

CommandResult merge_command(const MergeArgs& args) {
  // Outputs that would overwrite an input.
  for (const std::string& input : args.inputs) {
    if (!args.output.empty() && same_existing_file(args.output, input)) {
      return Error{fmt::format("-o: {} is the summary file {} itself; refusing to overwrite it",
                               args.output, input)};
    }
  }
  std::vector<std::pair<std::string, SwarmSummary>> loaded;
  for (const std::string& input : args.inputs) {
    auto s = load_summary_file(input);
    if (!s.ok()) {
      return s.error();
    }
    loaded.emplace_back(input, std::move(s.value()));
  }
  auto merged_or = merge_summaries(loaded);
  if (!merged_or.ok()) {
    return merged_or.error();
  }
  SwarmSummary& m = merged_or.value();
  for (const SwarmCounterexample& c : m.counterexamples) {
    const std::string path = trace_path(args, c.property);
    for (const std::string& input : args.inputs) {
      if (same_existing_file(path, input)) {
        return Error{
            fmt::format("--trace-out: {} is the summary file {} itself; refusing to overwrite it",
                        path, input)};
      }
    }
  }

  // Every kept counterexample is replayed, as `banksim replay` would, before it is claimed.
  std::vector<std::string> unreproduced;
  for (const SwarmCounterexample& c : m.counterexamples) {
    const Status reproduced = check_reproduces(c.trace, trace_path(args, c.property));
    unreproduced.push_back(reproduced.ok() ? std::string() : reproduced.error().message);
  }
  bool broken = false;
  for (size_t i = 0; i < m.counterexamples.size(); ++i) {
    if (unreproduced[i].empty()) continue;
    fmt::print(stderr,
               "banksim: merge: the {} counterexample of the task with seed {} does not "
               "reproduce: {}\n",
               property_name(m.counterexamples[i].property), m.counterexamples[i].task_seed,
               unreproduced[i]);
    broken = true;
  }

  const uint64_t walks = m.walks_taken();
  uint64_t requested = 0, own = 0;
  for (const SwarmTask& t : m.tasks) {
    requested += t.walks;
    own += t.distinct;
  }
  std::string out = fmt::format(
      "banksim merge: {} summar{}, {} task{} (seeds {} to {}), scenario {}\n", args.inputs.size(),
      args.inputs.size() == 1 ? "y" : "ies", m.tasks.size(), m.tasks.size() == 1 ? "" : "s",
      m.tasks.front().seed, m.tasks.back().seed, m.scenario_source);
  out += fmt::format("protocol {}, strategy random, depth bound {}, network: {}, identity {}\n",
                     protocol_name(m.search.protocol),
                     m.search.max_depth > 0 ? std::to_string(m.search.max_depth) : "none",
                     m.search.fifo ? "per-link FIFO" : "no FIFO", m.identity);
  out += fmt::format(
      "walks {} of {} requested, transitions {}, quiescent walk ends {}, max depth {}\n",
      grouped(walks), grouped(requested), grouped(m.transitions), grouped(m.quiescent),
      m.max_depth);
  out += fmt::format(
      "distinct states {}: the exact union of the tasks' state fingerprints (their "
      "own counts sum to {})\n",
      grouped(m.distinct), grouped(own));
  out += fmt::format("search: sampled by {} random walk{} in {} task{} (not a proof)\n",
                     grouped(walks), walks == 1 ? "" : "s", m.tasks.size(),
                     m.tasks.size() == 1 ? "" : "s");
  for (const SwarmTask& t : m.tasks) {
    if (t.stopped == "none") continue;
    out += fmt::format("task seed {}: stopped ({}) after {} of {} walks\n", t.seed, t.stopped,
                       grouped(t.walks_taken), grouped(t.walks));
  }
  out += "\n";

  const PropertySet promised = promised_properties(m.search.protocol);
  out += fmt::format("{:<18} {:<9} {}\n", "property", "promised", "verdict");
  for (const SwarmVerdict& v : summary_verdicts(m)) {
    std::string text = v.text;
    for (size_t i = 0; i < m.counterexamples.size(); ++i) {
      if (m.counterexamples[i].property == v.property && !unreproduced[i].empty()) {
        text =
            "not judged: the violation found did not reproduce on replay (a banksim bug; see "
            "stderr)";
      }
    }
    out += fmt::format("{:<18} {:<9} {}\n", property_name(v.property),
                       promised.has(v.property) ? "yes" : "no", text);
  }

  // Every output is staged first and committed together: none or all appear.
  std::vector<StagedFile> staged;
  bool written = false;
  for (size_t i = 0; i < m.counterexamples.size(); ++i) {
    const SwarmCounterexample& c = m.counterexamples[i];
    if (!unreproduced[i].empty()) continue;
    const std::string path = trace_path(args, c.property);
    staged.emplace_back();
    if (Status st = staged.back().stage(path, trace_to_json(c.trace).dump(1) + "\n"); !st.ok())
      return io_error(st.error().message);
    written = true;
    out += fmt::format(
        "\ncounterexample for {}: {} ({}shortest of the tasks', from "
        "the task with seed {}), replayed and reproduced\n",
        property_name(c.property), schedule_length_text(c.trace.schedule),
        c.minimal ? "shortest possible; " : "", c.task_seed);
    out += fmt::format("  trace written to {}\n  replay it: banksim replay {}\n", path, path);
  }
  if (!args.output.empty() && broken) {
    fmt::print(stderr, "banksim: -o: {} not written (a counterexample did not reproduce)\n",
               args.output);
  } else if (!args.output.empty()) {
    staged.emplace_back();
    if (Status st = staged.back().stage(args.output, summary_to_json(m).dump(1) + "\n"); !st.ok())
      return io_error(st.error().message);
    out += fmt::format("\nmerged summary written to {}\n", args.output);
  }
  for (StagedFile& f : staged) {
    if (Status st = f.commit(); !st.ok()) return io_error(st.error().message);
  }
  std::fputs(out.c_str(), stdout);
  if (broken) return exit_status(ErrorCode::kInternal);
  return written ? kExitViolation : kExitOk;
}

}  // namespace banksim
