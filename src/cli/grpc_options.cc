#include "cli/grpc_options.h"

namespace banksim {

void add_grpc_timeout_flags(CLI::App& cmd, GrpcTimeouts& t) {
  cmd.add_option("--timeout-ms", t.idle_ms,
                 "gRPC backend: fail when no message is delivered for this many milliseconds "
                 "(a dead or hung branch; default 5000)")
      ->check(CLI::Range(int64_t{1}, int64_t{600'000}));
  cmd.add_option("--rpc-timeout-ms", t.rpc_ms,
                 "gRPC backend: deadline of every RPC in milliseconds (default 2000)")
      ->check(CLI::Range(int64_t{1}, int64_t{600'000}));
}

bool grpc_backend_built() {
#ifdef BANKSIM_HAVE_GRPC
  return true;
#else
  return false;
#endif
}

}  // namespace banksim
