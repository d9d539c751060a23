// The property checkers over hand-built histories: for each of the six properties a
// history that must fail it (and the violation names the right events, by index in
// EventRef and by user-facing id in the detail) and one that must pass; each checker
// reports only its own property; quiescence properties are not judged mid-run.
//
// Scenarios use ids unlike their indices (branches 10/20/30, customers 7/8, events 41...)
// so a mix-up between ids and indices shows.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/history.h"
#include "sim/monitor.h"
#include "sim/scenario.h"

using banksim::EventRef;
using banksim::History;
using banksim::HistoryEvent;
using banksim::Interface;
using banksim::is_write;
using banksim::Money;
using banksim::Observation;
using banksim::ObservationKind;
using banksim::Property;
using banksim::PropertySet;
using banksim::Scenario;
using banksim::Violation;

namespace {

// Builds a history observation by observation, keeping each branch's balance the way a
// real run would, so balances in the observations are consistent with the writes.
class HistoryBuilder {
 public:
  explicit HistoryBuilder(const std::string& json) {
    auto r = banksim::parse_scenario_text(json, "test");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    scenario_ = std::make_shared<const Scenario>(r.value());
    for (const auto& b : scenario_->branches) balance_.push_back(b.balance);
  }

  // Customer c issues its event e (to the branch the scenario names).
  HistoryBuilder& issue(int32_t c, int32_t e) {
    return add(ObservationKind::kIssue, c, e, ev(c, e).branch, false, 0);
  }
  // Branch b decides event e of customer c; for a successful write, the balance after it.
  HistoryBuilder& serve(int32_t c, int32_t e, int32_t b, bool success = true) {
    const Money delta = success ? delta_of(c, e) : 0;
    return add(ObservationKind::kServe, c, e, b, success, balance_[static_cast<size_t>(b)] + delta);
  }
  // Branch b applies the write (origin: b served it).
  HistoryBuilder& apply(int32_t c, int32_t e, int32_t b, bool origin = false) {
    balance_[static_cast<size_t>(b)] += delta_of(c, e);
    return add(ObservationKind::kApply, c, e, b, origin, balance_[static_cast<size_t>(b)]);
  }
  HistoryBuilder& reply(int32_t c, int32_t e, bool success = true) {
    const int32_t b = ev(c, e).branch;
    return add(ObservationKind::kReply, c, e, b, success, balance_[static_cast<size_t>(b)]);
  }
  // A successful event at its own branch: issue, serve, apply (writes), reply.
  HistoryBuilder& done(int32_t c, int32_t e) {
    const int32_t b = ev(c, e).branch;
    issue(c, e).serve(c, e, b);
    if (is_write(ev(c, e).iface)) apply(c, e, b, true);
    return reply(c, e);
  }
  // A withdraw refused at its own branch.
  HistoryBuilder& refused(int32_t c, int32_t e) {
    const int32_t b = ev(c, e).branch;
    return issue(c, e).serve(c, e, b, false).reply(c, e, false);
  }

  History build(bool quiescent) const {
    History h;
    h.scenario = scenario_;
    h.events = events_;
    h.quiescent = quiescent;
    return h;
  }

 private:
  const banksim::Event& ev(int32_t c, int32_t e) const {
    return scenario_->customers[static_cast<size_t>(c)].events[static_cast<size_t>(e)];
  }
  Money delta_of(int32_t c, int32_t e) const {
    const auto& x = ev(c, e);
    if (x.iface == Interface::kDeposit) return x.money;
    if (x.iface == Interface::kWithdraw) return -x.money;
    return 0;
  }
  HistoryBuilder& add(ObservationKind kind, int32_t c, int32_t e, int32_t b, bool success,
                      Money balance) {
    events_.push_back(HistoryEvent{time_us_, Observation{.kind = kind,
                                                         .iface = ev(c, e).iface,
                                                         .success = success,
                                                         .customer = c,
                                                         .event = e,
                                                         .branch = b,
                                                         .money = ev(c, e).money,
                                                         .balance = balance}});
    time_us_ += 10;
    return *this;
  }

