#include "sim/reduction.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace banksim {

namespace {

// What the actors of one state may still do, over-approximated, in an execution where
// the actors of a set S take no step (S "frozen"). The facts of the state are computed
// once; refresh() derives what depends on S.
//
// Following dependencies through S is what makes sync reducible: a customer whose
// request waits at a frozen branch, or whose write under sync waits for the ack of a
// frozen branch (its propagation to that branch is still in flight), never gets its
// reply, so it issues none of its later events, and its branch serves none of its later
// writes and sends no propagations for them.
class MaySend {
 public:
  // The buffers are reused from call to call (the explorer calls this once per state).
  struct Buffers {
    std::vector<int32_t> inbox, where;
    std::vector<uint8_t> request_in_flight, reply_in_flight, propagate, current_write;
    std::vector<uint8_t> future_at, future_write_at, in_flight_write_to;
    std::vector<uint8_t> stuck, progress, serves_write;
    std::vector<int32_t> sync_propagates;  // (customer, to) pairs, flattened
  };

  MaySend(const World& w, Buffers& b) : s_(w.scenario()), b_(b) {
    B_ = s_.branch_count();
    C_ = s_.customer_count();
    A_ = B_ + C_;
    sync_ = w.options().protocol == ProtocolKind::kSync;
    session_ = w.options().protocol == ProtocolKind::kSession;
    const auto Bz = static_cast<size_t>(B_);
    const auto Cz = static_cast<size_t>(C_);
    b_.inbox.assign(static_cast<size_t>(A_), 0);
    b_.request_in_flight.assign(Cz, 0);
    b_.reply_in_flight.assign(Cz, 0);
    b_.propagate.assign(Bz * Bz, 0);
    b_.sync_propagates.clear();
    for (const InFlight& f : w.in_flight()) {
      const Message& m = f.msg;
      b_.inbox[static_cast<size_t>(m.to)] += 1;
      switch (m.kind) {
        case MessageKind::kRequest:
          b_.request_in_flight[static_cast<size_t>(m.customer)] = 1;
          break;
        case MessageKind::kReply:
          b_.reply_in_flight[static_cast<size_t>(m.customer)] = 1;
          break;
        case MessageKind::kPropagate:
          b_.propagate[static_cast<size_t>(m.from) * Bz + static_cast<size_t>(m.to)] = 1;
          if (sync_) {
            b_.sync_propagates.push_back(m.customer);
            b_.sync_propagates.push_back(m.to);
          }
          break;
        case MessageKind::kAck:
          break;
      }
    }
    // Per customer: where its outstanding request is, and its later events per branch.
    b_.where.assign(Cz, -1);
    b_.current_write.assign(Cz, 0);
    b_.future_at.assign(Cz * Bz, 0);
    b_.future_write_at.assign(Cz * Bz, 0);
    b_.in_flight_write_to.assign(Bz, 0);
    for (int32_t c = 0; c < C_; ++c) {
      const Customer& cu = w.customers()[static_cast<size_t>(c)];
      const auto& events = s_.customers[static_cast<size_t>(c)].events;
      const auto cz = static_cast<size_t>(c);
      if (cu.waiting()) {
        const Event& e = events[static_cast<size_t>(cu.next_event())];
        b_.where[cz] = e.branch;
        b_.current_write[cz] = is_write(e.iface);
        // An unserved write request: in flight, or (session) held at its branch.
        if (b_.current_write[cz] && unserved(c)) {
          b_.in_flight_write_to[static_cast<size_t>(e.branch)] = 1;
        }
      }
      const size_t first =
          static_cast<size_t>(cu.waiting() ? cu.next_event() + 1 : cu.next_event());
      for (size_t e = first; e < events.size(); ++e) {
        const auto at = cz * Bz + static_cast<size_t>(events[e].branch);
        b_.future_at[at] = 1;
        if (is_write(events[e].iface)) b_.future_write_at[at] = 1;
      }
    }
  }

