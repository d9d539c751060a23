#include "sim/world.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "protocol/codec.h"
#include "sim/fingerprint.h"
#include "sim/scenario_layout.h"

namespace banksim {

static_assert(kMaxBranches <= kMaxBranchesPerBank, "a Branch keeps its acks due for this many");

World::World(std::shared_ptr<const Scenario> scenario, WorldOptions options)
    : scenario_(std::move(scenario)),
      options_(options),
      monitor_(scenario_.get(), options.properties) {
  assert(scenario_ != nullptr);
  const Scenario& s = *scenario_;
  bank_ = make_layout(s, options_.protocol);
  assert(!s.branches.empty());
  branches_.reserve(s.branches.size());
  for (int32_t b = 0; b < s.branch_count(); ++b) {
    branches_.emplace_back(BranchConfig{.protocol = options_.protocol,
                                        .self = b,
                                        .branch_count = s.branch_count(),
                                        .customer_count = s.customer_count(),
                                        .bank = bank_.get()},
                           s.branches[static_cast<size_t>(b)].balance);
  }
  customers_.reserve(s.customers.size());
  for (int32_t c = 0; c < s.customer_count(); ++c) {
    customers_.emplace_back(c, s.branch_count(), s.customers[static_cast<size_t>(c)].events,
                            /*retransmit=*/options_.protocol == ProtocolKind::kRobust);
  }
  history_.scenario = scenario_;
  actor_hash_.resize(static_cast<size_t>(s.actor_count()));
  for (ActorIndex a = 0; a < s.actor_count(); ++a) rehash_actor(a);
}

void World::rehash_actor(ActorIndex a) {
  if (!options_.fingerprint) return;
  StateEncoder enc(/*keep_words=*/false);
  if (a < scenario_->branch_count()) {
    branches_[static_cast<size_t>(a)].encode(enc);
    if (down(a)) enc.put(uint64_t{0xdead});  // only with faults: fault-free states unchanged
  } else {
    customers_[static_cast<size_t>(a - scenario_->branch_count())].encode(enc);
  }
  actor_hash_[static_cast<size_t>(a)] = enc.digest();
}

void World::start(int64_t now_us) {
  assert(next_id_ == 0);
  effects_.clear();
  for (Customer& c : customers_) c.start(effects_);
  for (const Customer& c : customers_) rehash_actor(c.actor());
  last_sent_count_ = 0;
  absorb(effects_, now_us);
}

bool World::can_deliver(const Message& m) const {
  return !options_.quiescent_queries || !gate_.holds(m);
}

void World::enabled(std::vector<Choice>* out) const {
  for (const InFlight& f : in_flight_) {
    if (!is_hole(f) && can_deliver(f.msg)) out->push_back(Choice{f.id});
  }
  if (!timers_.empty()) timer_choices(out);
}

void World::timer_choices(std::vector<Choice>* out) const {
  timers_.for_each([&](const ArmedTimer& t) {
    if (timer_enabled(t)) out->push_back(Choice{t.id, ChoiceKind::kTimer});
  });
}

const ArmedTimer* World::find_timer(uint64_t timer_id) const {
  return timers_.find(timer_id);
}

bool World::timer_enabled(const ArmedTimer& t) const {
  const TimerKey& k = t.key;
  const auto about = [&](const Message& m) {
    return m.customer == k.customer && m.event == k.event;
  };
  if (k.kind == MessageKind::kRequest) {
    if (down(k.peer)) return false;  // a retransmission would be lost
    for (const InFlight& f : in_flight_) {
      if (is_hole(f) || !about(f.msg)) continue;
      if (f.msg.kind == MessageKind::kRequest && f.msg.to == k.peer) return false;
      if (f.msg.kind == MessageKind::kReply && f.msg.to == k.owner) return false;
    }
    return !branches_[static_cast<size_t>(k.peer)].holds(k.customer, k.event);
  }
  assert(k.kind == MessageKind::kPropagate);
  if (down(k.owner) || down(k.peer) || cut(k.owner, k.peer)) return false;
  for (const InFlight& f : in_flight_) {
    if (is_hole(f) || !about(f.msg)) continue;
    if (f.msg.kind == MessageKind::kPropagate && f.msg.from == k.owner && f.msg.to == k.peer) {
      return false;
    }
    if (f.msg.kind == MessageKind::kAck && f.msg.from == k.peer && f.msg.to == k.owner) {
      return false;
    }
  }
  const auto& buffered = branches_[static_cast<size_t>(k.peer)].buffered();
  return std::none_of(buffered.begin(), buffered.end(), [&](const Message& b) { return about(b); });
}

void World::fire_timer(const Choice& c, int64_t now_us) {
  const ArmedTimer* t = find_timer(c.message_id);
  assert(t != nullptr && timer_enabled(*t));
  const TimerKey k = t->key;
  timers_.remove(c.message_id);
  last_timer_ = k;
  timers_fired_ += 1;
  effects_.clear();
  // At the timer's owner, wherever it lives (a remote branch: its process).
  if (!executor().fire_timer(Actors{*bank_, branches_, customers_}, k, effects_)) {
    halted_ = true;
    return;
  }
  rehash_actor(k.owner);
  // A retransmitted propagation puts back in flight money its loss counted as held.
  for (const Message& m : effects_.sends()) {
    if (m.kind == MessageKind::kPropagate) fault_money_ -= m.money;
  }
  last_sent_count_ = 0;
  absorb(effects_, now_us);
}

void World::close_holes() const {
  size_t kept = 0;
  for (size_t i = 0; i < in_flight_.size(); ++i) {
    if (is_hole(in_flight_[i])) continue;
    in_flight_[kept] = in_flight_[i];
    if (options_.wire) wire_slot_[kept] = wire_slot_[i];
    ++kept;
  }
  assert(in_flight_.size() - kept == holes_);
  in_flight_.resize(kept);
  if (options_.wire) wire_slot_.resize(kept);
  holes_ = 0;
}

const InFlight* World::find(uint64_t message_id) const {
  auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), message_id,
                             [](const InFlight& f, uint64_t id) { return f.id < id; });
  if (it == in_flight_.end() || it->id != message_id || is_hole(*it)) return nullptr;
  return &*it;
}

