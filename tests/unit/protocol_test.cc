// Protocol steps, driving Branch and Customer directly through Effects (no World, no
// network): sync replies only after every ack, async replies at once, session holds a
// request until the customer's writes are applied and buffers propagations that arrive
// out of order, and a failed withdraw changes nothing and is not propagated. Also the
// Customer's one-at-a-time issuing and the write count it sends with each request.
#include <doctest/doctest.h>

#include <iterator>
#include <vector>

#include "protocol/branch.h"
#include "protocol/customer.h"
#include "protocol/effects.h"

using banksim::Branch;
using banksim::BranchConfig;
using banksim::Customer;
using banksim::Effects;
using banksim::Event;
using banksim::Interface;
using banksim::Message;
using banksim::MessageKind;
using banksim::Money;
using banksim::Observation;
using banksim::ObservationKind;
using banksim::ProtocolKind;
using banksim::StateEncoder;

namespace {

constexpr int32_t kBranches = 3;
constexpr int32_t kCustomers = 2;

Branch make_branch(ProtocolKind p, int32_t self, Money balance) {
  return Branch(
      BranchConfig{
          .protocol = p, .self = self, .branch_count = kBranches, .customer_count = kCustomers},
      balance);
}

// A request from customer `customer` (actor kBranches + customer) that has completed
// `seq` writes.
Message request(Interface iface, int32_t to, int32_t customer, int32_t event, int32_t seq,
                Money money) {
  return Message{.kind = MessageKind::kRequest,
                 .iface = iface,
                 .from = kBranches + customer,
                 .to = to,
                 .customer = customer,
                 .event = event,
                 .seq = seq,
                 .money = money};
}

std::vector<Message> of_kind(const Effects& out, MessageKind kind) {
  std::vector<Message> v;
  for (const Message& m : out.sends()) {
    if (m.kind == kind) v.push_back(m);
  }
  return v;
}

std::vector<ObservationKind> kinds(const Effects& out) {
  std::vector<ObservationKind> v;
  for (const Observation& o : out.observations()) v.push_back(o.kind);
  return v;
}

std::vector<uint64_t> encoding(const Branch& b) {
  StateEncoder enc;
  b.encode(enc);
  return enc.words();
}

// Delivers every send of `out` addressed to a branch in `branches`, collecting what they
// send in turn into `next`.
void deliver_to_branches(const Effects& out, std::vector<Branch>& branches, Effects& next) {
  for (const Message& m : out.sends()) {
    if (m.to < kBranches) branches[static_cast<size_t>(m.to)].on_message(m, next);
  }
}

}  // namespace

TEST_CASE("protocol sync: apply, propagate to every peer, reply only after every ack") {
  std::vector<Branch> b;
  for (int32_t i = 0; i < kBranches; ++i) b.push_back(make_branch(ProtocolKind::kSync, i, 100));

  Effects out;
  b[0].on_message(request(Interface::kDeposit, 0, 1, 0, 0, 10), out);
  CHECK(b[0].balance() == 110);
  CHECK(kinds(out) == std::vector{ObservationKind::kServe, ObservationKind::kApply});
  CHECK(out.observations()[0].success);
  CHECK(out.observations()[0].balance == 110);
  CHECK(out.observations()[1].success);  // applied where it was served (origin)
  CHECK(out.observations()[1].balance == 110);
  CHECK(of_kind(out, MessageKind::kReply).empty());  // not before the acks
  const auto props = of_kind(out, MessageKind::kPropagate);
  REQUIRE(props.size() == 2);
  CHECK(props[0].to == 1);
  CHECK(props[1].to == 2);
  for (const Message& p : props) {
    CHECK(p.from == 0);
    CHECK(p.money == 10);
    CHECK(p.customer == 1);
    CHECK(p.event == 0);
  }

  // The peers apply and acknowledge.
  Effects acks;
  deliver_to_branches(out, b, acks);
  CHECK(b[1].balance() == 110);
  CHECK(b[2].balance() == 110);
  REQUIRE(acks.sends().size() == 2);
  for (const Observation& o : acks.observations()) {
    CHECK(o.kind == ObservationKind::kApply);
    CHECK_FALSE(o.success);  // not the origin
  }

  // First ack: still no reply. Second ack: the reply, carrying the balance.
  Effects r1;
  b[0].on_message(acks.sends()[0], r1);
  CHECK(r1.sends().empty());
  Effects r2;
  b[0].on_message(acks.sends()[1], r2);
  REQUIRE(r2.sends().size() == 1);
  const Message& reply = r2.sends()[0];
  CHECK(reply.kind == MessageKind::kReply);
  CHECK(reply.to == kBranches + 1);
  CHECK(reply.customer == 1);
  CHECK(reply.event == 0);
  CHECK(reply.success);
  CHECK(reply.money == 0);  // a write's reply carries no balance (the serve has it)
}

