// Swarm summaries and banksim merge: the fingerprints' encoding round-trips and refuses
// what is not canonical; a task's summary reads back to the same bytes; a merge is the
// exact union whatever the order of its inputs; a merge keeps a task's violation; the
// reader refuses a summary whose verdicts or coverage do not add up.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "cli/merge_command.h"
#include "cli/summary_json.h"
#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/visited_set.h"

using namespace banksim;

namespace {

// One explore --strategy random --summary-json task, as explore_command builds it.
SwarmSummary task(const std::shared_ptr<const Scenario>& s, ProtocolKind p, uint64_t seed,
                  uint64_t walks) {
  const SwarmSearch search{.protocol = p, .keep_going = true};
  ExploreOptions o;
  o.protocol = p;
  o.strategy = ExploreStrategy::kRandom;
  o.reduction = false;
  o.keep_going = true;
  o.walks = walks;
  o.seed = seed;
  o.keep_fingerprints = true;
  const ExploreResult r = explore(s, o);
  std::vector<Trace> traces;
  for (const Counterexample& c : r.counterexamples) {
    Trace t;
    t.origin = "explore";
    t.scenario = s;
    t.protocol = p;
    t.seed = seed;
    t.network.fifo = false;  // explore's default network model
    t.schedule = c.schedule;
    t.violation = TraceViolation{c.property, c.detail};
    traces.push_back(std::move(t));
  }
  return task_summary(*s, "scenario.json", search, seed, walks, r, traces);
}

std::string text_of(const SwarmSummary& s) {
  return summary_to_json(s).dump();
}

SwarmSummary reload(const SwarmSummary& s) {
  auto r = load_summary_text(text_of(s), "s.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

}  // namespace

TEST_CASE("summary: fingerprints encode to canonical base64 and back") {
  for (size_t n : {0, 1, 2, 3, 4, 7}) {
    std::vector<uint64_t> fps;
    for (size_t i = 0; i < n; ++i) fps.push_back(0x0123456789abcdefULL * (i + 1) + i);
    const std::string text = encode_fingerprints(fps);
    CHECK(text.size() % 4 == 0);
    const auto back = decode_fingerprints(text);
    REQUIRE(back.has_value());
    CHECK(*back == fps);
  }
  const std::string one = encode_fingerprints({42});
  CHECK_FALSE(decode_fingerprints(one.substr(0, one.size() - 4)).has_value());  // truncated
  CHECK_FALSE(decode_fingerprints(one + "AAAA").has_value());                   // not whole words
  std::string stray = one;
  stray[stray.size() - 2] = stray[stray.size() - 2] == 'B' ? 'C' : 'B';  // padding bits set
  CHECK_FALSE(decode_fingerprints(stray).has_value());
  CHECK_FALSE(decode_fingerprints("!!!!").has_value());
}

TEST_CASE("summary: a task's summary reads back to the same bytes, deterministically") {
  const auto s = testing::load_shipped("three-customers-deposits.json");
  const SwarmSummary a = task(s, ProtocolKind::kSync, 1, 20);
  CHECK(a.distinct == a.fingerprints.size());
  CHECK(a.tasks.at(0).walks_taken == 20);
  CHECK(text_of(reload(a)) == text_of(a));
  CHECK(text_of(task(s, ProtocolKind::kSync, 1, 20)) == text_of(a));
  for (const SwarmVerdict& v : summary_verdicts(a)) {
    CHECK(v.code == "not-violated");
    CHECK(v.text.find("not a proof") != std::string::npos);
  }
}

TEST_CASE("merge: the exact union of the tasks' states, whatever the order") {
  const auto s = testing::load_shipped("three-customers-deposits.json");
  std::vector<std::pair<std::string, SwarmSummary>> in;
  std::set<uint64_t> all;
  uint64_t own = 0, transitions = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    in.emplace_back("out-" + std::to_string(seed), reload(task(s, ProtocolKind::kSync, seed, 15)));
    all.insert(in.back().second.fingerprints.begin(), in.back().second.fingerprints.end());
    own += in.back().second.distinct;
    transitions += in.back().second.transitions;
  }
  auto m = merge_summaries(in);
  REQUIRE(m.ok());
  CHECK(m.value().distinct == all.size());
  CHECK(m.value().distinct < own);  // the walks overlap: a sum would overstate
  CHECK(m.value().transitions == transitions);
  CHECK(m.value().walks_taken() == 45);
  std::swap(in[0], in[2]);
  auto reversed = merge_summaries(in);
  REQUIRE(reversed.ok());
  CHECK(text_of(reversed.value()) == text_of(m.value()));
  CHECK(text_of(reload(m.value())) == text_of(m.value()));

  // The same seed twice is refused, naming the file and the path.
  in.push_back(in[0]);
  in.back().first = "again.json";
  auto twice = merge_summaries(in);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().message.find("again.json: $.tasks[0].seed: seed") == 0);
}

