#include <doctest/doctest.h>

#include "sim/prng.h"

using banksim::Prng;

TEST_CASE("prng: the same seed gives the same sequence, pinned") {
  Prng a(42), b(42);
  for (int i = 0; i < 1000; ++i) CHECK(a.next() == b.next());
  // Pinned: a change to the generator or its seeding changes every trace; make it loud.
  Prng c(42);
  CHECK(c.next() == 1546998764402558742ULL);
}
