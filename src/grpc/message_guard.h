// MessageGuard: decides whether a branch may consume a message that arrived over the
// network, before the Branch state machine sees it. Branch::on_message() asserts its
// preconditions (programmer errors inside the engine); a message from a real network is
// input, so anything the protocol would never send is rejected here with a one-line reason
// and the branch state is left unchanged.
//
// Checked: the message parses (by the caller), is addressed to this branch, comes from a
// known actor of the right kind (requests from the customer they are about, propagates from
// the branch that served the write, acks from a peer this branch propagated to), names an
// existing event, carries that event's interface and amount, and is not a duplicate. The
// guard keeps the little bookkeeping that needs (requests seen, propagates seen, acks
// expected) and updates it from each consumed message and the effects it produced.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "grpc/layout.h"
#include "protocol/branch.h"
#include "protocol/customer.h"
#include "protocol/effects.h"
#include "protocol/message.h"

namespace banksim {

class MessageGuard {
 public:
  // REQUIRES: layout outlives the guard; self is a branch index.
  MessageGuard(const BankLayout* layout, int32_t self);

  // Empty when `branch` (this guard's branch, in its current state) may consume m now;
  // otherwise why not, naming actors and events by their user-facing ids.
  std::string check(const Message& m, const Branch& branch) const;
  // Records that m was consumed and produced `effects`. REQUIRES: check(m) was empty.
  void record(const Message& m, const Effects& effects);

 private:
  std::string event_name(int32_t customer, int32_t event) const;
  std::string check_request(const Message& m, const Branch& branch) const;
  std::string check_propagate(const Message& m, const Branch& branch) const;
  std::string check_ack(const Message& m) const;

  const BankLayout* layout_;
  int32_t self_;
  std::set<std::pair<int32_t, int32_t>> requests_seen_;            // (customer, event)
  std::vector<int32_t> open_request_;                              // per customer: held event or -1
  std::set<std::pair<int32_t, int32_t>> propagates_seen_;          // (customer, event)
  std::set<std::pair<int32_t, int32_t>> write_numbers_seen_;       // session: (customer, seq)
  std::set<std::tuple<int32_t, int32_t, int32_t>> acks_expected_;  // (peer, customer, event)
};

// The same judgment for a message to a customer hosted by a driver or conductor: empty
// when `customer` (index c, whose actor is m.to) may consume m now. Customers accept only
// the reply to their outstanding event, from the branch that event went to.
std::string check_customer_message(const BankLayout& layout, const Customer& customer,
                                   const Message& m);

}  // namespace banksim
