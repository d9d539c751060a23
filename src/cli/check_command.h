// `banksim check`: judges another implementation's output (a seed output form, or
// banksim's own history) against the seed input it ran, from what its customers observed
// (sim/output_judge.h). Prints one verdict per property: held, violated (naming the
// events), not judged (and why) or undecided (the search bound was hit).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"

namespace banksim {

struct CheckArgs {
  std::string input;     // the scenario (any seed input form)
  std::string output;    // the output to judge
  std::string format;    // empty: recognised from the content
  std::string protocol;  // empty: the scenario's, else not known
  bool settled = false;  // untimed forms: queries after a customer's last write are final
  int64_t search_nodes = 1'000'000;
};

CLI::App* add_check_command(CLI::App& app, CheckArgs& args);
// Exit status: 0 nothing violated (held, not judged or undecided), 1 a property is
// violated, 2 bad input.
CommandResult check_command(const CheckArgs& args);

}  // namespace banksim
