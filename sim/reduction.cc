#include "sim/reduction.h"

#include <cassert>

namespace banksim {

namespace {

// What the actors of one state may still do, over-approximated.
class MaySend {
 public:
  // The buffers are reused from call to call (the explorer calls this once per state).
  struct Buffers {
    std::vector<int32_t> inbox;
    std::vector<uint8_t> request_in_flight, reply_in_flight, propagate, serves_write;
  };

  MaySend(const World& w, Buffers& b)
      : w_(w),
        s_(w.scenario()),
        inbox_(b.inbox),
        request_in_flight_(b.request_in_flight),
        reply_in_flight_(b.reply_in_flight),
        propagate_(b.propagate),
        serves_write_(b.serves_write) {
    B_ = s_.branch_count();
    C_ = s_.customer_count();
    A_ = B_ + C_;
    inbox_.assign(static_cast<size_t>(A_), 0);
    request_in_flight_.assign(static_cast<size_t>(C_), 0);
    reply_in_flight_.assign(static_cast<size_t>(C_), 0);
    propagate_.assign(static_cast<size_t>(B_ * B_), 0);
    for (const InFlight& f : w.in_flight()) {
      const Message& m = f.msg;
      inbox_[static_cast<size_t>(m.to)] += 1;
      if (m.kind == MessageKind::kRequest) request_in_flight_[static_cast<size_t>(m.customer)] = 1;
      if (m.kind == MessageKind::kReply) reply_in_flight_[static_cast<size_t>(m.customer)] = 1;
      if (m.kind == MessageKind::kPropagate) propagate_[static_cast<size_t>(m.from * B_ + m.to)] = 1;
    }
    // A branch may serve a write later: a write request of a customer is unserved there
    // (in flight or held), or a customer has a later write event there.
    serves_write_.assign(static_cast<size_t>(B_), 0);
    for (int32_t c = 0; c < C_; ++c) {
      const Customer& cu = w.customers()[static_cast<size_t>(c)];
      const auto& events = s_.customers[static_cast<size_t>(c)].events;
      if (cu.waiting()) {
        const Event& e = events[static_cast<size_t>(cu.next_event())];
        if (is_write(e.iface) && unserved(c)) serves_write_[static_cast<size_t>(e.branch)] = 1;
      }
      for (size_t e = static_cast<size_t>(first_future(c)); e < events.size(); ++e) {
        if (is_write(events[e].iface)) serves_write_[static_cast<size_t>(events[e].branch)] = 1;
      }
    }
  }

  int32_t actors() const { return A_; }
  bool busy(int32_t a) const { return inbox_[static_cast<size_t>(a)] > 0; }

  // May actor x send a message to actor y in an execution where the actors in_s never
  // take a step? (Actors in S keep their state, so only their current obligations count.)
  bool may_send(int32_t x, int32_t y, bool y_in_s) const {
    if (x == y) return false;
    const bool x_branch = x < B_;
    const bool y_branch = y < B_;
    if (!x_branch) {
      if (!y_branch) return false;
      // A customer sends requests for its later events.
      const int32_t c = x - B_;
      const auto& events = s_.customers[static_cast<size_t>(c)].events;
      for (size_t e = static_cast<size_t>(first_future(c)); e < events.size(); ++e) {
        if (events[e].branch == y) return true;
      }
      return false;
    }
    if (!y_branch) {
      // A branch replies to a customer's outstanding request, or to its later ones.
      const int32_t c = y - B_;
      const Customer& cu = w_.customers()[static_cast<size_t>(c)];
      const auto& events = s_.customers[static_cast<size_t>(c)].events;
      if (cu.waiting() && !reply_in_flight_[static_cast<size_t>(c)] &&
          events[static_cast<size_t>(cu.next_event())].branch == x) {
        return true;
      }
      if (y_in_s) return false;  // a customer in S issues nothing new
      for (size_t e = static_cast<size_t>(first_future(c)); e < events.size(); ++e) {
        if (events[e].branch == x) return true;
      }
      return false;
    }
    // Branch to branch: propagations of a write x serves, acks (sync) of writes y sent.
    if (serves_write_[static_cast<size_t>(x)]) return true;
    if (w_.options().protocol == ProtocolKind::kSync) {
      if (propagate_[static_cast<size_t>(y * B_ + x)]) return true;
      if (!y_in_s && serves_write_[static_cast<size_t>(y)]) return true;
    }
    return false;
  }

