// `banksim replay`: re-executes a saved trace's schedule exactly and prints the same
// timeline, results and violation.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/grpc_options.h"
#include "cli/outcome.h"
#include "cli/output_plan.h"
#include "sim/executor.h"
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

// Every backend's replay: the trace scheduler (replay_trace) over `executor` (nullptr: in
// process), then the report. A schedule that does not fit exits 2; a failed executor is
// reported by `backend_failed(why)`, which returns the exit status. `plan` was checked
// before the executor was set up.
int replay_over(const ReplayArgs& args, const Trace& t, OutputPlan& plan, Executor* executor,
                const std::function<int(const std::string&)>& backend_failed);

}  // namespace banksim
