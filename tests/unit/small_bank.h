// A two-branch, one-customer bank and the messages its protocol sends, shared by the tests
// of the message rules (refuse_test.cc) and of the gRPC nodes that enforce them
// (grpc_node_test.cc).
#pragma once

#include <memory>

#include "protocol/bank_layout.h"
#include "protocol/message.h"

namespace small_bank {

// Branches 1 and 2 at 100; customer 7: deposit 10 at branch 1, query at branch 2.
inline std::shared_ptr<banksim::BankLayout> make_layout(banksim::ProtocolKind p) {
  using banksim::Event;
  using banksim::Interface;
  auto l = std::make_shared<banksim::BankLayout>();
  l->protocol = p;
  l->branch_ids = {1, 2};
  l->balances = {100, 100};
  l->customer_ids = {7};
  l->events = {{Event{.id = 1, .iface = Interface::kDeposit, .money = 10, .branch = 0},
                Event{.id = 2, .iface = Interface::kQuery, .money = 0, .branch = 1}}};
  l->index_events();
  return l;
}

inline banksim::Message deposit_request() {
  return banksim::Message{.kind = banksim::MessageKind::kRequest,
                          .iface = banksim::Interface::kDeposit,
                          .from = 2,  // customer index 0 is actor 2
                          .to = 0,
                          .customer = 0,
                          .event = 0,
                          .seq = 0,
                          .money = 10};
}

inline banksim::Message propagate_from_1_to_2() {
  return banksim::Message{.kind = banksim::MessageKind::kPropagate,
                          .iface = banksim::Interface::kDeposit,
                          .success = true,
                          .from = 0,
                          .to = 1,
                          .customer = 0,
                          .event = 0,
                          .seq = 0,
                          .money = 10};
}

}  // namespace small_bank
