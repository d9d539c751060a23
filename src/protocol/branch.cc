#include "protocol/branch.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include <fmt/format.h>

namespace banksim {

Branch::Branch(const BranchConfig& config, Money initial_balance)
    : config_(config), balance_(initial_balance) {
  assert(config.self >= 0);
  assert(config.self < config.branch_count);
  assert(initial_balance >= 0);
  if (session_like()) applied_.assign(static_cast<size_t>(config_.customer_count), 0);
  if (config_.protocol == ProtocolKind::kRobust) {
    served_.assign(static_cast<size_t>(config_.customer_count), ServedReply{});
  }
  if (config_.bank != nullptr) {
    const BankLayout& l = *config_.bank;
    assert(l.branch_count() == config_.branch_count);
    assert(l.customer_count() == config_.customer_count);
    assert(l.protocol == config_.protocol);
    assert(l.first_event.size() == l.events.size() + 1);  // BankLayout::index_events()
    assert(config_.branch_count <= kMaxBranchesPerBank);
    receipts_ = CowBits(2 * static_cast<size_t>(l.first_event.back()));
  }
}

Branch::Branch(const BranchConfig& config, const BranchDurable& durable)
    : Branch(config, durable.balance < 0 ? 0 : durable.balance) {
  // A replica may have dipped below zero (no-overdraft is a property, not a rule of
  // the state machine): restore the balance exactly.
  balance_ = durable.balance;
  if (session_like()) {
    assert(durable.applied.size() == applied_.size());
    applied_ = durable.applied;
  } else {
    assert(durable.applied.empty());
  }
  if (config_.protocol == ProtocolKind::kRobust) {
    assert(durable.served.size() == served_.size());
    served_ = durable.served;
    unacked_ = durable.unacked;
  } else {
    assert(durable.served.empty() && durable.unacked.empty());
  }
}

bool Branch::holds(int32_t customer, int32_t event) const {
  return std::any_of(held_.begin(), held_.end(),
                     [&](const Message& h) { return h.customer == customer && h.event == event; });
}

bool Branch::already_has(const Message& m) const {
  if (!session_like()) return false;
  if (m.seq <= applied_[static_cast<size_t>(m.customer)]) return true;
  return std::any_of(buffered_.begin(), buffered_.end(),
                     [&](const Message& b) { return b.customer == m.customer && b.seq == m.seq; });
}

int32_t Branch::applied_writes(int32_t customer) const {
  if (applied_.empty()) return 0;
  return applied_[static_cast<size_t>(customer)];
}

void Branch::on_message(const Message& m, Effects& out) {
  const size_t first_send = out.sends().size();
  step(m, out);
  if (config_.bank != nullptr) keep_receipts(m, out, first_send);
}

void Branch::step(const Message& m, Effects& out) {
  assert(m.to == config_.self);
  switch (m.kind) {
    case MessageKind::kRequest:
      on_request(m, out);
      break;
    case MessageKind::kPropagate:
      on_propagate(m, out);
      break;
    case MessageKind::kAck:
      on_ack(m, out);
      break;
    case MessageKind::kReply:
      assert(false && "a branch never receives a reply");
      return;
  }
}

void Branch::on_request(const Message& m, Effects& out) {
  assert(m.customer >= 0);
  assert(m.customer < config_.customer_count);
  if (config_.protocol == ProtocolKind::kRobust) {
    on_request_robust(m, out);
    return;
  }
  if (config_.protocol == ProtocolKind::kSession) {
    const int32_t applied = applied_[static_cast<size_t>(m.customer)];
    // A customer never has more writes than it completed, so only a duplicate of a
    // write request served here already finds more applied: deduplicated.
    if (applied > m.seq && is_write(m.iface)) return;
    if (applied < m.seq) {
      // Read-your-writes / monotonic writes: wait for the customer's earlier writes
      // (a duplicate of the request already held here is dropped).
      if (!holds(m.customer, m.event)) hold(m);
      return;
    }
  }
  serve(m, out);
}

void Branch::serve(const Message& m, Effects& out) {
  Observation served{.kind = ObservationKind::kServe,
                     .iface = m.iface,
                     .success = true,
                     .customer = m.customer,
                     .event = m.event,
                     .branch = config_.self,
                     .money = m.money,
                     .balance = balance_};
  if (m.iface == Interface::kQuery) {
    out.observe(served);
    reply(m, true, out);
    return;
  }
  if (m.iface == Interface::kWithdraw && m.money > balance_) {
    served.success = false;
    out.observe(served);
    reply(m, false, out);
    return;
  }
  const Money delta = m.iface == Interface::kDeposit ? m.money : -m.money;
  served.balance = balance_ + delta;
  out.observe(served);
  apply_write(m.customer, m.event, m.iface, m.money, /*origin=*/true, out);

  const int32_t peers = config_.branch_count - 1;
  switch (config_.protocol) {
    case ProtocolKind::kSync:
      propagate(m, delta, 0, out);
      if (peers == 0) {
        reply(m, true, out);
      } else {
        PendingWrite p{m.customer, m.event, m.iface, peers};
        auto at = std::lower_bound(
            pending_.begin(), pending_.end(), p, [](const PendingWrite& a, const PendingWrite& b) {
              return a.customer != b.customer ? a.customer < b.customer : a.event < b.event;
            });
        pending_.insert(at, p);
      }
      return;
    case ProtocolKind::kAsync:
      reply(m, true, out);
      propagate(m, delta, 0, out);
      return;
    case ProtocolKind::kSession: {
      int32_t& applied = applied_[static_cast<size_t>(m.customer)];
      assert(applied == m.seq);
      applied += 1;
      reply(m, true, out);
      propagate(m, delta, applied, out);
      return;
    }
    case ProtocolKind::kRobust: {
      int32_t& applied = applied_[static_cast<size_t>(m.customer)];
      assert(applied == m.seq);
      applied += 1;
      reply(m, true, out);
      for (int32_t b = 0; b < config_.branch_count; ++b) {
        if (b == config_.self) continue;
        const Unacked u{.customer = m.customer,
                        .event = m.event,
                        .peer = b,
                        .seq = applied,
                        .iface = m.iface,
                        .delta = delta};
        const auto at = std::lower_bound(
            unacked_.begin(), unacked_.end(), u, [](const Unacked& a, const Unacked& b) {
              return std::tie(a.customer, a.event, a.peer) < std::tie(b.customer, b.event, b.peer);
            });
        unacked_.insert(at, u);
        out.send(propagation(u));
        out.set_timer(propagate_timer(u));
      }
      return;
    }
  }
}

void Branch::apply_write(int32_t customer, int32_t event, Interface iface, Money money, bool origin,
                         Effects& out) {
  assert(is_write(iface));
  assert(money >= 0);
  const Money delta = iface == Interface::kDeposit ? money : -money;
  // Scenario loading bounds every reachable balance; overflow here is an engine bug.
  assert(delta <= 0 || balance_ <= INT64_MAX - delta);
  assert(delta >= 0 || balance_ >= INT64_MIN - delta);
  balance_ += delta;
  out.observe(Observation{.kind = ObservationKind::kApply,
                          .iface = iface,
                          .success = origin,
                          .customer = customer,
                          .event = event,
                          .branch = config_.self,
                          .money = money,
                          .balance = balance_});
}

void Branch::reply(const Message& request, bool success, Effects& out) {
  // A write's reply carries its result only. The balance it produced is in the History
  // (the serve observation); carrying it, or the balance when a sync write's last ack
  // arrived, would make states that differ only in that number, and make a sync ack read
  // the balance, so acks would no longer commute with other deliveries.
  const Money money = is_write(request.iface) ? 0 : balance_;
  if (config_.protocol == ProtocolKind::kRobust) {
    // Remembered (durably) before it is sent: a repeat of the request gets it again.
    served_[static_cast<size_t>(request.customer)] =
        ServedReply{.event = request.event, .success = success, .money = money};
  }
  send_reply(request, success, money, out);
}

void Branch::send_reply(const Message& request, bool success, Money money, Effects& out) {
  out.send(Message{.kind = MessageKind::kReply,
                   .iface = request.iface,
                   .success = success,
                   .from = config_.self,
                   .to = request.from,
                   .customer = request.customer,
                   .event = request.event,
                   .seq = request.seq,
                   .money = money});
}

void Branch::propagate(const Message& request, Money delta, int32_t seq, Effects& out) {
  for (int32_t b = 0; b < config_.branch_count; ++b) {
    if (b == config_.self) continue;
    out.send(Message{.kind = MessageKind::kPropagate,
                     .iface = request.iface,
                     .success = true,
                     .from = config_.self,
                     .to = b,
                     .customer = request.customer,
                     .event = request.event,
                     .seq = seq,
                     .money = delta});
  }
}

void Branch::on_propagate(const Message& m, Effects& out) {
  assert(m.from != config_.self);
  assert(m.from >= 0 && m.from < config_.branch_count);
  const Money amount = m.money < 0 ? -m.money : m.money;
  switch (config_.protocol) {
    case ProtocolKind::kSync:
      apply_write(m.customer, m.event, m.iface, amount, false, out);
      send_ack(m, out);
      return;
    case ProtocolKind::kAsync:
      apply_write(m.customer, m.event, m.iface, amount, false, out);
      return;
    case ProtocolKind::kRobust:
      on_propagate_robust(m, out);
      return;
    case ProtocolKind::kSession: {
      const int32_t applied = applied_[static_cast<size_t>(m.customer)];
      // Each write is propagated once to each peer: only a duplicate is already applied
      // or buffered. Deduplicated.
      if (already_has(m)) return;
      if (m.seq != applied + 1) {
        buffer(m);
        return;
      }
      apply_write(m.customer, m.event, m.iface, amount, false, out);
      applied_[static_cast<size_t>(m.customer)] += 1;
      drain_session(m.customer, out);
      return;
    }
  }
}

void Branch::drain_session(int32_t customer, Effects& out) {
  int32_t& applied = applied_[static_cast<size_t>(customer)];
  // Buffered writes of this customer, in sequence order, as far as they are contiguous.
  for (auto it = buffered_.begin(); it != buffered_.end();) {
    if (it->customer == customer && it->seq == applied + 1) {
      const Money amount = it->money < 0 ? -it->money : it->money;
      apply_write(it->customer, it->event, it->iface, amount, false, out);
      applied += 1;
      if (config_.protocol == ProtocolKind::kRobust) send_ack(*it, out);
      buffered_delta_ -= it->money;
      it = buffered_.erase(it);
    } else {
      ++it;
    }
  }
  // At most one held request per customer: customers issue one event at a time.
  for (auto it = held_.begin(); it != held_.end(); ++it) {
    if (it->customer == customer && it->seq <= applied) {
      const Message request = *it;
      held_.erase(it);
      serve(request, out);
      return;
    }
  }
}

void Branch::on_ack(const Message& m, Effects& out) {
  if (config_.protocol == ProtocolKind::kRobust) {
    on_ack_robust(m, out);
    return;
  }
  assert(config_.protocol == ProtocolKind::kSync);
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const PendingWrite& p) {
    return p.customer == m.customer && p.event == m.event;
  });
  // An ack of a write no longer pending: it was answered (a duplicated ack made it
  // count one peer twice) or forgotten in a crash. Nothing to do.
  if (it == pending_.end()) return;
  assert(it->acks_missing > 0);
  it->acks_missing -= 1;
  if (it->acks_missing > 0) return;
  Message request{.kind = MessageKind::kRequest,
                  .iface = it->iface,
                  .from = config_.branch_count + it->customer,
                  .to = config_.self,
                  .customer = it->customer,
                  .event = it->event};
  pending_.erase(it);
  reply(request, true, out);
}

