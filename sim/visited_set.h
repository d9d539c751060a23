// VisitedSet: the explorer's set of state fingerprints. Open addressing with linear
// probing over a table of 8-byte slots, grown by half at 3/4 load, so load stays between
// 1/2 and 3/4 and a stored state costs 10.7 to 16 bytes (the bound: 100 million
// states in 2 GiB). The home slot is the fingerprint scaled to the table size
// (multiply-high), so the size need not be a power of two. Fingerprint 0 is remapped
// (0 marks an empty slot). Iteration order is never used: lookup, and sorted().
//
// With sleep masks (explore --sleep-sets), each slot also has two bytes beside it in a
// parallel array: the members of the state's sleep set that no visit has explored yet
// (a mask over the state's first kSleepBits deliveries in message-content order; see
// Search::sleep_* in sim/explorer.cc), 10 bytes a slot, 13.3 to 20 bytes per state.
#pragma once

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace banksim {

// A sleep set stored with a visited state: bit k stands for the state's k-th delivery in
// message-content order (distinct contents only).
using SleepMask = uint16_t;
constexpr int kSleepBits = 16;

// What a visit of a state with sleep set `mask` must do (VisitedSet::visit).
struct SleepVisit {
  bool fresh = false;     // first visit: explore the persistent set minus `keep`
  SleepMask explore = 0;  // a later visit: the members to explore now (stored minus mask)
  SleepMask keep = 0;     // the sleep set the visit's successors inherit (what is stored now)
};

class VisitedSet {
 public:
  explicit VisitedSet(size_t initial_capacity = 1 << 16, bool masks = false)
      : slots_(initial_capacity < 16 ? 16 : initial_capacity, 0) {
    if (masks) masks_.assign(slots_.size(), 0);
    publish_table();
  }
  // Keeps a sleep mask beside each slot from now on, as the constructor's `masks` does.
  // REQUIRES: the set is empty.
  void keep_masks() {
    assert(size_ == 0);
    masks_.assign(slots_.size(), 0);
  }
  // Copies and moves would leave the hints naming another object's table.
  VisitedSet(const VisitedSet&) = delete;
  VisitedSet& operator=(const VisitedSet&) = delete;

  // Inserts; returns true when the fingerprint was not there before.
  bool insert(uint64_t fp) {
    if (fp == 0) fp = 1;
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    return insert_into(slots_, fp);
  }
  bool contains(uint64_t fp) const {
    if (fp == 0) fp = 1;
    const size_t n = slots_.size();
    for (size_t i = home(fp, n);; i = i + 1 == n ? 0 : i + 1) {
      if (slots_[i] == fp) return true;
      if (slots_[i] == 0) return false;
    }
  }
  // With masks: inserts `fp` with `mask`, or, when it is there, intersects its stored mask
  // with `mask` (Godefroid's state caching with sleep sets; README, "Sleep sets").
  SleepVisit visit(uint64_t fp, SleepMask mask) {
    assert(!masks_.empty());
    if (fp == 0) fp = 1;
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const size_t n = slots_.size();
    for (size_t i = home(fp, n);; i = i + 1 == n ? 0 : i + 1) {
      if (slots_[i] == fp) {
        const SleepMask stored = masks_[i];
        masks_[i] = stored & mask;
        return SleepVisit{false, static_cast<SleepMask>(stored & ~mask), masks_[i]};
      }
      if (slots_[i] == 0) {
        slots_[i] = fp;
        masks_[i] = mask;
        ++size_;
        return SleepVisit{true, 0, mask};
      }
    }
  }
  // The stored mask of `fp`, or -1 when it is not in the set. REQUIRES: masks.
  int mask_of(uint64_t fp) const {
    if (fp == 0) fp = 1;
    const size_t n = slots_.size();
    for (size_t i = home(fp, n);; i = i + 1 == n ? 0 : i + 1) {
      if (slots_[i] == fp) return masks_[i];
      if (slots_[i] == 0) return -1;
    }
  }
  size_t size() const { return size_; }
  // Asks the cache for the slot where a probe for `fp` starts (a hint; no effect on the set).
  // Safe while another thread inserts (and grows the table) under the shard's lock: it
  // reads only the atomic hints below, never the vector, and a prefetch cannot fault, so
  // a hint that names a table being replaced costs at most a useless cache fill.
  void prefetch(uint64_t fp) const {
    if (fp == 0) fp = 1;
    const uint64_t* table = table_hint_.load(std::memory_order_relaxed);
    const size_t n = size_hint_.load(std::memory_order_relaxed);
    // Computed as an integer: the pointer and the size may come from two different tables.
    const uintptr_t at = reinterpret_cast<uintptr_t>(table) + home(fp, n) * sizeof(uint64_t);
    __builtin_prefetch(reinterpret_cast<const void*>(at));
  }
  // Every fingerprint stored, in ascending order (sorted, so the order is deterministic;
  // for the swarm summaries of banksim merge). 1 stands for a fingerprint 0 too.
  std::vector<uint64_t> sorted() const {
    std::vector<uint64_t> out;
    out.reserve(size_);
    for (uint64_t fp : slots_) {
      if (fp != 0) out.push_back(fp);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  size_t bytes() const {
    return slots_.size() * sizeof(uint64_t) + masks_.size() * sizeof(SleepMask);
  }

 private:
  static size_t home(uint64_t fp, size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(fp) * n) >> 64);
  }
  bool insert_into(std::vector<uint64_t>& table, uint64_t fp) {
    const size_t n = table.size();
    for (size_t i = home(fp, n);; i = i + 1 == n ? 0 : i + 1) {
      if (table[i] == fp) return false;
      if (table[i] == 0) {
        table[i] = fp;
        ++size_;
        return true;
      }
    }
  }
  void grow() {
    // Half again as big: while both tables live, 2.5x the old table (doubling: 3x).
    std::vector<uint64_t> bigger(slots_.size() + slots_.size() / 2, 0);
    const size_t old_size = size_;
    size_ = 0;
    if (masks_.empty()) {
      for (uint64_t fp : slots_) {
        if (fp != 0) insert_into(bigger, fp);
      }
    } else {
      std::vector<SleepMask> bigger_masks(bigger.size(), 0);
      const size_t n = bigger.size();
      for (size_t k = 0; k < slots_.size(); ++k) {
        const uint64_t fp = slots_[k];
        if (fp == 0) continue;
        size_t i = home(fp, n);
        while (bigger[i] != 0) i = i + 1 == n ? 0 : i + 1;
        bigger[i] = fp;
        bigger_masks[i] = masks_[k];
        ++size_;
      }
      masks_.swap(bigger_masks);
    }
    assert(size_ == old_size);
    (void)old_size;
    slots_.swap(bigger);
    publish_table();
  }
  void publish_table() {
    table_hint_.store(slots_.data(), std::memory_order_relaxed);
    size_hint_.store(slots_.size(), std::memory_order_relaxed);
  }

  std::vector<uint64_t> slots_;
  std::vector<SleepMask> masks_;  // empty without sleep masks
  size_t size_ = 0;
  // The table and its size as prefetch() reads them without a lock (see there).
  std::atomic<const uint64_t*> table_hint_{nullptr};
  std::atomic<size_t> size_hint_{0};
};

// Which of `parts` owners (threads' shards here; processes or machines later) holds a
// fingerprint: a function of the fingerprint alone, so every participant agrees on it
// without asking. Bits 6..37, scaled to `parts`: independent of the shard (bits 0..5) and
// of the home slot inside a table (the top bits, multiply-high), so a part's table fills
// evenly. README: "Exploring across machines".
inline uint32_t fingerprint_owner(uint64_t fp, uint32_t parts) {
  return static_cast<uint32_t>((((fp >> 6) & 0xffffffffu) * parts) >> 32);
}

// The visited set shared by the explorer's workers: kShards VisitedSets, each with its
// own lock (taken only when `locking`: one worker needs none). A shard is chosen by the
// fingerprint's low bits, so the shards fill evenly and each keeps VisitedSet's bound
// (at most 16 bytes per state); a shard grows alone, so growth briefly needs 2.5x one
// shard, not of the whole set. Iteration order is never used: lookup, and sorted().
class ShardedVisitedSet {
 public:
  static constexpr uint32_t kShards = 64;

  explicit ShardedVisitedSet(bool locking, bool masks = false)
      : locking_(locking), shards_(new Shard[kShards]) {
    if (masks) {
      for (uint32_t i = 0; i < kShards; ++i) shards_[i].set.keep_masks();
    }
    bytes_.store(shards_[0].set.bytes() * kShards, std::memory_order_relaxed);
  }

  static uint32_t shard_of(uint64_t fp) { return static_cast<uint32_t>(fp % kShards); }

  // Inserts; returns true when the fingerprint was not there before (exactly one caller
  // gets true for a fingerprint, whatever the threads).
  bool insert(uint64_t fp) {
    Shard& s = shards_[shard_of(fp)];
    std::unique_lock<std::mutex> lock(s.m, std::defer_lock);
    if (locking_) lock.lock();
    const size_t before = s.set.bytes();
    const bool fresh = s.set.insert(fp);
    // The table may grow before the probe finds the fingerprint there: count the growth
    // either way (it was lost when the insert found a duplicate).
    const size_t after = s.set.bytes();
    if (after != before) bytes_.fetch_add(after - before, std::memory_order_relaxed);
    if (fresh) size_.fetch_add(1, std::memory_order_relaxed);
    return fresh;
  }
  // VisitedSet::visit, under the shard's lock (one step: insert or intersect).
  SleepVisit visit(uint64_t fp, SleepMask mask) {
    Shard& s = shards_[shard_of(fp)];
    std::unique_lock<std::mutex> lock(s.m, std::defer_lock);
    if (locking_) lock.lock();
    const size_t before = s.set.bytes();
    const SleepVisit v = s.set.visit(fp, mask);
    const size_t after = s.set.bytes();
    if (after != before) bytes_.fetch_add(after - before, std::memory_order_relaxed);
    if (v.fresh) size_.fetch_add(1, std::memory_order_relaxed);
    return v;
  }
  int mask_of(uint64_t fp) const {
    Shard& s = shards_[shard_of(fp)];
    std::unique_lock<std::mutex> lock(s.m, std::defer_lock);
    if (locking_) lock.lock();
    return s.set.mask_of(fp);
  }
  bool contains(uint64_t fp) const {
    Shard& s = shards_[shard_of(fp)];
    std::unique_lock<std::mutex> lock(s.m, std::defer_lock);
    if (locking_) lock.lock();
    return s.set.contains(fp);
  }
  // A hint for a probe soon (VisitedSet::prefetch), taken without the shard's lock: with
  // several workers another may be growing the shard's table meanwhile, which prefetch()
  // tolerates.
  void prefetch(uint64_t fp) const { shards_[shard_of(fp)].set.prefetch(fp); }
  // Exact once the workers have ended; while they run, a recent count.
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  // What bytes() counts, summed over the shards' tables. Call with no worker running.
  size_t table_bytes() const {
    size_t total = 0;
    for (size_t i = 0; i < kShards; ++i) total += shards_[i].set.bytes();
    return total;
  }
  // Call with no worker running.
  std::vector<uint64_t> sorted() const {
    std::vector<uint64_t> out;
    out.reserve(size());
    for (uint32_t i = 0; i < kShards; ++i) {
      const std::vector<uint64_t> part = shards_[i].set.sorted();
      out.insert(out.end(), part.begin(), part.end());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct alignas(64) Shard {
    std::mutex m;
    VisitedSet set{1024};
  };
  bool locking_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<size_t> size_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace banksim