TEST_CASE("merge: a violating task makes the merge violated, with the shortest trace") {
  const auto s = testing::load_shipped("moving-customer-3-branches.json");
  std::vector<std::pair<std::string, SwarmSummary>> in;
  size_t shortest = SIZE_MAX;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    in.emplace_back("out-" + std::to_string(seed), reload(task(s, ProtocolKind::kAsync, seed, 10)));
    for (const SwarmCounterexample& c : in.back().second.counterexamples) {
      if (c.property == Property::kReadYourWrites)
        shortest = std::min(shortest, c.trace.schedule.size());
    }
  }
  REQUIRE(shortest != SIZE_MAX);
  auto m = merge_summaries(in);
  REQUIRE(m.ok());
  bool found = false;
  for (const SwarmVerdict& v : summary_verdicts(m.value())) {
    if (v.property != Property::kReadYourWrites) continue;
    CHECK(v.code == "violated");
    found = true;
  }
  CHECK(found);
  for (const SwarmCounterexample& c : m.value().counterexamples) {
    if (c.property == Property::kReadYourWrites) CHECK(c.trace.schedule.size() == shortest);
  }
}

TEST_CASE("summary: the reader refuses coverage and verdicts that do not add up") {
  const auto s = testing::load_shipped("moving-customer-3-branches.json");
  const SwarmSummary a = task(s, ProtocolKind::kAsync, 1, 10);
  REQUIRE_FALSE(a.counterexamples.empty());
  nlohmann::ordered_json doc = summary_to_json(a);
  doc["verdicts"][0]["text"] = "holds in every interleaving";
  auto r = load_summary_text(doc.dump(), "v.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("v.json: $.verdicts[0]: does not match") == 0);

  // A counterexample dropped: its property's verdict no longer matches.
  doc = summary_to_json(a);
  doc["counterexamples"].erase(0);
  CHECK_FALSE(load_summary_text(doc.dump(), "c.json").ok());

  doc = summary_to_json(a);
  doc["coverage"]["distinct"] = a.distinct + 1;
  r = load_summary_text(doc.dump(), "d.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("d.json: $.fingerprints.data: holds") == 0);

  // Another scenario under the same identity.
  const auto other = testing::load_shipped("three-customers-deposits.json");
  SwarmSummary b = a;
  b.counterexamples[0].trace.scenario = other;
  r = load_summary_text(text_of(b), "s.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("s.json: $.counterexamples[0].trace.scenario: its scenario does not "
                               "hash to $.identity") == 0);
}

TEST_CASE("visited set: sorted() lists every stored fingerprint once, ascending") {
  VisitedSet set(16);
  std::set<uint64_t> want;
  for (uint64_t i = 0; i < 1000; ++i) {
    const uint64_t fp = (i * 0x9e3779b97f4a7c15ULL) % 977;  // repeats, and a 0 (stored as 1)
    set.insert(fp);
    want.insert(fp == 0 ? 1 : fp);
  }
  const std::vector<uint64_t> got = set.sorted();
  CHECK(got.size() == set.size());
  CHECK(std::set<uint64_t>(got.begin(), got.end()) == want);
  CHECK(std::is_sorted(got.begin(), got.end()));
}
