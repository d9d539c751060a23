// Monitor: the property checkers as one online observer. It consumes a history one
// observation at a time and reports violations as soon as they are visible; the
// quiescence properties are judged by at_quiescence(). Its state is a copyable value
// with a canonical encoding, so the explorer carries it inside every state (it is the
// "ghost" state the properties need: which writes each branch applied, which writes
// each customer completed). check_history() runs it over a finished History.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "protocol/cow_bits.h"
#include "protocol/effects.h"
#include "protocol/encoder.h"
#include "protocol/properties.h"
#include "sim/history.h"
#include "sim/scenario.h"

namespace banksim {

class Monitor {
 public:
  // REQUIRES: scenario outlives the monitor.
  Monitor(const Scenario* scenario, PropertySet properties);

  void observe(const Observation& o, int64_t time_us, std::vector<Violation>* out);
  // Judges convergence, conservation and liveness. REQUIRES: nothing is in flight.
  void at_quiescence(int64_t time_us, std::vector<Violation>* out) const;

  PropertySet properties() const { return properties_; }
  Money balance(int32_t branch) const { return balance_[static_cast<size_t>(branch)]; }
  // Net effect of every write served successfully so far.
  Money net() const { return net_; }
  bool applied(int32_t branch, int32_t customer, int32_t event) const;

  void encode(StateEncoder& enc) const;

  // What observe() of one step's observations would change in the encoded state (the
  // bits of applied_ it sets), found without copying or changing the monitor: the
  // explorer's peek at a successor (World::peek_encode).
  struct Delta {
    static constexpr size_t kMax = 16;
    std::array<size_t, kMax> word{};  // word indices in encode()'s order
    std::array<uint64_t, kMax> mask{};
    size_t n = 0;
  };
  // Fills `d` (cleared first). Returns false when observe() of `obs`, in order, would
  // report a violation, or when they set more than Delta::kMax bits (the caller then
  // takes the step for real).
  bool peek(std::span<const Observation> obs, Delta& d) const;
  // encode() of this monitor with the bits of `d` set.
  void encode(const Delta& d, StateEncoder& enc) const;

 private:
  friend class WorldWire;  // sim/world_wire.h: a World's compact serialization
  bool is_applied(size_t branch, int32_t index) const {
    return applied_.test(branch, static_cast<size_t>(index));
  }
  bool is_completed(int32_t index) const {
    return applied_.test(balance_.size(), static_cast<size_t>(index));
  }
  int32_t frontier(size_t branch, size_t customer) const;
  void set_frontier(size_t branch, size_t customer, int32_t value);
  std::string event_name(int32_t customer, int32_t event) const;
  // The first write of `customer` before `event` that the customer has completed but
  // `branch` has not applied, or -1. Amortized O(1): advances a per-(branch, customer)
  // frontier below which every completed write is known to be applied.
  int32_t first_unapplied_completed(int32_t branch, int32_t customer, int32_t event);
  // The same answer for this monitor with the bits of `d` set, without moving the frontier.
  int32_t peek_unapplied_completed(const Delta& d, int32_t branch, int32_t customer,
                                   int32_t event) const;
  // The word index and mask of applied_'s bit (row, index) in encode()'s order.
  size_t word_of(size_t row, int32_t index) const {
    return row * words_per_row_ + static_cast<size_t>(index) / 64;
  }
  bool delta_has(const Delta& d, size_t row, int32_t index) const;

  const Scenario* scenario_;
  PropertySet properties_;
  // The bitsets and frontier_ grow with branches x events (branches x customers): copy on
  // write, per branch, so that a copy of the monitor (the explorer keeps one per search
  // level) shares them and a step copies only the rows it changes (README: memory).
  std::vector<Money> balance_;  // per branch, as last applied
  // Event bitsets: row b < branches, writes applied at branch b; the last row, writes
  // whose success reply arrived.
  CowBitRows applied_;
  size_t words_per_row_ = 0;          // applied_'s
  std::vector<int32_t> outstanding_;  // per customer: event awaiting a reply, or -1
  // Per branch, per customer: see first_unapplied_completed. Flat in small banks
  // (copying it is cheaper than sharing it); else a row per branch, copy on write
  // (nullptr: all zeros).
  struct Frontier {
    std::vector<int32_t> flat;
    std::vector<std::shared_ptr<std::vector<int32_t>>> rows;
    Frontier() = default;
    Frontier(const Frontier&) = default;
    Frontier(Frontier&&) = default;
    Frontier& operator=(Frontier&&) = default;
    ~Frontier() = default;
    Frontier& operator=(const Frontier& o) {  // hot: the explorer copies monitors
      flat = o.flat;
      if (!rows.empty() || !o.rows.empty()) rows = o.rows;
      return *this;
    }
  };
  Frontier frontier_;
  Money net_ = 0;
};

// Runs every property in `properties` over a finished history.
std::vector<Violation> check_history(const History& h, PropertySet properties);

// One checker per property, each over a whole history.
std::vector<Violation> check_convergence(const History& h);
std::vector<Violation> check_conservation(const History& h);
std::vector<Violation> check_monotonic_writes(const History& h);
std::vector<Violation> check_read_your_writes(const History& h);
std::vector<Violation> check_no_overdraft(const History& h);
std::vector<Violation> check_liveness(const History& h);

}  // namespace banksim
