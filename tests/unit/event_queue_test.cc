// EventQueue: deliveries come out by virtual time, and equal times in push order (the
// sequence number), including when pushes and pops interleave.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/event_queue.h"
#include "sim/prng.h"

using banksim::EventQueue;
using banksim::Prng;
using banksim::QueuedDelivery;

// The entry a queue holding `model` must give next: the smallest (time, seq).
std::vector<QueuedDelivery>::iterator first_out(std::vector<QueuedDelivery>& model) {
  return std::min_element(model.begin(), model.end(),
                          [](const QueuedDelivery& a, const QueuedDelivery& b) {
                            return a.time_us != b.time_us ? a.time_us < b.time_us : a.seq < b.seq;
                          });
}

TEST_CASE("event queue: earlier time first, then push order") {
  EventQueue q;
  CHECK(q.empty());
  q.push(30, 100);
  q.push(10, 101);
  q.push(20, 102);
  q.push(10, 103);
  q.push(30, 104);
  q.push(10, 105);
  CHECK(q.size() == 6);
  CHECK(q.top().message_id == 101);
  std::vector<uint64_t> ids;
  std::vector<int64_t> times;
  while (!q.empty()) {
    const QueuedDelivery d = q.pop();
    ids.push_back(d.message_id);
    times.push_back(d.time_us);
  }
  CHECK(ids == std::vector<uint64_t>{101, 103, 105, 102, 100, 104});
  CHECK(times == std::vector<int64_t>{10, 10, 10, 20, 30, 30});
}

TEST_CASE("event queue: sequence numbers count pushes, so equal times keep push order") {
  EventQueue q;
  for (uint64_t i = 0; i < 50; ++i) q.push(7, 1000 - i);
  uint64_t expected_seq = 0;
  while (!q.empty()) {
    const QueuedDelivery d = q.pop();
    CHECK(d.seq == expected_seq);
    CHECK(d.message_id == 1000 - expected_seq);
    ++expected_seq;
  }
}

TEST_CASE("event queue: random pushes and pops match a stable sort by time") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Prng p(seed);
    EventQueue q;
    std::vector<QueuedDelivery> model;  // what is in the queue, in push order
    uint64_t seq = 0;
    int64_t now = 0;
    for (int step = 0; step < 2000; ++step) {
      if (model.empty() || p.chance(3, 5)) {
        // Like the scheduler: never in the past; few distinct times so ties are common.
        const int64_t t = now + p.between(0, 5);
        q.push(t, seq + 10000);
        model.push_back(QueuedDelivery{t, seq, seq + 10000});
        ++seq;
      } else {
        const auto best = first_out(model);
        const QueuedDelivery got = q.pop();
        REQUIRE(got.time_us == best->time_us);
        REQUIRE(got.seq == best->seq);
        REQUIRE(got.message_id == best->message_id);
        CHECK(got.time_us >= now);
        now = got.time_us;
        model.erase(best);
      }
      REQUIRE(q.size() == model.size());
    }
  }
}

TEST_CASE("event queue: push_fifo entries interleave with push entries as one push order") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Prng p(seed);
    EventQueue q;
    std::vector<QueuedDelivery> model;
    uint64_t seq = 0;
    int64_t now = 0;
    int64_t fifo_last = 0;
    for (int step = 0; step < 2000; ++step) {
      if (model.empty() || p.chance(3, 5)) {
        const int64_t t = now + p.between(0, 5);
        const bool fifo = t >= fifo_last && p.chance(1, 2);
        if (fifo) {
          q.push_fifo(t, seq + 10000);
          fifo_last = t;
        } else {
          q.push(t, seq + 10000);
        }
        model.push_back(QueuedDelivery{t, seq, seq + 10000});
        ++seq;
      } else {
        const auto best = first_out(model);
        REQUIRE(q.top().message_id == best->message_id);
        const QueuedDelivery got = q.pop();
        REQUIRE(got.time_us == best->time_us);
        REQUIRE(got.seq == best->seq);
        REQUIRE(got.message_id == best->message_id);
        now = got.time_us;
        model.erase(best);
      }
      REQUIRE(q.size() == model.size());
    }
  }
}
