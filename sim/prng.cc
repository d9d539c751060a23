#include "sim/prng.h"

#include <cassert>

namespace banksim {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Prng::Prng(uint64_t seed) {
  uint64_t sm = seed;
  for (uint64_t& w : s_) w = splitmix64(sm);
}

Prng Prng::from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
  assert((s0 | s1 | s2 | s3) != 0);
  Prng p(0);
  p.s_[0] = s0;
  p.s_[1] = s1;
  p.s_[2] = s2;
  p.s_[3] = s3;
  return p;
}

namespace {
inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t Prng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Prng::below(uint64_t bound) {
  assert(bound > 0);
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Prng::between(int64_t lo, int64_t hi) {
  assert(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

bool Prng::chance(uint64_t numerator, uint64_t denominator) {
  assert(denominator > 0);
  if (numerator >= denominator) return true;
  return below(denominator) < numerator;
}

int64_t ln_q32(uint64_t x) {
  assert(x >= 1);
  assert(x <= (1ULL << 32));
  // x = 2^e * m with m in [1, 2): log2(x) = e + log2(m); bits of log2(m) by squaring.
  int e = 63 - __builtin_clzll(x);
  // m in Q62 fixed point.
  unsigned __int128 m = static_cast<unsigned __int128>(x) << (62 - e);
  const unsigned __int128 two = static_cast<unsigned __int128>(1) << 63;
  uint64_t frac = 0;  // log2(m) in Q32
  for (int bit = 31; bit >= 0; --bit) {
    m = (m * m) >> 62;
    if (m >= two) {
      m >>= 1;
      frac |= 1ULL << bit;
    }
  }
  // log2(x / 2^32) in Q32, then times ln 2 (Q32: 2977044472 = round(ln2 * 2^32)).
  const int64_t log2_q32 = (static_cast<int64_t>(e) - 32) * (int64_t{1} << 32) +
                           static_cast<int64_t>(frac);
  return static_cast<int64_t>((static_cast<__int128>(log2_q32) * 2977044472LL) >> 32);
}

int64_t Prng::exponential(int64_t mean) {
  assert(mean >= 0);
  if (mean == 0) return 0;
  // U uniform in (0, 1] as k / 2^32 with k in [1, 2^32]; X = -mean * ln(U).
  const uint64_t k = below(1ULL << 32) + 1;
  const int64_t neg_ln = -ln_q32(k);  // Q32, >= 0
  const __int128 scaled = static_cast<__int128>(neg_ln) * mean;
  int64_t value = static_cast<int64_t>((scaled + (static_cast<__int128>(1) << 31)) >> 32);
  const int64_t cap = mean > INT64_MAX / 32 ? INT64_MAX : mean * 32;
  return value > cap ? cap : value;
}

Prng Prng::fork() { return Prng(next()); }

}  // namespace banksim
