// The output judge (sim/output_judge.h) and the output readers (sim/output_reader.h):
// the bounded subset-sum search; for each property an output that must violate it (the
// violation names the right events) and one that must not; "not judged" and "undecided"
// where the output cannot tell; readers refusing bad outputs with the file, JSON path and
// rule. Ids differ from indices (branches 10/20, customers 7/8, events 41...).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/output_judge.h"
#include "sim/output_reader.h"
#include "sim/scenario.h"

using banksim::ClientObservations;
using banksim::EventRef;
using banksim::JudgedProperty;
using banksim::OutputForm;
using banksim::PropertyVerdict;
using banksim::Scenario;
using banksim::SearchResult;
using banksim::SumItem;
using banksim::Verdict;

namespace {

Scenario scenario(const char* json) {
  auto r = banksim::parse_scenario_text(json, "in.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

ClientObservations read(const Scenario& s, const std::string& output, bool settled = false) {
  auto r = banksim::read_output(nlohmann::json::parse(output), s, std::nullopt, "out.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  r.value().observations.settled_claimed = settled;
  return r.value().observations;
}

std::string read_error(const Scenario& s, const std::string& output,
                       std::optional<OutputForm> form = std::nullopt) {
  auto r = banksim::read_output(nlohmann::json::parse(output), s, form, "out.json");
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

PropertyVerdict verdict(const Scenario& s, const ClientObservations& obs, JudgedProperty p,
                        int64_t nodes = 1'000'000) {
  const auto all = banksim::judge_output(s, obs, {.search_nodes = nodes});
  REQUIRE(all.size() == static_cast<size_t>(banksim::kJudgedPropertyCount));
  return all[static_cast<size_t>(p)];
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Two branches at 100; customer 7 deposits 10 at branch 10, then queries 20 and 10.
const char* kOneCustomer = R"([
  {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":10,"branch":10},
                                      {"id":42,"interface":"query","branch":20},
                                      {"id":43,"interface":"query","branch":10}]}])";

// The same, and customer 8 deposits 3 at branch 20 concurrently.
const char* kTwoCustomers = R"([
  {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
  {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":10,"dest":10},
                                      {"id":42,"interface":"query","dest":20},
                                      {"id":43,"interface":"query","dest":10}]},
  {"id":8,"type":"customer","events":[{"id":51,"interface":"deposit","money":3,"dest":20}]}])";

std::string events_output(int64_t q1, int64_t q2) {
  return R"([{"id":7,"recv":[{"interface":"deposit","branch":10,"result":"success"}]},
             {"id":7,"recv":[{"interface":"query","branch":20,"balance":)" +
         std::to_string(q1) + R"(}]},
             {"id":7,"recv":[{"interface":"query","branch":10,"balance":)" +
         std::to_string(q2) + "}]}]";
}

std::string two_customer_output(int64_t q1, int64_t q2) {
  return R"([{"id":7,"recv":[{"interface":"deposit","result":"success"},
                             {"interface":"query","result":"success","money":)" +
         std::to_string(q1) + R"(},
                             {"interface":"query","result":"success","money":)" +
         std::to_string(q2) + R"(}]},
             {"id":8,"recv":[{"interface":"deposit","result":"success"}]}])";
}

}  // namespace

TEST_CASE("find_sum_chain: exact subset sums, chains of growing sets, and its bound") {
  const std::vector<SumItem> items = {{10, 0}, {5, 0}, {-3, 0}};
  CHECK(banksim::find_sum_chain(items, {7}, 1000) == SearchResult::kFound);  // 10 - 3
  CHECK(banksim::find_sum_chain(items, {0}, 1000) == SearchResult::kFound);  // nothing
  CHECK(banksim::find_sum_chain(items, {8}, 1000) == SearchResult::kNotFound);
  CHECK(banksim::find_sum_chain(items, {13}, 1000) == SearchResult::kNotFound);
  // Each target alone is reachable, but {10} is not inside a set summing to 5.
  CHECK(banksim::find_sum_chain({{10, 0}, {5, 0}}, {10, 5}, 1000) == SearchResult::kNotFound);
  CHECK(banksim::find_sum_chain({{10, 0}, {5, 0}}, {5, 15}, 1000) == SearchResult::kFound);
  // An item of level 1 is not available to level 0.
  CHECK(banksim::find_sum_chain({{10, 1}}, {10, 10}, 1000) == SearchResult::kNotFound);
  CHECK(banksim::find_sum_chain({{10, 1}}, {0, 10}, 1000) == SearchResult::kFound);
  // Equal items are counted, not enumerated: 1000 deposits of 7 reach 7 * 999.
  std::vector<SumItem> many(1000, SumItem{7, 0});
  CHECK(banksim::find_sum_chain(many, {7 * 999}, 100) == SearchResult::kFound);
  CHECK(banksim::find_sum_chain(many, {7 * 999 + 1}, 100) == SearchResult::kNotFound);
  // A target off the items' gcd is refused before any node is spent.
  CHECK(banksim::find_sum_chain({{10, 0}, {20, 0}, {-30, 0}}, {15}, 1) == SearchResult::kNotFound);
  CHECK(banksim::find_sum_chain({{10, 0}, {20, 0}, {-30, 0}}, {-20}, 100) == SearchResult::kFound);
  // 1001 needs 1000 from amounts that are either at most 30 or above 1000: unreachable,
  // but only an exhaustive search knows (the gcd is 1).
  std::vector<SumItem> evens;
  for (int i = 1; i <= 16; ++i) evens.push_back(SumItem{2 * i + 1000 * (i % 3), 0});
  evens.push_back(SumItem{1, 0});
  CHECK(banksim::find_sum_chain(evens, {1001}, 5) == SearchResult::kBoundHit);
  CHECK(banksim::find_sum_chain(evens, {1001}, 100'000'000) == SearchResult::kNotFound);
  CHECK(banksim::find_sum_chain(evens, {1002 + 6 + 1}, 5) == SearchResult::kBoundHit);
  CHECK(banksim::find_sum_chain(evens, {1002 + 6 + 1}, 1000) == SearchResult::kFound);
}

TEST_CASE("judge: read-your-writes fails on a query that misses the customer's own write") {
  const Scenario s = scenario(kOneCustomer);
  const PropertyVerdict bad =
      verdict(s, read(s, events_output(100, 110)), JudgedProperty::kReadYourWrites);
  CHECK(bad.verdict == Verdict::kViolated);
  REQUIRE(bad.violations.size() == 1);
  CHECK(has(bad.violations[0].detail,
            "customer 7 event 42 (query) at branch 20 saw balance 100 "
            "without customer 7 event 41 (deposit 10)"));
  CHECK(bad.violations[0].events == std::vector<EventRef>{{0, 1}, {0, 0}});
  // A balance no write explains is named as such.
  const PropertyVerdict odd =
      verdict(s, read(s, events_output(110, 111)), JudgedProperty::kReadYourWrites);
  REQUIRE(odd.violations.size() == 1);
  CHECK(has(odd.violations[0].detail,
            "event 43 (query) at branch 10 saw balance 111, which no "
            "admissible balance gives"));
  CHECK(verdict(s, read(s, events_output(110, 110)), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kHeld);
}

TEST_CASE("judge: other customers' writes are admissible in any subset") {
  const Scenario s = scenario(kTwoCustomers);
  for (const int64_t b : {110, 113}) {
    CHECK(
        verdict(s, read(s, two_customer_output(b, 113)), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kHeld);
  }
  for (const int64_t b : {100, 103, 112}) {
    CHECK(
        verdict(s, read(s, two_customer_output(b, 113)), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kViolated);
  }
}

TEST_CASE("judge: monotonic reads fails when a later query loses a write an earlier one saw") {
  const Scenario s = scenario(kTwoCustomers);
  // 113 saw customer 8's deposit; 110 does not: each alone is admissible, not both.
  const PropertyVerdict bad =
      verdict(s, read(s, two_customer_output(113, 110)), JudgedProperty::kMonotonicReads);
  CHECK(bad.verdict == Verdict::kViolated);
  REQUIRE(bad.violations.size() == 1);
  CHECK(has(bad.violations[0].detail, "customer 7 event 43 (query) at branch 10 saw balance 110"));
  CHECK(bad.violations[0].events == std::vector<EventRef>{{0, 2}, {0, 1}});
  CHECK(
      verdict(s, read(s, two_customer_output(113, 110)), JudgedProperty::kReadYourWrites).verdict ==
      Verdict::kHeld);
  CHECK(
      verdict(s, read(s, two_customer_output(110, 113)), JudgedProperty::kMonotonicReads).verdict ==
      Verdict::kHeld);
}

TEST_CASE("judge: withdraw decisions and read-your-writes of withdraws") {
  const char* in = R"([
    {"id":10,"type":"branch","balance":100}, {"id":20,"type":"branch","balance":100},
    {"id":7,"type":"customer","events":[{"id":41,"interface":"deposit","money":50,"dest":10},
                                        {"id":42,"interface":"withdraw","money":120,"dest":20},
                                        {"id":43,"interface":"withdraw","money":90,"dest":20}]}])";
  const Scenario s = scenario(in);
  const auto out = [](const char* r1, const char* r2) {
    return std::string(R"([{"id":7,"recv":[{"interface":"deposit","result":"success"},
                                           {"interface":"withdraw","result":")") +
           r1 + R"("}, {"interface":"withdraw","result":")" + r2 + R"("}]}])";
  };
  // 120 fails only on a balance without the deposit: a read-your-writes violation.
  const auto missed = banksim::judge_output(s, read(s, out("fail", "success")));
  const PropertyVerdict& ryw = missed[static_cast<size_t>(JudgedProperty::kReadYourWrites)];
  REQUIRE(ryw.violations.size() == 1);
  CHECK(has(ryw.violations[0].detail,
            "customer 7 event 42 (withdraw 120) failed at branch 20 "
            "though every balance with the customer's completed writes "
            "covers it (at least 150)"));
  CHECK(missed[static_cast<size_t>(JudgedProperty::kWithdrawDecisions)].verdict == Verdict::kHeld);
  // 90 after 120 succeeded: 30 left; only a balance without that withdraw covers 90.
  const PropertyVerdict ryw2 =
      verdict(s, read(s, out("success", "success")), JudgedProperty::kReadYourWrites);
  REQUIRE(ryw2.violations.size() == 1);
  CHECK(has(ryw2.violations[0].detail,
            "customer 7 event 43 (withdraw 90) succeeded at branch 20 "
            "though no balance with the customer's completed writes "
            "covers it (at most 30)"));
  CHECK(ryw2.violations[0].events == std::vector<EventRef>{{0, 2}});
  CHECK(verdict(s, read(s, out("success", "fail")), JudgedProperty::kWithdrawDecisions).verdict ==
        Verdict::kHeld);
  CHECK(verdict(s, read(s, out("success", "fail")), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kHeld);
}