  int32_t actors() const { return A_; }
  bool busy(int32_t a) const { return b_.inbox[static_cast<size_t>(a)] > 0; }
  size_t inbox(int32_t a) const { return static_cast<size_t>(b_.inbox[static_cast<size_t>(a)]); }

  // Derives what depends on S. Call whenever S changes, before may_send().
  void refresh(const std::vector<uint8_t>& in_s) {
    in_s_ = &in_s;
    const auto Bz = static_cast<size_t>(B_);
    const auto Cz = static_cast<size_t>(C_);
    b_.stuck.assign(Cz, 0);
    for (int32_t c = 0; c < C_; ++c) {
      const auto cz = static_cast<size_t>(c);
      // The reply is on its way: only the customer itself must step.
      if (b_.where[cz] < 0 || b_.reply_in_flight[cz]) continue;
      // The request (in flight, held or awaiting acks) needs its frozen branch to step.
      if (in_s[static_cast<size_t>(b_.where[cz])]) b_.stuck[cz] = 1;
    }
    // Sync: a write whose propagation to a frozen branch is in flight never gets that
    // branch's ack. (Every propagation of a customer in flight is of its current write.)
    for (size_t i = 0; i < b_.sync_propagates.size(); i += 2) {
      if (in_s[static_cast<size_t>(b_.sync_propagates[i + 1])]) {
        b_.stuck[static_cast<size_t>(b_.sync_propagates[i])] = 1;
      }
    }
    b_.progress.assign(Cz, 0);
    for (size_t c = 0; c < Cz; ++c) {
      b_.progress[c] = !in_s[Bz + c] && !b_.stuck[c];
    }
    // A branch may serve a write later: an unserved write request of a customer is
    // there (in flight or held), or a customer that can go on has a later write there.
    b_.serves_write.assign(Bz, 0);
    for (size_t bz = 0; bz < Bz; ++bz) b_.serves_write[bz] = b_.in_flight_write_to[bz];
    for (size_t c = 0; c < Cz; ++c) {
      if (!b_.progress[c]) continue;
      for (size_t bz = 0; bz < Bz; ++bz) b_.serves_write[bz] |= b_.future_write_at[c * Bz + bz];
    }
  }

  // May actor x (outside S) send a message to actor y in an execution where the actors
  // of S take no step?
  bool may_send(int32_t x, int32_t y) const {
    if (x == y) return false;
    const auto Bz = static_cast<size_t>(B_);
    const bool x_branch = x < B_;
    const bool y_branch = y < B_;
    if (!x_branch) {
      if (!y_branch) return false;
      // A customer sends requests for its later events, once it gets its reply.
      const auto c = static_cast<size_t>(x - B_);
      return b_.progress[c] && b_.future_at[c * Bz + static_cast<size_t>(y)];
    }
    if (!y_branch) {
      // A branch replies to a customer's outstanding request there, or to later ones.
      const auto c = static_cast<size_t>(y - B_);
      if (b_.where[c] == x && !b_.reply_in_flight[c] && !b_.stuck[c]) return true;
      return b_.progress[c] && b_.future_at[c * Bz + static_cast<size_t>(x)];
    }
    // Branch to branch: propagations of a write x serves, acks (sync) of writes y sent.
    if (b_.serves_write[static_cast<size_t>(x)]) return true;
    if (sync_) {
      if (b_.propagate[static_cast<size_t>(y) * Bz + static_cast<size_t>(x)]) return true;
      if (!(*in_s_)[static_cast<size_t>(y)] && b_.serves_write[static_cast<size_t>(y)]) return true;
    }
    return false;
  }

 private:
  // The customer's outstanding request has not been decided by its branch yet.
  bool unserved(int32_t c) const {
    if (b_.request_in_flight[static_cast<size_t>(c)]) return true;
    // Under session a request that is neither travelling nor answered is held.
    return session_ && !b_.reply_in_flight[static_cast<size_t>(c)];
  }

