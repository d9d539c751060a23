// Checkpoint and resume: a search stopped at any poll and resumed from its checkpoint
// (through the file format) ends with the counts and counterexamples of a search never
// stopped, with one worker or several before and after each stop; the file refuses
// another key, an older format and any truncation or bit flip.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
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
// each time (encoded and decoded), until it ends by itself; the first run with
// `first_workers`, the resumed ones with `o.workers`. Returns the last result and sets
// *pieces to the number of runs and *most_stacks to the most stacks a checkpoint held.
ExploreResult in_pieces(const std::shared_ptr<const Scenario>& s, ExploreOptions o, int stop_at,
                        int* pieces, uint32_t first_workers = 0, size_t* most_stacks = nullptr) {
  std::optional<ExploreFrontier> saved;
  *pieces = 0;
  const uint32_t workers = o.workers;
  while (true) {
    o.workers = *pieces == 0 && first_workers > 0 ? first_workers : workers;
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
    if (most_stacks != nullptr) *most_stacks = std::max(*most_stacks, saved->stacks.size());
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

// The counts and the properties a search found, without their schedules: unminimized,
// which schedule a search with several workers meets first depends on thread timing.
std::string counts_and_properties(ExploreResult r) {
  std::string out;
  for (const Counterexample& c : r.counterexamples) {
    out += std::string(property_name(c.property)) + " ";
  }
  r.counterexamples.clear();
  return describe(r) + " / " + out;
}

// As same_when_resumed, with several workers: a search of 2 (or 1, or 3) workers stopped
// and resumed with 2 (or 1) at every stop. The counts and violated properties of a
// complete search depend neither on the worker count (README: "Workers") nor on where
// the searches stopped; each worker's stack and every queued task must be in the
// checkpoint for that.
void same_when_resumed_by_workers(const std::shared_ptr<const Scenario>& s, ExploreOptions o) {
  o.workers = 1;
  o.minimize = false;
  const ExploreResult one = explore(s, o);
  REQUIRE(one.stats.complete());
  const std::string whole = counts_and_properties(one);
  size_t most_stacks = 0;
  struct Case {
    uint32_t first, then;
    int stop_at;
  };
  for (const Case& c :
       {Case{2, 2, 1}, Case{2, 2, 3}, Case{2, 1, 1}, Case{1, 2, 2}, Case{3, 2, 2}}) {
    CAPTURE(c.first);
    CAPTURE(c.then);
    CAPTURE(c.stop_at);
    o.workers = c.then;
    int pieces = 0;
    const ExploreResult r = in_pieces(s, o, c.stop_at, &pieces, c.first, &most_stacks);
    CHECK(pieces > 1);
    CHECK(r.stats.workers == c.then);
    CHECK(counts_and_properties(r) == whole);
  }
  // Some checkpoint held more than one worker's work (a stack or a queued task).
  CHECK(most_stacks > 1);
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

TEST_CASE("checkpoint: several workers' searches resumed with any worker count") {
  // Spaces of thousands of transitions (a poll every kPollEvery), so that the workers
  // share the search between the stops.
  const auto s = testing::load_shipped("session-2-customers-3-branches.json");
  ExploreOptions o;
  o.protocol = ProtocolKind::kSession;
  o.keep_going = true;
  SUBCASE("a crash, keep going") {
    o.faults.crashes = 1;
    same_when_resumed_by_workers(s, o);
  }
  SUBCASE("a crash, stack kept every 3 levels") {
    o.faults.crashes = 1;
    o.checkpoint_every = 3;
    same_when_resumed_by_workers(s, o);
  }
  SUBCASE("async, a drop") {
    o.protocol = ProtocolKind::kAsync;
    o.faults.drops = 1;
    same_when_resumed_by_workers(s, o);
  }
}

TEST_CASE("checkpoint: the file refuses another key and every torn copy") {
  ExploreFrontier f;
  f.stats.transitions = 12;
  f.stats.terminal = 3;
  f.stats.max_depth = 4;
  f.counterexamples.push_back(Counterexample{Property::kLiveness, "detail", {1, 2, 3}, false});
  f.visited = {5, 9, 700};
  f.stacks.push_back(ExploreStack{{}, {1, 2}, {{3}, {}, {4, 5}}});
  f.stacks.push_back(ExploreStack{{7, 8}, {}, {{9, 10}}});
  const std::string bytes = encode_checkpoint(kKey, f);
  auto back = decode_checkpoint(bytes, kKey, "F");
  REQUIRE(back.ok());
  CHECK(encode_checkpoint(kKey, back.value()) == bytes);
  CHECK(back.value().counterexamples[0].schedule == std::vector<uint64_t>{1, 2, 3});
  REQUIRE(back.value().stacks.size() == 2);
  CHECK(back.value().stacks[0].path == std::vector<uint64_t>{1, 2});
  CHECK(back.value().stacks[0].unexplored[2] == std::vector<uint64_t>{4, 5});
  CHECK(back.value().stacks[1].base == std::vector<uint64_t>{7, 8});
  CHECK(back.value().stacks[1].unexplored[0] == std::vector<uint64_t>{9, 10});

  // An older format, checksummed as it was written: refused in one line.
  std::string old = bytes.substr(0, bytes.size() - 8);
  const size_t format_at = std::string("banksim-checkpoint\n").size();
  old[format_at] = 1;
  const uint64_t sum = std::strtoull(checkpoint_digest(old).c_str(), nullptr, 16);
  for (int i = 0; i < 8; ++i) old.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  auto refused_old = decode_checkpoint(old, kKey, "F");
  REQUIRE(!refused_old.ok());
  CHECK(refused_old.error().message ==
        "F: checkpoint format 1, this banksim reads format 2 (written by an older banksim); it "
        "cannot be resumed");

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
