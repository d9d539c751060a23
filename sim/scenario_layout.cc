#include "sim/scenario_layout.h"

namespace banksim {

std::shared_ptr<const BankLayout> make_layout(const Scenario& s, ProtocolKind protocol) {
  auto l = std::make_shared<BankLayout>();
  l->protocol = protocol;
  for (const BranchSpec& b : s.branches) {
    l->branch_ids.push_back(b.id);
    l->balances.push_back(b.balance);
  }
  for (const CustomerSpec& c : s.customers) {
    l->customer_ids.push_back(c.id);
    l->events.push_back(c.events);
  }
  l->index_events();
  return l;
}

}  // namespace banksim
