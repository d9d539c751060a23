// Stand-ins for the gRPC backend when banksim is built with -DBANKSIM_GRPC=OFF: the
// commands parse as usual and say what is missing.
#include <fmt/format.h>

#include "cli/grpc_options.h"
#include "cli/grpc_run.h"
#include "cli/settings.h"

namespace banksim {

namespace {
int unavailable() {
  fmt::print(stderr,
             "banksim: this banksim was built without the gRPC backend (configure with "
             "-DBANKSIM_GRPC=ON and install libgrpc++-dev protobuf-compiler-grpc)\n");
  return kExitBadInput;
}
}  // namespace

int serve_command(const ServeArgs&) {
  return unavailable();
}
int run_over_grpc(const RunArgs&, std::shared_ptr<const Scenario>, const SimSettings&) {
  return unavailable();
}
int replay_over_grpc_command(const ReplayArgs&) {
  return unavailable();
}

}  // namespace banksim
