// The gRPC backend's commands: `run --backend grpc` (real processes, concurrent customers)
// and `replay --backend grpc` (the trace scheduler over real branch processes: grpc_replay.cc).
//
// A run starts one `banksim serve` per branch on 127.0.0.1 with port 0 (each child prints
// the port the OS gave it), starts its own DriverService (customers + history) on
// 127.0.0.1:0, tells every branch where its peers and the driver are (Configure RPC), lets
// the customers go, and waits for quiescence. Why the history is causal and quiescence
// exact: see grpc/branch_node.h and grpc/driver_node.h. The result goes through the same
// checkers (check_history) and the same printing (emit_outcome) as a simulated run.
//
// Failure paths, each with a one-line message and no process left behind: a branch process
// exits (noticed within 20 ms), hangs or cannot be reached (RPC deadline --rpc-timeout-ms,
// or no delivery for --timeout-ms), or SIGINT/SIGTERM/SIGHUP arrives. Exit status 3
// (kExitBackendFailed), or 130 when interrupted.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cli/grpc_options.h"
#include "cli/replay_command.h"
#include "cli/run_command.h"
#include "cli/settings.h"
#include "sim/error.h"
#include "sim/history.h"
#include "sim/scenario.h"

namespace banksim {

// `run --backend grpc`, after the scenario and settings are resolved. Prints the outcome.
int run_over_grpc(const RunArgs& args, std::shared_ptr<const Scenario> scenario,
                  const SimSettings& settings);

// `replay --backend grpc`. Prints what the simulated replay prints.
int replay_over_grpc_command(const ReplayArgs& args);

}  // namespace banksim
