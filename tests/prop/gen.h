// rapidcheck generators for banksim's inputs: scenarios (branches, customers that move
// between branches, amounts including 0, withdraws that must fail, think times, the
// scenario's own settings) and network settings (latency distribution, FIFO on/off).
//
// Invariant: every generated Scenario is one that loading can produce, i.e.
// parse_scenario(scenario_to_json(s)) succeeds and equals s (property 4 checks it).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

#include <rapidcheck.h>

#include "sim/network.h"
#include "sim/scenario.h"

namespace banksim {

// Size limits of a generated scenario (each drawn uniformly up to its bound).
struct ScenarioShape {
  int32_t branches_max = 5;       // at least 1
  int32_t customers_max = 5;      // at least 1
  int32_t events_max = 6;         // per customer, at least 0
  int32_t events_total_max = 30;  // over all customers
  bool settings = false;          // also draw the scenario's own protocol/latency/fifo
  // Every branch starts with the same balance (as in the seeds). Convergence needs it:
  // replicas that start apart end apart under any protocol.
  bool equal_balances = false;
};

// The default: 1-5 branches, 1-5 customers, 0-6 events each.
constexpr ScenarioShape kTimedShape{};
// Small enough that a complete exploration takes milliseconds.
constexpr ScenarioShape kExploreShape{
    .branches_max = 4, .customers_max = 3, .events_max = 4, .events_total_max = 8};

constexpr ScenarioShape with_equal_balances(ScenarioShape shape) {
  shape.equal_balances = true;
  return shape;
}

rc::Gen<Scenario> gen_scenario(ScenarioShape shape);
rc::Gen<LatencyModel> gen_latency();
rc::Gen<NetworkConfig> gen_network();
rc::Gen<ProtocolKind> gen_protocol();

// One simulated execution's inputs.
struct RunCase {
  Scenario scenario;
  ProtocolKind protocol = ProtocolKind::kSync;
  NetworkConfig network;
  uint64_t seed = 1;
  bool quiescent_queries = false;
};

// `quiescent_queries`: whether to draw that option (property 5 must not: explore does
// not model it). `protocol`: a fixed protocol, else drawn.
rc::Gen<RunCase> gen_run_case(ScenarioShape shape, bool quiescent_queries,
                              std::optional<ProtocolKind> protocol = std::nullopt);

// How rapidcheck prints a counterexample: the scenario as banksim's JSON, the settings
// as the equivalent command line.
void showValue(const Scenario& s, std::ostream& os);
void showValue(const RunCase& c, std::ostream& os);
void showValue(const NetworkConfig& n, std::ostream& os);
void showValue(ProtocolKind p, std::ostream& os);

}  // namespace banksim