std::span<const InFlight> World::last_sent() const {
  assert(last_sent_count_ <= in_flight_.size());
  return std::span<const InFlight>(in_flight_).last(last_sent_count_);
}

void World::apply(const Choice& c, int64_t now_us) {
  assert(!finished_);
  assert(!halted_);
  last_choice_ = c;
  last_timers_set_.clear();
  if (c.kind == ChoiceKind::kTimer) {
    fire_timer(c, now_us);
    return;
  }
  if (c.kind != ChoiceKind::kDeliver) {
    apply_fault(c);
    return;
  }
  auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), c.message_id,
                             [](const InFlight& f, uint64_t id) { return f.id < id; });
  assert(it != in_flight_.end());
  assert(it->id == c.message_id);
  assert(!is_hole(*it));
  assert(can_deliver(it->msg));
  const size_t index = static_cast<size_t>(it - in_flight_.begin());
  std::string_view bytes;
  if (options_.wire) {
    // The receiver sees only what the bytes say.
    const uint32_t slot = wire_slot_[index];
    const auto decoded = decode_message(wire_pool_[slot]);
    assert(decoded.has_value());
    assert(decoded->same_wire(it->msg));
    last_delivered_ = *decoded;
    bytes = wire_pool_[slot];  // valid until the next send reuses the slot
    wire_free_.push_back(slot);
  } else {
    last_delivered_ = it->msg;
  }
  last_delivered_id_ = c.message_id;
  const Message& m = last_delivered_;
  gate_.consumed(m);
  if (m.kind == MessageKind::kPropagate) in_flight_propagated_ -= m.money;
  if (options_.fingerprint) in_flight_hash_ -= message_hash(it->msg);
  it->msg.to = -1;  // a hole; see close_holes()
  holes_ += 1;
  if (2 * holes_ > in_flight_.size()) close_holes();
  delivered_ += 1;

  effects_.clear();
  // After a fault a protocol may ignore a duplicate propagation (session deduplicates):
  // its money leaves the network without reaching a replica.
  if (faults_.injected() > 0 && m.kind == MessageKind::kPropagate &&
      branches_[static_cast<size_t>(m.to)].already_has(m)) {
    fault_money_ += m.money;
  }
  if (!dispatch(Delivery{.step = delivered_,
                         .message_id = c.message_id,
                         .message = m,
                         .bytes = bytes,
                         .repeats_possible = faults_.injected() > 0},
                effects_)) {
    halted_ = true;
    return;
  }
  rehash_actor(m.to);
  last_sent_count_ = 0;
  absorb(effects_, now_us);
}

bool World::dispatch(const Delivery& d, Effects& out) {
  assert(d.message.to >= 0);
  assert(d.message.to < scenario_->actor_count());
  return executor().deliver(Actors{*bank_, branches_, customers_}, d, out);
}