void Branch::on_request_robust(const Message& m, Effects& out) {
  const ServedReply& last = served_[static_cast<size_t>(m.customer)];
  // The customer has moved on past this event (it was answered): a stale repeat.
  if (m.event < last.event) return;
  if (m.event == last.event) {
    // A repeat of the request served last: its remembered reply again, nothing reapplied.
    send_reply(m, last.success, last.money, out);
    return;
  }
  if (holds(m.customer, m.event)) return;  // a repeat of the request held here
  const int32_t applied = applied_[static_cast<size_t>(m.customer)];
  // A request carries every write its customer completed: none is applied here beyond.
  assert(applied <= m.seq);
  if (applied < m.seq) {
    hold(m);
    return;
  }
  serve(m, out);
}

void Branch::hold(const Message& request) {
  // At most one held request per customer: customers issue one event at a time.
  assert(std::none_of(held_.begin(), held_.end(),
                      [&](const Message& h) { return h.customer == request.customer; }));
  auto at =
      std::lower_bound(held_.begin(), held_.end(), request,
                       [](const Message& a, const Message& b) { return a.customer < b.customer; });
  held_.insert(at, request);
}

void Branch::buffer(const Message& propagation) {
  auto at = std::lower_bound(
      buffered_.begin(), buffered_.end(), propagation, [](const Message& a, const Message& b) {
        return a.customer != b.customer ? a.customer < b.customer : a.seq < b.seq;
      });
  buffered_.insert(at, propagation);
  buffered_delta_ += propagation.money;
}

