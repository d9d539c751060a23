#include "protocol/branch.h"

#include <algorithm>
#include <cassert>

namespace banksim {

Branch::Branch(const BranchConfig& config, Money initial_balance)
    : config_(config), balance_(initial_balance) {
  assert(config.self >= 0);
  assert(config.self < config.branch_count);
  assert(initial_balance >= 0);
  if (config_.protocol == ProtocolKind::kSession) {
    applied_.assign(static_cast<size_t>(config_.customer_count), 0);
  }
}

Branch::Branch(const BranchConfig& config, const BranchDurable& durable)
    : Branch(config, durable.balance < 0 ? 0 : durable.balance) {
  // A replica may have dipped below zero (no-overdraft is a property, not a rule of
  // the state machine): restore the balance exactly.
  balance_ = durable.balance;
  if (config_.protocol == ProtocolKind::kSession) {
    assert(durable.applied.size() == applied_.size());
    applied_ = durable.applied;
  } else {
    assert(durable.applied.empty());
  }
}

bool Branch::already_has(const Message& m) const {
  if (config_.protocol != ProtocolKind::kSession) return false;
  if (m.seq <= applied_[static_cast<size_t>(m.customer)]) return true;
  return std::any_of(buffered_.begin(), buffered_.end(),
                     [&](const Message& b) { return b.customer == m.customer && b.seq == m.seq; });
}

int32_t Branch::applied_writes(int32_t customer) const {
  if (applied_.empty()) return 0;
  return applied_[static_cast<size_t>(customer)];
}

void Branch::on_message(const Message& m, Effects& out) {
  assert(m.to == config_.self);
  switch (m.kind) {
    case MessageKind::kRequest:
      on_request(m, out);
      return;
    case MessageKind::kPropagate:
      on_propagate(m, out);
      return;
    case MessageKind::kAck:
      on_ack(m, out);
      return;
    case MessageKind::kReply:
      break;
  }
  assert(false && "a branch never receives a reply");
}

void Branch::on_request(const Message& m, Effects& out) {
  assert(m.customer >= 0);
  assert(m.customer < config_.customer_count);
  if (config_.protocol == ProtocolKind::kSession) {
    const int32_t applied = applied_[static_cast<size_t>(m.customer)];
    // A customer never has more writes than it completed, so only a duplicate of a
    // write request served here already finds more applied: deduplicated.
    if (applied > m.seq && is_write(m.iface)) return;
    if (applied < m.seq) {
      // A duplicate of the request already held here.
      if (std::any_of(held_.begin(), held_.end(), [&](const Message& h) {
            return h.customer == m.customer && h.event == m.event;
          })) {
        return;
      }
      // Read-your-writes / monotonic writes: wait for the customer's earlier writes.
      assert(std::none_of(held_.begin(), held_.end(),
                          [&](const Message& h) { return h.customer == m.customer; }));
      auto at = std::lower_bound(
          held_.begin(), held_.end(), m,
          [](const Message& a, const Message& b) { return a.customer < b.customer; });
      held_.insert(at, m);
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
        auto at = std::lower_bound(pending_.begin(), pending_.end(), p,
                                   [](const PendingWrite& a, const PendingWrite& b) {
                                     return a.customer != b.customer ? a.customer < b.customer
                                                                     : a.event < b.event;
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
  }
}

void Branch::apply_write(int32_t customer, int32_t event, Interface iface, Money money,
                         bool origin, Effects& out) {
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
  out.send(Message{.kind = MessageKind::kReply,
                   .iface = request.iface,
                   .success = success,
                   .from = config_.self,
                   .to = request.from,
                   .customer = request.customer,
                   .event = request.event,
                   .seq = request.seq,
                   // A write's reply carries its result only. The balance it produced
                   // is in the History (the serve observation); carrying it, or the
                   // balance when a sync write's last ack arrived, would make states
                   // that differ only in that number, and make a sync ack read the
                   // balance, so acks would no longer commute with other deliveries.
                   .money = is_write(request.iface) ? 0 : balance_});
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
      out.send(Message{.kind = MessageKind::kAck,
                       .iface = m.iface,
                       .success = true,
                       .from = config_.self,
                       .to = m.from,
                       .customer = m.customer,
                       .event = m.event,
                       .seq = m.seq,
                       .money = 0});
      return;
    case ProtocolKind::kAsync:
      apply_write(m.customer, m.event, m.iface, amount, false, out);
      return;
    case ProtocolKind::kSession: {
      const int32_t applied = applied_[static_cast<size_t>(m.customer)];
      // Each write is propagated once to each peer: only a duplicate is already applied
      // or buffered. Deduplicated.
      if (already_has(m)) return;
      if (m.seq != applied + 1) {
        auto at = std::lower_bound(buffered_.begin(), buffered_.end(), m,
                                   [](const Message& a, const Message& b) {
                                     return a.customer != b.customer ? a.customer < b.customer
                                                                     : a.seq < b.seq;
                                   });
        buffered_.insert(at, m);
        buffered_delta_ += m.money;
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
}

bool Branch::operator==(const Branch& o) const {
  auto same = [](const std::vector<Message>& a, const std::vector<Message>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const Message& x, const Message& y) { return x.same_wire(y); });
  };
  return config_.self == o.config_.self && balance_ == o.balance_ && pending_ == o.pending_ &&
         applied_ == o.applied_ && same(held_, o.held_) && same(buffered_, o.buffered_);
}

}  // namespace banksim
