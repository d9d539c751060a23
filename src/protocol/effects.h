// What an actor does in reply to one input: messages to send and observations for the
// history. Actors never perform I/O; the scheduler interprets these effects.
#pragma once

#include <vector>

#include "protocol/message.h"

namespace banksim {

// A fact an actor reports for the history. Times are added by whoever runs the actor.
enum class ObservationKind : uint8_t {
  kIssue = 0,  // a customer sent a request (branch = target branch)
  kServe = 1,  // a branch decided a request (success; balance seen or after the write)
  kApply = 2,  // a branch applied a write to its replica (balance after; origin = served here)
  kReply = 3,  // a customer received the reply (success; balance)
};

struct Observation {
  ObservationKind kind = ObservationKind::kIssue;
  Interface iface = Interface::kQuery;
  bool success = false;
  int32_t customer = 0;
  int32_t event = 0;
  int32_t branch = 0;
  Money money = 0;    // the event's amount
  Money balance = 0;  // kServe/kReply: balance seen or after; kApply: balance after
  friend bool operator==(const Observation&, const Observation&) = default;
};

// A retransmission timer (robust protocol). The state machine never reads a clock: it
// asks its scheduler to arm a timer (set) or disarm it (cancel), and is told when one
// fires (Branch/Customer::on_timer). A timer is named by what it waits for:
//   kRequest:   customer `customer` waits for the reply to its event `event`, sent to
//               branch `peer` (owner: the customer's actor index);
//   kPropagate: branch `owner` waits for branch `peer` to acknowledge the propagation of
//               (customer, event).
// Setting a timer that is armed re-arms it (a fresh deadline in a timed run).
struct TimerKey {
  MessageKind kind = MessageKind::kRequest;
  ActorIndex owner = 0;
  int32_t customer = 0;
  int32_t event = 0;
  int32_t peer = 0;
  friend bool operator==(const TimerKey&, const TimerKey&) = default;
};

struct TimerEffect {
  TimerKey key;
  bool set = true;  // false: cancel
  friend bool operator==(const TimerEffect&, const TimerEffect&) = default;
};

class Effects {
 public:
  void send(const Message& m) { sends_.push_back(m); }
  void set_timer(const TimerKey& k) { timers_.push_back(TimerEffect{k, true}); }
  void cancel_timer(const TimerKey& k) { timers_.push_back(TimerEffect{k, false}); }
  // Timer effects in the order the actor made them.
  const std::vector<TimerEffect>& timers() const { return timers_; }
  void observe(const Observation& o) { observations_.push_back(o); }
  const std::vector<Message>& sends() const { return sends_; }
  const std::vector<Observation>& observations() const { return observations_; }
  void clear() {
    sends_.clear();
    observations_.clear();
    timers_.clear();
  }

 private:
  std::vector<Message> sends_;
  std::vector<Observation> observations_;
  std::vector<TimerEffect> timers_;
};

}  // namespace banksim
