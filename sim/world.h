// World: actor states + messages in flight + what has been observed so far. It knows
// nothing of time or randomness: enabled() lists the choices (deliver message m), and
// apply() performs one. Schedulers decide which: the timed simulator (run), the
// explorer (explore) and the trace player (replay) all drive this same World.
//
// Invariants: message ids are assigned in send order and never reused; in_flight() is
// sorted by id; every in-flight message is addressed to an existing actor.
//
// Not thread-safe, not even its const functions (in_flight() tidies its storage).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/branch.h"
#include "protocol/customer.h"
#include "protocol/effects.h"
#include "protocol/properties.h"
#include "sim/armed_timers.h"
#include "sim/executor.h"
#include "sim/history.h"
#include "sim/monitor.h"
#include "sim/scenario.h"

namespace banksim {

struct WorldOptions {
  ProtocolKind protocol = ProtocolKind::kSync;
  // Serialize every message to protobuf bytes when sent and parse it when delivered.
  bool wire = true;
  bool record_history = true;
  // A query is not delivered while any write is in flight (the seeds' "sleep before
  // querying"): no write request, reply, propagation or ack in the network.
  bool quiescent_queries = false;
  PropertySet properties = PropertySet::all();
  // Keep the per-actor and in-flight hashes that encode() reads up to date. Schedulers
  // that never fingerprint a state (the timed simulator) turn this off and save a
  // rehash of the receiver and of every message on each step.
  bool fingerprint = true;
  // Keep every violation. When false, only the first of each property is kept (in the
  // order found) and the rest are only counted (violation_count()): a long run that
  // breaks a property often then keeps a bounded list instead of one per message.
  bool keep_every_violation = true;
  // Who performs each delivery (sim/executor.h). nullptr: every actor in this process
  // (InProcessExecutor). Not owned; outlives the World and its copies.
  Executor* executor = nullptr;
};

// Trivially copyable, so copying a World's network is one memcpy. The wire bytes, when
// WorldOptions::wire, live in a pool beside it (World::wire_bytes()).
struct InFlight {
  uint64_t id = 0;
  Message msg;
};

// What a choice does. Delivery is the default; the others are faults (README: faults).
enum class ChoiceKind : uint8_t {
  kDeliver = 0,
  kDrop,       // the message is lost
  kDuplicate,  // the network delivers a copy later: a new message with a fresh id
  kCrash,      // a branch loses its volatile state and every message addressed to it
  kRestart,    // a crashed branch comes back from its durable state
  kPartition,  // the links between two sides of the branches are cut
  kHeal,       // the partition ends
  // Not a fault: a retransmission timer fires (robust protocol; effects.h TimerKey).
  // Enabled only when what the timer waits for can no longer arrive (World::timer_enabled).
  kTimer,
};
constexpr int kChoiceKindCount = 8;
// Branches that can crash or take part in a partition (bit masks).
constexpr int32_t kMaxFaultBranches = 56;

// A choice point.
struct Choice {
  uint64_t message_id = 0;  // deliver, drop, duplicate; timer: the armed timer's id
  ChoiceKind kind = ChoiceKind::kDeliver;
  int32_t branch = 0;  // crash, restart: the branch index
  uint64_t side = 0;   // partition: bit b set = branch b on the first side (bit 0 is set)
  friend bool operator==(const Choice&, const Choice&) = default;
};

// A choice as one 64-bit schedule entry: a delivery is its message id, unchanged (so a
// schedule without faults is the list of delivered ids it always was); a fault (or a
// timer) keeps its kind in the top 8 bits and its operand (message id, branch index, side
// mask or timer id) below.
uint64_t pack_choice(const Choice& c);
Choice unpack_choice(uint64_t step);
// (A step whose top byte is no fault kind is a delivery of that id: an id a trace names
// that no World could reach, which replay reports as not in flight.)
constexpr bool is_fault_step(uint64_t step) {
  return (step >> 56) != 0 && (step >> 56) < kChoiceKindCount;
}

// Faults a World has taken, and messages they lost.
struct FaultCounts {
  uint64_t drops = 0, duplicates = 0, crashes = 0, restarts = 0, partitions = 0, heals = 0;
  uint64_t lost = 0;  // messages lost: in flight to a crashing branch, sent to a crashed
                      // one, or sent across a cut link
  uint64_t injected() const { return drops + duplicates + crashes + restarts + partitions + heals; }
  bool operator==(const FaultCounts&) const = default;
};

// The last step's effects are scratch space: copying a World does not copy them (the
// copy's last_observations() is empty until it takes a step), which keeps the
// explorer's World copy per transition cheap.
class ScratchEffects : public Effects {
 public:
  ScratchEffects() = default;
  ScratchEffects(const ScratchEffects&) : Effects() {}
  ScratchEffects& operator=(const ScratchEffects&) {
    clear();
    return *this;
  }
  ScratchEffects(ScratchEffects&&) = default;
  ScratchEffects& operator=(ScratchEffects&&) = default;
  ~ScratchEffects() = default;
};

class World {
 public:
  World(std::shared_ptr<const Scenario> scenario, WorldOptions options);

