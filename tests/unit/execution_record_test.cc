// ExecutionRecord: fed the observations of a run step by step (as `banksim run` does,
// without a History) it yields the same per-event outcomes, results in every format and
// summary as the History of the same run; it keeps the observations only when asked;
// a write's balance comes from its serve, not from its reply (which carries 0).
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cli/execution_record.h"
#include "cli/report.h"
#include "shipped_scenarios.h"
#include "sim/scenario.h"
#include "sim/timed_run.h"
#include "sim/world.h"

using banksim::EventOutcome;
using banksim::ExecutionRecord;
using banksim::History;
using banksim::Interface;
using banksim::Observation;
using banksim::ObservationKind;
using banksim::OutputFormat;
using banksim::ProtocolKind;
using banksim::RunFacts;
using banksim::Scenario;
using banksim::TimedOptions;
using banksim::TimedResult;
using banksim::World;
using banksim::WorldOptions;
using banksim::testing::load_shipped;
using banksim::testing::shipped_scenario_names;

namespace {

RunFacts facts_of(const TimedResult& r, ProtocolKind p) {
  RunFacts f;
  f.source = "test";
  f.protocol = p;
  f.delivered = r.world.delivered();
  f.sent = r.world.sent();
  f.end_time_us = r.end_time_us;
  f.hit_step_bound = r.hit_step_bound;
  f.violations = r.world.violations();
  for (const auto& b : r.world.branches()) f.final_balances.push_back(b.balance());
  return f;
}

Observation obs(ObservationKind kind, Interface iface, bool success, int32_t branch,
                banksim::Money balance) {
  return Observation{.kind = kind,
                     .iface = iface,
                     .success = success,
                     .customer = 0,
                     .event = 0,
                     .branch = branch,
                     .money = 30,
                     .balance = balance};
}

}  // namespace

TEST_CASE("execution record: streamed outcomes equal the History's, every scenario") {
  constexpr ProtocolKind kProtocols[] = {ProtocolKind::kSync, ProtocolKind::kAsync,
                                         ProtocolKind::kSession};
  for (const std::string& name : shipped_scenario_names()) {
    const auto scenario = load_shipped(name);
    for (const ProtocolKind p : kProtocols) {
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        for (const bool keep : {false, true}) {
          CAPTURE(name);
          CAPTURE(seed);
          CAPTURE(keep);
          ExecutionRecord streamed(scenario, keep);
          TimedOptions to;
          to.seed = seed;
          to.max_steps = seed == 3 ? 7 : 100'000;  // seed 3: ends before quiescence
          to.on_start = [&](const World& w) { streamed.observe(0, w.last_observations()); };
          to.on_step = [&](const World& w, int64_t now) {
            streamed.observe(now, w.last_observations());
          };
          // The History of the same run, kept by the World as before.
          const TimedResult r = run_timed(scenario, WorldOptions{.protocol = p}, to);
          streamed.set_quiescent(!r.hit_step_bound);
          const History& h = r.world.history();

          CHECK(streamed.has_history() == keep);
          CHECK(streamed.observations() == h.events.size());
          CHECK(streamed.quiescent() == h.quiescent);
          CHECK(streamed.outcomes() == banksim::event_outcomes(h));
          if (keep) CHECK(streamed.history().events == h.events);
          const RunFacts f = facts_of(r, p);
          for (const OutputFormat fmt :
               {OutputFormat::kRecv, OutputFormat::kBalance, OutputFormat::kEvents}) {
            CHECK(banksim::results_json(streamed, f, fmt) == banksim::results_json(h, f, fmt));
            CHECK(banksim::results_text(streamed, f, fmt) ==
                  banksim::results_json(h, f, fmt).dump(2) + "\n");
          }
          if (keep) {
            CHECK(banksim::results_json(streamed, f, OutputFormat::kJson) ==
                  banksim::results_json(h, f, OutputFormat::kJson));
          }
          CHECK(banksim::summary_text(streamed, f) == banksim::summary_text(h, f));
        }
      }
    }
  }
}

TEST_CASE("execution record: a write's balance is its serve's; a query's is its reply's") {
  auto s = std::make_shared<Scenario>();
  s->branches = {{.id = 1, .balance = 100}, {.id = 2, .balance = 100}};
  s->customers = {{.id = 7,
                   .events = {{.id = 1, .iface = Interface::kDeposit, .money = 30, .branch = 1},
                              {.id = 2, .iface = Interface::kQuery, .money = 0, .branch = 0}}}};
  s->finalize();
  ExecutionRecord r(s, /*keep_history=*/false);
  r.observe(10, obs(ObservationKind::kIssue, Interface::kDeposit, false, 1, 0));
  r.observe(20, obs(ObservationKind::kServe, Interface::kDeposit, true, 1, 130));
  r.observe(20, obs(ObservationKind::kApply, Interface::kDeposit, true, 1, 130));
  // On the wire a write's reply carries its result only: money 0.
  r.observe(35, obs(ObservationKind::kReply, Interface::kDeposit, true, 1, 0));
  const EventOutcome& w = r.outcomes()[0][0];
  CHECK(w.issued);
  CHECK(w.answered);
  CHECK(w.success);
  CHECK(w.branch == 1);
  CHECK(w.balance == 130);
  CHECK(w.issued_us == 10);
  CHECK(w.replied_us == 35);
  CHECK_FALSE(r.outcomes()[0][1].issued);

  Observation q = obs(ObservationKind::kIssue, Interface::kQuery, false, 0, 0);
  q.event = 1;
  r.observe(40, q);
  q.kind = ObservationKind::kServe;
  q.success = true;
  q.balance = 100;
  r.observe(45, q);
  q.kind = ObservationKind::kReply;
  r.observe(50, q);
  CHECK(r.outcomes()[0][1].balance == 100);
  CHECK(r.outcomes()[0][1].answered);
  CHECK(r.observations() == 7);
  CHECK_FALSE(r.has_history());
  CHECK(r.history().events.empty());  // nothing kept
}

