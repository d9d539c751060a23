// Checkpoint and resume: a search stopped at any poll and resumed from its checkpoint
// (through the file format) ends with the counts and counterexamples of a search never
// stopped; the file refuses another key and any truncation or bit flip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "explore_describe.h"
#include "shipped_scenarios.h"
#include "sim/checkpoint.h"
#include "sim/explorer.h"

using namespace banksim;

namespace {

using testing::describe;

const CheckpointKey kKey{"1.0", "0123456789abcdef", "protocol x"};

// Runs the search stopping it at every `stop_at`-th poll, resuming from the checkpoint
// each time (encoded and decoded), until it ends by itself. Returns the last result and
// sets *pieces to the number of runs.
ExploreResult in_pieces(const std::shared_ptr<const Scenario>& s, ExploreOptions o, int stop_at,
                        int* pieces) {
  std::optional<ExploreFrontier> saved;
  *pieces = 0;
  while (true) {
    int polls = 0;
    std::string bytes;
    uint64_t previous = UINT64_MAX;
    // Stops in the search only, not in the minimization (whose polls see no new transition).
    o.poll = [&](const ExploreStats& st) {
      const bool searching = st.transitions != previous;
      previous = st.transitions;
      return ++polls % stop_at == 0 && searching ? StopReason::kInterrupted : StopReason::kNone;
    };
    o.checkpoint_due = [&] { return polls % 3 == 0; };  // periodic ones too
    o.checkpoint = [&](const ExploreFrontier& f) { bytes = encode_checkpoint(kKey, f); };
    o.resume = saved ? &*saved : nullptr;
    ExploreResult r = explore(s, o);
    ++*pieces;
    if (r.stats.stopped_by != StopReason::kInterrupted) return r;
    REQUIRE(!bytes.empty());
    auto back = decode_checkpoint(bytes, kKey, "test");
    REQUIRE(back.ok());
    saved = std::move(back.value());
    REQUIRE(*pieces < 100000);
  }
}

void same_when_resumed(const std::shared_ptr<const Scenario>& s, ExploreOptions o) {
  o.workers = 1;
  // Unminimized: the schedules compared are those the searches found (the test's polls
  // would also stop a minimization).
  o.minimize = false;
  const std::string whole = describe(explore(s, o));
  for (int stop_at : {1, 2, 7}) {
    CAPTURE(stop_at);
    int pieces = 0;
    const ExploreResult r = in_pieces(s, o, stop_at, &pieces);
    if (stop_at == 1) CHECK(pieces > 1);
    CHECK(describe(r) == whole);
  }
}

}  // namespace

TEST_CASE("checkpoint: a search resumed from any poll ends as one never stopped") {
  const auto s = testing::load_shipped("session-2-customers-3-branches.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kSession;
  SUBCASE("plain") {
    same_when_resumed(s, o);
  }
  SUBCASE("stack kept every 3 levels") {
    o.checkpoint_every = 3;
    same_when_resumed(s, o);
  }
  SUBCASE("fifo") {
    o.fifo = true;
    same_when_resumed(s, o);
  }
  SUBCASE("async, keep going, a drop") {
    const auto small = testing::load_shipped("moving-customer-3-branches.json");
    o.protocol = ProtocolKind::kAsync;
    o.keep_going = true;
    o.faults.drops = 1;
    same_when_resumed(small, o);
    int pieces = 0;
    CHECK(!in_pieces(small, o, 5, &pieces).counterexamples.empty());
  }
  SUBCASE("max depth") {
    o.max_depth = 5;
    same_when_resumed(s, o);
  }
}

TEST_CASE("checkpoint: the file refuses another key and every torn copy") {
  ExploreFrontier f;
  f.stats.transitions = 12;
  f.stats.terminal = 3;
  f.stats.max_depth = 4;
  f.counterexamples.push_back(Counterexample{Property::kLiveness, "detail", {1, 2, 3}, false});
  f.visited = {5, 9, 700};
  f.path = {1, 2};
  f.unexplored = {{3}, {}, {4, 5}};
  const std::string bytes = encode_checkpoint(kKey, f);
  auto back = decode_checkpoint(bytes, kKey, "F");
  REQUIRE(back.ok());
  CHECK(encode_checkpoint(kKey, back.value()) == bytes);
  CHECK(back.value().counterexamples[0].schedule == std::vector<uint64_t>{1, 2, 3});

  CheckpointKey other = kKey;
  other.version = "2.0";
  auto refused = decode_checkpoint(bytes, other, "F");
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("F: written by banksim 1.0, this is banksim 2.0") == 0);
  other = kKey;
  other.scenario = "fedcba9876543210";
  refused = decode_checkpoint(bytes, other, "F");
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("F: of another scenario") == 0);
  other = kKey;
  other.options = "protocol y";
  refused = decode_checkpoint(bytes, other, "F");
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("F: made with other search options") == 0);

  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK(!decode_checkpoint(bytes.substr(0, n), kKey, "F").ok());
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[n] = static_cast<char>(flipped[n] ^ (1 << bit));
      CHECK(!decode_checkpoint(flipped, kKey, "F").ok());
    }
  }
}
