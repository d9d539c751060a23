// EventQueue: pending deliveries ordered by (virtual time, sequence number). The
// sequence number is assigned at push, so equal times keep push order: a total,
// explicit order that never depends on addresses or container iteration.
//
// A 4-ary min-heap: half the depth of a binary heap, and a node's four children share
// a cache line or two, so a pop touches fewer lines. (time, seq) is a strict total order
// (seq is unique), so the pop order is the same whatever the heap's shape.
//
// Entries whose times never decrease (robust's retransmission timers: always "now plus
// one period") may go through push_fifo() instead: a plain queue beside the heap, O(1) per
// push and pop, which keeps them out of the heap the messages sift through. Both share
// one sequence counter and pop() takes the smaller (time, seq) of the two fronts, so the
// order is exactly the one push() alone would give.
#pragma once

#include <cassert>
#include <cstdint>
#include <deque>
#include <vector>

namespace banksim {

struct QueuedDelivery {
  int64_t time_us = 0;
  uint64_t seq = 0;
  uint64_t message_id = 0;
};

class EventQueue {
 public:
  void push(int64_t time_us, uint64_t message_id) {
    heap_.push_back(QueuedDelivery{time_us, next_seq_++, message_id});
    sift_up(heap_.size() - 1);
  }
  // REQUIRES: time_us is at least the time of every earlier push_fifo().
  void push_fifo(int64_t time_us, uint64_t message_id) {
    assert(fifo_.empty() || fifo_.back().time_us <= time_us);
    fifo_.push_back(QueuedDelivery{time_us, next_seq_++, message_id});
  }
  bool empty() const { return heap_.empty() && fifo_.empty(); }
  size_t size() const { return heap_.size() + fifo_.size(); }
  const QueuedDelivery& top() const {
    assert(!empty());
    return fifo_first() ? fifo_.front() : heap_.front();
  }
  QueuedDelivery pop() {
    assert(!empty());
    if (fifo_first()) {
      const QueuedDelivery out = fifo_.front();
      fifo_.pop_front();
      return out;
    }
    const QueuedDelivery out = heap_.front();
    const QueuedDelivery last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(last);
    return out;
  }

 private:
  static constexpr size_t kArity = 4;

  static bool before(const QueuedDelivery& a, const QueuedDelivery& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.seq < b.seq;
  }
  // Whether the next entry out is the fifo's front.
  bool fifo_first() const {
    return !fifo_.empty() && (heap_.empty() || before(fifo_.front(), heap_.front()));
  }
  // Moves the hole at i up to where heap_[i]'s value belongs.
  void sift_up(size_t i) {
    const QueuedDelivery v = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / kArity;
      if (!before(v, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = v;
  }
  // Places `v` starting from a hole at the root.
  void sift_down(const QueuedDelivery& v) {
    const size_t n = heap_.size();
    size_t i = 0;
    while (true) {
      const size_t first = kArity * i + 1;
      if (first >= n) break;
      const size_t end = first + kArity < n ? first + kArity : n;
      size_t best = first;
      for (size_t c = first + 1; c < end; ++c) {
        if (before(heap_[c], heap_[best])) best = c;
      }
      if (!before(heap_[best], v)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = v;
  }

  std::vector<QueuedDelivery> heap_;
  std::deque<QueuedDelivery> fifo_;  // times never decrease
  uint64_t next_seq_ = 0;
};

}  // namespace banksim