void World::absorb(Effects& effects, int64_t now_us) {
  for (const Message& m : effects.sends()) {
    assert(m.to >= 0 && m.to < scenario_->actor_count());
    if ((down_ | side_) != 0 && (down(m.to) || cut(m.from, m.to))) {
      // Lost on the way: sent to a crashed branch or across a cut link. It still takes
      // an id (ids stay in send order), but never enters the network.
      next_id_ += 1;
      faults_.lost += 1;
      if (m.kind == MessageKind::kPropagate) fault_money_ += m.money;
      continue;
    }
    if (options_.wire) {
      if (wire_free_.empty()) {
        wire_free_.push_back(static_cast<uint32_t>(wire_pool_.size()));
        wire_pool_.emplace_back();
      }
      const uint32_t slot = wire_free_.back();
      wire_free_.pop_back();
      encode_message(m, &wire_pool_[slot]);  // reuses the buffer's capacity
      wire_slot_.push_back(slot);
    }
    gate_.sent(m);
    if (m.kind == MessageKind::kPropagate) in_flight_propagated_ += m.money;
    in_flight_.push_back(InFlight{next_id_++, m});
    if (options_.fingerprint) in_flight_hash_ += message_hash(m);
    last_sent_count_ += 1;
  }
  for (const TimerEffect& t : effects.timers()) {
    if (t.set) {
      timers_.arm(t.key, next_timer_id_);
      last_timers_set_.push_back(next_timer_id_++);
    } else {
      timers_.disarm(t.key);
    }
  }
  for (const Observation& o : effects.observations()) {
    const size_t found = violations_.size();
    monitor_.observe(o, now_us, &violations_);
    if (violations_.size() != found) count_violations(found);
    if (options_.record_history) history_.events.push_back(HistoryEvent{now_us, o});
  }
}

void World::finish(int64_t now_us) {
  assert(quiescent());
  assert(!finished_);
  finished_ = true;
  history_.quiescent = true;
  const size_t found = violations_.size();
  monitor_.at_quiescence(now_us, &violations_);
  count_violations(found);
}