TEST_CASE("judge: withdraw decisions fail where no admissible balance explains the result") {
  const char* in = R"([
    {"id":10,"type":"branch","balance":100},
    {"id":7,"type":"customer","events":[{"id":41,"interface":"withdraw","money":150,"dest":10}]},
    {"id":8,"type":"customer","events":[{"id":51,"interface":"withdraw","money":50,"dest":10}]},
    {"id":9,"type":"customer","events":[{"id":61,"interface":"deposit","money":20,"dest":10}]}])";
  const Scenario s = scenario(in);
  const auto out = [](const char* r7, const char* r8) {
    return std::string(R"([{"id":7,"recv":[{"interface":"withdraw","result":")") + r7 +
           R"("}]}, {"id":8,"recv":[{"interface":"withdraw","result":")" + r8 +
           R"("}]}, {"id":9,"recv":[{"interface":"deposit","result":"success"}]}])";
  };
  // 150 succeeding: at most 100 + 20 was ever there (customer 8's withdraw failed).
  const PropertyVerdict v =
      verdict(s, read(s, out("success", "fail")), JudgedProperty::kWithdrawDecisions);
  REQUIRE(v.violations.size() == 1);
  CHECK(v.violations[0].detail ==
        "customer 7 event 41 (withdraw 150) succeeded at branch 10 "
        "though no admissible balance covers it (at most 120)");
  CHECK(v.violations[0].events == std::vector<EventRef>{{0, 0}});
  // 50 failing: with 150 failed too, nothing took the balance below 100.
  const PropertyVerdict f =
      verdict(s, read(s, out("fail", "fail")), JudgedProperty::kWithdrawDecisions);
  REQUIRE(f.violations.size() == 1);
  CHECK(f.violations[0].detail ==
        "customer 8 event 51 (withdraw 50) failed at branch 10 "
        "though every admissible balance covers it (at least 100)");
  // 150 failing and 50 succeeding is what a bank does.
  CHECK(verdict(s, read(s, out("fail", "success")), JudgedProperty::kWithdrawDecisions).verdict ==
        Verdict::kHeld);
}

