// Command-line options of the gRPC backend, shared by `run --backend grpc`, `replay
// --backend grpc` and `serve`. Compiled with or without gRPC (BANKSIM_GRPC), so the
// commands always parse the same flags and say clearly when the backend is missing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"
#include "orchestration/grpc_timeouts.h"

namespace banksim {

// kExitBackendFailed (a gRPC execution that could not finish: a branch process died, hung,
// or a message could not be delivered) and kExitInterrupted (SIGINT/SIGTERM/SIGHUP; every
// process it started is gone) are in cli/exit_status.h with the other statuses.

// The process boundary of a gRPC command: runs `body` and turns running out of threads or
// memory (std::system_error, std::bad_alloc) into one line on stderr, "PREFIX: out of
// resources: WHAT", and kExitBackendFailed, never an abort.
int exit_on_resource_failure(const std::string& prefix, const std::function<int()>& body);

// Adds --timeout-ms and --rpc-timeout-ms.
void add_grpc_timeout_flags(CLI::App& cmd, GrpcTimeouts& t);
// True when banksim was built with the gRPC backend.
bool grpc_backend_built();

struct ServeArgs {
  int64_t branch = 0;
  std::string scenario;
  std::string protocol;                // empty: the scenario's, else sync
  std::string listen = "127.0.0.1:0";  // port 0: the OS chooses
  bool allow_remote = false;           // listen on a non-loopback address
  std::string peers;                   // ID=HOST:PORT,... (else the Configure RPC)
  std::string driver;                  // HOST:PORT of the driver (else the Configure RPC)
  bool conducted = false;              // with --peers/--driver: hand steps back (replay)
  int64_t rpc_timeout_ms = 2000;
  std::string data_dir;  // keep the durable state here (empty: none)
};

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);
// Runs one branch process until SIGINT/SIGTERM/SIGHUP. Defined in grpc_serve.cc (or
// grpc_unavailable.cc without gRPC).
int serve_command(const ServeArgs& args);

}  // namespace banksim
