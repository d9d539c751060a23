// `banksim run`: one simulated execution of a scenario under the timed scheduler.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/grpc_options.h"
#include "cli/outcome.h"
#include "cli/settings.h"

namespace banksim {

struct RunArgs {
  std::string scenario;
  uint64_t seed = 1;
  SimFlags sim;
  OutputArgs out;
  std::string record;  // --record: save the schedule as a replayable trace
  std::string viz;     // --viz: draw the run as an HTML page (banksim viz)
  bool quiescent_queries = false;
  int64_t max_steps = 100'000'000;
  std::string backend = "sim";  // --backend: sim or grpc
  GrpcTimeouts grpc;
  std::string faults;            // --faults SPEC (sim/fault_spec.h); empty: none
  int64_t give_up_after_ms = 0;  // --give-up-after MS; 0: not given (TimedOptions default)
  // gRPC backend (cli/grpc_run.h).
  std::vector<std::string> kills;  // --kill BRANCH@OPS, repeatable
  int64_t retransmit_ms = 0;       // --retransmit-ms; 0: not given (robust's default)
  bool durable = false;            // --durable: branches keep durable state (fsync'd)
};

CLI::App* add_run_command(CLI::App& app, RunArgs& args);
CommandResult run_command(const RunArgs& args);

}  // namespace banksim