  // Customers issue their first events. Call once, before anything else.
  void start(int64_t now_us);

  // Appends the enabled choices: deliveries in message id order, then the enabled
  // timers (timer_choices) in timer id order.
  void enabled(std::vector<Choice>* out) const;
  // Appends a kTimer choice for every armed timer that timer_enabled(), in id order.
  void timer_choices(std::vector<Choice>* out) const;
  // Whether an armed timer may fire: what it waits for can no longer arrive, and a
  // retransmission can. A request timer: neither the request nor its reply is in flight,
  // the branch does not hold the request, and that branch is up. A propagation timer:
  // neither the propagation nor its ack is in flight between the two branches, the peer
  // has not buffered it, both are up and their link is not cut. (README: robust.)
  bool timer_enabled(const ArmedTimer& t) const;
  // Armed timers, by id.
  const ArmedTimers& timers() const { return timers_; }
  // Returns nullptr when no timer with that id is armed.
  const ArmedTimer* find_timer(uint64_t timer_id) const;
  // Ids of the timers armed (or re-armed) by the last start() or apply().
  const std::vector<uint64_t>& last_timers_set() const { return last_timers_set_; }
  // The key of the timer the last kTimer choice fired.
  const TimerKey& last_timer() const { return last_timer_; }
  uint64_t timers_fired() const { return timers_fired_; }
  bool can_deliver(const Message& m) const;
  // Returns nullptr when no message with that id is in flight.
  const InFlight* find(uint64_t message_id) const;

  // Delivers a message through the executor, or takes a fault choice. REQUIRES: !halted();
  // for a delivery find(c.message_id) and can_deliver() of it; for a fault fault_allowed(c).
  void apply(const Choice& c, int64_t now_us);
  // The executor failed to perform the last apply() (a remote backend failed): the step
  // took no effect and the execution cannot go on; executor().failure() says why.
  bool halted() const { return halted_; }
  Executor& executor() const {
    return options_.executor != nullptr ? *options_.executor : InProcessExecutor::instance();
  }
  // Whether fault choice `c` can be taken now: drop/duplicate of a message in flight;
  // crash of a running branch; restart of a crashed one; a partition when none is on
  // (a proper side mask holding branch 0); heal while one is on. (kTimer: an armed timer
  // that timer_enabled().)
  bool fault_allowed(const Choice& c) const;

  // Nothing in flight, no branch down, no partition: the execution is over.
  bool quiescent() const { return in_flight_.size() == holes_ && down_ == 0 && side_ == 0; }
  // Judges the quiescence properties. REQUIRES: quiescent(). Call once.
  void finish(int64_t now_us);

