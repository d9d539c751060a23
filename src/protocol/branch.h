// Branch: one replica of the bank balance, as a pure state machine.
//
// on_message() consumes one Message and reports what it sends and what it observed in
// an Effects; it reads no clock, no random number, no file. The state is a copyable
// value with a canonical encoding, so the simulator, the explorer and the gRPC server
// run this same code.
//
// Protocols (ProtocolKind):
//   sync:    a write is applied, propagated to every peer, and replied to once every
//            peer has acknowledged it.
//   async:   a write is applied, replied to at once, and propagated in the background.
//   session: a request carries the number of writes its customer has completed; the
//            branch holds it until that many of the customer's writes are applied here.
//            Writes of one customer are applied everywhere in the customer's order
//            (monotonic writes), and a query sees the customer's writes (read-your-writes).
// Every protocol: a query's reply carries the balance it saw; a write's reply carries
// only success or failure. A withdraw larger than the serving branch's balance fails, changes
// nothing and is not propagated. A propagated write is applied unconditionally.
#pragma once

#include <vector>

#include "protocol/effects.h"
#include "protocol/encoder.h"
#include "protocol/message.h"
#include "protocol/types.h"

namespace banksim {

struct BranchConfig {
  ProtocolKind protocol = ProtocolKind::kSync;
  int32_t self = 0;  // this branch's index
  int32_t branch_count = 1;
  int32_t customer_count = 0;
};

class Branch {
 public:
  Branch(const BranchConfig& config, Money initial_balance);

  // REQUIRES: m.to == config.self and m.kind is kRequest, kPropagate or kAck.
  void on_message(const Message& m, Effects& out);

  Money balance() const { return balance_; }
  const BranchConfig& config() const { return config_; }
  // Requests held by the session protocol, waiting for writes.
  int held_requests() const { return static_cast<int>(held_.size()); }
  // Writes of `customer` applied here (session protocol only; 0 otherwise).
  int32_t applied_writes(int32_t customer) const;
  // Sum of the deltas of writes received but not yet applied (session buffering). O(1):
  // kept up to date as writes are buffered and drained.
  Money buffered_delta() const { return buffered_delta_; }
  // Session: the held requests and the buffered writes themselves (the explorer's
  // reduction reads which of them read or lower the balance).
  const std::vector<Message>& held() const { return held_; }
  const std::vector<Message>& buffered() const { return buffered_; }

  void encode(StateEncoder& enc) const;
  bool operator==(const Branch& o) const;

 private:
  struct PendingWrite {  // sync: a write waiting for acknowledgements
    int32_t customer;
    int32_t event;
    Interface iface;
    int32_t acks_missing;
    bool operator==(const PendingWrite&) const = default;
  };

  void on_request(const Message& m, Effects& out);
  void on_propagate(const Message& m, Effects& out);
  void on_ack(const Message& m, Effects& out);
  // Serves a request now: decides it, applies a write, propagates, replies (or, under
  // sync, defers the reply until every ack is in).
  void serve(const Message& m, Effects& out);
  void apply_write(int32_t customer, int32_t event, Interface iface, Money money, bool origin,
                   Effects& out);
  void reply(const Message& request, bool success, Effects& out);
  void propagate(const Message& request, Money delta, int32_t seq, Effects& out);
  // Session: applies buffered writes and serves held requests that became ready.
  void drain_session(int32_t customer, Effects& out);

  BranchConfig config_;
  Money balance_;
  std::vector<PendingWrite> pending_;  // sync
  std::vector<int32_t> applied_;       // session: writes applied per customer
  std::vector<Message> held_;          // session: requests waiting for writes, arrival order
  std::vector<Message> buffered_;      // session: writes that arrived ahead of their turn
  Money buffered_delta_ = 0;           // sum of buffered_[i].money (derived, not encoded)
};

}  // namespace banksim
