#include "protocol/customer.h"

#include <cassert>

#include <fmt/format.h>

namespace banksim {

Customer::Customer(int32_t index, int32_t branch_count, std::span<const Event> events,
                   bool retransmit)
    : index_(index), branch_count_(branch_count), events_(events), retransmit_(retransmit) {
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
  Message m = request();
  m.delay_us = e.think_us;
  out.send(m);
  if (retransmit_) out.set_timer(request_timer());
}

Message Customer::request() const {
  const Event& e = events_[static_cast<size_t>(next_)];
  return Message{.kind = MessageKind::kRequest,
                 .iface = e.iface,
                 .from = actor(),
                 .to = e.branch,
                 .customer = index_,
                 .event = next_,
                 .seq = writes_done_,
                 .money = e.iface == Interface::kQuery ? 0 : e.money};
}

TimerKey Customer::request_timer() const {
  return TimerKey{.kind = MessageKind::kRequest,
                  .owner = actor(),
                  .customer = index_,
                  .event = next_,
                  .peer = events_[static_cast<size_t>(next_)].branch};
}

void Customer::on_timer(const TimerKey& k, Effects& out) {
  assert(retransmit_);
  assert(k.kind == MessageKind::kRequest && k.owner == actor());
  if (!waiting_ || k.event != next_) return;
  out.send(request());  // the same (customer, event) id: the branch deduplicates it
  out.set_timer(request_timer());
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
  if (retransmit_) out.cancel_timer(request_timer());
  waiting_ = false;
  if (m.success && is_write(e.iface)) writes_done_ += 1;
  next_ += 1;
  if (next_ < static_cast<int32_t>(events_.size())) issue(out);
}

void Customer::encode(StateEncoder& enc) const {
  enc.put_pair(static_cast<uint32_t>(next_),
               (static_cast<uint32_t>(waiting_) << 31) | static_cast<uint32_t>(writes_done_));
}

std::optional<std::string> Customer::refuse(const Message& m, const BankLayout& l,
                                            bool repeats_possible) const {
  if (!l.is_customer(m.to)) {
    return fmt::format("message for {} delivered to a customer", l.actor_name(m.to));
  }
  if (m.to != actor()) {
    return fmt::format("message for {} delivered to {}", l.actor_name(m.to), l.actor_name(actor()));
  }
  if (!l.is_branch(m.from)) {
    return fmt::format("unknown sender: {} (customers hear only from branches)",
                       l.actor_name(m.from));
  }
  if (m.kind != MessageKind::kReply) {
    return fmt::format("{} for {}: customers accept only replies", message_kind_name(m.kind),
                       l.actor_name(m.to));
  }
  if (m.customer != index_) {
    return fmt::format("reply for {} names customer index {}", l.actor_name(m.to), m.customer);
  }
  if (!waiting_ || next_ != m.event) {
    if (repeats_possible) return std::nullopt;  // a duplicate: on_message ignores it
    return fmt::format("unexpected reply for {} event index {} (not outstanding)",
                       l.actor_name(m.to), m.event);
  }
  const Event& e = l.events[static_cast<size_t>(index_)][static_cast<size_t>(m.event)];
  if (m.iface != e.iface || m.from != e.branch) {
    return fmt::format("reply for {} event {} does not match it ({} from {}, expected {} from {})",
                       l.actor_name(m.to), e.id, interface_name(m.iface), l.actor_name(m.from),
                       interface_name(e.iface), l.actor_name(e.branch));
  }
  return std::nullopt;
}

}  // namespace banksim
