// `banksim replay`: re-executes a saved trace's schedule exactly and prints the same
// timeline, results and violation.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/grpc_options.h"
#include "cli/outcome.h"
#include "sim/trace.h"

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

// What every backend's replay prints before the outcome: the trace, where it came from
// (echoed escaped and capped: a trace is input), and the violation it records.
std::string replay_preamble(const ReplayArgs& args, const Trace& t, bool quiescent);
// The facts a replay of `t` reports besides its history (the caller adds the counts,
// violations, balances and what is in flight at the end).
RunFacts replay_facts(const ReplayArgs& args, const Trace& t);
// Empty when the replay found the violation `t` records (or it records none), else why
// its output files are withheld.
std::string replay_withheld(const Trace& t, const std::vector<Violation>& found);
// After the outcome is printed: whether the recorded violation was reproduced among
// `found`. Returns the command's exit status (`status` when reproduced or none recorded).
int judge_reproduction(const ReplayArgs& args, const Trace& t, const std::vector<Violation>& found,
                       int status);

}  // namespace banksim