TEST_CASE("protocol sync: a withdraw propagates a negative delta, a lone branch replies at once") {
  Branch b0 = make_branch(ProtocolKind::kSync, 0, 100);
  Effects out;
  b0.on_message(request(Interface::kWithdraw, 0, 0, 0, 0, 30), out);
  CHECK(b0.balance() == 70);
  const auto props = of_kind(out, MessageKind::kPropagate);
  REQUIRE(props.size() == 2);  // one per peer: an empty loop below would prove nothing
  for (const Message& p : props) CHECK(p.money == -30);

  Branch lone(
      BranchConfig{
          .protocol = ProtocolKind::kSync, .self = 0, .branch_count = 1, .customer_count = 1},
      5);
  Effects solo;
  lone.on_message(Message{.kind = MessageKind::kRequest,
                          .iface = Interface::kDeposit,
                          .from = 1,
                          .to = 0,
                          .money = 5},
                  solo);
  REQUIRE(solo.sends().size() == 1);
  CHECK(solo.sends()[0].kind == MessageKind::kReply);
  CHECK(solo.sends()[0].money == 0);
  CHECK(lone.balance() == 10);
}

TEST_CASE("protocol async: reply at once, then propagate, peers apply without acks") {
  std::vector<Branch> b;
  for (int32_t i = 0; i < kBranches; ++i) {
    b.push_back(make_branch(ProtocolKind::kAsync, i, 100));
  }
  Effects out;
  b[0].on_message(request(Interface::kDeposit, 0, 0, 0, 0, 25), out);
  REQUIRE(out.sends().size() == 3);
  CHECK(out.sends()[0].kind == MessageKind::kReply);  // the reply goes out first
  CHECK(out.sends()[0].success);
  CHECK(out.sends()[0].money == 0);  // no balance in a write's reply
  CHECK(b[0].balance() == 125);
  CHECK(of_kind(out, MessageKind::kPropagate).size() == 2);

  Effects peers;
  deliver_to_branches(out, b, peers);
  CHECK(peers.sends().empty());  // no acks under async
  CHECK(kinds(peers) == std::vector{ObservationKind::kApply, ObservationKind::kApply});
  for (const Branch& x : b) CHECK(x.balance() == 125);
}

TEST_CASE("protocol: a query replies with the balance and propagates nothing") {
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    CAPTURE(static_cast<int>(p));
    Branch b = make_branch(p, 1, 42);
    Effects out;
    b.on_message(request(Interface::kQuery, 1, 0, 0, 0, 0), out);
    REQUIRE(out.sends().size() == 1);
    CHECK(out.sends()[0].kind == MessageKind::kReply);
    CHECK(out.sends()[0].money == 42);
    CHECK(kinds(out) == std::vector{ObservationKind::kServe});
    CHECK(out.observations()[0].balance == 42);
  }
}

TEST_CASE("protocol: a failed withdraw changes nothing and is not propagated") {
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    CAPTURE(static_cast<int>(p));
    Branch b = make_branch(p, 0, 50);
    const auto before = encoding(b);
    Effects out;
    b.on_message(request(Interface::kWithdraw, 0, 1, 0, 0, 80), out);
    CHECK(b.balance() == 50);
    CHECK(encoding(b) == before);  // no pending write, no session count, nothing
    REQUIRE(out.sends().size() == 1);
    const Message& reply = out.sends()[0];
    CHECK(reply.kind == MessageKind::kReply);
    CHECK_FALSE(reply.success);
    CHECK(reply.money == 0);
    REQUIRE(out.observations().size() == 1);
    CHECK(out.observations()[0].balance == 50);  // the serve saw the balance
    CHECK(out.observations()[0].kind == ObservationKind::kServe);
    CHECK_FALSE(out.observations()[0].success);
    CHECK(b.applied_writes(1) == 0);

    // Withdrawing exactly the balance succeeds.
    Effects ok;
    b.on_message(request(Interface::kWithdraw, 0, 1, 1, 0, 50), ok);
    CHECK(b.balance() == 0);
  }
}