  const Scenario& s_;
  Buffers& b_;
  const std::vector<uint8_t>* in_s_ = nullptr;
  int32_t B_ = 0, C_ = 0, A_ = 0;
  bool sync_ = false, session_ = false;
};

// Grows S from `seed` until no actor outside S that can still act may send into S.
// Returns the number of in-flight deliveries to S, or gives up (returning `bound`) as
// soon as that number reaches `bound`: S only grows, so it could not get below it.
size_t closure(MaySend& m, int32_t seed, size_t bound, std::vector<uint8_t>& in_s,
               std::vector<uint8_t>& active, std::vector<int32_t>& work) {
  const int32_t A = m.actors();
  in_s.assign(static_cast<size_t>(A), 0);
  in_s[static_cast<size_t>(seed)] = 1;
  size_t size = m.inbox(seed);
  active.assign(static_cast<size_t>(A), 0);
  bool grew = true;
  while (grew) {
    if (size >= bound) return bound;
    grew = false;
    m.refresh(in_s);
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
        if (m.may_send(x, y)) {
          active[static_cast<size_t>(y)] = 1;
          work.push_back(y);
        }
      }
    }
    // One actor at a time: a bigger S freezes more, so others may no longer send into it.
    for (int32_t x = 0; x < A && !grew; ++x) {
      if (!active[static_cast<size_t>(x)]) continue;
      for (int32_t y = 0; y < A; ++y) {
        if (in_s[static_cast<size_t>(y)] && m.may_send(x, y)) {
          in_s[static_cast<size_t>(x)] = 1;
          size += m.inbox(x);
          grew = true;
          break;
        }
      }
    }
  }
  return size;
}

// A message's content, to choose among deliveries by what they are rather than by id:
// ids depend on the path that reached a state, and the persistent set must be a function
// of the state alone (the explorer's workers reach states in any order; the reduced space
// is then the same whatever the order). Two messages with equal keys are equal, and
// delivering either gives the same state.
auto content_key(const Message& m) {
  return std::make_tuple(m.kind, m.iface, m.success, m.from, m.to, m.customer, m.event, m.seq,
                         m.money);
}

// Whether a message can be delivered now: `enabled` is sorted by id.
bool is_enabled(const std::vector<Choice>& enabled, uint64_t id) {
  return std::binary_search(
      enabled.begin(), enabled.end(), Choice{id},
      [](const Choice& a, const Choice& b) { return a.message_id < b.message_id; });
}

