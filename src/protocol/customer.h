// Customer: issues its events one at a time, each after the previous reply, as a pure
// state machine. The events are configuration (owned by the scenario, which outlives
// the customer); the state is which event is next and what the customer has written.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "protocol/bank_layout.h"
#include "protocol/effects.h"
#include "protocol/encoder.h"
#include "protocol/message.h"
#include "protocol/types.h"

namespace banksim {

class Customer {
 public:
  // REQUIRES: every events[i].branch < branch_count.
  // retransmit (the robust protocol): each request arms a timer (effects.h, TimerKey
  // kRequest); when it fires the request is sent again, same (customer, event) id.
  Customer(int32_t index, int32_t branch_count, std::span<const Event> events,
           bool retransmit = false);

  // Issues the first event, if any. Called once, before any message.
  void start(Effects& out);
  // REQUIRES: m is a reply to this customer. One that is not to the outstanding request
  // (a duplicate the network made) is ignored.
  void on_message(const Message& m, Effects& out);
  // A timer this customer armed fired: the outstanding request goes again (and the timer
  // is armed again). A timer of an event no longer outstanding is ignored.
  void on_timer(const TimerKey& k, Effects& out);
  // The timer of the outstanding request (retransmit only).
  TimerKey request_timer() const;

  bool waiting() const { return waiting_; }
  bool done() const { return !waiting_ && next_ == static_cast<int32_t>(events_.size()); }
  int32_t next_event() const { return next_; }
  int32_t writes_done() const { return writes_done_; }
  ActorIndex actor() const { return branch_count_ + index_; }

  // Why this customer, in its current state, must not consume `m`, or nullopt when it may:
  // a customer accepts only the reply to its outstanding event, from the branch that event
  // went to. `bank` is the bank it belongs to (names by user-facing ids). The simulator
  // asserts that no delivery is refused; the gRPC driver refuses with this reason.
  // repeats_possible: as Branch::refuse; a reply to an event no longer outstanding (a
  // duplicate) is then accepted (on_message ignores it).
  std::optional<std::string> refuse(const Message& m, const BankLayout& bank,
                                    bool repeats_possible = false) const;

  void encode(StateEncoder& enc) const;
  bool operator==(const Customer& o) const {
    return index_ == o.index_ && next_ == o.next_ && waiting_ == o.waiting_ &&
           writes_done_ == o.writes_done_;
  }

 private:
  friend class WorldWire;  // sim/world_wire.h: a World's compact serialization
  void issue(Effects& out);
  Message request() const;  // the outstanding event's request

  int32_t index_;
  int32_t branch_count_;
  std::span<const Event> events_;
  int32_t next_ = 0;         // index of the next event to issue, or of the outstanding one
  bool waiting_ = false;     // a request is outstanding
  int32_t writes_done_ = 0;  // successful writes so far (sent with requests: session)
  bool retransmit_ = false;
};

}  // namespace banksim
