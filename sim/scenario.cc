#include "sim/scenario.h"

namespace banksim {

void Scenario::finalize() {
  event_offset_.assign(customers.size() + 1, 0);
  for (size_t c = 0; c < customers.size(); ++c) {
    event_offset_[c + 1] = event_offset_[c] + static_cast<int32_t>(customers[c].events.size());
  }
}

ProtocolKind default_protocol(const Scenario& s) {
  return s.form == InputForm::kPlain ? ProtocolKind::kSync : ProtocolKind::kSession;
}

std::string_view default_protocol_note(const Scenario& s) {
  return s.form == InputForm::kPlain ? std::string_view() : "default for inputs with dest/branch";
}

}  // namespace banksim