void Branch::on_propagate_robust(const Message& m, Effects& out) {
  const int32_t applied = applied_[static_cast<size_t>(m.customer)];
  if (m.seq <= applied) {
    send_ack(m, out);  // applied already: a repeat, acknowledged again (the first ack may be lost)
    return;
  }
  // Buffered (volatile): acknowledged once applied, so a crash that loses it makes the
  // sender retransmit it.
  if (already_has(m)) return;
  if (m.seq != applied + 1) {
    buffer(m);
    return;
  }
  const Money amount = m.money < 0 ? -m.money : m.money;
  apply_write(m.customer, m.event, m.iface, amount, false, out);
  applied_[static_cast<size_t>(m.customer)] += 1;
  send_ack(m, out);
  drain_session(m.customer, out);
}

void Branch::send_ack(const Message& p, Effects& out) {
  out.send(Message{.kind = MessageKind::kAck,
                   .iface = p.iface,
                   .success = true,
                   .from = config_.self,
                   .to = p.from,
                   .customer = p.customer,
                   .event = p.event,
                   .seq = p.seq,
                   .money = 0});
}

void Branch::on_ack_robust(const Message& m, Effects& out) {
  auto it = std::find_if(unacked_.begin(), unacked_.end(), [&](const Unacked& u) {
    return u.customer == m.customer && u.event == m.event && u.peer == m.from;
  });
  if (it == unacked_.end()) return;  // a repeat: acknowledged already
  out.cancel_timer(propagate_timer(*it));
  unacked_.erase(it);
}

