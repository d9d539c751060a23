// `banksim viz`: draws a trace (from `run --record` or `explore`) as one self-contained
// HTML page, a sequence diagram with a lane per customer and per branch (src/viz/).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"

namespace banksim {

struct VizArgs {
  std::string trace;
  std::string output;  // -o: the page (default: the trace's path with .html)
  int64_t window_steps = 400;
};

CLI::App* add_viz_command(CLI::App& app, VizArgs& args);
CommandResult viz_command(const VizArgs& args);

}  // namespace banksim