// Credits, sync and session. A "credit" to branch b is a delivery that changes b's balance
// (or only b's bookkeeping) without reading it: a deposit request, or a propagated
// deposit; and, when no-overdraft is not checked, a propagated withdraw (a delta like a
// deposit). Two credits to b commute: the balance ends the same in either order (a sum),
// nothing either sends depends on the balance, and the monitor's ghost state ends the
// same. Under session a propagation may be buffered (ahead of its customer's earlier
// writes at b) or drain the buffer: either order applies each customer's writes in its
// own order, so the applies and their observations come out the same (a customer's held
// request is served by whichever of its writes completes the count; a held withdraw is
// a reader, below). A credit does not commute with a delivery that decides a withdraw at
// b (whether it succeeds depends on the balance), whether it arrives as a request or is
// a request held at b (session) that a delivery there serves. With no-overdraft checked, it does
// not commute with a write that lowers b's balance either: the order decides whether the replica
// dips below zero on the way.
//
// (Unless b's balance covers every withdraw not yet applied at b: then no order takes
// it below zero, and a propagated withdraw to b is a credit again.)
//
// A query reads the balance too, but only to put it in its reply, and nothing reads
// that number: the customer only counts the reply, the monitor judges read-your-writes
// by which of the customer's own writes are applied where the query is served (the
// credits of other customers do not change that, and the customer's own are ordered
// before the query by the protocol), and no property looks at a reported balance. So a
// credit and a query commute up to the balance in the query's reply while it is in
// flight: the two orders reach states that differ only in that number, with the same
// futures, the same verdicts and, once the reply is delivered, the same state. The
// reduced search keeps one of them; its terminal states and violations are the full
// search's (only a read-your-writes violation's detail may quote another balance).
//
// So when no withdraw can ever be decided at b (no withdraw request in flight to b or
// held there, no customer still to issue one at b) and, with
// no-overdraft checked and b's balance not covering the withdraws left, no withdraw can
// ever be applied at b (none propagated to b in flight or buffered there, and none still
// to be served anywhere, since a withdraw served at b' is propagated to every other
// branch), every delivery that can happen at b commutes with a credit to b, and
// deliveries to other actors commute with it anyway: a persistent singleton. Under sync
// a customer's writes never overlap (its next request waits for every ack); under
// session its writes are applied in its order everywhere, so monotonic writes cannot
// tell two credits' order apart either. Returns false when there is none.
//
// Under per-link FIFO two credits at b may both send on one link from b (sync: acks to
// one origin; session: the propagations of held writes they serve), and the link's order
// would then differ between the two orders: there only sync is reduced this way, its
// propagated withdraws never credits with no-overdraft checked (its acks commute
// wherever they arrive).
bool credit_singleton(const World& w, const std::vector<Choice>& enabled, bool fifo,
                      std::vector<uint8_t>& blocked, std::vector<uint8_t>& risk, Choice* out) {
  const Scenario& s = w.scenario();
  const int32_t B = s.branch_count();
  const bool debits = w.monitor().properties().has(Property::kNoOverdraft);
  if (fifo && (w.options().protocol != ProtocolKind::kSync || !debits)) return false;
  // Async: two writes of one customer may both be travelling to b, and monotonic writes
  // tells the order they are applied in: not credits there.
  if (w.options().protocol == ProtocolKind::kAsync) return false;
  // risk[b]: a withdraw applied at b might still take it below zero, so with no-overdraft
  // checked the order of b's writes matters. Not when b's balance covers every withdraw
  // not yet applied there (each is applied at most once per branch, deposits only add):
  // then no order of what is left can take b below zero.
  risk.assign(static_cast<size_t>(B), debits ? 1 : 0);
  if (debits && !fifo) {
    for (int32_t b = 0; b < B; ++b) {
      Money left = w.branches()[static_cast<size_t>(b)].balance();
      for (int32_t c = 0; c < s.customer_count() && left >= 0; ++c) {
        const auto& events = s.customers[static_cast<size_t>(c)].events;
        for (size_t e = 0; e < events.size(); ++e) {
          if (events[e].iface != Interface::kWithdraw) continue;
          if (w.monitor().applied(b, c, static_cast<int32_t>(e))) continue;
          left -= events[e].money;
        }
      }
      risk[static_cast<size_t>(b)] = left < 0;
    }
  }
  blocked.assign(static_cast<size_t>(B), 0);
  bool withdraw_ahead = false;                    // a withdraw may still be served somewhere
  const auto read_at = [&](const Message& m) {    // a request held or in flight to a branch
    if (m.iface != Interface::kWithdraw) return;  // see "A query" above
    blocked[static_cast<size_t>(m.to)] = 1;
    withdraw_ahead = true;
  };
  for (const InFlight& f : w.in_flight()) {
    const Message& m = f.msg;
    if (m.kind == MessageKind::kRequest) {
      read_at(m);
    } else if (m.kind == MessageKind::kPropagate && m.iface == Interface::kWithdraw &&
               risk[static_cast<size_t>(m.to)]) {
      blocked[static_cast<size_t>(m.to)] = 1;
    }
  }
  for (const Branch& br : w.branches()) {  // session only: the others hold nothing
    for (const Message& m : br.held()) read_at(m);
    const auto self = static_cast<size_t>(br.config().self);
    if (!risk[self]) continue;
    for (const Message& m : br.buffered()) {
      if (m.iface == Interface::kWithdraw) blocked[self] = 1;
    }
  }
  for (int32_t c = 0; c < s.customer_count(); ++c) {
    const Customer& cu = w.customers()[static_cast<size_t>(c)];
    const auto& events = s.customers[static_cast<size_t>(c)].events;
    for (size_t e = static_cast<size_t>(cu.waiting() ? cu.next_event() + 1 : cu.next_event());
         e < events.size(); ++e) {
      if (events[e].iface != Interface::kWithdraw) continue;
      blocked[static_cast<size_t>(events[e].branch)] = 1;
      withdraw_ahead = true;
    }
  }
  // A withdraw served at b' is propagated to every other branch (and b' reads for it).
  if (withdraw_ahead) {
    for (int32_t b = 0; b < B; ++b) blocked[static_cast<size_t>(b)] |= risk[static_cast<size_t>(b)];
  }
  const InFlight* chosen = nullptr;  // the credit with the smallest content
  for (const InFlight& f : w.in_flight()) {
    const Message& m = f.msg;
    const bool credit =
        (m.kind == MessageKind::kRequest && m.iface == Interface::kDeposit) ||
        (m.kind == MessageKind::kPropagate &&
         (m.iface == Interface::kDeposit || !risk[static_cast<size_t>(m.to)]));
    if (credit && !blocked[static_cast<size_t>(m.to)] && is_enabled(enabled, f.id) &&
        (chosen == nullptr || content_key(m) < content_key(chosen->msg))) {
      chosen = &f;
    }
  }
  if (chosen == nullptr) return false;
  *out = Choice{chosen->id};
  return true;
}

}  // namespace

