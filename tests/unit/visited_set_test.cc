// VisitedSet: a set (each fingerprint inserted once, 0 included), and the memory bound
// the explorer relies on: at most 16 bytes per stored state once past the initial table.
#include <doctest/doctest.h>

#include "sim/fingerprint.h"
#include "sim/prng.h"
#include "sim/visited_set.h"

using namespace banksim;

TEST_CASE("visited set: inserts once, finds what it holds, stays within 16 bytes per state") {
  VisitedSet set(16);
  Prng prng(7);
  std::vector<uint64_t> kept;
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t fp = prng.next();
    REQUIRE(set.insert(fp));
    if (i % 1000 == 0) kept.push_back(fp);
    CHECK(set.bytes() <= 16 * set.size() + 16 * sizeof(uint64_t));
  }
  CHECK(set.size() == 200'000);
  for (uint64_t fp : kept) {
    CHECK(set.contains(fp));
    CHECK_FALSE(set.insert(fp));
  }
  CHECK_FALSE(set.contains(0x123456789abcdefull));
  // 0 marks an empty slot inside; it is still a fingerprint like any other.
  CHECK(set.insert(0));
  CHECK(set.contains(0));
  CHECK_FALSE(set.insert(0));
  CHECK(set.size() == 200'001);
  // Load never above 3/4: at least 10.6 bytes per state.
  CHECK(set.bytes() * 3 >= set.size() * sizeof(uint64_t) * 4);
}

TEST_CASE("state encoder: the streamed digest equals the fingerprint of the kept words") {
  StateEncoder kept;
  StateEncoder streamed(/*keep_words=*/false);
  Prng prng(3);
  for (int i = 0; i < 100; ++i) {
    const uint64_t w = prng.next();
    kept.put(w);
    streamed.put(w);
    CHECK(kept.digest() == fingerprint(kept.words()));
    CHECK(streamed.digest() == kept.digest());
  }
  CHECK(streamed.size() == 100);
  // Order and length matter.
  StateEncoder a, b, c;
  a.put(1);
  a.put(2);
  b.put(2);
  b.put(1);
  c.put(1);
  c.put(2);
  c.put(0);
  CHECK(a.digest() != b.digest());
  CHECK(a.digest() != c.digest());
  streamed.clear();
  CHECK(streamed.digest() == StateEncoder().digest());
}
