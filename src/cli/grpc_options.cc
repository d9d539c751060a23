#include "cli/grpc_options.h"

#include <cstdio>
#include <new>
#include <system_error>

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

int exit_on_resource_failure(const std::string& prefix, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "%s: out of resources: %s\n", prefix.c_str(), e.what());
  } catch (const std::bad_alloc& e) {
    std::fprintf(stderr, "%s: out of resources: out of memory (%s)\n", prefix.c_str(), e.what());
  }
  return kExitBackendFailed;
}

bool grpc_backend_built() {
#ifdef BANKSIM_HAVE_GRPC
  return true;
#else
  return false;
#endif
}

}  // namespace banksim
