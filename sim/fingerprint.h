// 64-bit fingerprints of canonical state encodings. Our own mixing (never std::hash,
// whose results differ between standard libraries): each word is folded in with a
// multiply-rotate step and the result is finished with the murmur3 64-bit finalizer.
// Collision risk: with n distinct states, about n^2 / 2^65 (1e8 states: ~3e-4).
#pragma once

#include <cstdint>
#include <vector>

namespace banksim {

inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

inline uint64_t fingerprint(const uint64_t* words, size_t n) {
  uint64_t h = 0x243f6a8885a308d3ULL ^ (n * 0x9e3779b97f4a7c15ULL);
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = words[i] * 0x87c37b91114253d5ULL;
    k = (k << 31) | (k >> 33);
    h ^= k * 0x4cf5ad432745937fULL;
    h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
  }
  return fmix64(h);
}

inline uint64_t fingerprint(const std::vector<uint64_t>& words) {
  return fingerprint(words.data(), words.size());
}

}  // namespace banksim
