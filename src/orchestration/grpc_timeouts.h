// How long a gRPC execution waits: for a step (a dead or hung branch) and for one RPC. Set
// by the commands' --timeout-ms and --rpc-timeout-ms (cli/grpc_options.h), used by
// GrpcCluster and the drivers. Compiled with or without gRPC.
#pragma once

#include <cstdint>

namespace banksim {

struct GrpcTimeouts {
  int64_t idle_ms = 5000;  // --timeout-ms: fail when nothing happens for this long
  int64_t rpc_ms = 2000;   // --rpc-timeout-ms: deadline of every RPC
};

}  // namespace banksim
