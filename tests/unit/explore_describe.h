// What an explore() result says, as one comparable string: counts (optional), whether it
// stopped early, and each counterexample's property, detail and schedule. Tests compare
// two searches that must agree (workers 1 vs N, resumed vs never stopped) through it.
#pragma once

#include <cstdint>
#include <string>

#include "sim/explorer.h"

namespace banksim::testing {

inline std::string describe(const ExploreResult& r, bool counts = true) {
  std::string out;
  if (counts) {
    out += "distinct " + std::to_string(r.stats.distinct) + ", terminal " +
           std::to_string(r.stats.terminal) + ", transitions " +
           std::to_string(r.stats.transitions) + ", max depth " +
           std::to_string(r.stats.max_depth) + (r.stats.complete() ? ", complete" : ", partial");
  }
  out += r.stats.stopped_early ? ", stopped early" : "";
  for (const Counterexample& c : r.counterexamples) {
    out += "\n" + std::string(property_name(c.property)) + (c.minimal ? " minimal: " : ": ") +
           c.detail + " [";
    for (uint64_t m : c.schedule) out += std::to_string(m) + " ";
    out += "]";
  }
  return out;
}

}  // namespace banksim::testing