bool content_less(const Message& a, const Message& b) {
  return content_key(a) < content_key(b);
}

void persistent_set(const World& world, const std::vector<Choice>& enabled,
                    std::vector<Choice>* out) {
  persistent_set(world, enabled, /*fifo=*/true, out);
}

namespace {
void delivery_persistent_set(const World& world, const std::vector<Choice>& enabled, bool fifo,
                             std::vector<Choice>* out);
}  // namespace

void persistent_set(const World& world, const std::vector<Choice>& enabled, bool fifo,
                    std::vector<Choice>* out) {
  // Fault choices follow the deliveries (explorer.cc: fault_choices()). README, "Faults and
  // the reduction", argues each rule below.
  if (enabled.empty() || enabled.back().kind == ChoiceKind::kDeliver) {
    // No fault can be taken here, nor in any state reached from here (budgets only run
    // out, and with no branch down and no partition on there is nothing to restart or
    // heal). A duplicate taken before may have left copies in flight, which the rules
    // below do not expect (a request served twice, two replies to one event): every
    // choice is expanded then.
    if (world.faults().duplicates > 0) {
      out->assign(enabled.begin(), enabled.end());
      return;
    }
    delivery_persistent_set(world, enabled, fifo, out);
    return;
  }
  // Only drops reduce: a duplicate, a crash, a restart, a partition or a heal (or a past
  // duplicate's copies) in reach expands every choice.
  const auto first_fault = std::find_if(enabled.begin(), enabled.end(), [](const Choice& c) {
    return c.kind != ChoiceKind::kDeliver;
  });
  const bool only_drops = std::all_of(first_fault, enabled.end(),
                                      [](const Choice& c) { return c.kind == ChoiceKind::kDrop; });
  if (!only_drops || world.faults().duplicates > 0) {
    out->assign(enabled.begin(), enabled.end());
    return;
  }
  thread_local std::vector<Choice> deliveries, reduced;
  deliveries.assign(enabled.begin(), first_fault);
  // A state with a drop to take has a message in flight, so a delivery too.
  assert(!deliveries.empty());
  delivery_persistent_set(world, deliveries, fifo, &reduced);
  // The deliveries of the persistent set, and the drops of the same messages: a drop of
  // a message outside the set touches neither its receiver nor the set's messages, and
  // sends nothing, so it commutes with every choice of the set; the drop of a message of
  // the set disables its delivery, so it is in the set with it.
  *out = reduced;
  for (const Choice& c : reduced) out->push_back(Choice{c.message_id, ChoiceKind::kDrop});
}