TEST_CASE("protocol session: a request waits until the customer's writes are applied") {
  Branch b1 = make_branch(ProtocolKind::kSession, 1, 100);
  // Customer 0 completed one write (deposit 10 at branch 0); its query reaches branch 1
  // before the propagation does.
  Effects held;
  b1.on_message(request(Interface::kQuery, 1, 0, 1, 1, 0), held);
  CHECK(held.sends().empty());
  CHECK(held.observations().empty());
  CHECK(b1.held_requests() == 1);

  // Another customer is not held back by customer 0's writes.
  Effects other;
  b1.on_message(request(Interface::kQuery, 1, 1, 0, 0, 0), other);
  REQUIRE(other.sends().size() == 1);
  CHECK(other.sends()[0].money == 100);

  Effects out;
  b1.on_message(Message{.kind = MessageKind::kPropagate,
                        .iface = Interface::kDeposit,
                        .success = true,
                        .from = 0,
                        .to = 1,
                        .customer = 0,
                        .event = 0,
                        .seq = 1,
                        .money = 10},
                out);
  // Applies the write, then serves the held query, which sees it.
  CHECK(kinds(out) == std::vector{ObservationKind::kApply, ObservationKind::kServe});
  REQUIRE(out.sends().size() == 1);
  CHECK(out.sends()[0].kind == MessageKind::kReply);
  CHECK(out.sends()[0].event == 1);
  CHECK(out.sends()[0].money == 110);
  CHECK(b1.held_requests() == 0);
  CHECK(b1.applied_writes(0) == 1);
}

TEST_CASE("protocol session: writes carry the customer's write number") {
  Branch b0 = make_branch(ProtocolKind::kSession, 0, 0);
  Effects first;
  b0.on_message(request(Interface::kDeposit, 0, 1, 0, 0, 7), first);
  REQUIRE(first.sends().size() == 3);
  CHECK(first.sends()[0].kind == MessageKind::kReply);  // replies at once, like async
  const auto first_props = of_kind(first, MessageKind::kPropagate);
  REQUIRE(first_props.size() == 2);
  for (const Message& p : first_props) CHECK(p.seq == 1);
  Effects second;
  b0.on_message(request(Interface::kWithdraw, 0, 1, 1, 1, 2), second);
  const auto props = of_kind(second, MessageKind::kPropagate);
  REQUIRE(props.size() == 2);
  for (const Message& p : props) {
    CHECK(p.seq == 2);
    CHECK(p.money == -2);
  }
  CHECK(b0.applied_writes(1) == 2);
  CHECK(b0.applied_writes(0) == 0);
  CHECK(b0.balance() == 5);
}

TEST_CASE("protocol session: out-of-order propagations are buffered and applied in order") {
  std::vector<Branch> b;
  for (int32_t i = 0; i < kBranches; ++i) {
    b.push_back(make_branch(ProtocolKind::kSession, i, 100));
  }
  // Customer 0: deposit 10 at branch 0 (write 1), then withdraw 30 at branch 1 (write 2).
  Effects w1;
  b[0].on_message(request(Interface::kDeposit, 0, 0, 0, 0, 10), w1);
  const auto p1 = of_kind(w1, MessageKind::kPropagate);
  REQUIRE(p1.size() == 2);
  Effects to_b1;
  for (const Message& m : p1) {
    if (m.to == 1) b[1].on_message(m, to_b1);
  }
  CHECK(b[1].balance() == 110);
  Effects w2;
  b[1].on_message(request(Interface::kWithdraw, 1, 0, 1, 1, 30), w2);
  CHECK(b[1].balance() == 80);

  // Branch 2 hears of write 2 first: it must not apply it yet.
  const auto p2 = of_kind(w2, MessageKind::kPropagate);
  REQUIRE(p2.size() == 2);
  const Message& p1_to_2 = p1[1];
  const Message& p2_to_2 = p2[1];
  REQUIRE(p1_to_2.to == 2);
  REQUIRE(p2_to_2.to == 2);
  Effects early;
  b[2].on_message(p2_to_2, early);
  CHECK(early.observations().empty());
  CHECK(b[2].balance() == 100);
  CHECK(b[2].buffered_delta() == -30);
  CHECK(b[2].applied_writes(0) == 0);

  // Write 1 arrives: both are applied, write 1 first.
  Effects late;
  b[2].on_message(p1_to_2, late);
  REQUIRE(late.observations().size() == 2);
  CHECK(late.observations()[0].kind == ObservationKind::kApply);
  CHECK(late.observations()[0].event == 0);
  CHECK(late.observations()[0].balance == 110);
  CHECK(late.observations()[1].event == 1);
  CHECK(late.observations()[1].balance == 80);
  CHECK(b[2].buffered_delta() == 0);
  CHECK(b[2].applied_writes(0) == 2);
  CHECK(b[2].balance() == 80);
}

