// `banksim merge`: combines the summaries of a swarm's tasks (explore --strategy random
// --summary-json) into one: the exact union of the states they reached (by fingerprint),
// the deepest walk, the verdicts, and per violated property the shortest counterexample
// (ties: the smaller task seed, then the smaller schedule), replayed before it is claimed
// and written as an ordinary trace. Summaries of different searches, scenarios or banksim
// versions, or naming a seed twice, are refused.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"
#include "cli/summary_json.h"

namespace banksim {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;     // -o: the merged summary (same form as the inputs)
  std::string trace_out;  // FILE-<property>.json; default banksim-trace-<property>.json
};

CLI::App* add_merge_command(CLI::App& app, MergeArgs& args);
CommandResult merge_command(const MergeArgs& args);

// Merges loaded summaries, each with the file it came from (for errors). The result does
// not depend on their order. An Error ("FILE: $.path: rule") when they do not belong
// together. REQUIRES: at least one.
Result<SwarmSummary> merge_summaries(const std::vector<std::pair<std::string, SwarmSummary>>& in);

}  // namespace banksim
