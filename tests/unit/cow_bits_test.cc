// CowBits and CowBitRows (protocol/cow_bits.h): copies share storage until written, and
// every copy reads as its own value.
#include <doctest/doctest.h>

#include <vector>

#include "protocol/cow_bits.h"

using namespace banksim;

namespace {
std::vector<uint64_t> words_of(const CowBits& b) {
  std::vector<uint64_t> out;
  b.for_each_word([&](uint64_t w) { out.push_back(w); });
  return out;
}
}  // namespace

TEST_CASE("CowBits: a copy written does not change the original, in or out of a chunk") {
  for (size_t bits : {size_t{100}, size_t{256}, size_t{257}, size_t{20'000}}) {
    CowBits a(bits);
    CHECK(words_of(a) == std::vector<uint64_t>(a.words(), 0));
    a.set(3);
    CowBits b = a;
    b.set(bits - 1);
    b.set(3);  // already set: nothing changes
    CHECK(a.test(3));
    CHECK(!a.test(bits - 1));
    CHECK(b.test(bits - 1));
    CHECK(b.test(3));
    CHECK(!(a == b));
    a.set(bits - 1);
    CHECK(a == b);
    CowBits c = b;  // shares b's storage
    c.set(bits / 2);
    CHECK(!b.test(bits / 2));
    CHECK(c.test(bits / 2));
    std::vector<uint64_t> expected(c.words(), 0);
    for (size_t i : {size_t{3}, bits - 1, bits / 2}) expected[i / 64] |= uint64_t{1} << (i % 64);
    CHECK(words_of(c) == expected);
  }
}

TEST_CASE("CowBitRows: flat or per-row, the same words in the same order") {
  for (size_t bits : {size_t{64}, size_t{100'000}}) {  // flat; rows of CowBits
    CowBitRows a(3, bits);
    a.set(1, 5);
    CowBitRows b = a;
    b.set(2, bits - 1);
    CHECK(a.test(1, 5));
    CHECK(!a.test(2, bits - 1));
    CHECK(b.test(2, bits - 1));
    std::vector<uint64_t> words;
    b.for_each_word([&](uint64_t w) { words.push_back(w); });
    const size_t per_row = (bits + 63) / 64;
    REQUIRE(words.size() == 3 * per_row);
    for (size_t i = 0; i < words.size(); ++i) {
      uint64_t expected = 0;
      if (i == per_row) expected = uint64_t{1} << 5;
      if (i == 3 * per_row - 1) expected |= uint64_t{1} << ((bits - 1) % 64);
      CHECK(words[i] == expected);
    }
    b = a;  // assignment, flat or not
    CHECK(!b.test(2, bits - 1));
  }
}
