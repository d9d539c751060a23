// The World's armed timers (robust protocol): a list sorted by id, which is the order
// choices and replays see, plus an index by key, because actors name a timer by what it
// waits for (TimerKey) when they set or cancel it. The index is an open-addressing table
// in one flat vector, so copying a World (the explorer does it per new state) stays a
// copy of two small arrays. It is only ever looked up, never iterated: nothing decides an
// order from it.
//
// Timers mostly go in arming order, so erasing from the sorted list would move its whole
// tail each time: a disarmed timer is marked dead in place instead, and the list is
// compacted once the dead outnumber the armed (amortised constant time).
//
// Invariant: at most one armed timer per key (arming a key that is armed re-arms it
// under a fresh id); slots_ holds exactly the keys of the live entries of list_.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <vector>

#include "protocol/effects.h"

namespace banksim {

// A timer an actor armed (effects.h). Ids are assigned in arming order, never reused; a
// re-armed timer gets a fresh id.
struct ArmedTimer {
  uint64_t id = 0;
  TimerKey key;
  bool live = true;  // false: disarmed, waiting for the list's next compaction
};

class ArmedTimers {
 public:
  bool empty() const { return size() == 0; }
  size_t size() const { return list_.size() - dead_; }
  // Calls f(const ArmedTimer&) for each armed timer, by increasing id.
  template <class F>
  void for_each(F&& f) const {
    for (const ArmedTimer& t : list_) {
      if (t.live) f(t);
    }
  }
  // Whether pred(t) holds for some armed timer.
  template <class P>
  bool any_of(P&& pred) const {
    return std::any_of(list_.begin(), list_.end(),
                       [&](const ArmedTimer& t) { return t.live && pred(t); });
  }

  const ArmedTimer* find(uint64_t id) const {
    auto it = lower(id);
    return it == list_.end() || it->id != id || !it->live ? nullptr : &*it;
  }

  // Arms `key` under `id`, which must be larger than every id armed so far.
  void arm(const TimerKey& key, uint64_t id) {
    assert(list_.empty() || list_.back().id < id);
    disarm(key);
    list_.push_back(ArmedTimer{id, key});
    if ((size() + 1) * 2 > slots_.size()) grow();
    insert_slot(key, id);
  }

  // Disarms the timer armed under `key`, if any.
  void disarm(const TimerKey& key) {
    if (empty()) return;
    const size_t at = probe(key);
    if (!slots_[at].used) return;
    erase_id(slots_[at].id);
    erase_slot(at);
  }

  // Disarms the timer with this id (it fired), which must be armed.
  void remove(uint64_t id) {
    const ArmedTimer* t = find(id);
    assert(t != nullptr);
    const size_t at = probe(t->key);
    assert(slots_[at].used && slots_[at].id == id);
    erase_slot(at);
    erase_id(id);
  }

 private:
  struct Slot {
    TimerKey key;
    uint64_t id = 0;
    bool used = false;
  };

  std::vector<ArmedTimer>::const_iterator lower(uint64_t id) const {
    return std::lower_bound(list_.begin(), list_.end(), id,
                            [](const ArmedTimer& t, uint64_t v) { return t.id < v; });
  }
  void erase_id(uint64_t id) {
    auto it = std::lower_bound(list_.begin(), list_.end(), id,
                               [](const ArmedTimer& t, uint64_t v) { return t.id < v; });
    assert(it != list_.end() && it->id == id && it->live);
    it->live = false;
    dead_ += 1;
    if (dead_ > 16 && dead_ > size()) {
      std::erase_if(list_, [](const ArmedTimer& t) { return !t.live; });
      dead_ = 0;
    }
  }

  static uint64_t hash(const TimerKey& k) {
    uint64_t h = static_cast<uint64_t>(k.kind) * 0x9E3779B97F4A7C15ull;
    for (const int64_t v :
         {int64_t{k.owner}, int64_t{k.customer}, int64_t{k.event}, int64_t{k.peer}}) {
      h = (h ^ static_cast<uint64_t>(v)) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    return h;
  }
  size_t mask() const { return slots_.size() - 1; }
  // The slot holding `key`, or the empty slot where it would go. slots_ is never full.
  size_t probe(const TimerKey& key) const {
    size_t at = hash(key) & mask();
    while (slots_[at].used && !(slots_[at].key == key)) at = (at + 1) & mask();
    return at;
  }
  void insert_slot(const TimerKey& key, uint64_t id) {
    const size_t at = probe(key);
    assert(!slots_[at].used);
    slots_[at] = Slot{key, id, true};
  }
  // Linear probing's backward-shift deletion: no tombstones, so probes stay short.
  void erase_slot(size_t at) {
    size_t hole = at;
    for (size_t next = (hole + 1) & mask(); slots_[next].used; next = (next + 1) & mask()) {
      const size_t home = hash(slots_[next].key) & mask();
      // Move `next` into the hole unless its home lies cyclically in (hole, next].
      const bool stays =
          hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (stays) continue;
      slots_[hole] = slots_[next];
      hole = next;
    }
    slots_[hole] = Slot{};
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, old.size() * 2), Slot{});
    for (const Slot& s : old) {
      if (s.used) insert_slot(s.key, s.id);
    }
  }

  std::vector<ArmedTimer> list_;  // sorted by id, dead entries included
  size_t dead_ = 0;               // entries of list_ not live
  std::vector<Slot> slots_;       // size a power of two (or 0), at most half used
};

}  // namespace banksim