TEST_CASE("protocol session: a held write is served once the earlier write arrives") {
  Branch b2 = make_branch(ProtocolKind::kSession, 2, 0);
  Effects held;
  b2.on_message(request(Interface::kWithdraw, 2, 0, 1, 1, 40), held);
  CHECK(held.sends().empty());
  CHECK(b2.held_requests() == 1);
  Effects out;
  b2.on_message(Message{.kind = MessageKind::kPropagate,
                        .iface = Interface::kDeposit,
                        .success = true,
                        .from = 0,
                        .to = 2,
                        .customer = 0,
                        .event = 0,
                        .seq = 1,
                        .money = 50},
                out);
  // Without the hold, the withdraw would have failed on a balance of 0.
  CHECK(kinds(out) ==
        std::vector{ObservationKind::kApply, ObservationKind::kServe, ObservationKind::kApply});
  CHECK(b2.balance() == 10);
  const auto replies = of_kind(out, MessageKind::kReply);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].success);
  const auto props = of_kind(out, MessageKind::kPropagate);
  REQUIRE(props.size() == 2);
  for (const Message& p : props) CHECK(p.seq == 2);
}

TEST_CASE("protocol: a reply carries money only as a query's balance, never anything else") {
  // Every protocol, every kind of request (deposit, withdraw that succeeds or fails,
  // query) at every branch, each delivered to quiescence (FIFO order) before the next.
  // Each reply must carry exactly what the protocol sends: a query's reply the balance of
  // the branch that served it, a write's reply (success or not) 0. Propagations carry
  // the write's signed amount.
  struct Step {
    Interface iface;
    int32_t branch;
    int32_t customer;
    Money money;
  };
  const Step steps[] = {
      {Interface::kDeposit, 0, 0, 70},   {Interface::kQuery, 1, 0, 0},
      {Interface::kWithdraw, 2, 1, 500}, {Interface::kWithdraw, 1, 1, 30},
      {Interface::kQuery, 2, 1, 0},      {Interface::kDeposit, 2, 0, 5},
      {Interface::kQuery, 0, 0, 0},      {Interface::kWithdraw, 0, 0, 145},
      {Interface::kQuery, 1, 1, 0},
  };
  const Money balances_after[] = {170, 170, 170, 140, 140, 145, 145, 0, 0};
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    CAPTURE(static_cast<int>(p));
    std::vector<Branch> b;
    for (int32_t i = 0; i < kBranches; ++i) b.push_back(make_branch(p, i, 100));
    int32_t completed_writes[kCustomers] = {0, 0};
    int32_t event = 0;
    size_t replies = 0;
    size_t propagations = 0;
    for (const Step& s : steps) {
      CAPTURE(event);
      std::vector<Message> queue = {
          request(s.iface, s.branch, s.customer, event, completed_writes[s.customer], s.money)};
      size_t step_replies = 0;
      for (size_t i = 0; i < queue.size(); ++i) {
        const Message m = queue[i];
        if (m.to >= kBranches) {  // a reply, to the customer
          CHECK(m.kind == MessageKind::kReply);
          ++step_replies;
          if (m.iface == Interface::kQuery) {
            CHECK(m.money == b[static_cast<size_t>(s.branch)].balance());
          } else {
            CHECK(m.money == 0);
            if (m.success) ++completed_writes[s.customer];
          }
          continue;
        }
        Effects out;
        b[static_cast<size_t>(m.to)].on_message(m, out);
        for (const Message& sent : out.sends()) {
          if (sent.kind == MessageKind::kPropagate) {
            ++propagations;
            CHECK(sent.money == (sent.iface == Interface::kDeposit ? s.money : -s.money));
          }
          if (sent.kind == MessageKind::kAck) CHECK(sent.money == 0);
          queue.push_back(sent);
        }
      }
      CHECK(step_replies == 1);  // exactly one reply per request: none checked vacuously
      replies += step_replies;
      for (const Branch& x : b) CHECK(x.balance() == balances_after[event]);
      ++event;
    }
    CHECK(replies == std::size(steps));
    CHECK(propagations == 2 * 4);  // four successful writes, two peers each
  }
}

