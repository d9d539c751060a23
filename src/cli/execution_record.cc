#include "cli/execution_record.h"

#include <cassert>

namespace banksim {

void fold_outcome(EventOutcome& o, int64_t time_us, const Observation& obs) {
  switch (obs.kind) {
    case ObservationKind::kIssue:
      o.issued = true;
      o.issued_us = time_us;
      return;
    case ObservationKind::kServe:
      // A write's reply carries no balance: the balance it produced at its branch is
      // the serve's. (A query's serve and reply see the same balance.)
      o.balance = obs.balance;
      o.served = true;
      o.success = obs.success;
      o.branch = obs.branch;
      return;
    case ObservationKind::kReply:
      o.answered = true;
      o.success = obs.success;
      o.branch = obs.branch;
      if (obs.iface == Interface::kQuery) o.balance = obs.balance;
      o.replied_us = time_us;
      return;
    case ObservationKind::kApply:
      return;
  }
}

namespace {

std::vector<std::vector<EventOutcome>> empty_outcomes(const Scenario& s) {
  std::vector<std::vector<EventOutcome>> out(s.customers.size());
  for (size_t c = 0; c < s.customers.size(); ++c) out[c].resize(s.customers[c].events.size());
  return out;
}

}  // namespace

ExecutionRecord::ExecutionRecord(std::shared_ptr<const Scenario> scenario, bool keep_history)
    : scenario_(std::move(scenario)), keep_history_(keep_history) {
  assert(scenario_ != nullptr);
  own_.scenario = scenario_;
  outcomes_ = empty_outcomes(*scenario_);
}

ExecutionRecord::ExecutionRecord(const History& h) : scenario_(h.scenario), external_(&h) {
  assert(scenario_ != nullptr);
  own_.scenario = scenario_;
  outcomes_ = empty_outcomes(*scenario_);
  for (const HistoryEvent& e : h.events) {
    assert(e.obs.customer >= 0 && e.obs.customer < scenario_->customer_count());
    fold_outcome(outcomes_[static_cast<size_t>(e.obs.customer)][static_cast<size_t>(e.obs.event)],
                 e.time_us, e.obs);
  }
  observations_ = h.events.size();
}

void ExecutionRecord::observe(int64_t time_us, const Observation& o) {
  assert(external_ == nullptr);
  assert(o.customer >= 0 && o.customer < scenario_->customer_count());
  auto& events = outcomes_[static_cast<size_t>(o.customer)];
  assert(o.event >= 0 && static_cast<size_t>(o.event) < events.size());
  fold_outcome(events[static_cast<size_t>(o.event)], time_us, o);
  observations_ += 1;
  if (keep_history_) own_.events.push_back(HistoryEvent{time_us, o});
}

void ExecutionRecord::set_quiescent(bool quiescent) {
  assert(external_ == nullptr);
  own_.quiescent = quiescent;
}

}  // namespace banksim
