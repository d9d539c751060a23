// 64-bit fingerprints of canonical state encodings (protocol/encoder.h): each word is
// folded in with a multiply-rotate step and the result is finished with the murmur3
// 64-bit finalizer. fingerprint(words) equals StateEncoder::digest() of the same words.
// Collision risk: with n distinct states, about n^2 / 2^65 (1e8 states: ~3e-4).
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/encoder.h"

namespace banksim {

inline uint64_t fingerprint(const uint64_t* words, size_t n) {
  uint64_t h = kHashSeed;
  for (size_t i = 0; i < n; ++i) h = hash_step(h, words[i]);
  return hash_finish(h, n);
}

inline uint64_t fingerprint(const std::vector<uint64_t>& words) {
  return fingerprint(words.data(), words.size());
}

}  // namespace banksim
