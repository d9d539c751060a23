// Canonical state encoding: a sequence of fixed-width 64-bit words in a fixed field
// order, collections sorted. Equal states encode to equal words; the explorer hashes
// the words into a fingerprint. Never hash protobuf bytes or padding.
#pragma once

#include <cstdint>
#include <vector>

namespace banksim {

class StateEncoder {
 public:
  void put(uint64_t w) { words_.push_back(w); }
  void put_signed(int64_t v) { words_.push_back(static_cast<uint64_t>(v)); }
  // Two 32-bit values packed into one word.
  void put_pair(uint32_t hi, uint32_t lo) {
    words_.push_back((static_cast<uint64_t>(hi) << 32) | lo);
  }
  const std::vector<uint64_t>& words() const { return words_; }
  std::vector<uint64_t>& mutable_words() { return words_; }
  void clear() { words_.clear(); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace banksim