void World::count_violations(size_t first) {
  size_t i = first;
  while (i < violations_.size()) {
    uint64_t& n = violation_counts_[static_cast<size_t>(violations_[i].property)];
    n += 1;
    if (options_.keep_every_violation || n == 1) {
      ++i;
    } else {
      violations_.erase(violations_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

bool World::money_conserved() const {
  __int128 held = 0;
  __int128 initial = 0;
  for (size_t b = 0; b < branches_.size(); ++b) {
    held += branches_[b].balance();
    held += branches_[b].buffered_delta();
    initial += scenario_->branches[b].balance;
  }
  held += in_flight_propagated_;
  held += fault_money_;
  const __int128 expected =
      initial + static_cast<__int128>(monitor_.net()) * static_cast<__int128>(branches_.size());
  return held == expected;
}

uint64_t World::message_hash(const Message& m) {
  const auto u32 = [](int32_t v) { return static_cast<uint64_t>(static_cast<uint32_t>(v)); };
  const uint64_t key[4] = {(static_cast<uint64_t>(m.kind) << 40) |
                               (static_cast<uint64_t>(m.iface) << 36) |
                               (static_cast<uint64_t>(m.success) << 32) | u32(m.seq),
                           (u32(m.from) << 32) | u32(m.to), (u32(m.customer) << 32) | u32(m.event),
                           static_cast<uint64_t>(m.money)};
  return fingerprint(key, 4);
}

void World::encode(StateEncoder& enc) const {
  assert(options_.fingerprint);
  // Each actor as the hash of its own encoding, recomputed only when it takes a step:
  // a delivery changes one actor, so a state costs one actor's encoding, not all.
  enc.put_words(actor_hash_.data(), actor_hash_.size());
  // In-flight messages as a multiset: two paths that sent the same messages in a
  // different order reach the same state. in_flight_hash_ is the sum (mod 2^64) of the
  // messages' hashes, kept up to date as messages are sent and delivered: order-free
  // without sorting, and no per-state work. Distinct multisets collide with probability
  // about 2^-64, the order of the fingerprint itself (see README: collision risk).
  enc.put(in_flight_.size() - holes_);
  enc.put(in_flight_hash_);
  monitor_.encode(enc);
  // Crashed branches are in their actors' hashes; the partition only when there is one
  // (a fault-free state encodes as it always did).
  if (side_ != 0) enc.put(side_);
}

uint64_t pack_choice(const Choice& c) {
  constexpr uint64_t kLow = (uint64_t{1} << 56) - 1;
  if (c.kind == ChoiceKind::kDeliver) return c.message_id;
  uint64_t operand = 0;
  switch (c.kind) {
    case ChoiceKind::kDeliver:
    case ChoiceKind::kDrop:
    case ChoiceKind::kDuplicate:
      operand = c.message_id;
      break;
    case ChoiceKind::kCrash:
    case ChoiceKind::kRestart:
      operand = static_cast<uint64_t>(c.branch);
      break;
    case ChoiceKind::kPartition:
      operand = c.side;
      break;
    case ChoiceKind::kHeal:
      break;
    case ChoiceKind::kTimer:
      operand = c.message_id;
      break;
  }
  assert(operand <= kLow && "a choice's operand fits in 56 bits");
  return (static_cast<uint64_t>(c.kind) << 56) | operand;
}

Choice unpack_choice(uint64_t step) {
  constexpr uint64_t kLow = (uint64_t{1} << 56) - 1;
  if (!is_fault_step(step)) return Choice{step};
  const uint64_t operand = step & kLow;
  Choice c;
  c.kind = static_cast<ChoiceKind>(step >> 56);
  switch (c.kind) {
    case ChoiceKind::kDeliver:
    case ChoiceKind::kDrop:
    case ChoiceKind::kDuplicate:
      c.message_id = operand;
      break;
    case ChoiceKind::kCrash:
    case ChoiceKind::kRestart:
      c.branch = static_cast<int32_t>(operand & 0x7fffffff);
      break;
    case ChoiceKind::kPartition:
      c.side = operand;
      break;
    case ChoiceKind::kHeal:
      break;
    case ChoiceKind::kTimer:
      c.message_id = operand;
      break;
  }
  return c;
}

bool World::cut(ActorIndex from, ActorIndex to) const {
  if (side_ == 0) return false;
  const int32_t b = scenario_->branch_count();
  if (from >= b || to >= b) return false;
  return ((side_ >> from) & 1) != ((side_ >> to) & 1);
}

bool World::fault_allowed(const Choice& c) const {
  const int32_t b = std::min(scenario_->branch_count(), kMaxFaultBranches);
  switch (c.kind) {
    case ChoiceKind::kDeliver:
      return false;
    case ChoiceKind::kDrop:
    case ChoiceKind::kDuplicate:
      return find(c.message_id) != nullptr;
    case ChoiceKind::kCrash:
      return c.branch >= 0 && c.branch < b && !down(c.branch);
    case ChoiceKind::kRestart:
      return c.branch >= 0 && c.branch < b && down(c.branch);
    case ChoiceKind::kPartition: {
      const uint64_t all = (uint64_t{1} << b) - 1;
      return side_ == 0 && (c.side & 1) != 0 && (c.side & ~all) == 0 && c.side != all;
    }
    case ChoiceKind::kHeal:
      return side_ != 0;
    case ChoiceKind::kTimer: {
      const ArmedTimer* t = find_timer(c.message_id);
      return t != nullptr && timer_enabled(*t);
    }
  }
  return false;
}

void World::discard(size_t index) {
  InFlight& f = in_flight_[index];
  assert(!is_hole(f));
  if (options_.wire) wire_free_.push_back(wire_slot_[index]);
  gate_.consumed(f.msg);
  if (f.msg.kind == MessageKind::kPropagate) {
    in_flight_propagated_ -= f.msg.money;
    fault_money_ += f.msg.money;
  }
  if (options_.fingerprint) in_flight_hash_ -= message_hash(f.msg);
  f.msg.to = -1;  // a hole; see close_holes()
  holes_ += 1;
}

void World::apply_fault(const Choice& c) {
  assert(fault_allowed(c) && "a fault choice is taken only when allowed");
  effects_.clear();
  last_sent_count_ = 0;
  switch (c.kind) {
    case ChoiceKind::kDeliver:
      break;
    case ChoiceKind::kDrop: {
      auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), c.message_id,
                                 [](const InFlight& f, uint64_t id) { return f.id < id; });
      last_fault_message_ = *it;
      discard(static_cast<size_t>(it - in_flight_.begin()));
      faults_.drops += 1;
      break;
    }
    case ChoiceKind::kDuplicate: {
      const InFlight copy = *find(c.message_id);
      last_fault_message_ = copy;
      if (options_.wire) {
        const size_t index = static_cast<size_t>(find(c.message_id) - in_flight_.data());
        if (wire_free_.empty()) {
          wire_free_.push_back(static_cast<uint32_t>(wire_pool_.size()));
          wire_pool_.emplace_back();
        }
        const uint32_t slot = wire_free_.back();
        wire_free_.pop_back();
        wire_pool_[slot] = wire_pool_[wire_slot_[index]];
        wire_slot_.push_back(slot);
      }
      const Message& m = copy.msg;
      gate_.sent(m);
      if (m.kind == MessageKind::kPropagate) {
        in_flight_propagated_ += m.money;
        fault_money_ -= m.money;
      }
      in_flight_.push_back(InFlight{next_id_++, m});
      if (options_.fingerprint) in_flight_hash_ += message_hash(m);
      last_sent_count_ = 1;
      faults_.duplicates += 1;
      break;
    }
    case ChoiceKind::kCrash: {
      // The executor crashes the branch where it lives and says what its volatile buffers
      // held (a remote branch's: the executor checks its mirror, this World's copy, agrees).
      Money lost = 0;
      if (!executor().crash(Actors{*bank_, branches_, customers_}, c.branch, &lost)) {
        halted_ = true;
        return;
      }
      fault_money_ += lost;  // buffered writes are volatile
      for (size_t i = 0; i < in_flight_.size(); ++i) {
        if (!is_hole(in_flight_[i]) && in_flight_[i].msg.to == c.branch) {
          discard(i);
          faults_.lost += 1;
        }
      }
      down_ |= uint64_t{1} << c.branch;
      rehash_actor(c.branch);
      faults_.crashes += 1;
      break;
    }
    case ChoiceKind::kRestart:
      if (!executor().restart(Actors{*bank_, branches_, customers_}, c.branch)) {
        halted_ = true;
        return;
      }
      down_ &= ~(uint64_t{1} << c.branch);
      rehash_actor(c.branch);
      faults_.restarts += 1;
      break;
    case ChoiceKind::kPartition:
      side_ = c.side;
      faults_.partitions += 1;
      break;
    case ChoiceKind::kHeal:
      side_ = 0;
      faults_.heals += 1;
      break;
    case ChoiceKind::kTimer:
      assert(false && "apply() fires timers");
      break;
  }
  if (2 * holes_ > in_flight_.size()) close_holes();
}

bool World::peek_encode(const Choice& c, StateEncoder& enc, PeekScratch& scratch) const {
  assert(options_.fingerprint);
  assert(!options_.wire);
  // Only a plain delivery in a World without faults: a fault choice, a lost send (a branch
  // down or a cut link) or a fault-dependent encoding is left to apply().
  if (c.kind != ChoiceKind::kDeliver || faults_.injected() > 0 || down_ != 0 || side_ != 0) {
    return false;
  }
  const InFlight* f = find(c.message_id);
  assert(f != nullptr);
  const Message& m = f->msg;
  assert(can_deliver(m));
  // The receiver's step, on a copy of the receiver alone (as dispatch() does).
  scratch.effects.clear();
  StateEncoder actor_enc(/*keep_words=*/false);
  const int32_t B = scenario_->branch_count();
  if (m.to < B) {
    scratch.branch = branches_[static_cast<size_t>(m.to)];
    scratch.branch->on_message_unreceipted(m, scratch.effects);  // thrown away after
    scratch.branch->encode(actor_enc);
  } else {
    scratch.customer = customers_[static_cast<size_t>(m.to - B)];
    scratch.customer->on_message(m, scratch.effects);
    scratch.customer->encode(actor_enc);
  }
  // The monitor's ghost state after the step's observations, as absorb() does: the bits
  // they would set, on top of the unchanged monitor.
  if (!monitor_.peek(scratch.effects.observations(), scratch.monitor)) return false;
  uint64_t flight_hash = in_flight_hash_ - message_hash(m);
  for (const Message& sent : scratch.effects.sends()) flight_hash += message_hash(sent);
  enc.clear();
  const uint64_t receiver_hash = actor_enc.digest();
  const size_t to = static_cast<size_t>(m.to);
  enc.put_words(actor_hash_.data(), to);
  enc.put(receiver_hash);
  enc.put_words(actor_hash_.data() + to + 1, actor_hash_.size() - to - 1);
  enc.put(in_flight_.size() - holes_ - 1 + scratch.effects.sends().size());
  enc.put(flight_hash);
  monitor_.encode(scratch.monitor, enc);
  return true;
}

}  // namespace banksim