  std::shared_ptr<const Scenario> scenario_;
  std::vector<Money> balance_;
  std::vector<HistoryEvent> events_;
  int64_t time_us_ = 10;
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Two branches at 100; customer 7 deposits 10 at branch 10, then queries branch 20.
const char* kDepositThenQuery = R"([
  {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":10,"dest":10},
                                      {"id":42,"interface":"query","dest":20}]},
  {"id":8,"type":"customer","events":[{"id":51,"interface":"deposit","money":3,"dest":10},
                                      {"id":52,"interface":"query","dest":20}]}])";

// Three branches at 100; customer 7 writes at 10, then 20, then queries 30.
const char* kTwoWritesThenQuery = R"([
  {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
  {"id":30,"type":"branch","balance":100},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":10,"dest":10},
                                      {"id":42,"interface":"deposit","money":5,"dest":20},
                                      {"id":43,"interface":"query","dest":30}]}])";

// Two empty branches; customer 7 deposits 100 at branch 10, then withdraws 30 at 20.
const char* kDepositThenWithdraw = R"([
  {"id":10,"type":"branch","balance":0}, {"id":20,"type":"branch","balance":0},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":100,"dest":10},
                                      {"id":42,"interface":"withdraw","money":30,"dest":20}]},
  {"id":8,"type":"customer","events":[{"id":51,"interface":"deposit","money":50,"dest":20}]}])";

// Two branches at 100; customers 7 and 8 each withdraw 80 at their own branch.
const char* kConcurrentWithdraws = R"([
  {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"withdraw","money":80,"dest":10}]},
  {"id":8,"type":"customer","events":[{"id":51,"interface":"withdraw","money":80,"dest":20}]}
])";

std::vector<EventRef> refs(std::initializer_list<EventRef> r) {
  return r;
}

}  // namespace

TEST_CASE("checkers: a clean history passes every property") {
  HistoryBuilder hb(kDepositThenQuery);
  hb.done(0, 0).apply(0, 0, 1).done(0, 1).done(1, 0).apply(1, 0, 1).done(1, 1);
  const History h = hb.build(true);
  CHECK(banksim::check_history(h, PropertySet::all()).empty());
  CHECK(banksim::check_convergence(h).empty());
  CHECK(banksim::check_conservation(h).empty());
  CHECK(banksim::check_monotonic_writes(h).empty());
  CHECK(banksim::check_read_your_writes(h).empty());
  CHECK(banksim::check_no_overdraft(h).empty());
  CHECK(banksim::check_liveness(h).empty());
}

TEST_CASE("checkers: convergence") {
  SUBCASE("fails when a branch never applies a write, naming that write") {
    HistoryBuilder hb(kDepositThenQuery);
    // Branch 20 never applies deposit 41; customer 8 does nothing.
    hb.done(0, 0).done(0, 1);
    const auto v = banksim::check_convergence(hb.build(true));
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kConvergence);
    CHECK(v[0].events == refs({{0, 0}}));
    CHECK(has(v[0].detail, "branch 10 has 110, branch 20 has 100"));
    CHECK(has(v[0].detail, "customer 7 event 41 (deposit 10)"));
  }
  SUBCASE("passes when every branch applied every write") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).done(0, 1).apply(0, 0, 1);
    CHECK(banksim::check_convergence(hb.build(true)).empty());
  }
  SUBCASE("is not judged before quiescence") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).done(0, 1);
    CHECK(banksim::check_convergence(hb.build(false)).empty());
  }
}

