// `banksim explore`: exhaustive interleaving check of a scenario; on a violation, the
// shortest schedule found is written as a trace and the replay command is printed.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/settings.h"

namespace banksim {

struct ExploreArgs {
  std::string scenario;
  SimFlags sim;
  std::optional<int64_t> max_depth;  // unset: no bound
  uint64_t max_states = 500'000'000;
  bool no_reduction = false;
  bool no_compare = false;
  bool keep_going = false;
  bool no_minimize = false;
  std::string strategy = "dfs";
  std::optional<uint64_t> walks;  // --strategy random only; default 1000
  std::optional<uint64_t> seed;   // --strategy random only; default 1
  std::string trace_out;
  bool quiet = false;
};

CLI::App* add_explore_command(CLI::App& app, ExploreArgs& args);
int explore_command(const ExploreArgs& args);

}  // namespace banksim
