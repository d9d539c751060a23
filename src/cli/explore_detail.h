// Internal to explore (explore_command.cc: the search and its setup; explore_summary.cc:
// the summary; explore_traces.cc: replaying and writing counterexamples). Not part of the
// API (cli/explore_command.h is).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/explore_command.h"
#include "cli/report.h"
#include "cli/settings.h"
#include "sim/explorer.h"
#include "sim/trace.h"

namespace banksim::explore_detail {

// What a search ran with and what it found: all the summary and the traces need.
struct ExploreRun {
  const ExploreArgs& args;
  std::shared_ptr<const Scenario> scenario;
  SimSettings s;
  const char* fifo_source = "";
  ExploreOptions o;
  ExploreResult r;
  // The same search without reduction, when it was run.
  std::optional<ExploreStats> unreduced;
  double secs = 0;
  uint64_t memory_used = 0;  // peak resident set
  uint64_t max_memory = 0;
  uint64_t as_limit = 0;         // ulimit -v, 0 when none
  uint64_t as_budget = 0;        // 85% of it
  std::string memory_limit_hit;  // which memory limit ended the search
  uint64_t max_states = 0;
  uint64_t walks = 0;
  uint64_t seed = 0;
  bool random = false;
  int signal = 0;  // the signal that interrupted the search, 0 when none
};

inline double mib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1 << 20);
}

// explore_summary.cc.
std::string stop_text(StopReason r, int signal);
// How far the search went: "complete", "bounded at depth 3", "...: not complete".
std::string search_text(const ExploreRun& run);
// The summary up to the property table: the search, its network, its counts and costs.
std::string summary_head(const ExploreRun& run, const std::string& search);
// Per checked property, property_entry (cli/report.h) with explore's verdict sentence.
// unreproduced[i]: why counterexample i did not reproduce, or empty.
nlohmann::ordered_json verdicts_json(const ExploreRun& run,
                                     const std::vector<std::string>& unreproduced,
                                     const std::string& search);
// The property table: verdicts_json as text. unreproduced[i]: why counterexample i did not reproduce, or empty.
std::string verdict_table(const ExploreRun& run, const std::vector<std::string>& unreproduced,
                          const std::string& search);

// explore_traces.cc.
// Every counterexample as a trace, replayed as `banksim replay` would before it is claimed
// or written. unreproduced[i]: why traces[i] does not reproduce, empty when it does.
struct Counterexamples {
  std::vector<Trace> traces;
  std::vector<std::string> unreproduced;
};
Counterexamples replay_counterexamples(const ExploreRun& run);
// Writes each reproduced counterexample (its trace and its page) and appends what was
// written to `out`; says on stderr what was not. Returns explore's exit status.
int write_counterexamples(const ExploreRun& run, const Counterexamples& found, std::string& out);

}  // namespace banksim::explore_detail