void Branch::on_timer(const TimerKey& k, Effects& out) {
  assert(config_.protocol == ProtocolKind::kRobust);
  assert(k.kind == MessageKind::kPropagate && k.owner == config_.self);
  auto it = std::find_if(unacked_.begin(), unacked_.end(), [&](const Unacked& u) {
    return u.customer == k.customer && u.event == k.event && u.peer == k.peer;
  });
  if (it == unacked_.end()) return;
  out.send(propagation(*it));
  out.set_timer(k);
}

TimerKey Branch::propagate_timer(const Unacked& u) const {
  return TimerKey{.kind = MessageKind::kPropagate,
                  .owner = config_.self,
                  .customer = u.customer,
                  .event = u.event,
                  .peer = u.peer};
}

Message Branch::propagation(const Unacked& u) const {
  return Message{.kind = MessageKind::kPropagate,
                 .iface = u.iface,
                 .success = true,
                 .from = config_.self,
                 .to = u.peer,
                 .customer = u.customer,
                 .event = u.event,
                 .seq = u.seq,
                 .money = u.delta};
}

void Branch::encode(StateEncoder& enc) const {
  enc.put_signed(balance_);
  enc.put(pending_.size());
  for (const PendingWrite& p : pending_) {
    enc.put_pair(static_cast<uint32_t>(p.customer), static_cast<uint32_t>(p.event));
    enc.put_pair(static_cast<uint32_t>(p.iface), static_cast<uint32_t>(p.acks_missing));
  }
  for (int32_t a : applied_) enc.put(static_cast<uint32_t>(a));
  enc.put(held_.size());
  for (const Message& h : held_) {
    enc.put_pair(static_cast<uint32_t>(h.customer), static_cast<uint32_t>(h.event));
  }
  enc.put(buffered_.size());
  for (const Message& b : buffered_) {
    enc.put_pair(static_cast<uint32_t>(b.customer), static_cast<uint32_t>(b.seq));
    enc.put_pair(static_cast<uint32_t>(b.from), static_cast<uint32_t>(b.event));
  }
  if (config_.protocol != ProtocolKind::kRobust) return;  // the seed protocols as before
  for (const ServedReply& r : served_) {
    enc.put_pair(static_cast<uint32_t>(r.event), static_cast<uint32_t>(r.success));
    enc.put_signed(r.money);
  }
  enc.put(unacked_.size());
  for (const Unacked& u : unacked_) {
    enc.put_pair(static_cast<uint32_t>(u.customer), static_cast<uint32_t>(u.event));
    enc.put_pair(static_cast<uint32_t>(u.peer), static_cast<uint32_t>(u.seq));
  }
}

