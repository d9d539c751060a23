#include "sim/monitor.h"

#include <cassert>

#include <fmt/format.h>

namespace banksim {

namespace {
// Up to this many (branch, customer) pairs the frontier is one flat vector (16 KiB).
constexpr size_t kFlatFrontier = 4096;
}  // namespace

Monitor::Monitor(const Scenario* scenario, PropertySet properties)
    : scenario_(scenario), properties_(properties) {
  assert(scenario != nullptr);
  const auto events = static_cast<size_t>(scenario->event_total());
  balance_.reserve(scenario->branches.size());
  for (const BranchSpec& b : scenario->branches) balance_.push_back(b.balance);
  applied_ = CowBitRows(scenario->branches.size() + 1, events);
  words_per_row_ = (events + 63) / 64;
  outstanding_.assign(scenario->customers.size(), -1);
  const size_t pairs = scenario->customers.size() * scenario->branches.size();
  if (pairs <= kFlatFrontier) {
    frontier_.flat.assign(pairs, 0);
  } else {
    frontier_.rows.resize(scenario->branches.size());
  }
}

int32_t Monitor::frontier(size_t branch, size_t customer) const {
  if (frontier_.rows.empty()) {
    return frontier_.flat[branch * scenario_->customers.size() + customer];
  }
  const std::vector<int32_t>* row = frontier_.rows[branch].get();
  return row == nullptr ? 0 : (*row)[customer];
}

void Monitor::set_frontier(size_t branch, size_t customer, int32_t value) {
  if (frontier_.rows.empty()) {
    frontier_.flat[branch * scenario_->customers.size() + customer] = value;
    return;
  }
  std::shared_ptr<std::vector<int32_t>>& row = frontier_.rows[branch];
  if (row == nullptr) {
    row = std::make_shared<std::vector<int32_t>>(scenario_->customers.size(), 0);
  } else if (row.use_count() > 1) {
    row = std::make_shared<std::vector<int32_t>>(*row);
  }
  (*row)[customer] = value;
}

int32_t Monitor::first_unapplied_completed(int32_t branch, int32_t customer, int32_t event) {
  const size_t b = static_cast<size_t>(branch);
  const size_t c = static_cast<size_t>(customer);
  const int32_t first = scenario_->event_index(customer, 0);
  int32_t f = frontier(b, c);
  // Events below `event` were issued already, so whether they completed is final.
  const int32_t start = f;
  int32_t found = -1;
  while (f < event) {
    const int32_t w = first + f;
    if (is_completed(w) && !is_applied(b, w)) {
      found = f;
      break;
    }
    ++f;
  }
  if (f != start) set_frontier(b, c, f);  // written (and copied) only when it moved
  return found;
}

bool Monitor::applied(int32_t branch, int32_t customer, int32_t event) const {
  return is_applied(static_cast<size_t>(branch), scenario_->event_index(customer, event));
}

std::string Monitor::event_name(int32_t customer, int32_t event) const {
  const CustomerSpec& c = scenario_->customers[static_cast<size_t>(customer)];
  const Event& e = c.events[static_cast<size_t>(event)];
  if (e.iface == Interface::kQuery) {
    return fmt::format("customer {} event {} (query)", c.id, e.id);
  }
  return fmt::format("customer {} event {} ({} {})", c.id, e.id, interface_name(e.iface),
                     e.money);
}

void Monitor::observe(const Observation& o, int64_t time_us, std::vector<Violation>* out) {
  const auto branch_id = [&](int32_t b) { return scenario_->branches[static_cast<size_t>(b)].id; };
  const int32_t first = scenario_->event_index(o.customer, 0);
  switch (o.kind) {
    case ObservationKind::kIssue:
      assert(outstanding_[static_cast<size_t>(o.customer)] == -1);
      outstanding_[static_cast<size_t>(o.customer)] = o.event;
      return;
    case ObservationKind::kServe:
      if (o.success && is_write(o.iface)) {
        net_ += o.iface == Interface::kDeposit ? o.money : -o.money;
      }
      // Read-your-writes judges every request whose decision reads the balance: a query
      // (the balance it reports) and a withdraw (whether there are funds). Every write the
      // customer completed before issuing it must be applied where it is decided. A
      // deposit reads nothing; one served without the customer's earlier writes is
      // judged by monotonic writes when it is applied.
      if (o.iface != Interface::kDeposit && properties_.has(Property::kReadYourWrites)) {
        if (const int32_t e = first_unapplied_completed(o.branch, o.customer, o.event); e >= 0) {
          std::string detail;
          if (o.iface == Interface::kQuery) {
            detail = fmt::format("{} at branch {} saw balance {} without {}, which the "
                                 "customer had completed before issuing the query",
                                 event_name(o.customer, o.event), branch_id(o.branch),
                                 o.balance, event_name(o.customer, e));
          } else {
            // A successful withdraw's serve record holds the balance after it.
            const Money seen = o.success ? o.balance + o.money : o.balance;
            detail = fmt::format("{} at branch {} was {} on balance {} without {}, which the "
                                 "customer had completed before issuing the withdraw",
                                 event_name(o.customer, o.event), branch_id(o.branch),
                                 o.success ? "decided" : "refused", seen,
                                 event_name(o.customer, e));
          }
          out->push_back(Violation{Property::kReadYourWrites,
                                   std::move(detail),
                                   {EventRef{o.customer, o.event}, EventRef{o.customer, e}},
                                   time_us});
        }
      }
      return;
    case ObservationKind::kApply: {
      const size_t b = static_cast<size_t>(o.branch);
      balance_[b] = o.balance;
      const int32_t w = first + o.event;
      if (properties_.has(Property::kMonotonicWrites)) {
        // The customer's earlier completed writes must already be applied here.
        if (const int32_t e = first_unapplied_completed(o.branch, o.customer, o.event); e >= 0) {
          out->push_back(Violation{
                Property::kMonotonicWrites,
                fmt::format("branch {} applied {} before {}, which the customer wrote first",
                            branch_id(o.branch), event_name(o.customer, o.event),
                            event_name(o.customer, e)),
                {EventRef{o.customer, o.event}, EventRef{o.customer, e}},
                time_us});
        }
      }
      applied_.set(b, static_cast<size_t>(w));
      if (o.balance < 0 && properties_.has(Property::kNoOverdraft)) {
        out->push_back(Violation{Property::kNoOverdraft,
                                 fmt::format("branch {} fell to {} applying {}",
                                             branch_id(o.branch), o.balance,
                                             event_name(o.customer, o.event)),
                                 {EventRef{o.customer, o.event}},
                                 time_us});
      }
      return;
    }
    case ObservationKind::kReply:
      assert(outstanding_[static_cast<size_t>(o.customer)] == o.event);
      outstanding_[static_cast<size_t>(o.customer)] = -1;
      if (o.success && is_write(o.iface)) {
        applied_.set(balance_.size(), static_cast<size_t>(first + o.event));
      }
      return;
  }
}

void Monitor::at_quiescence(int64_t time_us, std::vector<Violation>* out) const {
  const auto& branches = scenario_->branches;
  // The writes `pick(c, e)` selects, as EventRefs and as a "LABEL ..." suffix for the
  // detail. Bounded: the first kMaxRefs events, the first kMaxNamed of them by name.
  constexpr size_t kMaxRefs = 16;
  constexpr size_t kMaxNamed = 3;
  const auto writes_where = [&](auto pick, std::string_view label, std::string* detail) {
    std::vector<EventRef> refs;
    int64_t count = 0;
    for (int32_t c = 0; c < scenario_->customer_count(); ++c) {
      const auto& events = scenario_->customers[static_cast<size_t>(c)].events;
      for (int32_t e = 0; e < static_cast<int32_t>(events.size()); ++e) {
        if (!is_write(events[static_cast<size_t>(e)].iface) || !pick(c, e)) continue;
        if (refs.size() < kMaxNamed) {
          *detail += fmt::format("{} {}", refs.empty() ? label : ",", event_name(c, e));
        }
        if (refs.size() < kMaxRefs) refs.push_back(EventRef{c, e});
        ++count;
      }
    }
    if (count > static_cast<int64_t>(kMaxNamed)) *detail += fmt::format(" ({} in all)", count);
    return refs;
  };
  if (properties_.has(Property::kConvergence)) {
    for (size_t b = 1; b < branches.size(); ++b) {
      if (balance_[b] != balance_[0]) {
        const int32_t bi = static_cast<int32_t>(b);
        std::string detail =
            fmt::format("replicas differ at quiescence: branch {} has {}, branch {} has {}",
                        branches[0].id, balance_[0], branches[b].id, balance_[b]);
        // The writes that one of the two applied and the other did not.
        auto refs = writes_where(
            [&](int32_t c, int32_t e) { return applied(0, c, e) != applied(bi, c, e); },
            "; applied at only one of them:", &detail);
        out->push_back(
            Violation{Property::kConvergence, std::move(detail), std::move(refs), time_us});
        break;
      }
    }
  }
  if (properties_.has(Property::kConservation)) {
    for (size_t b = 0; b < branches.size(); ++b) {
      const Money expected = branches[b].balance + net_;
      if (balance_[b] != expected) {
        const int32_t bi = static_cast<int32_t>(b);
        std::string detail =
            fmt::format("branch {} ends at {} but initial {} plus successful writes {} is {}",
                        branches[b].id, balance_[b], branches[b].balance, net_, expected);
        // Successful writes missing here: completed (a success reply arrived) or applied
        // somewhere (a successful write is applied where it was served).
        auto refs = writes_where(
            [&](int32_t c, int32_t e) {
              if (applied(bi, c, e)) return false;
              if (is_completed(scenario_->event_index(c, e))) return true;
              for (int32_t o = 0; o < scenario_->branch_count(); ++o) {
                if (applied(o, c, e)) return true;
              }
              return false;
            },
            "; missing here:", &detail);
        out->push_back(
            Violation{Property::kConservation, std::move(detail), std::move(refs), time_us});
        break;
      }
    }
  }
  if (properties_.has(Property::kLiveness)) {
    for (size_t c = 0; c < outstanding_.size(); ++c) {
      if (outstanding_[c] >= 0) {
        const int32_t ci = static_cast<int32_t>(c);
        out->push_back(Violation{
            Property::kLiveness,
            fmt::format("{} was never answered", event_name(ci, outstanding_[c])),
            {EventRef{ci, outstanding_[c]}},
            time_us});
        break;
      }
    }
  }
}

void Monitor::encode(StateEncoder& enc) const {
  // Word by word: the applied rows branch-major, then the completed row (as when these
  // were two flat vectors).
  applied_.for_each_word([&enc](uint64_t w) { enc.put(w); });
}

bool Monitor::delta_has(const Delta& d, size_t row, int32_t index) const {
  const size_t w = word_of(row, index);
  const uint64_t bit = uint64_t{1} << (static_cast<uint32_t>(index) % 64);
  for (size_t i = 0; i < d.n; ++i) {
    if (d.word[i] == w && (d.mask[i] & bit) != 0) return true;
  }
  return false;
}

int32_t Monitor::peek_unapplied_completed(const Delta& d, int32_t branch, int32_t customer,
                                          int32_t event) const {
  // As first_unapplied_completed: the frontier is a cache (every completed write below it
  // is applied at the branch), and the bits a step sets keep that true, so scanning from
  // the unmoved frontier finds what observe() finds.
  const size_t b = static_cast<size_t>(branch);
  const int32_t first = scenario_->event_index(customer, 0);
  const size_t completed_row = balance_.size();
  for (int32_t f = frontier(b, static_cast<size_t>(customer)); f < event; ++f) {
    const int32_t w = first + f;
    const bool completed = is_completed(w) || delta_has(d, completed_row, w);
    if (completed && !is_applied(b, w) && !delta_has(d, b, w)) return f;
  }
  return -1;
}

bool Monitor::peek(std::span<const Observation> obs, Delta& d) const {
  d.n = 0;
  const auto set = [&](size_t row, int32_t index) {
    if (d.n == Delta::kMax) return false;
    d.word[d.n] = word_of(row, index);
    d.mask[d.n] = uint64_t{1} << (static_cast<uint32_t>(index) % 64);
    ++d.n;
    return true;
  };
  // observe()'s checks, in its order, on this monitor with the bits set so far.
  for (const Observation& o : obs) {
    const int32_t first = scenario_->event_index(o.customer, 0);
    switch (o.kind) {
      case ObservationKind::kIssue:
        break;
      case ObservationKind::kServe:
        if (o.iface != Interface::kDeposit && properties_.has(Property::kReadYourWrites) &&
            peek_unapplied_completed(d, o.branch, o.customer, o.event) >= 0) {
          return false;
        }
        break;
      case ObservationKind::kApply:
        if (properties_.has(Property::kMonotonicWrites) &&
            peek_unapplied_completed(d, o.branch, o.customer, o.event) >= 0) {
          return false;
        }
        if (!set(static_cast<size_t>(o.branch), first + o.event)) return false;
        if (o.balance < 0 && properties_.has(Property::kNoOverdraft)) return false;
        break;
      case ObservationKind::kReply:
        if (o.success && is_write(o.iface) && !set(balance_.size(), first + o.event)) {
          return false;
        }
        break;
    }
  }
  return true;
}

void Monitor::encode(const Delta& d, StateEncoder& enc) const {
  size_t k = 0;
  applied_.for_each_word([&](uint64_t w) {
    for (size_t i = 0; i < d.n; ++i) {
      if (d.word[i] == k) w |= d.mask[i];
    }
    enc.put(w);
    ++k;
  });
}

std::vector<Violation> check_history(const History& h, PropertySet properties) {
  assert(h.scenario != nullptr);
  Monitor m(h.scenario.get(), properties);
  std::vector<Violation> out;
  int64_t last = 0;
  for (const HistoryEvent& e : h.events) {
    m.observe(e.obs, e.time_us, &out);
    last = e.time_us;
  }
  if (h.quiescent) m.at_quiescence(last, &out);
  return out;
}

std::vector<Violation> check_convergence(const History& h) {
  return check_history(h, PropertySet().with(Property::kConvergence));
}
std::vector<Violation> check_conservation(const History& h) {
  return check_history(h, PropertySet().with(Property::kConservation));
}
std::vector<Violation> check_monotonic_writes(const History& h) {
  return check_history(h, PropertySet().with(Property::kMonotonicWrites));
}
std::vector<Violation> check_read_your_writes(const History& h) {
  return check_history(h, PropertySet().with(Property::kReadYourWrites));
}
std::vector<Violation> check_no_overdraft(const History& h) {
  return check_history(h, PropertySet().with(Property::kNoOverdraft));
}
std::vector<Violation> check_liveness(const History& h) {
  return check_history(h, PropertySet().with(Property::kLiveness));
}

}  // namespace banksim
