// `banksim replay`: re-executes a saved trace's schedule exactly and prints the same
// timeline, results and violation.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/grpc_options.h"
#include "cli/outcome.h"

namespace banksim {

struct ReplayArgs {
  std::string trace;
  OutputArgs out;
  bool no_timeline = false;
  std::string backend = "sim";
  GrpcTimeouts grpc;
};

CLI::App* add_replay_command(CLI::App& app, ReplayArgs& args);
int replay_command(const ReplayArgs& args);

}  // namespace banksim
