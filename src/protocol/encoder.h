// Canonical state encoding: a sequence of fixed-width 64-bit words in a fixed field
// order, collections sorted. Equal states encode to equal words. The encoder hashes the
// words as they come (our own multiply-rotate mixing, never std::hash); the explorer
// reads only digest() and tells the encoder not to keep the words. Never hash protobuf
// bytes or padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace banksim {

// The murmur3 64-bit finalizer.
inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// One word folded into a running hash; finish() mixes in the word count.
constexpr uint64_t kHashSeed = 0x243f6a8885a308d3ULL;
inline uint64_t hash_step(uint64_t h, uint64_t w) {
  uint64_t k = w * 0x87c37b91114253d5ULL;
  k = (k << 31) | (k >> 33);
  h ^= k * 0x4cf5ad432745937fULL;
  return ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
}
inline uint64_t hash_finish(uint64_t h, size_t n) {
  return fmix64(h ^ (static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ULL));
}

class StateEncoder {
 public:
  // keep_words = false: only the digest (the explorer's hot path).
  explicit StateEncoder(bool keep_words = true) : keep_(keep_words) {}

  void put(uint64_t w) {
    h_ = hash_step(h_, w);
    ++n_;
    if (keep_) [[unlikely]] keep(w);
  }
  // put() of words[0], ..., words[n - 1], with the running hash kept in a register (a
  // loop of put() stores it on every word: the words might alias it).
  void put_words(const uint64_t* words, size_t n) {
    if (keep_) [[unlikely]] {
      for (size_t i = 0; i < n; ++i) put(words[i]);
      return;
    }
    uint64_t h = h_;
    for (size_t i = 0; i < n; ++i) h = hash_step(h, words[i]);
    h_ = h;
    n_ += n;
  }
  void put_signed(int64_t v) { put(static_cast<uint64_t>(v)); }
  // Two 32-bit values packed into one word.
  void put_pair(uint32_t hi, uint32_t lo) { put((static_cast<uint64_t>(hi) << 32) | lo); }

  // The 64-bit fingerprint of the words put since the last clear().
  uint64_t digest() const { return hash_finish(h_, n_); }
  size_t size() const { return n_; }
  // REQUIRES: keep_words.
  const std::vector<uint64_t>& words() const { return words_; }
  void clear() {
    words_.clear();
    h_ = kHashSeed;
    n_ = 0;
  }

 private:
  [[gnu::noinline]] void keep(uint64_t w) { words_.push_back(w); }

  bool keep_;
  uint64_t h_ = kHashSeed;
  size_t n_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace banksim
