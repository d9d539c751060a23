#include "cli/grpc_run.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

// Test hook: BANKSIM_TEST_FORGET_ON_KILL=1 removes a killed branch's durable file before
// its restart, so tests can see a run whose branch comes back with nothing fail.
bool testing_forget_on_kill() {
  const char* v = std::getenv("BANKSIM_TEST_FORGET_ON_KILL");
  return v != nullptr && std::string_view(v) == "1";
}

struct KillPoint {
  int32_t branch = 0;  // index
  uint64_t ops = 0;
  std::string spec;
};

// --kill BRANCH@OPS, each checked against the scenario. Nullopt after printing the refusal.
std::optional<std::vector<KillPoint>> parse_kills(const RunArgs& args, const Scenario& scenario,
                                                  const SimSettings& settings) {
  std::vector<KillPoint> out;
  if (args.kills.empty()) return out;
  const auto refuse = [](const std::string& why) {
    fmt::print(stderr, "banksim: {}\n", why);
    return std::nullopt;
  };
  if (settings.protocol != ProtocolKind::kRobust) {
    return refuse(fmt::format(
        "--kill: protocol {} does not survive a killed branch (it neither retransmits nor "
        "remembers replies); use --protocol robust",
        protocol_name(settings.protocol)));
  }
  const auto total = static_cast<uint64_t>(scenario.event_total());
  for (const std::string& spec : args.kills) {
    const size_t at = spec.find('@');
    int64_t id = 0;
    uint64_t ops = 0;
    const auto whole = [](const std::string& t, auto* v) {
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
      return !t.empty() && ec == std::errc() && end == t.data() + t.size();
    };
    if (at == std::string::npos || !whole(spec.substr(0, at), &id) ||
        !whole(spec.substr(at + 1), &ops)) {
      return refuse(fmt::format(
          "--kill {}: expected BRANCH@OPS (a branch id and a number of answered operations, "
          "e.g. 2@1000)",
          spec.substr(0, kEchoMaxBytes)));
    }
    int32_t index = -1;
    for (int32_t b = 0; b < scenario.branch_count(); ++b) {
      if (scenario.branches[static_cast<size_t>(b)].id == id) index = b;
    }
    if (index < 0) {
      return refuse(fmt::format("--kill {}: the scenario has no branch {}", spec, id));
    }
    if (ops < 1 || ops > total) {
      return refuse(
          fmt::format("--kill {}: OPS must be 1..{} (the scenario's operations)", spec, total));
    }
    out.push_back(KillPoint{index, ops, spec});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KillPoint& a, const KillPoint& b) { return a.ops < b.ops; });
  return out;
}

