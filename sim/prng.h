// The one source of randomness: xoshiro256** seeded through SplitMix64, with
// distributions written here in integer arithmetic so that a seed gives the same
// numbers with every compiler and standard library. Never use <random>'s
// distributions or the C library generator in banksim.
#pragma once

#include <cstdint>

namespace banksim {

uint64_t splitmix64(uint64_t& state);

class Prng {
 public:
  explicit Prng(uint64_t seed);
  // A generator in exactly this state, not seeded through SplitMix64 (for checking the
  // generator against the reference implementation's published outputs).
  // REQUIRES: not all zero.
  static Prng from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);

  uint64_t next();
  // Uniform in [0, bound). REQUIRES: bound > 0. Unbiased (Lemire's method).
  uint64_t below(uint64_t bound);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t between(int64_t lo, int64_t hi);
  // True with probability numerator/denominator. REQUIRES: 0 < denominator.
  bool chance(uint64_t numerator, uint64_t denominator);
  // Exponentially distributed with the given mean, rounded to an integer and capped at
  // 32 * mean (a bound on every delay). REQUIRES: mean >= 0.
  int64_t exponential(int64_t mean);
  // A child generator for a subsystem, independent of later draws from this one.
  Prng fork();

 private:
  uint64_t s_[4];
};

// ln(x / 2^32) * 2^32 for 1 <= x <= 2^32, computed with integers only (result <= 0).
int64_t ln_q32(uint64_t x);

}  // namespace banksim
