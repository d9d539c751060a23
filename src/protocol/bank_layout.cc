#include "protocol/bank_layout.h"

namespace banksim {

void BankLayout::index_events() {
  first_event.assign(1, 0);
  for (const auto& e : events) {
    first_event.push_back(first_event.back() + static_cast<int64_t>(e.size()));
  }
}

std::string BankLayout::actor_name(int32_t actor) const {
  if (is_branch(actor)) return "branch " + std::to_string(branch_ids[static_cast<size_t>(actor)]);
  if (is_customer(actor)) {
    return "customer " + std::to_string(customer_ids[static_cast<size_t>(actor - branch_count())]);
  }
  return "unknown actor " + std::to_string(actor);
}

}  // namespace banksim
