// The consistency properties banksim checks, and which ones each protocol promises.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/types.h"

namespace banksim {

enum class Property : uint8_t {
  kConvergence = 0,     // replicas equal at quiescence
  kConservation = 1,    // final balance = initial + successful deposits - withdraws
  kMonotonicWrites = 2, // every branch applies a customer's writes in the customer's order
  kReadYourWrites = 3,  // a query or withdraw is decided with every write its customer
                        // completed before it
  kNoOverdraft = 4,     // no replica ever below zero
  kLiveness = 5,        // every request answered at quiescence
};
constexpr int kPropertyCount = 6;

std::string_view property_name(Property p);
std::optional<Property> parse_property(std::string_view s);

// A set of properties as a bit mask (bit i = Property i).
class PropertySet {
 public:
  constexpr PropertySet() = default;
  static constexpr PropertySet all() { return PropertySet((1u << kPropertyCount) - 1); }
  constexpr bool has(Property p) const { return (bits_ >> static_cast<int>(p)) & 1u; }
  constexpr PropertySet with(Property p) const {
    return PropertySet(bits_ | (1u << static_cast<int>(p)));
  }
  constexpr PropertySet intersect(PropertySet o) const { return PropertySet(bits_ & o.bits_); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint32_t bits() const { return bits_; }
  friend constexpr bool operator==(PropertySet, PropertySet) = default;

 private:
  constexpr explicit PropertySet(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};

// What a protocol claims to guarantee. Weak protocols are expected to break the rest.
PropertySet promised_properties(ProtocolKind p);

}  // namespace banksim