 private:
  // First event of customer c that it has not issued yet.
  int32_t first_future(int32_t c) const {
    const Customer& cu = w_.customers()[static_cast<size_t>(c)];
    return cu.waiting() ? cu.next_event() + 1 : cu.next_event();
  }
  // The customer's outstanding request has not been decided by its branch yet.
  bool unserved(int32_t c) const {
    if (request_in_flight_[static_cast<size_t>(c)]) return true;
    // Under session a request that is neither travelling nor answered is held.
    return w_.options().protocol == ProtocolKind::kSession &&
           !reply_in_flight_[static_cast<size_t>(c)];
  }

  const World& w_;
  const Scenario& s_;
  int32_t B_ = 0, C_ = 0, A_ = 0;
  std::vector<int32_t>& inbox_;
  std::vector<uint8_t>& request_in_flight_;
  std::vector<uint8_t>& reply_in_flight_;
  std::vector<uint8_t>& propagate_;
  std::vector<uint8_t>& serves_write_;
};

// Grows S from `seed` until no actor outside S that can still act may send into S.
void closure(const MaySend& m, int32_t seed, std::vector<uint8_t>& in_s,
             std::vector<uint8_t>& active, std::vector<int32_t>& work) {
  const int32_t A = m.actors();
  in_s.assign(static_cast<size_t>(A), 0);
  in_s[static_cast<size_t>(seed)] = 1;
  active.assign(static_cast<size_t>(A), 0);
  bool grew = true;
  while (grew) {
    grew = false;
    // Actors outside S that may act: busy ones, and whoever they may send to.
    work.clear();
    for (int32_t a = 0; a < A; ++a) {
      active[static_cast<size_t>(a)] = !in_s[static_cast<size_t>(a)] && m.busy(a);
      if (active[static_cast<size_t>(a)]) work.push_back(a);
    }
    while (!work.empty()) {
      const int32_t x = work.back();
      work.pop_back();
      for (int32_t y = 0; y < A; ++y) {
        if (in_s[static_cast<size_t>(y)] || active[static_cast<size_t>(y)]) continue;
        if (m.may_send(x, y, false)) {
          active[static_cast<size_t>(y)] = 1;
          work.push_back(y);
        }
      }
    }
    for (int32_t x = 0; x < A && !grew; ++x) {
      if (!active[static_cast<size_t>(x)]) continue;
      for (int32_t y = 0; y < A; ++y) {
        if (in_s[static_cast<size_t>(y)] && m.may_send(x, y, true)) {
          in_s[static_cast<size_t>(x)] = 1;
          grew = true;
          break;
        }
      }
    }
  }
}

}  // namespace

void persistent_set(const World& world, const std::vector<Choice>& enabled,
                    std::vector<Choice>* out) {
  out->clear();
  if (enabled.size() <= 1) {
    out->assign(enabled.begin(), enabled.end());
    return;
  }
  thread_local MaySend::Buffers buffers;
  thread_local std::vector<uint8_t> in_s, best, active;
  thread_local std::vector<int32_t> work;
  const MaySend m(world, buffers);
  size_t best_size = enabled.size() + 1;
  // Customers first: a customer with its reply in flight is a persistent singleton, the
  // commonest and cheapest reduction. Then branches.
  const int32_t A = m.actors();
  const int32_t B = world.scenario().branch_count();
  for (int32_t k = 0; k < A && best_size > 1; ++k) {
    const int32_t a = (k + B) % A;
    if (!m.busy(a)) continue;
    closure(m, a, in_s, active, work);
    size_t size = 0;
    for (const InFlight& f : world.in_flight()) size += in_s[static_cast<size_t>(f.msg.to)];
    if (size < best_size) {
      best_size = size;
      best.swap(in_s);
    }
  }
  assert(best_size >= 1 && best_size <= enabled.size());
  // enabled lists every in-flight message, in the same (id) order.
  assert(enabled.size() == world.in_flight().size());
  for (const InFlight& f : world.in_flight()) {
    if (best[static_cast<size_t>(f.msg.to)]) out->push_back(Choice{f.id});
  }
}

}  // namespace banksim
