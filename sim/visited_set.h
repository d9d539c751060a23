// VisitedSet: the explorer's set of state fingerprints. Open addressing with linear
// probing over a power-of-two table of 8-byte slots, grown at 3/4 load, so a stored
// state costs 10.7 to 21 bytes (16 on average). Fingerprint 0 is remapped (0 marks an
// empty slot). Iteration order is never used: lookup only.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

namespace banksim {

class VisitedSet {
 public:
  explicit VisitedSet(size_t initial_capacity = 1 << 16) {
    size_t cap = 16;
    while (cap < initial_capacity) cap <<= 1;
    slots_.assign(cap, 0);
  }

  // Inserts; returns true when the fingerprint was not there before.
  bool insert(uint64_t fp) {
    if (fp == 0) fp = 1;
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    return insert_into(slots_, fp);
  }
  bool contains(uint64_t fp) const {
    if (fp == 0) fp = 1;
    const size_t mask = slots_.size() - 1;
    for (size_t i = fp & mask;; i = (i + 1) & mask) {
      if (slots_[i] == fp) return true;
      if (slots_[i] == 0) return false;
    }
  }
  size_t size() const { return size_; }
  size_t bytes() const { return slots_.size() * sizeof(uint64_t); }

 private:
  bool insert_into(std::vector<uint64_t>& table, uint64_t fp) {
    const size_t mask = table.size() - 1;
    for (size_t i = fp & mask;; i = (i + 1) & mask) {
      if (table[i] == fp) return false;
      if (table[i] == 0) {
        table[i] = fp;
        ++size_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<uint64_t> bigger(slots_.size() * 2, 0);
    const size_t old_size = size_;
    size_ = 0;
    for (uint64_t fp : slots_) {
      if (fp != 0) insert_into(bigger, fp);
    }
    assert(size_ == old_size);
    (void)old_size;
    slots_.swap(bigger);
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace banksim