TEST_CASE("checkers: conservation") {
  SUBCASE("fails when a replica misses a successful write, naming it") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).done(0, 1).done(1, 0).apply(1, 0, 1);  // 41 never reaches branch 20
    const auto v = banksim::check_conservation(hb.build(true));
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kConservation);
    CHECK(v[0].events == refs({{0, 0}}));
    CHECK(
        has(v[0].detail, "branch 20 ends at 103 but initial 100 plus successful writes 13 is 113"));
    CHECK(has(v[0].detail, "customer 7 event 41 (deposit 10)"));
    CHECK_FALSE(has(v[0].detail, "event 51"));
  }
  SUBCASE("fails when a write is served but never applied, even with one replica") {
    HistoryBuilder hb(R"([{"id":10,"type":"branch","balance":5},
      {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":10,"dest":10}]}
    ])");
    // Hand-built, engine-impossible: served and confirmed, but the replica never changed.
    hb.issue(0, 0).serve(0, 0, 0).reply(0, 0);
    const History h = hb.build(true);
    const auto v = banksim::check_conservation(h);
    REQUIRE(v.size() == 1);
    CHECK(v[0].events == refs({{0, 0}}));
    CHECK(has(v[0].detail, "branch 10 ends at 5 but initial 5 plus successful writes 10 is 15"));
    CHECK(banksim::check_convergence(h).empty());  // one replica always agrees with itself
  }
  SUBCASE("passes when refused withdraws are left out of the sum") {
    HistoryBuilder hb(kConcurrentWithdraws);
    hb.done(0, 0).apply(0, 0, 1).refused(1, 0);
    CHECK(banksim::check_conservation(hb.build(true)).empty());
  }
}

TEST_CASE("checkers: monotonic writes") {
  SUBCASE("fails when a branch applies a later write first, naming both") {
    HistoryBuilder hb(kTwoWritesThenQuery);
    hb.done(0, 0).apply(0, 0, 1).done(0, 1);  // 41 at 10, then at 20; 42 at 20
    hb.apply(0, 1, 0);                        // branch 10: in order
    hb.apply(0, 1, 2).apply(0, 0, 2);         // branch 30: 42 before 41
    hb.done(0, 2);
    const History h = hb.build(true);
    const auto v = banksim::check_monotonic_writes(h);
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kMonotonicWrites);
    CHECK(v[0].events == refs({{0, 1}, {0, 0}}));
    CHECK(has(v[0].detail,
              "branch 30 applied customer 7 event 42 (deposit 5) before customer 7 "
              "event 41 (deposit 10)"));
    // Everything else about that history is fine: only monotonic writes fails.
    const auto all = banksim::check_history(h, PropertySet::all());
    REQUIRE(all.size() == 1);
    CHECK(all[0].property == Property::kMonotonicWrites);
  }
  SUBCASE("fails at the origin too: a write served where an earlier one is missing") {
    HistoryBuilder hb(kTwoWritesThenQuery);
    hb.done(0, 0).done(0, 1);  // 42 served at 20, which never got 41
    const auto v = banksim::check_monotonic_writes(hb.build(false));
    REQUIRE(v.size() == 1);
    CHECK(v[0].events == refs({{0, 1}, {0, 0}}));
  }
  SUBCASE("passes when every branch applies them in the customer's order") {
    HistoryBuilder hb(kTwoWritesThenQuery);
    hb.done(0, 0).apply(0, 0, 1).done(0, 1).apply(0, 1, 0).apply(0, 0, 2).apply(0, 1, 2);
    hb.done(0, 2);
    CHECK(banksim::check_history(hb.build(true), PropertySet::all()).empty());
  }
  SUBCASE("passes when the earlier write failed: it is not a write to wait for") {
    HistoryBuilder hb(R"([
      {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
      {"id":7,"type":"customer","events":[
        {"id":41,"interface":"withdraw","money":500,"dest":10},
        {"id":42,"interface":"deposit","money":5,"dest":20}]}])");
    hb.refused(0, 0).done(0, 1).apply(0, 1, 0);
    CHECK(banksim::check_monotonic_writes(hb.build(true)).empty());
  }
}