size_t Branch::receipt_bit(MessageKind kind, int32_t customer, int32_t event) const {
  assert(kind == MessageKind::kRequest || kind == MessageKind::kPropagate);
  const int64_t index = config_.bank->first_event[static_cast<size_t>(customer)] + event;
  return 2 * static_cast<size_t>(index) + (kind == MessageKind::kPropagate ? 1 : 0);
}

bool Branch::consumed(MessageKind kind, int32_t customer, int32_t event) const {
  const size_t bit = receipt_bit(kind, customer, event);
  return receipts_.test(bit);
}

void Branch::keep_receipts(const Message& m, const Effects& out, size_t first_send) {
  switch (m.kind) {
    case MessageKind::kRequest:
    case MessageKind::kPropagate: {
      const size_t bit = receipt_bit(m.kind, m.customer, m.event);
      receipts_.set(bit);
      break;
    }
    case MessageKind::kAck: {
      // The write's last ack removed it from pending_; otherwise this peer is no longer due.
      PendingWrite* p = find_pending(m.customer, m.event);
      if (p != nullptr) p->acks_due[static_cast<size_t>(m.from) / 64] &= ~ack_bit(m.from);
      break;
    }
    case MessageKind::kReply:
      break;
  }
  if (config_.protocol != ProtocolKind::kSync) return;
  for (size_t i = first_send; i < out.sends().size(); ++i) {
    const Message& s = out.sends()[i];
    if (s.kind != MessageKind::kPropagate) continue;
    PendingWrite* p = find_pending(s.customer, s.event);
    assert(p != nullptr);  // sync: a propagated write waits for its acks
    if (p != nullptr) p->acks_due[static_cast<size_t>(s.to) / 64] |= ack_bit(s.to);
  }
}

Branch::PendingWrite* Branch::find_pending(int32_t customer, int32_t event) {
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const PendingWrite& p) {
    return p.customer == customer && p.event == event;
  });
  return it == pending_.end() ? nullptr : &*it;
}

std::string Branch::event_name(int32_t customer, int32_t event) const {
  const BankLayout& l = *config_.bank;
  const Event& e = l.events[static_cast<size_t>(customer)][static_cast<size_t>(event)];
  return fmt::format("customer {} event {}", l.customer_ids[static_cast<size_t>(customer)], e.id);
}

std::optional<std::string> Branch::refuse(const Message& m, bool repeats_possible) const {
  assert(config_.bank != nullptr);
  const BankLayout& l = *config_.bank;
  const int32_t self = config_.self;
  if (m.to != self) {
    return fmt::format("message for {} delivered to {}", l.actor_name(m.to), l.actor_name(self));
  }
  if (m.from < 0 || m.from >= l.actor_count()) {
    return fmt::format(
        "unknown sender: actor index {} (the scenario has {} branches and {} "
        "customers)",
        m.from, l.branch_count(), l.customer_count());
  }
  if (m.from == self) return fmt::format("message from {} to itself", l.actor_name(self));
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
      return refuse_request(m, repeats_possible);
    case MessageKind::kPropagate:
      return refuse_propagate(m, repeats_possible);
    case MessageKind::kAck:
      return refuse_ack(m, repeats_possible);
    case MessageKind::kReply:
      break;
  }
  return fmt::format("a branch does not accept replies (from {})", l.actor_name(m.from));
}