int run_unguarded(const RunArgs& args, std::shared_ptr<const Scenario> scenario,
                  const SimSettings& settings) {
  const bool robust = settings.protocol == ProtocolKind::kRobust;
  const auto kills = parse_kills(args, *scenario, settings);
  if (!kills) return kExitBadInput;
  if (args.retransmit_ms > 0 && !robust) {
    fmt::print(stderr,
               "banksim: --retransmit-ms: only the robust protocol retransmits (this run's is "
               "{})\n",
               protocol_name(settings.protocol));
    return kExitBadInput;
  }
  if (robust && args.quiescent_queries) {
    fmt::print(stderr,
               "banksim: --quiescent-queries: not with --backend grpc --protocol robust (its "
               "driver counts no messages in flight: retransmissions repeat them)\n");
    return kExitBadInput;
  }
  const int64_t retransmit_ms = args.retransmit_ms > 0 ? args.retransmit_ms : kDefaultRetransmitMs;
  if (robust && retransmit_ms > args.grpc.idle_ms / 2) {
    fmt::print(stderr,
               "banksim: --retransmit-ms {}: at most half of --timeout-ms ({}): what a killed "
               "branch lost must be resent before the run is judged stalled\n",
               retransmit_ms, args.grpc.idle_ms);
    return kExitBadInput;
  }
  const bool durable = args.durable || !kills->empty();
  if (!args.record.empty()) {
    fmt::print(stderr,
               "banksim: --record: a gRPC run has no replayable schedule; record a simulated "
               "run, then 'banksim replay TRACE --backend grpc'\n");
    return kExitBadInput;
  }
  InterruptWatch interrupts;
  std::string error;
  auto cluster =
      GrpcCluster::start(*scenario, settings.protocol, args.grpc, &error, durable, retransmit_ms);
  if (cluster == nullptr) return fail("run", error);

  DriverNode driver(cluster->layout(),
                    DriverNodeOptions{.quiescent_queries = args.quiescent_queries,
                                      .rpc_timeout_ms = args.grpc.rpc_ms,
                                      .robust = robust,
                                      .retransmit_ms = retransmit_ms});
  int port = 0;
  if (!driver.start("127.0.0.1:0", &port, &error)) return fail("run", error);
  if (!cluster->configure(fmt::format("127.0.0.1:{}", port), /*conducted=*/false, &error)) {
    return fail("run", cluster->failure().value_or(error));
  }
  // --kill: polled by wait() (woken as soon as the next kill point is reached).
  size_t next_kill = 0;
  uint64_t killed_steps = 0;  // deliveries of killed processes
  std::vector<std::string> kill_lines;
  if (!kills->empty()) driver.watch_answered((*kills)[0].ops);
  const auto kill_due = [&]() -> std::optional<std::string> {
    while (next_kill < kills->size() && driver.answered() >= (*kills)[next_kill].ops) {
      const KillPoint& k = (*kills)[next_kill];
      const uint64_t answered = driver.answered();
      const auto t0 = std::chrono::steady_clock::now();
      // Its deliveries so far, for the count of messages delivered (the few it takes between
      // this read and the signal are not counted).
      {
        const std::string& address = cluster->addresses()[static_cast<size_t>(k.branch)];
        BranchClient client(address, address, args.grpc.rpc_ms);
        wire::BranchStatus st;
        std::string ignored;
        if (client.status(&st, &ignored)) killed_steps += st.steps();
      }
      cluster->kill_branch(k.branch);
      if (testing_forget_on_kill()) {
        std::error_code ignored;
        std::filesystem::remove(fmt::format("{}/branch-{}.durable", cluster->data_dir(),
                                            scenario->branches[static_cast<size_t>(k.branch)].id),
                                ignored);
      }
      std::string why;
      if (!cluster->restart_branch(k.branch, &why)) {
        return fmt::format("--kill {}: {} did not come back: {}", k.spec,
                           cluster->layout()->actor_name(k.branch), why);
      }
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
      kill_lines.push_back(fmt::format(
          "kill {}: {} SIGKILLed at {} answered operations ({} asked), back from its durable "
          "state {} ms later",
          next_kill + 1, cluster->layout()->actor_name(k.branch), answered, k.ops, ms));
      driver.note_progress();
      next_kill += 1;
      if (next_kill < kills->size()) driver.watch_answered((*kills)[next_kill].ops);
    }
    return cluster->failure();
  };
  // Robust: settled once no branch has anything left to propagate, hold or apply, and the
  // driver has every report.
  const auto settled = [&]() {
    for (int32_t b = 0; b < scenario->branch_count(); ++b) {
      const std::string& address = cluster->addresses()[static_cast<size_t>(b)];
      BranchClient client(fmt::format("{} at {}", cluster->layout()->actor_name(b), address),
                          address, args.grpc.rpc_ms);
      wire::BranchStatus st;
      std::string ignored;
      if (!client.status(&st, &ignored)) return false;
      if (st.unacked() != 0 || st.held_requests() != 0 || st.buffered_delta() != 0) return false;
      // Every report it made is taken (without durable state they ride its stream, and may
      // still be on the way when the ack that followed them has arrived).
      if (driver.reports_taken(b) != st.reported()) return false;
    }
    return true;
  };
  driver.start_customers(cluster->addresses());
  const DriverNode::WaitResult waited =
      robust ? driver.wait(args.grpc.idle_ms, kill_due, settled)
             : driver.wait(args.grpc.idle_ms, [&] { return cluster->failure(); });
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
    if (robust) facts.delivered += status.steps();  // the driver counted only its replies
  }
  if (robust) facts.delivered += killed_steps;
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
  int status = emit_outcome(h, facts, args.out, /*timeline=*/"");
  if (args.out.output != "-") {
    fmt::print("speed: {}\n", speed_text(driver.latencies_us(), facts.end_time_us));
    if (!robust && durable) {
      fmt::print("durable state fsync'd in a temporary data directory (removed at the end)\n");
    }
    if (robust) {
      fmt::print("robust: retransmission after {} ms: {} customer retransmission{}; {}\n",
                 retransmit_ms, driver.retransmissions(), driver.retransmissions() == 1 ? "" : "s",
                 durable ? "durable state fsync'd in a temporary data directory (removed at the "
                           "end)"
                         : "no durable state (--durable or --kill keeps it)");
      for (const std::string& line : kill_lines) fmt::print("{}\n", line);
      if (!kill_lines.empty()) {
        fmt::print(
            "restarted branches sent {} saved report(s) again (ignored: taken before); messages "
            "delivered counts a killed process's deliveries as read just before the signal\n",
            driver.repeated_reports());
      }
    }
  }
  // Checked here from what the customers were told, apart from the history checkers: every
  // branch ends at its initial balance plus the writes acknowledged as successful.
  if (robust) {
    Money acknowledged = 0;
    int64_t count = 0;
    for (const HistoryEvent& e : h.events) {
      if (e.obs.kind != ObservationKind::kReply || !e.obs.success || !is_write(e.obs.iface)) {
        continue;
      }
      acknowledged += e.obs.iface == Interface::kDeposit ? e.obs.money : -e.obs.money;
      count += 1;
    }
    std::string bad;
    for (int32_t b = 0; b < scenario->branch_count(); ++b) {
      const BranchSpec& spec = scenario->branches[static_cast<size_t>(b)];
      const Money want = spec.balance + acknowledged;
      if (facts.final_balances[static_cast<size_t>(b)] != want && bad.empty()) {
        bad = fmt::format("branch {} ends at {}, not {}", spec.id,
                          facts.final_balances[static_cast<size_t>(b)], want);
      }
    }
    const std::string line = fmt::format(
        "acknowledged writes: {} successful, net {:+}; {}", count, acknowledged,
        bad.empty() ? "every branch ends at its initial balance plus them" : "LOST: " + bad);
    fmt::print(args.out.output != "-" ? stdout : stderr, "{}\n", line);
    if (!bad.empty() && status == kExitOk) status = kExitViolation;
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