  // Sorted by id. O(in flight) after deliveries (it closes their holes), else O(1).
  std::span<const InFlight> in_flight() const {
    if (holes_ > 0) close_holes();
    return in_flight_;
  }
  // The protobuf bytes of in_flight()[index]. REQUIRES: options().wire.
  const std::string& wire_bytes(size_t index) const {
    if (holes_ > 0) close_holes();
    return wire_pool_[wire_slot_[index]];
  }
  // The messages sent by the last start() or apply(), oldest first.
  std::span<const InFlight> last_sent() const;
  // The message delivered by the last apply(), and what the step observed.
  const Message& last_delivered() const { return last_delivered_; }
  // The id of that message (for timelines: a schedule is a list of these ids).
  uint64_t last_delivered_id() const { return last_delivered_id_; }
  // The last choice apply() took (a delivery or a fault).
  const Choice& last_choice() const { return last_choice_; }
  const FaultCounts& faults() const { return faults_; }
  // The message the last drop or duplicate choice took (for timelines).
  const InFlight& last_fault_message() const { return last_fault_message_; }
  bool down(int32_t branch) const { return branch < 64 && ((down_ >> branch) & 1) != 0; }
  uint64_t down_mask() const { return down_; }
  // The partition's first side (bit mask), or 0 when the network is whole.
  uint64_t partition_side() const { return side_; }
  // Whether a message from `from` to `to` is lost to the partition (branch links only:
  // customers are the test harness, their links are never cut).
  bool cut(ActorIndex from, ActorIndex to) const;
  // Empty in a copy that has taken no step since it was copied.
  const std::vector<Observation>& last_observations() const { return effects_.observations(); }

  const Scenario& scenario() const { return *scenario_; }
  const std::shared_ptr<const Scenario>& scenario_ptr() const { return scenario_; }
  const WorldOptions& options() const { return options_; }
  // The in-process branch states. Under a remote executor they stay at their initial
  // states (the branches live in their processes): ask executor().balances().
  const std::vector<Branch>& branches() const { return branches_; }
  const BankLayout& bank() const { return *bank_; }
  const std::vector<Customer>& customers() const { return customers_; }
  const Monitor& monitor() const { return monitor_; }
  const History& history() const { return history_; }
  History take_history() { return std::move(history_); }
  const std::vector<Violation>& violations() const { return violations_; }
  // Violations of `p` found so far, kept or not.
  uint64_t violation_count(Property p) const { return violation_counts_[static_cast<size_t>(p)]; }
  uint64_t delivered() const { return delivered_; }
  uint64_t sent() const { return next_id_; }
  // In-flight messages that are part of a write (request/reply of a write, propagate, ack).
  int64_t write_traffic() const { return gate_.write_traffic(); }

  // Money is never created or destroyed in flight: the replicas plus the writes still
  // travelling (or buffered) equal the initial money plus every successful write, once
  // per replica. Returns false when that fails (an engine or protocol bug). O(branches):
  // the travelling writes are summed as they are sent and delivered.
  bool money_conserved() const;

  // Canonical encoding of actor states, in-flight messages (as a multiset, ids and
  // bytes excluded) and the monitor's ghost state. REQUIRES: options().fingerprint.
  void encode(StateEncoder& enc) const;

  // What apply(c) would change, without copying the World: the receiver, a scratch copy
  // of the monitor and the in-flight multiset's hash. The explorer asks it before it
  // copies a World for a transition, and skips the copy when the successor was seen.
  struct PeekScratch {
    std::optional<Branch> branch;
    std::optional<Customer> customer;
    Monitor::Delta monitor;  // the ghost bits the step sets (no copy of the monitor)
    Effects effects;
  };
  // Puts into `enc` (cleared first) exactly what encode() of the World after apply(c)
  // would put. Returns false, with `enc` unspecified, when that step would find a
  // violation (the caller applies it for real to record it), and for a fault choice or a
  // World that has taken a fault (apply() alone handles those).
  // REQUIRES: as apply(), and options().fingerprint; options().wire off (the receiver sees
  // the struct).
  bool peek_encode(const Choice& c, StateEncoder& enc, PeekScratch& scratch) const;