TEST_CASE("judge: liveness names the first event never answered") {
  const Scenario s = scenario(kTwoCustomers);
  const std::string out = R"([{"id":7,"recv":[{"interface":"deposit","result":"success"}]},
                              {"id":8,"recv":[{"interface":"deposit","result":"success"}]}])";
  const PropertyVerdict v = verdict(s, read(s, out), JudgedProperty::kLiveness);
  REQUIRE(v.violations.size() == 1);
  CHECK(v.violations[0].detail == "customer 7 event 42 (query) was never answered");
  CHECK(verdict(s, read(s, two_customer_output(110, 113)), JudgedProperty::kLiveness).verdict ==
        Verdict::kHeld);
  // The balance form does not show which events were answered.
  const PropertyVerdict b =
      verdict(s, read(s, R"([{"id":7,"balance":113}])"), JudgedProperty::kLiveness);
  CHECK(b.verdict == Verdict::kNotJudged);
  CHECK(has(b.reason, "balance form"));
  // Nothing looked at is not "held": no withdraw result is shown here.
  const PropertyVerdict w =
      verdict(s, read(s, R"([{"id":7,"balance":113}])"), JudgedProperty::kWithdrawDecisions);
  CHECK(w.verdict == Verdict::kNotJudged);
  CHECK(w.reason == "the output shows no withdraw's result");
  const PropertyVerdict r = verdict(s, read(s, "[]"), JudgedProperty::kReadYourWrites);
  CHECK(r.verdict == Verdict::kNotJudged);
}

