// BankLayout: the bank an actor belongs to, as plain protocol data (the scenario, without
// the sim library): branch ids and balances, customer ids and their events, and the
// protocol. What every process of the gRPC backend must agree on, and what Branch::refuse()
// and Customer::refuse() judge a message against (naming actors by their user-facing ids).
// Built from a loaded Scenario by make_layout() (sim/scenario_layout.h).
//
// Invariants: at least one branch; every event's branch index is < branch_count().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/types.h"

namespace banksim {

struct BankLayout {
  ProtocolKind protocol = ProtocolKind::kSync;
  std::vector<int64_t> branch_ids;  // user-facing ids, by branch index
  std::vector<Money> balances;      // initial balances, by branch index
  std::vector<int64_t> customer_ids;
  std::vector<std::vector<Event>> events;  // per customer index
  // first_event[c]: the flat index of customer c's first event over all customers' events
  // (first_event.back(): how many there are). Filled by index_events(); Branch's receipts
  // need it.
  std::vector<int64_t> first_event;

  // Fills first_event from events. Call once events are final.
  void index_events();

  int32_t branch_count() const { return static_cast<int32_t>(branch_ids.size()); }
  int32_t customer_count() const { return static_cast<int32_t>(customer_ids.size()); }
  int32_t actor_count() const { return branch_count() + customer_count(); }
  bool is_branch(int32_t actor) const { return actor >= 0 && actor < branch_count(); }
  bool is_customer(int32_t actor) const { return actor >= branch_count() && actor < actor_count(); }
  // "branch 3", "customer 7", or "unknown actor 99" (ids as the user wrote them).
  std::string actor_name(int32_t actor) const;
};

}  // namespace banksim
