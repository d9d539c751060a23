// The BankLayout of a loaded scenario: what Branch::refuse() and Customer::refuse() judge
// messages against, and what every process of the gRPC backend must agree on.
#pragma once

#include <memory>

#include "protocol/bank_layout.h"
#include "protocol/types.h"
#include "sim/scenario.h"

namespace banksim {

std::shared_ptr<const BankLayout> make_layout(const Scenario& s, ProtocolKind protocol);

}  // namespace banksim