  // Serialization entry point: WorldWire (sim/world_wire.h) writes every field needed to
  // rebuild this World exactly (not a replay from the root) and restores them; the states
  // of `banksim explore --mpi` travel between processes that way.
  friend class WorldWire;

 private:
  // Hands the delivery to the executor. False when it failed (see halted()).
  bool dispatch(const Delivery& d, Effects& out);
  void apply_fault(const Choice& c);
  void fire_timer(const Choice& c, int64_t now_us);
  // Removes in_flight_[index] without delivering it (drop, crash), keeping the counters.
  void discard(size_t index);
  void absorb(Effects& effects, int64_t now_us);
  // A message's wire fields hashed to 64 bits (ids, bytes and delay excluded).
  static uint64_t message_hash(const Message& m);
  // Recomputes actor_hash_[a] from the actor's canonical encoding.
  void rehash_actor(ActorIndex a);
  // A delivered message stays in in_flight_ as a hole (to < 0, id kept, so the vector
  // stays sorted by id) until close_holes() removes every hole in one pass. apply()
  // closes them once they are half the vector: a delivery costs O(1) amortized instead
  // of shifting everything sent after the message.
  static bool is_hole(const InFlight& f) { return f.msg.to < 0; }
  void close_holes() const;
  // Counts violations_[first...] (just found) and drops those options_ does not keep.
  void count_violations(size_t first);

  std::shared_ptr<const Scenario> scenario_;
  WorldOptions options_;
  std::shared_ptr<const BankLayout> bank_;  // the scenario as the actors see it
  std::vector<Branch> branches_;
  std::vector<Customer> customers_;
  // Holes are not observable: every accessor skips or closes them, so they are mutable.
  mutable std::vector<InFlight> in_flight_;  // sorted by id, with `holes_` holes
  mutable size_t holes_ = 0;
  // When options_.wire: wire_slot_[i] is the pool slot holding in_flight_[i]'s bytes.
  // A delivered message's slot goes back to wire_free_, so the pool holds as many
  // buffers as messages were ever in flight at once, each allocated once and reused.
  mutable std::vector<uint32_t> wire_slot_;
  std::vector<std::string> wire_pool_;
  std::vector<uint32_t> wire_free_;
  uint64_t in_flight_hash_ = 0;  // sum of message_hash() over in_flight_ (if fingerprint)
  // Sum of the deltas of in-flight propagations, for money_conserved() in O(branches).
  __int128 in_flight_propagated_ = 0;
  std::vector<uint64_t> actor_hash_;  // per actor: digest of its encoding, kept current
  size_t last_sent_count_ = 0;
  uint64_t next_id_ = 0;
  uint64_t delivered_ = 0;
  QuiescentGate gate_;
  Message last_delivered_;
  uint64_t last_delivered_id_ = 0;
  ScratchEffects effects_;
  Monitor monitor_;
  History history_;
  std::vector<Violation> violations_;
  std::array<uint64_t, kPropertyCount> violation_counts_{};
  bool finished_ = false;
  bool halted_ = false;
  // Faults. down_ and side_ are bit masks over branches (< kMaxFaultBranches).
  Choice last_choice_;
  InFlight last_fault_message_;
  FaultCounts faults_;
  uint64_t down_ = 0;
  uint64_t side_ = 0;
  // Money that faults took out of the network (dropped or lost propagations, buffered
  // writes lost in a crash, duplicates a protocol ignored) minus what they added
  // (duplicated propagations): money_conserved() counts it as held.
  __int128 fault_money_ = 0;
  // Timers (robust). Not encoded: they mirror actor state (a waiting customer's request,
  // a branch's unacknowledged propagations), which is.
  ArmedTimers timers_;
  uint64_t next_timer_id_ = 0;
  std::vector<uint64_t> last_timers_set_;
  TimerKey last_timer_;
  uint64_t timers_fired_ = 0;
};

}  // namespace banksim