namespace {

void delivery_persistent_set(const World& world, const std::vector<Choice>& enabled, bool fifo,
                             std::vector<Choice>* out) {
  out->clear();
  if (enabled.size() <= 1) {
    out->assign(enabled.begin(), enabled.end());
    return;
  }
  // Sync: an ack is a persistent singleton. It touches nothing of its branch but its
  // own write's counter (the reply it may send carries data fixed when the write was
  // served), so it commutes with every delivery at every actor, whatever happens before
  // it; and it observes nothing a property reads. The other acks of the same write
  // commute with it too: whichever arrives last sends the same reply.
  // Under per-link FIFO only the oldest message of a link is enabled, and only enabled
  // deliveries are taken. A delivery changes only its own link's head and appends to
  // others' tails, so deliveries to different actors still commute, and a message
  // behind another on its link waits for a delivery to the same actor.
  if (world.options().protocol == ProtocolKind::kSync) {
    const InFlight* ack = nullptr;  // the smallest by content (content_key)
    for (const InFlight& f : world.in_flight()) {
      if (f.msg.kind == MessageKind::kAck && is_enabled(enabled, f.id) &&
          (ack == nullptr || content_key(f.msg) < content_key(ack->msg))) {
        ack = &f;
      }
    }
    if (ack != nullptr) {
      out->push_back(Choice{ack->id});
      return;
    }
  }
  {
    thread_local std::vector<uint8_t> blocked, risk;
    Choice credit;
    if (credit_singleton(world, enabled, fifo, blocked, risk, &credit)) {
      out->push_back(credit);
      return;
    }
  }
  // A customer with its reply in flight is a persistent singleton: nothing else can send
  // to it before it takes that reply (a closure seeded at that customer is exactly it).
  // The lowest-numbered such customer is taken, without building the may-send analysis.
  {
    const InFlight* reply = nullptr;
    for (const InFlight& f : world.in_flight()) {
      if (f.msg.kind == MessageKind::kReply && (reply == nullptr || f.msg.to < reply->msg.to) &&
          is_enabled(enabled, f.id)) {
        reply = &f;
      }
    }
    if (reply != nullptr) {
      out->push_back(Choice{reply->id});
      return;
    }
  }
  thread_local MaySend::Buffers buffers;
  thread_local std::vector<uint8_t> in_s, best, active;
  thread_local std::vector<int32_t> work;
  MaySend m(world, buffers);
  // Sizes count in-flight deliveries (under FIFO more than the enabled ones).
  size_t best_size = world.in_flight().size() + 1;
  // Only branches can be busy here: a customer's inbox holds only its reply, and a reply
  // in flight was taken above. The smallest closure from any busy branch wins.
  const int32_t B = world.scenario().branch_count();
  for (int32_t a = 0; a < B && best_size > 1; ++a) {
    if (!m.busy(a)) continue;
    const size_t size = closure(m, a, best_size, in_s, active, work);
    if (size < best_size) {
      best_size = size;
      best.swap(in_s);
    }
  }
  for (int32_t a = B; a < m.actors(); ++a) assert(!m.busy(a));
  assert(best_size >= 1 && best_size <= world.in_flight().size());
  // The enabled deliveries to S. An actor in S is busy, and the oldest message of a
  // link to it is enabled, so this is never empty.
  if (enabled.size() == world.in_flight().size()) {  // every in-flight message
    for (const InFlight& f : world.in_flight()) {
      if (best[static_cast<size_t>(f.msg.to)]) out->push_back(Choice{f.id});
    }
    return;
  }
  assert(enabled.size() < world.in_flight().size());
  for (const Choice& c : enabled) {
    const InFlight* f = world.find(c.message_id);
    assert(f != nullptr);
    if (best[static_cast<size_t>(f->msg.to)]) out->push_back(c);
  }
  assert(!out->empty());
}

}  // namespace

}  // namespace banksim