TEST_CASE("checkers: read-your-writes") {
  SUBCASE("fails when a query misses the customer's completed write, naming both") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0);                              // deposit 41 at branch 10, confirmed
    hb.issue(0, 1).serve(0, 1, 1).reply(0, 1);  // query at 20 sees 100
    hb.apply(0, 0, 1);                          // the propagation arrives too late
    const History h = hb.build(true);
    const auto v = banksim::check_read_your_writes(h);
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kReadYourWrites);
    CHECK(v[0].events == refs({{0, 1}, {0, 0}}));
    CHECK(v[0].time_us == h.events[5].time_us);  // when the query was served
    CHECK(has(v[0].detail,
              "customer 7 event 42 (query) at branch 20 saw balance 100 without "
              "customer 7 event 41 (deposit 10)"));
    const auto all = banksim::check_history(h, PropertySet::all());
    REQUIRE(all.size() == 1);  // it converged and conserved money in the end
  }
  SUBCASE("passes when the write was applied before the query") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).apply(0, 0, 1).done(0, 1);
    CHECK(banksim::check_read_your_writes(hb.build(true)).empty());
  }
  SUBCASE("passes when only another customer's write is missing") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(1, 0);                            // customer 8's deposit at 10, not yet at 20
    hb.done(0, 0).apply(0, 0, 1).done(0, 1);  // customer 7 reads its own write at 20
    hb.apply(1, 0, 1);
    CHECK(banksim::check_read_your_writes(hb.build(true)).empty());
  }
}

TEST_CASE("checkers: read-your-writes covers withdraws, which read the balance") {
  SUBCASE("fails when a withdraw is refused for lack of the customer's own deposit") {
    HistoryBuilder hb(kDepositThenWithdraw);
    hb.done(0, 0);                                     // deposit 41 at branch 10, confirmed
    hb.issue(0, 1).serve(0, 1, 1, false).reply(0, 1, false);  // refused at 20: balance 0
    hb.apply(0, 0, 1);                                 // the propagation arrives too late
    const History h = hb.build(true);
    const auto v = banksim::check_read_your_writes(h);
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kReadYourWrites);
    CHECK(v[0].events == refs({{0, 1}, {0, 0}}));
    CHECK(v[0].time_us == h.events[5].time_us);  // when the withdraw was decided
    CHECK(has(v[0].detail,
              "customer 7 event 42 (withdraw 30) at branch 20 was refused on balance 0 "
              "without customer 7 event 41 (deposit 100)"));
    const auto all = banksim::check_history(h, PropertySet::all());
    REQUIRE(all.size() == 1);  // nothing else is wrong with it
  }
  SUBCASE("fails when a withdraw succeeds on others' money without the customer's write") {
    HistoryBuilder hb(kDepositThenWithdraw);
    hb.done(1, 0);                           // customer 8 deposits 50 at branch 20
    hb.done(0, 0);                           // customer 7 deposits 100 at branch 10
    hb.issue(0, 1).serve(0, 1, 1).apply(0, 1, 1, true).reply(0, 1);  // 50 -> 20 at 20
    const auto v = banksim::check_read_your_writes(hb.build(false));
    REQUIRE(v.size() == 1);
    CHECK(v[0].events == refs({{0, 1}, {0, 0}}));
    CHECK(has(v[0].detail,
              "customer 7 event 42 (withdraw 30) at branch 20 was decided on balance 50 "
              "without customer 7 event 41 (deposit 100)"));
  }
  SUBCASE("passes when the deposit was applied before the withdraw was decided") {
    HistoryBuilder hb(kDepositThenWithdraw);
    hb.done(0, 0).apply(0, 0, 1).done(0, 1).apply(0, 1, 0);
    CHECK(banksim::check_history(hb.build(true), PropertySet::all()).empty());
  }
  SUBCASE("a deposit served without the earlier write is monotonic writes, not read-your-writes") {
    HistoryBuilder hb(kTwoWritesThenQuery);
    hb.done(0, 0).done(0, 1);  // deposit 42 served at 20, which never got 41
    const History h = hb.build(false);
    CHECK(banksim::check_read_your_writes(h).empty());
    CHECK(banksim::check_monotonic_writes(h).size() == 1);
  }
}

