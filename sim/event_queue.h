// EventQueue: pending deliveries ordered by (virtual time, sequence number). The
// sequence number is assigned at push, so equal times keep push order: a total,
// explicit order that never depends on addresses or container iteration.
#pragma once

#include <cassert>
#include <cstdint>
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
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const QueuedDelivery& top() const {
    assert(!heap_.empty());
    return heap_.front();
  }
  QueuedDelivery pop() {
    assert(!heap_.empty());
    const QueuedDelivery out = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return out;
  }

 private:
  static bool before(const QueuedDelivery& a, const QueuedDelivery& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.seq < b.seq;
  }
  void sift_up(size_t i) {
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!before(heap_[i], heap_[parent])) return;
      std::swap(heap_[i], heap_[parent]);
      i = parent;
    }
  }
  void sift_down(size_t i) {
    const size_t n = heap_.size();
    while (true) {
      const size_t l = 2 * i + 1;
      if (l >= n) return;
      size_t best = l;
      if (l + 1 < n && before(heap_[l + 1], heap_[l])) best = l + 1;
      if (!before(heap_[best], heap_[i])) return;
      std::swap(heap_[i], heap_[best]);
      i = best;
    }
  }

  std::vector<QueuedDelivery> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace banksim
