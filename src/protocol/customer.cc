#include "protocol/customer.h"

#include <cassert>

namespace banksim {

Customer::Customer(int32_t index, int32_t branch_count, std::span<const Event> events)
    : index_(index), branch_count_(branch_count), events_(events) {
  assert(index >= 0);
  assert(branch_count > 0);
}

void Customer::start(Effects& out) {
  assert(next_ == 0);
  assert(!waiting_);
  if (!events_.empty()) issue(out);
}

void Customer::issue(Effects& out) {
  assert(!waiting_);
  assert(next_ < static_cast<int32_t>(events_.size()));
  const Event& e = events_[static_cast<size_t>(next_)];
  assert(e.branch >= 0 && e.branch < branch_count_);
  waiting_ = true;
  out.observe(Observation{.kind = ObservationKind::kIssue,
                          .iface = e.iface,
                          .customer = index_,
                          .event = next_,
                          .branch = e.branch,
                          .money = e.money});
  out.send(Message{.kind = MessageKind::kRequest,
                   .iface = e.iface,
                   .from = actor(),
                   .to = e.branch,
                   .customer = index_,
                   .event = next_,
                   .seq = writes_done_,
                   .money = e.iface == Interface::kQuery ? 0 : e.money,
                   .delay_us = e.think_us});
}

void Customer::on_message(const Message& m, Effects& out) {
  assert(m.kind == MessageKind::kReply);
  assert(m.to == actor());
  assert(m.customer == index_);
  // A stale reply (a duplicated request answered twice, or a duplicated reply): the
  // customer took the first one already. Ignored.
  if (!waiting_ || m.event != next_) return;
  const Event& e = events_[static_cast<size_t>(next_)];
  assert(m.iface == e.iface);
  out.observe(Observation{.kind = ObservationKind::kReply,
                          .iface = e.iface,
                          .success = m.success,
                          .customer = index_,
                          .event = next_,
                          .branch = m.from,
                          .money = e.money,
                          .balance = m.money});
  waiting_ = false;
  if (m.success && is_write(e.iface)) writes_done_ += 1;
  next_ += 1;
  if (next_ < static_cast<int32_t>(events_.size())) issue(out);
}

void Customer::encode(StateEncoder& enc) const {
  enc.put_pair(static_cast<uint32_t>(next_),
               (static_cast<uint32_t>(waiting_) << 31) | static_cast<uint32_t>(writes_done_));
}

}  // namespace banksim