std::optional<std::string> Branch::refuse_request(const Message& m, bool repeats_possible) const {
  const BankLayout& l = *config_.bank;
  const Event& e = l.events[static_cast<size_t>(m.customer)][static_cast<size_t>(m.event)];
  if (m.from != l.branch_count() + m.customer) {
    return fmt::format("request for {} sent by {}: only that customer issues it",
                       event_name(m.customer, m.event), l.actor_name(m.from));
  }
  if (e.branch != config_.self) {
    return fmt::format("{} goes to {}, not {}", event_name(m.customer, m.event),
                       l.actor_name(e.branch), l.actor_name(config_.self));
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
  if (repeats_possible) return std::nullopt;  // the rest tell a repeat from a first
  if (consumed(MessageKind::kRequest, m.customer, m.event)) {
    return fmt::format("duplicate request for {}", event_name(m.customer, m.event));
  }
  for (const Message& h : held_) {
    if (h.customer != m.customer) continue;
    return fmt::format("request for {} while {} is still held here",
                       event_name(m.customer, m.event), event_name(m.customer, h.event));
  }
  if (session_like() && m.seq < applied_writes(m.customer)) {
    return fmt::format("request for {} claims {} completed writes, but {} are applied here",
                       event_name(m.customer, m.event), m.seq, applied_writes(m.customer));
  }
  return std::nullopt;
}

std::optional<std::string> Branch::refuse_propagate(const Message& m, bool repeats_possible) const {
  const BankLayout& l = *config_.bank;
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
  if (!repeats_possible && consumed(MessageKind::kPropagate, m.customer, m.event)) {
    return fmt::format("duplicate propagate of {}", event_name(m.customer, m.event));
  }
  if (session_like()) {
    // The customer's k-th successful write carries seq k; each is propagated once, so a
    // write number already applied here, or already buffered, is a repeat.
    if (m.seq < 1 || m.seq > m.event + 1) {
      return fmt::format("propagate of {} has write number {}", event_name(m.customer, m.event),
                         m.seq);
    }
    const bool buffered = std::any_of(buffered_.begin(), buffered_.end(), [&](const Message& b) {
      return b.customer == m.customer && b.seq == m.seq;
    });
    if (!repeats_possible && (m.seq <= applied_writes(m.customer) || buffered)) {
      return fmt::format("propagate of {} repeats write number {} of customer {}",
                         event_name(m.customer, m.event), m.seq,
                         l.customer_ids[static_cast<size_t>(m.customer)]);
    }
  } else if (m.seq != 0) {
    return fmt::format("propagate of {} has write number {} under {}",
                       event_name(m.customer, m.event), m.seq, protocol_name(config_.protocol));
  }
  return std::nullopt;
}

std::optional<std::string> Branch::refuse_ack(const Message& m, bool repeats_possible) const {
  const BankLayout& l = *config_.bank;
  if (config_.protocol == ProtocolKind::kRobust) {
    if (!l.is_branch(m.from)) {
      return fmt::format("ack from {}: only branches acknowledge", l.actor_name(m.from));
    }
    if (repeats_possible) return std::nullopt;
    const bool due = std::any_of(unacked_.begin(), unacked_.end(), [&](const Unacked& u) {
      return u.customer == m.customer && u.event == m.event && u.peer == m.from;
    });
    if (!due) {
      return fmt::format("unexpected ack of {} from {}", event_name(m.customer, m.event),
                         l.actor_name(m.from));
    }
    return std::nullopt;
  }
  if (config_.protocol != ProtocolKind::kSync) {
    return fmt::format("ack from {}: {} has no acks", l.actor_name(m.from),
                       protocol_name(config_.protocol));
  }
  if (repeats_possible) return std::nullopt;  // a duplicate, or for a write a crash lost
  const auto p = std::find_if(pending_.begin(), pending_.end(), [&](const PendingWrite& w) {
    return w.customer == m.customer && w.event == m.event;
  });
  if (p == pending_.end() ||
      (p->acks_due[static_cast<size_t>(m.from) / 64] & ack_bit(m.from)) == 0) {
    return fmt::format("unexpected ack of {} from {}", event_name(m.customer, m.event),
                       l.actor_name(m.from));
  }
  return std::nullopt;
}

bool Branch::operator==(const Branch& o) const {
  auto same = [](const std::vector<Message>& a, const std::vector<Message>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const Message& x, const Message& y) { return x.same_wire(y); });
  };
  return config_.self == o.config_.self && balance_ == o.balance_ && pending_ == o.pending_ &&
         applied_ == o.applied_ && same(held_, o.held_) && same(buffered_, o.buffered_) &&
         served_ == o.served_ && unacked_ == o.unacked_;
}

}  // namespace banksim
