#include "cli/grpc_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "cli/outcome.h"
#include "cli/report.h"
#include "grpc/branch_client.h"
#include "grpc/driver_node.h"
#include "orchestration/grpc_cluster.h"
#include "sim/monitor.h"

namespace banksim {

namespace {

int fail(const std::string& command, const std::string& message) {
  fmt::print(stderr, "banksim: {} --backend grpc failed: {}\n", command, message);
  return InterruptWatch::caught() != 0 ? kExitInterrupted : kExitBackendFailed;
}

// A fault often reaches us a moment before the death that caused it is visible (a killed
// process closes its sockets before it becomes a zombie): look for one for up to 200 ms.
std::optional<std::string> dead_branch(GrpcCluster& cluster) {
  for (int i = 0; i < 20; ++i) {
    if (auto dead = cluster.failure()) return dead;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

// "3000 operations in 412345 us: 7275 operations/s; latency median 402 us, p99 1210 us".
std::string speed_text(std::vector<int64_t> latencies_us, int64_t elapsed_us) {
  const size_t n = latencies_us.size();
  if (n == 0 || elapsed_us <= 0) return "no customer operation answered";
  std::sort(latencies_us.begin(), latencies_us.end());
  const auto at = [&](size_t per_mille) { return latencies_us[(n - 1) * per_mille / 1000]; };
  return fmt::format("{} operations in {} us: {} operations/s; latency median {} us, p99 {} us", n,
                     elapsed_us, static_cast<int64_t>(n * 1'000'000 / elapsed_us), at(500),
                     at(990));
}

int run_unguarded(const RunArgs& args, std::shared_ptr<const Scenario> scenario,
                  const SimSettings& settings) {
  if (settings.protocol == ProtocolKind::kRobust) {
    fmt::print(stderr,
               "banksim: --protocol robust: not available with --backend grpc yet (its "
               "retransmission timers run in the simulator only); use --backend sim\n");
    return kExitBadInput;
  }
  if (!args.record.empty()) {
    fmt::print(stderr,
               "banksim: --record: a gRPC run has no replayable schedule; record a simulated "
               "run, then 'banksim replay TRACE --backend grpc'\n");
    return kExitBadInput;
  }
  InterruptWatch interrupts;
  std::string error;
  auto cluster = GrpcCluster::start(*scenario, settings.protocol, args.grpc, &error);
  if (cluster == nullptr) return fail("run", error);

  DriverNode driver(cluster->layout(),
                    DriverNodeOptions{.quiescent_queries = args.quiescent_queries,
                                      .rpc_timeout_ms = args.grpc.rpc_ms});
  int port = 0;
  if (!driver.start("127.0.0.1:0", &port, &error)) return fail("run", error);
  if (!cluster->configure(fmt::format("127.0.0.1:{}", port), /*conducted=*/false, &error)) {
    return fail("run", cluster->failure().value_or(error));
  }
  driver.start_customers(cluster->addresses());
  const DriverNode::WaitResult waited =
      driver.wait(args.grpc.idle_ms, [&] { return cluster->failure(); });
  if (waited.outcome != DriverNode::Outcome::kQuiescent) {
    // A dead process explains a stall or a failed send better than the symptom does.
    std::string message = waited.message;
    if (waited.outcome != DriverNode::Outcome::kCancelled) {
      if (auto dead = dead_branch(*cluster)) message = *dead + " (" + message + ")";
    }
    cluster->stop();  // first: a dying run's branches have nothing more to say
    driver.shutdown();
    return fail("run", message);
  }

  RunFacts facts{.source = args.scenario,
                 .command = "run",
                 .protocol = settings.protocol,
                 .seed = 0,
                 .network = {},
                 .quiescent_queries = args.quiescent_queries,
                 .delivered = driver.delivered(),
                 .sent = driver.sent(),
                 .end_time_us = driver.elapsed_us(),
                 .hit_step_bound = false,
                 .checked = settings.checked,
                 .violations = {},
                 .final_balances = {},
                 .backend = "grpc",
                 .protocol_note = settings.protocol_note,
                 .step_times = false,
                 .in_flight_at_end = {},
                 .give_up_us = 0,
                 .gave_up = {},
                 .give_up_note = {}};
  for (int32_t b = 0; b < scenario->branch_count(); ++b) {
    const std::string& address = cluster->addresses()[static_cast<size_t>(b)];
    BranchClient client(fmt::format("{} at {}", cluster->layout()->actor_name(b), address), address,
                        args.grpc.rpc_ms);
    wire::BranchStatus status;
    if (!client.status(&status, &error)) return fail("run", error);
    facts.final_balances.push_back(status.balance());
  }
  History h;
  h.scenario = scenario;
  h.quiescent = true;
  for (const TimedObservation& o : driver.observations()) {
    h.events.push_back(HistoryEvent{o.time_us, o.obs});
  }
  // Branches first: while they stop, the driver still answers their last fault reports
  // (a stopping peer ends its streams), so none of them complains on stderr.
  cluster->stop();
  driver.shutdown();
  facts.violations = check_history(h, settings.checked);
  const int status = emit_outcome(h, facts, args.out, /*timeline=*/"");
  if (args.out.output != "-") {
    fmt::print("speed: {}\n", speed_text(driver.latencies_us(), facts.end_time_us));
  }
  return status;
}

}  // namespace

int run_over_grpc(const RunArgs& args, std::shared_ptr<const Scenario> scenario,
                  const SimSettings& settings) {
  return exit_on_resource_failure("banksim: run --backend grpc failed", [&] {
    return run_unguarded(args, std::move(scenario), settings);
  });
}

}  // namespace banksim