TEST_CASE("judge: convergence and conservation on the final queries, when known") {
  const Scenario s = scenario(kOneCustomer);
  // Without times nothing is known to be final.
  const PropertyVerdict unknown =
      verdict(s, read(s, events_output(110, 110)), JudgedProperty::kConvergence);
  CHECK(unknown.verdict == Verdict::kNotJudged);
  CHECK(has(unknown.reason, "--settled"));
  CHECK(verdict(s, read(s, events_output(110, 110), true), JudgedProperty::kConvergence).verdict ==
        Verdict::kHeld);
  CHECK(verdict(s, read(s, events_output(110, 110), true), JudgedProperty::kConservation).verdict ==
        Verdict::kHeld);
  const PropertyVerdict conv =
      verdict(s, read(s, events_output(110, 100), true), JudgedProperty::kConvergence);
  REQUIRE(conv.violations.size() == 1);
  CHECK(has(conv.violations[0].detail,
            "final queries disagree: customer 7 event 42 (query) at "
            "branch 20 saw 110, customer 7 event 43 (query) at branch "
            "10 saw 100"));
  const PropertyVerdict cons =
      verdict(s, read(s, events_output(110, 100), true), JudgedProperty::kConservation);
  REQUIRE(cons.violations.size() == 1);
  CHECK(has(cons.violations[0].detail,
            "customer 7 event 43 (query) at branch 10 saw final "
            "balance 100 but initial 100 plus the successful writes "
            "is 110"));
}

TEST_CASE("judge: seed 004's consecutive queries at different branches agree") {
  const Scenario one = scenario(kOneCustomer);
  const PropertyVerdict bad =
      verdict(one, read(one, events_output(110, 100)), JudgedProperty::kConsecutiveQueries);
  REQUIRE(bad.violations.size() == 1);
  CHECK(has(bad.violations[0].detail,
            "customer 7 event 42 (query) at branch 20 saw 110 but the "
            "next, customer 7 event 43 (query) at branch 10, saw 100"));
  CHECK(verdict(one, read(one, events_output(110, 110)), JudgedProperty::kConsecutiveQueries)
            .verdict == Verdict::kHeld);
  // Another customer's write may land between them: not judged.
  const Scenario two = scenario(kTwoCustomers);
  const PropertyVerdict v =
      verdict(two, read(two, two_customer_output(110, 113)), JudgedProperty::kConsecutiveQueries);
  CHECK(v.verdict == Verdict::kNotJudged);
  CHECK(has(v.reason, "1 of 1 pairs not judged"));
}

