#include "sim/world.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "protocol/codec.h"
#include "sim/fingerprint.h"

namespace banksim {

World::World(std::shared_ptr<const Scenario> scenario, WorldOptions options)
    : scenario_(std::move(scenario)),
      options_(options),
      monitor_(scenario_.get(), options.properties) {
  assert(scenario_ != nullptr);
  const Scenario& s = *scenario_;
  assert(!s.branches.empty());
  branches_.reserve(s.branches.size());
  for (int32_t b = 0; b < s.branch_count(); ++b) {
    branches_.emplace_back(BranchConfig{.protocol = options_.protocol,
                                        .self = b,
                                        .branch_count = s.branch_count(),
                                        .customer_count = s.customer_count()},
                           s.branches[static_cast<size_t>(b)].balance);
  }
  customers_.reserve(s.customers.size());
  for (int32_t c = 0; c < s.customer_count(); ++c) {
    customers_.emplace_back(c, s.branch_count(), s.customers[static_cast<size_t>(c)].events);
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
  return !options_.quiescent_queries || !held_by_quiescent_gate(m, write_traffic_);
}

void World::enabled(std::vector<Choice>* out) const {
  for (const InFlight& f : in_flight_) {
    if (!is_hole(f) && can_deliver(f.msg)) out->push_back(Choice{f.id});
  }
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
  auto it = std::lower_bound(in_flight_.begin(), in_flight_.end(), c.message_id,
                             [](const InFlight& f, uint64_t id) { return f.id < id; });
  assert(it != in_flight_.end());
  assert(it->id == c.message_id);
  assert(!is_hole(*it));
  assert(can_deliver(it->msg));
  const size_t index = static_cast<size_t>(it - in_flight_.begin());
  if (options_.wire) {
    // The receiver sees only what the bytes say.
    const uint32_t slot = wire_slot_[index];
    const auto decoded = decode_message(wire_pool_[slot]);
    assert(decoded.has_value());
    assert(decoded->same_wire(it->msg));
    last_delivered_ = *decoded;
    wire_free_.push_back(slot);
  } else {
    last_delivered_ = it->msg;
  }
  last_delivered_id_ = c.message_id;
  const Message& m = last_delivered_;
  if (is_write_traffic(m)) write_traffic_ -= 1;
  if (m.kind == MessageKind::kPropagate) in_flight_propagated_ -= m.money;
  if (options_.fingerprint) in_flight_hash_ -= message_hash(it->msg);
  it->msg.to = -1;  // a hole; see close_holes()
  holes_ += 1;
  if (2 * holes_ > in_flight_.size()) close_holes();
  delivered_ += 1;

  effects_.clear();
  dispatch(m, effects_);
  rehash_actor(m.to);
  last_sent_count_ = 0;
  absorb(effects_, now_us);
}

void World::dispatch(const Message& m, Effects& out) {
  assert(m.to >= 0);
  assert(m.to < scenario_->actor_count());
  if (m.to < scenario_->branch_count()) {
    branches_[static_cast<size_t>(m.to)].on_message(m, out);
  } else {
    customers_[static_cast<size_t>(m.to - scenario_->branch_count())].on_message(m, out);
  }
}

void World::absorb(Effects& effects, int64_t now_us) {
  for (const Message& m : effects.sends()) {
    assert(m.to >= 0 && m.to < scenario_->actor_count());
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
    if (is_write_traffic(m)) write_traffic_ += 1;
    if (m.kind == MessageKind::kPropagate) in_flight_propagated_ += m.money;
    in_flight_.push_back(InFlight{next_id_++, m});
    if (options_.fingerprint) in_flight_hash_ += message_hash(m);
    last_sent_count_ += 1;
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
  for (uint64_t h : actor_hash_) enc.put(h);
  // In-flight messages as a multiset: two paths that sent the same messages in a
  // different order reach the same state. in_flight_hash_ is the sum (mod 2^64) of the
  // messages' hashes, kept up to date as messages are sent and delivered: order-free
  // without sorting, and no per-state work. Distinct multisets collide with probability
  // about 2^-64, the order of the fingerprint itself (see README: collision risk).
  enc.put(in_flight_.size() - holes_);
  enc.put(in_flight_hash_);
  monitor_.encode(enc);
}

bool World::peek_encode(const Choice& c, StateEncoder& enc, PeekScratch& scratch) const {
  assert(options_.fingerprint);
  assert(!options_.wire);
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
    scratch.branch->on_message(m, scratch.effects);
    scratch.branch->encode(actor_enc);
  } else {
    scratch.customer = customers_[static_cast<size_t>(m.to - B)];
    scratch.customer->on_message(m, scratch.effects);
    scratch.customer->encode(actor_enc);
  }
  // The monitor's ghost state after the step's observations, as absorb() does.
  scratch.monitor = monitor_;
  scratch.violations.clear();
  for (const Observation& o : scratch.effects.observations()) {
    scratch.monitor->observe(o, 0, &scratch.violations);
    if (!scratch.violations.empty()) return false;
  }
  uint64_t flight_hash = in_flight_hash_ - message_hash(m);
  for (const Message& sent : scratch.effects.sends()) flight_hash += message_hash(sent);
  enc.clear();
  const uint64_t receiver_hash = actor_enc.digest();
  for (size_t a = 0; a < actor_hash_.size(); ++a) {
    enc.put(static_cast<int32_t>(a) == m.to ? receiver_hash : actor_hash_[a]);
  }
  enc.put(in_flight_.size() - holes_ - 1 + scratch.effects.sends().size());
  enc.put(flight_hash);
  scratch.monitor->encode(enc);
  return true;
}

}  // namespace banksim