TEST_CASE("checkers: no overdraft") {
  SUBCASE("fails when concurrent withdraws drive replicas below zero, naming the write") {
    HistoryBuilder hb(kConcurrentWithdraws);
    hb.issue(0, 0).issue(1, 0);
    hb.serve(0, 0, 0).apply(0, 0, 0, true);  // branch 10: 100 -> 20
    hb.serve(1, 0, 1).apply(1, 0, 1, true);  // branch 20: 100 -> 20
    hb.apply(1, 0, 0);                       // branch 10: 20 -> -60
    hb.apply(0, 0, 1);                       // branch 20: 20 -> -60
    hb.reply(0, 0).reply(1, 0);
    const History h = hb.build(true);
    const auto v = banksim::check_no_overdraft(h);
    REQUIRE(v.size() == 2);
    CHECK(v[0].property == Property::kNoOverdraft);
    CHECK(v[0].events == refs({{1, 0}}));
    CHECK(has(v[0].detail, "branch 10 fell to -60 applying customer 8 event 51 (withdraw 80)"));
    CHECK(v[1].events == refs({{0, 0}}));
    CHECK(has(v[1].detail, "branch 20 fell to -60"));
    // Overdrawn but consistent: both replicas agree and the money adds up.
    CHECK(banksim::check_convergence(h).empty());
    CHECK(banksim::check_conservation(h).empty());
  }
  SUBCASE("passes when the second withdraw sees the first and is refused") {
    HistoryBuilder hb(kConcurrentWithdraws);
    hb.done(0, 0).apply(0, 0, 1).refused(1, 0);
    CHECK(banksim::check_no_overdraft(hb.build(true)).empty());
  }
  SUBCASE("passes at exactly zero") {
    HistoryBuilder hb(R"([{"id":10,"type":"branch","balance":80},
      {"id":7,"type":"customer","events":[{"id":41,"interface":"withdraw","money":80,"dest":10}]}
    ])");
    hb.done(0, 0);
    CHECK(banksim::check_no_overdraft(hb.build(true)).empty());
  }
}

TEST_CASE("checkers: liveness") {
  SUBCASE("fails when a request is never answered, naming it") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).apply(0, 0, 1);
    hb.issue(0, 1);  // the query is lost
    const auto v = banksim::check_liveness(hb.build(true));
    REQUIRE(v.size() == 1);
    CHECK(v[0].property == Property::kLiveness);
    CHECK(v[0].events == refs({{0, 1}}));
    CHECK(has(v[0].detail, "customer 7 event 42 (query) was never answered"));
  }
  SUBCASE("passes when every request is answered") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).apply(0, 0, 1).done(0, 1);
    CHECK(banksim::check_liveness(hb.build(true)).empty());
  }
  SUBCASE("is not judged before quiescence") {
    HistoryBuilder hb(kDepositThenQuery);
    hb.done(0, 0).apply(0, 0, 1).issue(0, 1);
    CHECK(banksim::check_liveness(hb.build(false)).empty());
  }
}

TEST_CASE("checkers: each checker reports only its own property") {
  // A history that breaks convergence, conservation, read-your-writes and liveness.
  HistoryBuilder hb(kDepositThenQuery);
  hb.done(0, 0);
  hb.issue(0, 1).serve(0, 1, 1).reply(0, 1);
  hb.issue(1, 0);
  const History h = hb.build(true);
  const auto only = [](const std::vector<Violation>& v, Property p) {
    for (const Violation& x : v) {
      if (x.property != p) return false;
    }
    return !v.empty();
  };
  CHECK(only(banksim::check_convergence(h), Property::kConvergence));
  CHECK(only(banksim::check_conservation(h), Property::kConservation));
  CHECK(only(banksim::check_read_your_writes(h), Property::kReadYourWrites));
  CHECK(only(banksim::check_liveness(h), Property::kLiveness));
  CHECK(banksim::check_monotonic_writes(h).empty());
  CHECK(banksim::check_no_overdraft(h).empty());
  CHECK(banksim::check_history(h, PropertySet::all()).size() == 4);
  const auto two = banksim::check_history(
      h, PropertySet().with(Property::kLiveness).with(Property::kReadYourWrites));
  REQUIRE(two.size() == 2);
  CHECK(two[0].property == Property::kReadYourWrites);  // seen first, during the run
  CHECK(two[1].property == Property::kLiveness);        // judged at quiescence
}