TEST_CASE("judge: a history's times narrow the other writes a query may see") {
  const Scenario s = scenario(kTwoCustomers);
  // Customer 8's deposit is issued only after customer 7's first query was answered.
  const auto history = [](int64_t q1) {
    return R"([
      {"time_us":0,"kind":"issue","customer":7,"event":41,"interface":"deposit","branch":10},
      {"time_us":5,"kind":"apply","customer":7,"event":41,"interface":"deposit","branch":10},
      {"time_us":6,"kind":"apply","customer":7,"event":41,"interface":"deposit","branch":20},
      {"time_us":7,"kind":"reply","customer":7,"event":41,"interface":"deposit","branch":10,
       "result":"success"},
      {"time_us":8,"kind":"issue","customer":7,"event":42,"interface":"query","branch":20},
      {"time_us":8,"kind":"serve","customer":7,"event":42,"interface":"query","branch":20,
       "result":"success","balance":110},
      {"time_us":9,"kind":"reply","customer":7,"event":42,"interface":"query","branch":20,
       "result":"success","balance":)" +
           std::to_string(q1) + R"(},
      {"time_us":10,"kind":"issue","customer":8,"event":51,"interface":"deposit","branch":20},
      {"time_us":11,"kind":"apply","customer":8,"event":51,"interface":"deposit","branch":20},
      {"time_us":12,"kind":"apply","customer":8,"event":51,"interface":"deposit","branch":10},
      {"time_us":13,"kind":"reply","customer":8,"event":51,"interface":"deposit","branch":20,
       "result":"success"},
      {"time_us":14,"kind":"issue","customer":7,"event":43,"interface":"query","branch":10},
      {"time_us":14,"kind":"serve","customer":7,"event":43,"interface":"query","branch":10,
       "result":"success","balance":113},
      {"time_us":15,"kind":"reply","customer":7,"event":43,"interface":"query","branch":10,
       "result":"success","balance":113}])";
  };
  CHECK(verdict(s, read(s, history(110)), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kHeld);
  CHECK(verdict(s, read(s, history(113)), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kViolated);
  // Untimed, the same 113 would be admissible.
  CHECK(
      verdict(s, read(s, two_customer_output(113, 113)), JudgedProperty::kReadYourWrites).verdict ==
      Verdict::kHeld);
  // Event 43 was served after the last apply: it is final.
  CHECK(verdict(s, read(s, history(110)), JudgedProperty::kConservation).verdict == Verdict::kHeld);
  const PropertyVerdict conv = verdict(s, read(s, history(110)), JudgedProperty::kConvergence);
  CHECK(conv.verdict == Verdict::kNotJudged);
  CHECK(has(conv.reason, "branch 10"));
}

TEST_CASE("judge: hitting the search bound gives undecided, with the reason") {
  // 17 other customers deposit amounts that cannot make the balance seen (see above).
  std::string in = R"([{"id":1,"type":"branch","balance":0},
    {"id":1,"type":"customer","events":[{"id":1,"interface":"query","branch":1}]})";
  std::string out = R"([{"id":1,"recv":[{"interface":"query","result":"success","money":1001}]})";
  for (int i = 1; i <= 16; ++i) {
    in += fmt::format(R"(,{{"id":{},"type":"customer","events":[{{"id":1,"interface":"deposit",
        "money":{},"branch":1}}]}})",
                      100 + i, 2 * i + 1000 * (i % 3));
    out += fmt::format(R"(,{{"id":{},"recv":[{{"interface":"deposit","result":"success"}}]}})",
                       100 + i);
  }
  in += R"(,{"id":117,"type":"customer","events":[{"id":1,"interface":"deposit","money":1,
      "branch":1}]})";
  out += R"(,{"id":117,"recv":[{"interface":"deposit","result":"success"}]})";
  const Scenario s = scenario((in + "]").c_str());
  const PropertyVerdict v =
      verdict(s, read(s, out + "]"), JudgedProperty::kReadYourWrites, /*nodes=*/5);
  CHECK(v.verdict == Verdict::kUndecided);
  CHECK(has(v.reason,
            "customer 1 event 1 (query): the search bound (5 nodes) was hit over 17 "
            "possible writes"));
  CHECK(verdict(s, read(s, out + "]"), JudgedProperty::kReadYourWrites).verdict ==
        Verdict::kViolated);
}

