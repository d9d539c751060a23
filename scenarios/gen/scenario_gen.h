// ScenarioGen: writes large bank scenarios deterministically from a seed, for benchmarks
// and scaling studies. Same options (seed included) => the same Scenario and the same
// text, byte for byte, on every machine: all randomness comes from banksim's Prng, and
// every customer draws from its own child stream, so customer c's events depend only on
// the seed, c and the options (never on how many customers come after it).
//
// Shape: branches 1..B with ids 1..B, customers 1..C with ids 1..C. Customer c's home
// branch is branch ((c-1) mod B) + 1. A "moving" customer sends each event to a branch
// drawn uniformly; the others always use their home branch. Events are written in the
// seed 002 form ("dest" on every event), so any customer/branch count loads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/error.h"
#include "sim/scenario.h"

namespace banksim {

// Relative weights of the event kinds, and the share of moving customers, as integers.
struct EventMix {
  uint32_t deposit = 60;
  uint32_t withdraw = 20;
  uint32_t query = 20;
  uint32_t moving_percent = 0;  // 0..100: percent of customers that move between branches

  // The spec form: "deposit=60,withdraw=20,query=20,moving=10". Keys not given are 0.
  std::string spec() const;
  friend bool operator==(const EventMix&, const EventMix&) = default;
};

// Parses a mix spec; an Error names the rule broken.
Result<EventMix> parse_event_mix(std::string_view spec);

struct GenOptions {
  int32_t branches = 5;
  int32_t customers = 50;
  int32_t events = 10'000;  // per customer
  uint64_t seed = 1;
  EventMix mix;
  Money balance = 1000;   // initial balance of every branch
  Money money_max = 100;  // amounts drawn uniformly from [1, money_max]
  std::optional<ProtocolKind> protocol;  // written into the scenario when given
};

// Checks the options against the scenario bounds (kMaxBranches and friends).
std::optional<Error> check_gen_options(const GenOptions& o);

// REQUIRES: !check_gen_options(o).
Scenario generate_scenario(const GenOptions& o);

// The scenario as banksim-form JSON text (via scenario_to_json): one process per line,
// keys in a fixed order, ending in a newline. Loads back to an equal Scenario.
std::string scenario_text(const Scenario& s);

}  // namespace banksim
