// Explorer workers: what a search reports does not depend on how many threads searched.
// Complete searches: the same distinct, terminal and transition counts, max depth and
// counterexamples for 1, 2 and 4 workers; searches stopped at the first violation: the
// same (minimized) counterexample. Each case runs the 4-worker search several times, so a
// dependence on thread timing has several chances to show.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "explore_describe.h"
#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/visited_set.h"

using namespace banksim;

namespace {

using testing::describe;

void same_for_every_worker_count(const std::shared_ptr<const Scenario>& s, ExploreOptions o) {
  o.workers = 1;
  const ExploreResult one = explore(s, o);
  // Counts at an early stop depend on where each worker was: only the findings compare.
  const bool counts = !one.stats.stopped_early;
  const std::string expected = describe(one, counts);
  for (uint32_t workers : {2u, 4u, 4u, 4u}) {
    CAPTURE(workers);
    o.workers = workers;
    const ExploreResult r = explore(s, o);
    CHECK(r.stats.workers == workers);
    CHECK(r.stats.stopped_early == one.stats.stopped_early);
    CHECK(describe(r, counts) == expected);
  }
}

}  // namespace

TEST_CASE("explore: workers: the shipped scenarios give the same results for 1, 2 and 4") {
  int violations = 0;
  for (const std::string& name : testing::shipped_scenario_names()) {
    const auto s = testing::load_shipped(name);
    for (ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      for (bool keep_going : {false, true}) {
        for (bool fifo : {false, true}) {
          CAPTURE(name);
          const std::string protocol(protocol_name(p));
          CAPTURE(protocol);
          CAPTURE(keep_going);
          CAPTURE(fifo);
          ExploreOptions o;
          o.protocol = p;
          o.keep_going = keep_going;
          o.fifo = fifo;
          same_for_every_worker_count(s, o);
          o.workers = 1;
          if (!explore(s, o).counterexamples.empty()) ++violations;
        }
      }
    }
  }
  // The comparison covers searches that find violations, not only ones that do not.
  CHECK(violations > 0);
}

TEST_CASE("explore: workers: without reduction, with faults, with checkpoints") {
  const auto s = testing::load_shipped("session-2-customers-3-branches.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kSession;
  SUBCASE("no reduction") {
    o.reduction = false;
    same_for_every_worker_count(s, o);
  }
  SUBCASE("a checkpoint every 4 levels") {
    o.checkpoint_every = 4;
    same_for_every_worker_count(s, o);
  }
  SUBCASE("a drop and a crash, async, keep going") {
    const auto small = testing::load_shipped("moving-customer-3-branches.json");
    o.protocol = ProtocolKind::kAsync;
    o.reduction = false;
    o.keep_going = true;
    o.faults.drops = 1;
    o.faults.crashes = 1;
    same_for_every_worker_count(small, o);
  }
}

TEST_CASE("explore: workers: the first violation reported is the shortest, whichever was met") {
  // Sync overdraws under concurrent withdraws; stopped at the first violation, the one
  // reported is the breadth-first shortest over every checked property, minimal.
  const auto s = testing::load_shipped("concurrent-withdraws.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kSync;
  o.workers = 2;
  const ExploreResult r = explore(s, o);
  REQUIRE(r.counterexamples.size() == 1);
  CHECK(r.stats.stopped_early);
  CHECK(r.counterexamples[0].minimal);
  o.keep_going = true;
  o.workers = 1;
  const ExploreResult all = explore(s, o);
  for (const Counterexample& c : all.counterexamples) {
    CHECK(r.counterexamples[0].schedule.size() <= c.schedule.size());
  }
}

TEST_CASE("visited set: sharded, its memory counts growth that a duplicate insert caused") {
  // A table grows before its probe finds a fingerprint already there: repeating every
  // insert makes some of the growths happen on a duplicate.
  ShardedVisitedSet set(/*locking=*/false);
  for (uint64_t i = 1; i <= 200'000; ++i) {
    CHECK(set.insert(i * 0x9e3779b97f4a7c15ULL));
    CHECK_FALSE(set.insert(i * 0x9e3779b97f4a7c15ULL));
  }
  CHECK(set.size() == 200'000);
  CHECK(set.bytes() == set.table_bytes());
}

TEST_CASE("visited set: sharded, the owner of a fingerprint is a function of it") {
  ShardedVisitedSet set(/*locking=*/true);
  for (uint64_t i = 0; i < 100'000; ++i) CHECK(set.insert(i * 0x9e3779b97f4a7c15ULL));
  for (uint64_t i = 0; i < 100'000; ++i) CHECK_FALSE(set.insert(i * 0x9e3779b97f4a7c15ULL));
  CHECK(set.size() == 100'000);
  CHECK(set.contains(0));  // 0 is stored (as 1, like VisitedSet)
  CHECK_FALSE(set.contains(12345));
  CHECK(set.bytes() <= 16 * set.size());
  const std::vector<uint64_t> all = set.sorted();
  CHECK(all.size() == 100'000);
  CHECK(std::is_sorted(all.begin(), all.end()));
  // Owners spread fingerprints evenly over the parts, and a part is the same for the
  // same fingerprint.
  std::vector<uint64_t> per_part(8, 0);
  for (uint64_t fp : all) per_part[fingerprint_owner(fp, 8)] += 1;
  for (uint64_t n : per_part) CHECK((n > 11'000 && n < 14'000));
  CHECK(fingerprint_owner(all[7], 8) == fingerprint_owner(all[7], 8));
  CHECK(fingerprint_owner(~uint64_t{0}, 3) < 3);
}