TEST_CASE("output reader: recognises the forms and refuses bad outputs by path and rule") {
  const Scenario s = scenario(kTwoCustomers);
  const auto form = [&](const std::string& out) {
    auto r = banksim::read_output(nlohmann::json::parse(out), s, std::nullopt, "out.json");
    REQUIRE(r.ok());
    return r.value().form;
  };
  CHECK(form(two_customer_output(110, 113)) == OutputForm::kRecv);
  CHECK(form(R"([{"id":7,"balance":110}])") == OutputForm::kBalance);
  CHECK(form(R"([{"id":8,"recv":[{"interface":"deposit","branch":20,"result":"success"}]}])") ==
        OutputForm::kEvents);
  CHECK(form("[]") == OutputForm::kBalance);  // the input uses "dest": seed 002's form
  // The seed projects print balances as floats; whole ones are read exactly.
  const ClientObservations f = read(s, R"([{"id":7,"balance":113.0}])");
  CHECK(f.events[0][2].balance == 113);

  CHECK(read_error(s, R"([{"id":9,"balance":1}])") ==
        "out.json: $[0].id: no customer 9 in the input");
  CHECK(read_error(s, R"([{"id":7,"balance":1.5}])") ==
        "out.json: $[0].balance: must be a whole amount, not 1.5");
  CHECK(read_error(s, R"([{"id":7,"recv":[{"interface":"query","result":"success"}]}])") ==
        "out.json: $[0].recv[0].interface: must be \"deposit\" (customer 7 event 41 in the "
        "input), not \"query\"");
  CHECK(read_error(s, R"([{"id":8,"recv":[{"interface":"deposit","result":"ok"}]}])") ==
        "out.json: $[0].recv[0].result: must be \"success\" or \"fail\", not \"ok\"");
  CHECK(read_error(s, R"([{"id":8,"recv":[{"interface":"deposit","result":"success"},
                                          {"interface":"query","result":"success"}]}])") ==
        "out.json: $[0].recv[1]: customer 8 has only 1 events in the input");
  CHECK(read_error(
            s, R"([{"id":7,"recv":[{"interface":"deposit","branch":20,"result":"success"}]}])") ==
        "out.json: $[0].recv[0].branch: must be 10 (customer 7 event 41 in the input), not 20");
  CHECK(read_error(s, R"([{"id":8,"recv":[]},{"id":8,"recv":[]}])") ==
        "out.json: $[1].id: customer 8 listed twice");
  CHECK(read_error(s, R"([{"id":8,"balance":3}])") ==
        "out.json: $[0].id: customer 8 has no query in the input");
  CHECK(read_error(s, R"({"seed":1})") ==
        "out.json: $: must be a list (an output form) or banksim's JSON results with \"history\"");
  CHECK(read_error(s, R"([{"id":7,"balance":110}])", OutputForm::kRecv) ==
        "out.json: $[0]: missing \"recv\"");
  CHECK(read_error(s, R"([{"time_us":5,"kind":"issue","customer":8,"event":51,
                           "interface":"deposit","branch":20},
                          {"time_us":4,"kind":"apply","customer":8,"event":51,
                           "interface":"deposit","branch":20}])") ==
        "out.json: $[1].time_us: must not go back in time (4 after 5)");
  CHECK(read_error(s, R"([{"time_us":5,"kind":"reply","customer":8,"event":51,
                           "interface":"deposit","branch":20,"result":"success"}])") ==
        "out.json: $[0].kind: a reply to an event never issued");
}
