// `replay --backend grpc`: the conductor. Real branch processes (one per branch, as for a
// gRPC run) are configured "conducted": a branch consumes a message only when the conductor
// delivers it (Deliver RPC), and hands the step's sends and observations back in the reply
// instead of sending anything. The conductor hosts the customers, keeps every message in
// flight, and delivers them one at a time in the trace's order, so the processes go through
// exactly the recorded interleaving.
//
// Message ids are assigned here exactly as World assigns them (a counter in send order:
// the customers' first events, then each step's sends in order), so the trace's schedule
// of ids names the same messages. Times are the trace's (or the step number), the monitor
// is the simulator's, and the printing is replay_command's: the output equals the simulated
// replay's byte for byte (tests/e2e/grpc_replay_test.sh compares them).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cli/grpc_run.h"
#include "cli/outcome.h"
#include "cli/replay_command.h"
#include "cli/report.h"
#include "grpc/branch_client.h"
#include "grpc/message_guard.h"
#include "grpc/wire_convert.h"
#include "orchestration/grpc_cluster.h"
#include "protocol/codec.h"
#include "protocol/customer.h"
#include "sim/monitor.h"
#include "sim/trace.h"

namespace banksim {

namespace {

struct ConductedReplay {
  History history;
  std::vector<Violation> violations;
  std::vector<Money> final_balances;
  uint64_t delivered = 0;
  uint64_t sent = 0;
  int64_t end_time_us = 0;
  bool quiescent = false;
  std::string timeline;
  std::vector<InFlight> in_flight_at_end;
};

struct Failure {
  int status = kExitBackendFailed;
  std::string message;
};

// One pass over the schedule. Returns false and sets *failure on a schedule that does not
// fit (status 2, the simulator's words) or a backend failure (status 3 or 130).
bool conduct(const Trace& t, const std::string& source, GrpcCluster& cluster, bool want_timeline,
             ConductedReplay* r, Failure* failure) {
  const Scenario& s = *t.scenario;
  const BankLayout& layout = *cluster.layout();
  struct Pending {
    uint64_t id;
    Message msg;
    std::string bytes;
  };
  std::vector<Pending> in_flight;  // sorted by id
  uint64_t next_id = 0;
  int64_t write_traffic = 0;
  Monitor monitor(t.scenario.get(), t.checked);
  std::vector<Customer> customers;
  for (int32_t c = 0; c < s.customer_count(); ++c) {
    customers.emplace_back(c, s.branch_count(), s.customers[static_cast<size_t>(c)].events);
  }
  std::vector<std::unique_ptr<BranchClient>> branches;
  for (int32_t b = 0; b < s.branch_count(); ++b) {
    const std::string& address = cluster.addresses()[static_cast<size_t>(b)];
    branches.push_back(
        std::make_unique<BranchClient>(fmt::format("{} at {}", layout.actor_name(b), address),
                                       address, cluster.timeouts().rpc_ms));
  }
  r->history.scenario = t.scenario;

  const bool step_times = t.times_us.empty();
  std::vector<InFlight> sent;
  const auto absorb = [&](const std::vector<Message>& sends, const std::vector<std::string>& bytes,
                          const std::vector<Observation>& observations, int64_t now) {
    sent.clear();
    for (size_t i = 0; i < sends.size(); ++i) {
      in_flight.push_back(Pending{next_id++, sends[i], bytes[i]});
      if (is_write_traffic(sends[i])) write_traffic += 1;
      sent.push_back(InFlight{next_id - 1, sends[i]});
    }
    for (const Observation& o : observations) {
      monitor.observe(o, now, &r->violations);
      r->history.events.push_back(HistoryEvent{now, o});
    }
  };
  const auto backend_failed = [&](const std::string& message) {
    failure->status = kExitBackendFailed;
    failure->message = message;
    // A dead process explains a failed call better than the call does.
    for (int i = 0; i < 20; ++i) {
      if (auto dead = cluster.failure()) {
        failure->message = *dead + " (" + message + ")";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (InterruptWatch::caught() != 0) failure->status = kExitInterrupted;
    return false;
  };

  // Start: every customer issues its first event (World::start).
  {
    Effects fx;
    for (Customer& c : customers) c.start(fx);
    std::vector<std::string> bytes;
    for (const Message& m : fx.sends()) encode_message(m, &bytes.emplace_back());
    absorb(fx.sends(), bytes, fx.observations(), 0);
    if (want_timeline) r->timeline += timeline_start(s, fx.observations(), sent, step_times);
  }

  for (size_t i = 0; i < t.schedule.size(); ++i) {
    if (auto why = cluster.failure()) return backend_failed(*why);
    const uint64_t id = t.schedule[i];
    auto it = std::lower_bound(in_flight.begin(), in_flight.end(), id,
                               [](const Pending& p, uint64_t v) { return p.id < v; });
    if (it == in_flight.end() || it->id != id) {
      failure->status = kExitBadInput;
      failure->message = fmt::format(
          "{}: $.schedule[{}]: message {} is not in flight at this step (the schedule does not "
          "fit its scenario and protocol)",
          source, i, id);
      return false;
    }
    if (t.quiescent_queries && held_by_quiescent_gate(it->msg, write_traffic)) {
      failure->status = kExitBadInput;
      failure->message = fmt::format(
          "{}: $.schedule[{}]: message {} is a query held by quiescent_queries and cannot be "
          "delivered yet",
          source, i, id);
      return false;
    }
    const Pending p = std::move(*it);
    in_flight.erase(it);
    if (is_write_traffic(p.msg)) write_traffic -= 1;
    const int64_t now = t.times_us.empty() ? static_cast<int64_t>(i + 1) : t.times_us[i];

    std::optional<Message> delivered = decode_message(p.bytes);  // the receiver sees the bytes
    if (!delivered || !delivered->same_wire(p.msg)) {
      return backend_failed(fmt::format("message {} does not survive its own encoding", id));
    }
    std::vector<Message> sends;
    std::vector<std::string> bytes;
    std::vector<Observation> observations;
    if (layout.is_branch(delivered->to)) {
      wire::DeliverReply reply;
      std::string error;
      if (!branches[static_cast<size_t>(delivered->to)]->deliver(p.bytes, &reply, &error)) {
        return backend_failed(fmt::format("step {} (message {}): {}", i + 1, id, error));
      }
      auto step = decode_step(reply.effects(), layout, &error);
      if (!step || !step->delivered.same_wire(*delivered) ||
          reply.effects().branch() != delivered->to) {
        return backend_failed(fmt::format("step {} (message {}): {} returned a bad step{}{}", i + 1,
                                          id, layout.actor_name(delivered->to),
                                          error.empty() ? "" : ": ", error));
      }
      sends = std::move(step->sends);
      bytes = std::move(step->send_bytes);
      observations = std::move(step->observations);
    } else {
      Customer& c = customers[static_cast<size_t>(delivered->to - s.branch_count())];
      if (const std::string why = check_customer_message(layout, c, *delivered); !why.empty()) {
        return backend_failed(fmt::format("step {} (message {}): {}", i + 1, id, why));
      }
      Effects fx;
      c.on_message(*delivered, fx);
      sends = fx.sends();
      observations = fx.observations();
      for (const Message& m : sends) encode_message(m, &bytes.emplace_back());
    }
    absorb(sends, bytes, observations, now);
    r->delivered += 1;
    r->end_time_us = now;
    if (want_timeline) {
      r->timeline +=
          timeline_step(s, now, InFlight{id, *delivered}, observations, sent, step_times);
    }
  }
  r->sent = next_id;
  r->quiescent = in_flight.empty();
  for (const Pending& p : in_flight) r->in_flight_at_end.push_back(InFlight{p.id, p.msg});
  if (r->quiescent) {
    r->history.quiescent = true;
    monitor.at_quiescence(r->end_time_us, &r->violations);
  }
  for (const auto& b : branches) {
    wire::BranchStatus status;
    std::string error;
    if (!b->status(&status, &error)) return backend_failed(error);
    r->final_balances.push_back(status.balance());
  }
  return true;
}

int replay_unguarded(const ReplayArgs& args) {
  auto loaded = load_trace_file(args.trace);
  if (!loaded.ok()) {
    fmt::print(stderr, "banksim: {}\n", loaded.error().message);
    return kExitBadInput;
  }
  const Trace& t = loaded.value();
  OutputPlan plan;  // checked before any process starts
  if (!plan_outputs(args.out, &plan)) return kExitBadInput;
  InterruptWatch interrupts;
  std::string error;
  auto cluster = GrpcCluster::start(*t.scenario, t.protocol, args.grpc, &error);
  if (cluster == nullptr || !cluster->configure("", /*conducted=*/true, &error)) {
    if (cluster != nullptr) cluster->stop();
    fmt::print(stderr, "banksim: replay --backend grpc failed: {}\n", error);
    return InterruptWatch::caught() != 0 ? kExitInterrupted : kExitBackendFailed;
  }
  ConductedReplay r;
  Failure failure;
  const bool ok =
      conduct(t, args.trace, *cluster, !args.no_timeline && !args.out.quiet, &r, &failure);
  cluster->stop();
  if (!ok) {
    if (failure.status == kExitBadInput) {
      fmt::print(stderr, "banksim: {}\n", failure.message);
    } else {
      fmt::print(stderr, "banksim: replay --backend grpc failed: {}\n", failure.message);
    }
    return failure.status;
  }

  // From here on, exactly what replay_command prints for the simulator.
  RunFacts facts = replay_facts(args, t);
  facts.delivered = r.delivered;
  facts.sent = r.sent;
  facts.end_time_us = r.end_time_us;
  facts.hit_step_bound = !r.quiescent;
  facts.violations = r.violations;
  facts.final_balances = r.final_balances;
  facts.in_flight_at_end = std::move(r.in_flight_at_end);
  const int status =
      emit_outcome(ExecutionRecord(r.history), facts, args.out, r.timeline,
                   replay_preamble(args, t, r.quiescent), plan, replay_withheld(t, r.violations));
  if (status == kExitBadInput) return status;
  return judge_reproduction(args, t, r.violations, status);
}

}  // namespace

int replay_over_grpc_command(const ReplayArgs& args) {
  return exit_on_resource_failure("banksim: replay --backend grpc failed",
                                  [&] { return replay_unguarded(args); });
}

}  // namespace banksim
