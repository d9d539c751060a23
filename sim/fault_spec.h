// Fault specs for `banksim run --faults SPEC` and a scenario's "faults" block (issue 14):
// random drop and duplicate rates, and faults at fixed virtual times.
//
//   drop=0.01,dup=0.005                 each delivery: lost with probability 1%, and
//                                       duplicated (the copy delivered later) with 0.5%
//   partition=1+2|3@20000..60000        links between {1,2} and {3} cut from 20 ms to 60 ms
//   crash=2@30000,restart=2@45000       branch 2 down from 30 ms to 45 ms
//
// Branches are named by their scenario ids; times are virtual microseconds. Rates are
// decimals in [0, 1] with at most 6 digits after the point, kept as an exact integer
// ratio per million (no floating point decides anything).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace banksim {

constexpr uint32_t kFaultRateScale = 1'000'000;

struct TimedFault {
  int64_t at_us = 0;
  Choice choice;  // crash, restart, partition or heal
  friend bool operator==(const TimedFault&, const TimedFault&) = default;
};

struct FaultSpec {
  uint32_t drop_per_million = 0;
  uint32_t dup_per_million = 0;
  std::vector<TimedFault> timed;  // by time, then in the order written
  bool any() const { return drop_per_million > 0 || dup_per_million > 0 || !timed.empty(); }
  // Some crash is scheduled (deliveries then check that their message still exists).
  bool crashes() const;
  friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

// Parses a spec against `scenario` (branch ids). Errors are one line starting with
// `where` (the flag, or "FILE: $.faults"): malformed items, unknown branches, a restart
// without a crash, a crash of a branch already down, a window that ends before it
// starts, overlapping partitions.
Result<FaultSpec> parse_fault_spec(std::string_view text, const Scenario& scenario,
                                   const std::string& where);

}  // namespace banksim
