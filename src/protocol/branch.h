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
//   robust:  session, made to survive drops, duplicates, partitions and crashes. A request
//            is deduplicated by its (customer, event) id: a repeat of the last request of
//            its customer served here gets the remembered reply again (a write is applied
//            once), an older one is ignored. Every propagation is kept until its peer
//            acknowledges it and retransmitted when its timer fires (effects.h TimerKey);
//            a receiver acknowledges a propagation once it has applied it (again for a
//            repeat). Durable: balance, writes applied per customer, the last reply per
//            customer, the unacknowledged propagations (BranchDurable).
// Every protocol: a query's reply carries the balance it saw; a write's reply carries
// only success or failure. A withdraw larger than the serving branch's balance fails, changes
// nothing and is not propagated. A propagated write is applied unconditionally.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bank_layout.h"
#include "protocol/cow_bits.h"
#include "protocol/effects.h"
#include "protocol/encoder.h"
#include "protocol/message.h"
#include "protocol/types.h"

namespace banksim {

// The most branches a bank has (the scenario's limit too).
constexpr int32_t kMaxBranchesPerBank = 256;

// What a branch keeps across a crash (written before it sends anything that depends on
// it): the balance and, under session, how many writes of each customer it applied, so
// that it can tell a write it applied from one it did not. Everything else (sync's
// pending acks, session's held requests and buffered writes) is volatile: lost in a crash.
// Robust: the reply last served here to one customer (event -1: none yet).
struct ServedReply {
  int32_t event = -1;
  bool success = false;
  Money money = 0;  // the reply's money field (a query's balance; 0 for a write)
  bool operator==(const ServedReply&) const = default;
};

// Robust: a propagation not yet acknowledged by `peer`.
struct Unacked {
  int32_t customer = 0;
  int32_t event = 0;
  int32_t peer = 0;
  int32_t seq = 0;  // the customer's write number
  Interface iface = Interface::kDeposit;
  Money delta = 0;
  bool operator==(const Unacked&) const = default;
};

struct BranchDurable {
  Money balance = 0;
  std::vector<int32_t> applied{};     // session, robust: writes applied per customer; else empty
  std::vector<ServedReply> served{};  // robust: last reply per customer; empty otherwise
  std::vector<Unacked> unacked{};     // robust: sorted by (customer, event, peer)
  bool operator==(const BranchDurable&) const = default;
};

struct BranchConfig {
  ProtocolKind protocol = ProtocolKind::kSync;
  int32_t self = 0;  // this branch's index
  int32_t branch_count = 1;
  int32_t customer_count = 0;
  // The bank this branch belongs to, for refuse(); outlives the branch. Without it (a
  // branch built alone, as in protocol tests) refuse() is unavailable and no receipts
  // are kept.
  const BankLayout* bank = nullptr;
};

class Branch {
 public:
  Branch(const BranchConfig& config, Money initial_balance);
  // A branch restarted after a crash: its durable part only, nothing volatile.
  // REQUIRES: durable came from durable() of a branch with the same config.
  Branch(const BranchConfig& config, const BranchDurable& durable);
  Branch(const Branch&) = default;
  Branch(Branch&&) = default;
  Branch& operator=(Branch&&) = default;
  ~Branch() = default;
  // Hot: the explorer copies a branch into reused scratch space on every transition it
  // peeks at, and most of these vectors are empty under any one protocol: an empty one is
  // cleared inline instead of copied (no allocation either way once the space is warm).
  Branch& operator=(const Branch& o) {
    config_ = o.config_;
    balance_ = o.balance_;
    assign(pending_, o.pending_);
    assign(applied_, o.applied_);
    assign(held_, o.held_);
    assign(buffered_, o.buffered_);
    buffered_delta_ = o.buffered_delta_;
    assign(served_, o.served_);
    assign(unacked_, o.unacked_);
    receipts_ = o.receipts_;
    return *this;
  }

  // The part of the state that survives a crash.
  BranchDurable durable() const { return BranchDurable{balance_, applied_, served_, unacked_}; }

  // REQUIRES: m.to == config.self and m.kind is kRequest, kPropagate or kAck.
  // Messages a faulty network can produce are tolerated: a duplicate or stale ack (sync:
  // of a write no longer pending) is ignored; under session a write request or a
  // propagation already applied, or already held or buffered, is ignored (session
  // deduplicates by sequence number; sync and async do not, and apply a duplicate twice).
  void on_message(const Message& m, Effects& out);
  // on_message() without updating the receipts (below), which only refuse() reads and
  // encode() leaves out: for a copy that is encoded and thrown away (the explorer's peek
  // at a successor's fingerprint). The copy's refuse() is then unspecified.
  void on_message_unreceipted(const Message& m, Effects& out) { step(m, out); }
  // Robust: a timer this branch armed fired (TimerKey kPropagate): the propagation goes
  // to its peer again, and the timer is armed again. One already acknowledged: ignored.
  // A restarted branch's timers are those of its unacknowledged propagations (the World
  // keeps them across the crash; a down branch's timers do not fire).
  void on_timer(const TimerKey& k, Effects& out);
  // Robust: whether the request of (customer, event) is held here.
  bool holds(int32_t customer, int32_t event) const;
  // Robust: the unacknowledged propagations.
  const std::vector<Unacked>& unacked() const { return unacked_; }

