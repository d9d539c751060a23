#include "grpc/message_guard.h"

#include <cassert>

#include <fmt/format.h>

namespace banksim {

MessageGuard::MessageGuard(const BankLayout* layout, int32_t self) : layout_(layout), self_(self) {
  assert(layout != nullptr);
  assert(layout->is_branch(self));
  open_request_.assign(static_cast<size_t>(layout->customer_count()), -1);
}

std::string MessageGuard::event_name(int32_t customer, int32_t event) const {
  const Event& e = layout_->events[static_cast<size_t>(customer)][static_cast<size_t>(event)];
  return fmt::format("customer {} event {}", layout_->customer_ids[static_cast<size_t>(customer)],
                     e.id);
}

std::string MessageGuard::check(const Message& m, const Branch& branch) const {
  const BankLayout& l = *layout_;
  if (m.to != self_) {
    return fmt::format("message for {} delivered to {}", l.actor_name(m.to), l.actor_name(self_));
  }
  if (m.from < 0 || m.from >= l.actor_count()) {
    return fmt::format(
        "unknown sender: actor index {} (the scenario has {} branches and {} "
        "customers)",
        m.from, l.branch_count(), l.customer_count());
  }
  if (m.from == self_) return fmt::format("message from {} to itself", l.actor_name(self_));
  if (m.customer < 0 || m.customer >= l.customer_count()) {
    return fmt::format("{} names unknown customer index {}", message_kind_name(m.kind), m.customer);
  }
  const auto& events = l.events[static_cast<size_t>(m.customer)];
  if (m.event < 0 || m.event >= static_cast<int32_t>(events.size())) {
    return fmt::format("{} names unknown event index {} of customer {}", message_kind_name(m.kind),
                       m.event, l.customer_ids[static_cast<size_t>(m.customer)]);
  }
  const Event& e = events[static_cast<size_t>(m.event)];
  if (m.iface != e.iface) {
    return fmt::format("{} says {} but {} is a {}", message_kind_name(m.kind),
                       interface_name(m.iface), event_name(m.customer, m.event),
                       interface_name(e.iface));
  }
  switch (m.kind) {
    case MessageKind::kRequest:
      return check_request(m, branch);
    case MessageKind::kPropagate:
      return check_propagate(m, branch);
    case MessageKind::kAck:
      return check_ack(m);
    case MessageKind::kReply:
      break;
  }
  return fmt::format("a branch does not accept replies (from {})", l.actor_name(m.from));
}

std::string MessageGuard::check_request(const Message& m, const Branch& branch) const {
  const BankLayout& l = *layout_;
  const Event& e = l.events[static_cast<size_t>(m.customer)][static_cast<size_t>(m.event)];
  if (m.from != l.branch_count() + m.customer) {
    return fmt::format("request for {} sent by {}: only that customer issues it",
                       event_name(m.customer, m.event), l.actor_name(m.from));
  }
  if (e.branch != self_) {
    return fmt::format("{} goes to {}, not {}", event_name(m.customer, m.event),
                       l.actor_name(e.branch), l.actor_name(self_));
  }
  const Money amount = is_write(e.iface) ? e.money : 0;
  if (m.money != amount) {
    return fmt::format("request for {} carries amount {}, the event's is {}",
                       event_name(m.customer, m.event), m.money, amount);
  }
  if (m.seq < 0 || m.seq > m.event) {
    return fmt::format("request for {} claims {} completed writes", event_name(m.customer, m.event),
                       m.seq);
  }
  if (requests_seen_.contains({m.customer, m.event})) {
    return fmt::format("duplicate request for {}", event_name(m.customer, m.event));
  }
  if (open_request_[static_cast<size_t>(m.customer)] >= 0) {
    return fmt::format("request for {} while {} is still held here",
                       event_name(m.customer, m.event),
                       event_name(m.customer, open_request_[static_cast<size_t>(m.customer)]));
  }
  if (l.protocol == ProtocolKind::kSession && m.seq < branch.applied_writes(m.customer)) {
    return fmt::format("request for {} claims {} completed writes, but {} are applied here",
                       event_name(m.customer, m.event), m.seq, branch.applied_writes(m.customer));
  }
  return {};
}

std::string MessageGuard::check_propagate(const Message& m, const Branch& branch) const {
  const BankLayout& l = *layout_;
  const Event& e = l.events[static_cast<size_t>(m.customer)][static_cast<size_t>(m.event)];
  if (!l.is_branch(m.from)) {
    return fmt::format("propagate from {}: only branches propagate", l.actor_name(m.from));
  }
  if (!is_write(e.iface)) {
    return fmt::format("propagate of {}, which is a query", event_name(m.customer, m.event));
  }
  if (e.branch != m.from) {
    return fmt::format("propagate of {} from {}, but {} serves it", event_name(m.customer, m.event),
                       l.actor_name(m.from), l.actor_name(e.branch));
  }
  const Money delta = e.iface == Interface::kDeposit ? e.money : -e.money;
  if (m.money != delta) {
    return fmt::format("propagate of {} carries {}, the write's delta is {}",
                       event_name(m.customer, m.event), m.money, delta);
  }
  if (propagates_seen_.contains({m.customer, m.event})) {
    return fmt::format("duplicate propagate of {}", event_name(m.customer, m.event));
  }
  if (l.protocol == ProtocolKind::kSession) {
    // The customer's k-th successful write carries seq k; each is propagated once.
    if (m.seq < 1 || m.seq > m.event + 1) {
      return fmt::format("propagate of {} has write number {}", event_name(m.customer, m.event),
                         m.seq);
    }
    if (m.seq <= branch.applied_writes(m.customer) ||
        write_numbers_seen_.contains({m.customer, m.seq})) {
      return fmt::format("propagate of {} repeats write number {} of customer {}",
                         event_name(m.customer, m.event), m.seq,
                         l.customer_ids[static_cast<size_t>(m.customer)]);
    }
  } else if (m.seq != 0) {
    return fmt::format("propagate of {} has write number {} under {}",
                       event_name(m.customer, m.event), m.seq, protocol_name(l.protocol));
  }
  return {};
}

std::string MessageGuard::check_ack(const Message& m) const {
  const BankLayout& l = *layout_;
  if (l.protocol != ProtocolKind::kSync) {
    return fmt::format("ack from {}: {} has no acks", l.actor_name(m.from),
                       protocol_name(l.protocol));
  }
  if (!acks_expected_.contains({m.from, m.customer, m.event})) {
    return fmt::format("unexpected ack of {} from {}", event_name(m.customer, m.event),
                       l.actor_name(m.from));
  }
  return {};
}

void MessageGuard::record(const Message& m, const Effects& effects) {
  switch (m.kind) {
    case MessageKind::kRequest:
      requests_seen_.insert({m.customer, m.event});
      open_request_[static_cast<size_t>(m.customer)] = m.event;  // until served, below
      break;
    case MessageKind::kPropagate:
      propagates_seen_.insert({m.customer, m.event});
      if (layout_->protocol == ProtocolKind::kSession) {
        write_numbers_seen_.insert({m.customer, m.seq});
      }
      break;
    case MessageKind::kAck:
      acks_expected_.erase({m.from, m.customer, m.event});
      break;
    case MessageKind::kReply:
      assert(false && "check() rejects replies");
      break;
  }
  for (const Observation& o : effects.observations()) {
    if (o.kind != ObservationKind::kServe) continue;
    int32_t& open = open_request_[static_cast<size_t>(o.customer)];
    if (open == o.event) open = -1;
  }
  if (layout_->protocol == ProtocolKind::kSync) {
    for (const Message& s : effects.sends()) {
      if (s.kind == MessageKind::kPropagate) acks_expected_.insert({s.to, s.customer, s.event});
    }
  }
}

std::string check_customer_message(const BankLayout& l, const Customer& customer,
                                   const Message& m) {
  if (!l.is_customer(m.to)) {
    return fmt::format("message for {} delivered to a customer", l.actor_name(m.to));
  }
  if (!l.is_branch(m.from)) {
    return fmt::format("unknown sender: {} (customers hear only from branches)",
                       l.actor_name(m.from));
  }
  if (m.kind != MessageKind::kReply) {
    return fmt::format("{} for {}: customers accept only replies", message_kind_name(m.kind),
                       l.actor_name(m.to));
  }
  const int32_t c = m.to - l.branch_count();
  if (m.customer != c) {
    return fmt::format("reply for {} names customer index {}", l.actor_name(m.to), m.customer);
  }
  if (!customer.waiting() || customer.next_event() != m.event) {
    return fmt::format("unexpected reply for {} event index {} (not outstanding)",
                       l.actor_name(m.to), m.event);
  }
  const Event& e = l.events[static_cast<size_t>(c)][static_cast<size_t>(m.event)];
  if (m.iface != e.iface || m.from != e.branch) {
    return fmt::format("reply for {} event {} does not match it ({} from {}, expected {} from {})",
                       l.actor_name(m.to), e.id, interface_name(m.iface), l.actor_name(m.from),
                       interface_name(e.iface), l.actor_name(e.branch));
  }
  return {};
}

}  // namespace banksim
