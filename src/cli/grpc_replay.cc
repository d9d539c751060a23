// `replay --backend grpc`: the ordinary trace scheduler (replay_trace) over a RemoteExecutor
// (src/orchestration/remote_executor.h): real branch processes, one per branch as for a gRPC
// run, configured "conducted", each performing a step only when the World delivers it. The
// World assigns the message ids, keeps the messages in flight and feeds the monitor; the
// report is replay_over()'s, so the output equals the simulated replay's byte for byte
// (tests/e2e/grpc_replay_test.sh compares them). Final balances come from the processes.
// Robust traces: a branch's retransmission timer fires in its process (FireTimer RPC), a
// customer's here (tests/e2e/grpc_robust_test.sh).
#include <fmt/format.h>

#include "cli/grpc_run.h"
#include "cli/outcome.h"
#include "cli/replay_command.h"
#include "orchestration/grpc_cluster.h"
#include "orchestration/remote_executor.h"
#include "sim/trace.h"

namespace banksim {

namespace {

// Crash and restart steps in a schedule.
size_t crash_steps(const std::vector<uint64_t>& schedule) {
  size_t n = 0;
  for (uint64_t step : schedule) {
    if (!is_fault_step(step)) continue;
    const ChoiceKind k = unpack_choice(step).kind;
    n += k == ChoiceKind::kCrash || k == ChoiceKind::kRestart ? 1 : 0;
  }
  return n;
}

int replay_unguarded(const ReplayArgs& args) {
  auto loaded = load_trace_file(args.trace);
  if (!loaded.ok()) {
    fmt::print(stderr, "banksim: {}\n", loaded.error().message);
    return kExitBadInput;
  }
  const Trace& t = loaded.value();
  OutputPlan plan;  // checked before any process starts
  if (Status planned = plan_output_files(args.out, plan); !planned.ok()) {
    return report_error(planned.error());
  }
  InterruptWatch interrupts;
  std::string error;
  // Branches that crash and restart keep their durable state in a data directory of the
  // run's own (removed with the cluster); a trace without crashes needs none.
  const bool crashes = crash_steps(t.schedule) > 0;
  auto cluster = GrpcCluster::start(*t.scenario, t.protocol, args.grpc, &error, crashes);
  if (cluster == nullptr || !cluster->configure("", /*conducted=*/true, &error)) {
    if (cluster != nullptr) cluster->stop();
    fmt::print(stderr, "banksim: replay --backend grpc failed: {}\n", error);
    return InterruptWatch::caught() != 0 ? kExitInterrupted : kExitBackendFailed;
  }
  RemoteExecutor executor(*cluster);
  const int status = replay_over(args, t, plan, &executor, [&](const std::string& why) {
    cluster->stop();
    fmt::print(stderr, "banksim: replay --backend grpc failed: {}\n", why);
    return executor.interrupted() ? kExitInterrupted : kExitBackendFailed;
  });
  cluster->stop();
  return status;
}

}  // namespace

int replay_over_grpc_command(const ReplayArgs& args) {
  return exit_on_resource_failure("banksim: replay --backend grpc failed",
                                  [&] { return replay_unguarded(args); });
}

}  // namespace banksim