  // Session, robust: a propagation this branch has applied or buffered already (a duplicate the
  // network made), which on_message() ignores. Always false under sync and async.
  bool already_has(const Message& propagation) const;

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

  // Why this branch, in its current state, must not consume `m`, or nullopt when it may.
  // Refused: anything the protocol would never send here: another receiver, an unknown
  // sender, customer or event, a request not from its customer or for another branch, an
  // amount or delta the event does not have, a duplicate request or propagate, a request
  // while the customer's previous one is held, a session write number out of turn, an ack
  // not expected (sync: one per peer a write was propagated to), a reply. Actors and
  // events are named by their user-facing ids. REQUIRES: config().bank.
  // The simulator asserts that no delivery is ever refused (that would be a protocol
  // bug); the gRPC server refuses such messages from the network with this reason.
  // repeats_possible: the network may have duplicated a message or lost state in a crash
  // (a World with faults). A duplicate or stale message (a request, propagate or ack seen
  // before or no longer expected) is then a real delivery the protocol must handle, and
  // only the message's form is checked.
  std::optional<std::string> refuse(const Message& m, bool repeats_possible = false) const;

 private:
  // sim/world_wire.h: the compact serialization of a World (banksim explore --mpi) reads
  // and restores every field below.
  friend class WorldWire;
  struct PendingWrite {  // sync: a write waiting for acknowledgements
    int32_t customer;
    int32_t event;
    Interface iface;
    int32_t acks_missing;
    // Receipts (see below): the peers whose ack is still due, a bit per branch index.
    // Not encoded: acks_missing counts them.
    std::array<uint64_t, kMaxBranchesPerBank / 64> acks_due{};
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
  // Robust.
  void on_request_robust(const Message& m, Effects& out);
  void on_propagate_robust(const Message& m, Effects& out);
  void on_ack_robust(const Message& m, Effects& out);
  // Session, robust: keeps a request until its customer's earlier writes are applied, and
  // a propagation that arrived ahead of its customer's earlier ones.
  void step(const Message& m, Effects& out);  // on_message() but the receipts
  void hold(const Message& request);
  void buffer(const Message& propagation);
  // A reply to `request` (reply() decides success and money, and remembers it under robust).
  void send_reply(const Message& request, bool success, Money money, Effects& out);
  void send_ack(const Message& propagation, Effects& out);
  TimerKey propagate_timer(const Unacked& u) const;
  Message propagation(const Unacked& u) const;
  bool session_like() const {
    return config_.protocol == ProtocolKind::kSession || config_.protocol == ProtocolKind::kRobust;
  }
  // refuse()'s parts and its receipts (below).
  std::string event_name(int32_t customer, int32_t event) const;
  std::optional<std::string> refuse_request(const Message& m, bool repeats_possible) const;
  std::optional<std::string> refuse_propagate(const Message& m, bool repeats_possible) const;
  std::optional<std::string> refuse_ack(const Message& m, bool repeats_possible) const;
  // Whether a request (propagate) of (customer, event) was consumed here; see receipts_.
  bool consumed(MessageKind kind, int32_t customer, int32_t event) const;
  size_t receipt_bit(MessageKind kind, int32_t customer, int32_t event) const;
  void keep_receipts(const Message& m, const Effects& out, size_t first_send);
  PendingWrite* find_pending(int32_t customer, int32_t event);
  template <typename T>
  static void assign(std::vector<T>& to, const std::vector<T>& from) {
    if (from.empty()) {
      to.clear();
    } else if (&to != &from) {
      to = from;
    }
  }
  static uint64_t ack_bit(int32_t peer) {
    return uint64_t{1} << (static_cast<uint32_t>(peer) % 64);
  }

  // (Every member is copied by operator=(const Branch&) above: keep it in step.)
  BranchConfig config_;
  Money balance_;
  std::vector<PendingWrite> pending_;  // sync
  std::vector<int32_t> applied_;       // session: writes applied per customer
  std::vector<Message> held_;          // session: requests waiting for writes, arrival order
  std::vector<Message> buffered_;      // session: writes that arrived ahead of their turn
  Money buffered_delta_ = 0;           // sum of buffered_[i].money (derived, not encoded)
  std::vector<ServedReply> served_;    // robust: last reply per customer (durable)
  std::vector<Unacked> unacked_;       // robust: sorted by (customer, event, peer) (durable)

  // Receipts: what refuse() must know of this branch's past beyond the state above. Kept
  // only with config_.bank. Not part of the canonical state (not encoded; operator==
  // sees only the acks still due, through pending_): they follow from the history, and a protocol
  // never sends what its receiver refuses, so two paths to one state accept the same messages.
  // (Held requests and session write numbers need none: held_, applied_ and buffered_ say them.)
  // Two bits per event of the bank (its flat index, BankLayout::first_event): "request
  // consumed here" and "propagate consumed here". Copy on write (protocol/cow_bits.h): the
  // explorer copies branches on every transition and keeps a copy per search level, and a
  // delivery sets one bit, so a copy shares them until then.
  // (The acks still due are in pending_: PendingWrite::acks_due.)
  CowBits receipts_;
};

}  // namespace banksim
