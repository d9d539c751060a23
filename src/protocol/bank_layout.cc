#include "protocol/bank_layout.h"

namespace banksim {

std::string BankLayout::actor_name(int32_t actor) const {
  if (is_branch(actor)) return "branch " + std::to_string(branch_ids[static_cast<size_t>(actor)]);
  if (is_customer(actor)) {
    return "customer " + std::to_string(customer_ids[static_cast<size_t>(actor - branch_count())]);
  }
  return "unknown actor " + std::to_string(actor);
}

}  // namespace banksim
