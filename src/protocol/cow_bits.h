// CowBits: a fixed-size bitset whose copies share storage until written (copy on write),
// in chunks of 4,096 bits. The explorer keeps a copy of the World per search level; the
// big per-actor and ghost bitsets (a branch's receipts, the monitor's writes applied at
// each branch) change a bit or two per step, so a copy costs a pointer and a step copies
// one chunk and the chunk table of the bitset it writes, not the whole bitset. A chunk
// never written is not allocated (it reads as zeros). A bitset of up to 256 bits is kept
// inline instead (copying it is cheaper than sharing it).
//
// Copies may live in different threads as long as each copy is used by one thread at a
// time: shared storage is never written (a writer copies it first), and use_count() == 1
// means no other copy can appear while this one is being written.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace banksim {

class CowBits {
 public:
  static constexpr size_t kChunkWords = 64;  // 4,096 bits, 512 bytes

  CowBits() = default;
  explicit CowBits(size_t bits) : bits_(bits) {}

  size_t bits() const { return bits_; }
  size_t words() const { return (bits_ + 63) / 64; }

  bool test(size_t i) const {
    assert(i < bits_);
    return (word(i / 64) >> (i % 64)) & 1u;
  }

  // The 64-bit word `w` (bits 64w .. 64w + 63).
  uint64_t word(size_t w) const {
    if (is_inline()) return inline_[w];
    if (table_ == nullptr) return 0;
    const Chunk* c = table_->chunks[w / kChunkWords].get();
    return c == nullptr ? 0 : (*c)[w % kChunkWords];
  }

  void set(size_t i) {
    assert(i < bits_);
    if (is_inline()) {
      inline_[i / 64] |= uint64_t{1} << (i % 64);
      return;
    }
    if (test(i)) return;  // no copy for a bit already set
    mutable_word(i / 64) |= uint64_t{1} << (i % 64);
  }

  // Calls f(word) for every word in order (unallocated chunks as zeros).
  template <typename F>
  void for_each_word(F&& f) const {
    const size_t n = words();
    if (is_inline()) {
      for (size_t w = 0; w < n; ++w) f(inline_[w]);
      return;
    }
    if (table_ == nullptr) {
      for (size_t w = 0; w < n; ++w) f(uint64_t{0});
      return;
    }
    for (size_t k = 0; k * kChunkWords < n; ++k) {
      const Chunk* c = table_->chunks[k].get();
      const size_t end = std::min(n - k * kChunkWords, kChunkWords);
      for (size_t w = 0; w < end; ++w) f(c == nullptr ? uint64_t{0} : (*c)[w]);
    }
  }

  friend bool operator==(const CowBits& a, const CowBits& b) {
    if (a.bits_ != b.bits_) return false;
    if (!a.is_inline() && a.table_ == b.table_) return true;
    for (size_t w = 0; w < a.words(); ++w) {
      if (a.word(w) != b.word(w)) return false;
    }
    return true;
  }

 private:
  static constexpr size_t kInlineWords = 4;
  using Chunk = std::array<uint64_t, kChunkWords>;
  struct Table {
    std::vector<std::shared_ptr<Chunk>> chunks;  // nullptr: all zeros
  };

  uint64_t& mutable_word(size_t w) {
    if (table_ == nullptr) {
      table_ = std::make_shared<Table>();
      table_->chunks.resize((words() + kChunkWords - 1) / kChunkWords);
    } else if (table_.use_count() > 1) {
      table_ = std::make_shared<Table>(*table_);  // shares every chunk
    }
    std::shared_ptr<Chunk>& c = table_->chunks[w / kChunkWords];
    if (c == nullptr) {
      c = std::make_shared<Chunk>();  // zeros
    } else if (c.use_count() > 1) {
      c = std::make_shared<Chunk>(*c);
    }
    return (*c)[w % kChunkWords];
  }

  bool is_inline() const { return bits_ <= 64 * kInlineWords; }

  size_t bits_ = 0;
  std::array<uint64_t, kInlineWords> inline_{};  // the bits when is_inline()
  std::shared_ptr<Table> table_;                 // otherwise; nullptr: all zeros
};

// CowBitRows: `rows` bitsets of `bits` bits each (the monitor's writes applied per
// branch). Small (up to 16 KiB in all) they are one flat vector, copied whole, which is
// cheaper than sharing; larger, each row is a CowBits.
class CowBitRows {
 public:
  static constexpr size_t kFlatWords = 2048;

  CowBitRows() = default;
  CowBitRows(size_t rows, size_t bits) : words_((bits + 63) / 64) {
    if (rows * words_ <= kFlatWords) {
      flat_.assign(rows * words_, 0);
    } else {
      big_.assign(rows, CowBits(bits));
    }
  }
  CowBitRows(const CowBitRows&) = default;
  CowBitRows(CowBitRows&&) = default;
  CowBitRows& operator=(CowBitRows&&) = default;
  ~CowBitRows() = default;
  // The explorer copies monitors on its hot path: a small one copies only its flat words.
  CowBitRows& operator=(const CowBitRows& o) {
    words_ = o.words_;
    flat_ = o.flat_;
    if (!big_.empty() || !o.big_.empty()) big_ = o.big_;
    return *this;
  }

  bool test(size_t row, size_t i) const {
    if (big_.empty()) return (flat_[row * words_ + i / 64] >> (i % 64)) & 1u;
    return big_[row].test(i);
  }
  void set(size_t row, size_t i) {
    if (big_.empty()) {
      flat_[row * words_ + i / 64] |= uint64_t{1} << (i % 64);
    } else {
      big_[row].set(i);
    }
  }

  // Every word, row by row, as if the rows were one flat vector.
  template <typename F>
  void for_each_word(F&& f) const {
    if (big_.empty()) {
      for (uint64_t w : flat_) f(w);
      return;
    }
    for (const CowBits& row : big_) row.for_each_word(f);
  }

 private:
  size_t words_ = 0;  // per row
  std::vector<uint64_t> flat_;
  std::vector<CowBits> big_;
};

}  // namespace banksim
