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

class Effects {
 public:
  void send(const Message& m) { sends_.push_back(m); }
  void observe(const Observation& o) { observations_.push_back(o); }
  const std::vector<Message>& sends() const { return sends_; }
  const std::vector<Observation>& observations() const { return observations_; }
  void clear() {
    sends_.clear();
    observations_.clear();
  }

 private:
  std::vector<Message> sends_;
  std::vector<Observation> observations_;
};

}  // namespace banksim