TEST_CASE("protocol: branch state encoding tracks the state") {
  Branch a = make_branch(ProtocolKind::kSession, 1, 100);
  Branch c = make_branch(ProtocolKind::kSession, 1, 100);
  CHECK(a == c);
  CHECK(encoding(a) == encoding(c));
  Effects out;
  a.on_message(request(Interface::kQuery, 1, 0, 1, 1, 0), out);  // held
  CHECK_FALSE(a == c);
  CHECK(encoding(a) != encoding(c));
  c.on_message(request(Interface::kQuery, 1, 0, 1, 1, 0), out);
  CHECK(a == c);
  CHECK(encoding(a) == encoding(c));
}

TEST_CASE("customer: issues events one at a time, each after the previous reply") {
  const std::vector<Event> events = {
      Event{.id = 11, .iface = Interface::kDeposit, .money = 50, .branch = 2, .think_us = 0},
      Event{.id = 12, .iface = Interface::kWithdraw, .money = 90, .branch = 0, .think_us = 300},
      Event{.id = 13, .iface = Interface::kQuery, .money = 0, .branch = 1, .think_us = 0},
  };
  Customer c(1, kBranches, events);
  CHECK(c.actor() == kBranches + 1);
  CHECK_FALSE(c.done());

  Effects out;
  c.start(out);
  CHECK(c.waiting());
  REQUIRE(out.sends().size() == 1);
  Message m = out.sends()[0];
  CHECK(m.kind == MessageKind::kRequest);
  CHECK(m.from == kBranches + 1);
  CHECK(m.to == 2);
  CHECK(m.iface == Interface::kDeposit);
  CHECK(m.money == 50);
  CHECK(m.seq == 0);
  CHECK(m.event == 0);
  REQUIRE(out.observations().size() == 1);
  CHECK(out.observations()[0].kind == ObservationKind::kIssue);
  CHECK(out.observations()[0].branch == 2);

  // A successful deposit: the next request says one write is done and waits its think time.
  Effects r1;
  c.on_message(Message{.kind = MessageKind::kReply,
                       .iface = Interface::kDeposit,
                       .success = true,
                       .from = 2,
                       .to = c.actor(),
                       .customer = 1,
                       .event = 0,
                       .money = 150},
               r1);
  CHECK(kinds(r1) == std::vector{ObservationKind::kReply, ObservationKind::kIssue});
  CHECK(r1.observations()[0].balance == 150);
  CHECK(r1.observations()[0].success);
  CHECK(c.writes_done() == 1);
  REQUIRE(r1.sends().size() == 1);
  m = r1.sends()[0];
  CHECK(m.to == 0);
  CHECK(m.event == 1);
  CHECK(m.seq == 1);
  CHECK(m.money == 90);
  CHECK(m.delay_us == 300);

  // A failed withdraw does not count as a write.
  Effects r2;
  c.on_message(Message{.kind = MessageKind::kReply,
                       .iface = Interface::kWithdraw,
                       .success = false,
                       .from = 0,
                       .to = c.actor(),
                       .customer = 1,
                       .event = 1,
                       .money = 20},
               r2);
  CHECK(c.writes_done() == 1);
  REQUIRE(r2.sends().size() == 1);
  m = r2.sends()[0];
  CHECK(m.iface == Interface::kQuery);
  CHECK(m.seq == 1);
  CHECK(m.money == 0);
  CHECK(c.next_event() == 2);

  Effects r3;
  c.on_message(Message{.kind = MessageKind::kReply,
                       .iface = Interface::kQuery,
                       .success = true,
                       .from = 1,
                       .to = c.actor(),
                       .customer = 1,
                       .event = 2,
                       .money = 20},
               r3);
  CHECK(r3.sends().empty());
  CHECK(kinds(r3) == std::vector{ObservationKind::kReply});
  CHECK_FALSE(c.waiting());
  CHECK(c.done());
}

TEST_CASE("customer: no events means nothing to send and done at once") {
  Customer c(0, kBranches, {});
  Effects out;
  c.start(out);
  CHECK(out.sends().empty());
  CHECK(c.done());
}
