// Robust's retransmission timers in a gRPC node (a branch's serve process, or the
// driver's customers): the state machine asks for set/cancel (effects.h), and here a timer
// is due one fixed delay (--retransmit-ms) after it was last set. Real time only: the
// simulator's World arms the same keys in virtual time (sim/armed_timers.h). Keyed by the
// whole TimerKey, as the World keys them. Every member is called with the owner's mutex
// held; wait_due() releases it while it sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "protocol/effects.h"

namespace banksim {

class RealTimers {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RealTimers(int64_t delay_ms = 0) : delay_(delay_ms) {}
  void set_delay_ms(int64_t delay_ms) { delay_ = std::chrono::milliseconds(delay_ms); }

  // (Re)arms `k`: due one delay from now.
  void set(const TimerKey& k) {
    const bool was_empty = timers_.empty();
    timers_[id(k)] = {k, Clock::now() + delay_};
    // Every deadline is now + one delay, so a new one never precedes those armed: the
    // waiting thread needs waking only when it sleeps with none.
    if (was_empty) cv_.notify_one();
  }
  void cancel(const TimerKey& k) { timers_.erase(id(k)); }
  // Applies a step's timer effects in order.
  void apply(const std::vector<TimerEffect>& effects) {
    for (const TimerEffect& t : effects) t.set ? set(t.key) : cancel(t.key);
  }
  // Wakes wait_due() (to see `stopped` again).
  void wake() { cv_.notify_all(); }

  // The timer thread's loop: on_due(keys) for each batch of due timers (disarmed, in key
  // order), until stopped() holds.
  template <class Stopped, class OnDue>
  void run(std::unique_lock<std::mutex>& lock, Stopped&& stopped, OnDue&& on_due) {
    while (true) {
      const std::vector<TimerKey> due = wait_due(lock, stopped);
      if (due.empty()) return;  // stopped
      on_due(due);
    }
  }

  // Sleeps until a timer is due or stopped() holds; returns the due timers (disarmed), in
  // key order: empty when stopped.
  template <class Stopped>
  std::vector<TimerKey> wait_due(std::unique_lock<std::mutex>& lock, Stopped&& stopped) {
    while (!stopped()) {
      if (timers_.empty()) {
        cv_.wait(lock, [&] { return stopped() || !timers_.empty(); });
        continue;
      }
      auto next = timers_.begin()->second.second;
      for (const auto& [key, t] : timers_) next = std::min(next, t.second);
      cv_.wait_until(lock, next);
      if (stopped()) break;
      const auto now = Clock::now();
      std::vector<TimerKey> due;
      for (auto it = timers_.begin(); it != timers_.end();) {
        if (it->second.second <= now) {
          due.push_back(it->second.first);
          it = timers_.erase(it);
        } else {
          ++it;
        }
      }
      if (!due.empty()) return due;
    }
    return {};
  }

 private:
  using Id = std::tuple<int32_t, int32_t, int32_t, int32_t, int32_t>;
  static Id id(const TimerKey& k) {
    return Id{static_cast<int32_t>(k.kind), k.owner, k.customer, k.event, k.peer};
  }

  std::chrono::milliseconds delay_;
  std::map<Id, std::pair<TimerKey, Clock::time_point>> timers_;
  std::condition_variable cv_;
};

}  // namespace banksim