TEST_CASE("world: fingerprint off changes nothing a run observes") {
  const auto scenario = load_shipped("moving-customer-3-branches.json");
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    TimedOptions to;
    to.seed = 5;
    const TimedResult a = run_timed(scenario, WorldOptions{.protocol = p}, to);
    const TimedResult b =
        run_timed(scenario, WorldOptions{.protocol = p, .fingerprint = false}, to);
    CHECK(a.world.history().events == b.world.history().events);
    CHECK(a.world.delivered() == b.world.delivered());
    CHECK(a.end_time_us == b.end_time_us);
    CHECK(b.world.money_conserved());
  }
}

TEST_CASE("world: without keep_every_violation, the first of each property and every count") {
  // Async: a customer that writes at one branch and reads at another breaks
  // read-your-writes (and monotonic writes) again and again.
  auto moving = std::make_shared<Scenario>();
  moving->branches = {
      {.id = 1, .balance = 100}, {.id = 2, .balance = 100}, {.id = 3, .balance = 100}};
  for (int64_t c = 1; c <= 2; ++c) {
    banksim::CustomerSpec spec{.id = c, .events = {}};
    for (int32_t e = 0; e < 30; ++e) {
      spec.events.push_back(
          banksim::Event{.id = e + 1,
                         .iface = e % 2 == 0 ? Interface::kDeposit : Interface::kQuery,
                         .money = e % 2 == 0 ? 10 : 0,
                         .branch = e % 3});
    }
    moving->customers.push_back(spec);
  }
  moving->finalize();
  const std::shared_ptr<const Scenario> scenario = moving;
  bool saw_many = false;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    TimedOptions to;
    to.seed = seed;
    to.network.fifo = false;
    to.network.latency = banksim::LatencyModel{
        .kind = banksim::LatencyModel::Kind::kUniform, .a_us = 100, .b_us = 10000};
    const TimedResult all = run_timed(scenario, WorldOptions{.protocol = ProtocolKind::kAsync}, to);
    const TimedResult few = run_timed(
        scenario, WorldOptions{.protocol = ProtocolKind::kAsync, .keep_every_violation = false},
        to);
    const auto& va = all.world.violations();
    const auto& vf = few.world.violations();
    CHECK(vf.size() <= static_cast<size_t>(banksim::kPropertyCount));
    if (va.size() > vf.size()) saw_many = true;
    // The kept ones are the first of each property, in the order found.
    std::vector<const banksim::Violation*> firsts;
    for (const auto& v : va) {
      bool seen = false;
      for (const auto* f : firsts) seen = seen || f->property == v.property;
      if (!seen) firsts.push_back(&v);
    }
    REQUIRE(vf.size() == firsts.size());
    for (size_t i = 0; i < vf.size(); ++i) {
      CHECK(vf[i].property == firsts[i]->property);
      CHECK(vf[i].detail == firsts[i]->detail);
      CHECK(vf[i].time_us == firsts[i]->time_us);
    }
    for (int p = 0; p < banksim::kPropertyCount; ++p) {
      const auto prop = static_cast<banksim::Property>(p);
      const auto n = static_cast<uint64_t>(std::count_if(
          va.begin(), va.end(), [&](const banksim::Violation& v) { return v.property == prop; }));
      CHECK(few.world.violation_count(prop) == n);
      CHECK(all.world.violation_count(prop) == n);
    }
    // Printed with the counts, the few print exactly as the whole list.
    ExecutionRecord with_counts(scenario, false);
    std::vector<uint64_t> counts;
    for (int p = 0; p < banksim::kPropertyCount; ++p) {
      counts.push_back(few.world.violation_count(static_cast<banksim::Property>(p)));
    }
    with_counts.set_violation_counts(counts);
    const RunFacts fa = facts_of(all, ProtocolKind::kAsync);
    const RunFacts ff = facts_of(few, ProtocolKind::kAsync);
    CHECK(banksim::property_table(with_counts, ff) == banksim::property_table(fa));
  }
  CHECK(saw_many);  // the scenario does exercise dropping
}
