#include "protocol/properties.h"

#include <array>

namespace banksim {

namespace {
constexpr std::array<std::string_view, kPropertyCount> kNames = {
    "convergence", "conservation", "monotonic-writes", "read-your-writes", "no-overdraft",
    "liveness"};
}  // namespace

std::string_view property_name(Property p) { return kNames[static_cast<size_t>(p)]; }

std::optional<Property> parse_property(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return static_cast<Property>(i);
  }
  return std::nullopt;
}

PropertySet promised_properties(ProtocolKind p) {
  const PropertySet base = PropertySet()
                               .with(Property::kConvergence)
                               .with(Property::kConservation)
                               .with(Property::kLiveness);
  switch (p) {
    case ProtocolKind::kSync:
      // Every replica applies a write before the customer hears of it.
      return base.with(Property::kMonotonicWrites).with(Property::kReadYourWrites);
    case ProtocolKind::kAsync:
      return base;
    case ProtocolKind::kSession:
    case ProtocolKind::kRobust:
      return base.with(Property::kMonotonicWrites).with(Property::kReadYourWrites);
  }
  return base;
}

}  // namespace banksim
