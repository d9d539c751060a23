// A bank scenario: branches with their initial balances and customers with their
// events, plus banksim's optional settings. Loaded from every seed input form
// unchanged, or from banksim's own object form:
//
//   [ {"type":"branch","id":1,"balance":400},
//     {"type":"customer","id":1,"events":[{"id":1,"interface":"deposit","money":10,
//                                          "dest":1}]} ]          (seed forms)
//   {"protocol":"session", "network":{"latency":"uniform:500:5000","fifo":false},
//    "processes":[ ...the seed list... ]}                          (banksim form)
//
// Events without "dest"/"branch" go to the branch whose id equals the customer's id.
// An event may carry "think_us": virtual time the customer waits before issuing it.
// Invariants after loading: at least one branch; every event's branch index is valid;
// every reachable balance fits in int64 (see kMaxBranches and friends for the bounds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/types.h"
#include "sim/error.h"
#include "sim/network.h"

namespace banksim {

// How the input named each event's branch; picks the default output format.
enum class InputForm : uint8_t {
  kPlain = 0,      // no dest/branch: customer N uses branch N (seeds 000/001)
  kDest = 1,       // "dest" (seed 002)
  kBranchKey = 2,  // "branch" (seed 004)
};

struct BranchSpec {
  int64_t id = 0;
  Money balance = 0;
  friend bool operator==(const BranchSpec&, const BranchSpec&) = default;
};

struct CustomerSpec {
  int64_t id = 0;
  std::vector<Event> events;
  friend bool operator==(const CustomerSpec&, const CustomerSpec&) = default;
};

struct Scenario {
  std::vector<BranchSpec> branches;
  std::vector<CustomerSpec> customers;
  InputForm form = InputForm::kPlain;
  // banksim's own settings, when the scenario gives them (command-line flags win).
  std::optional<ProtocolKind> protocol;
  std::optional<LatencyModel> latency;
  std::optional<bool> fifo;
  // The "faults" block: a fault spec for `run` (sim/fault_spec.h), checked there against
  // the branches. Explore takes budgets instead and ignores it.
  std::optional<std::string> faults;

  int32_t branch_count() const { return static_cast<int32_t>(branches.size()); }
  int32_t customer_count() const { return static_cast<int32_t>(customers.size()); }
  int32_t actor_count() const { return branch_count() + customer_count(); }
  // Dense index of event `e` of customer `c` among all events (customer-major).
  int32_t event_index(int32_t c, int32_t e) const {
    return event_offset_[static_cast<size_t>(c)] + e;
  }
  int32_t event_total() const { return event_offset_.empty() ? 0 : event_offset_.back(); }
  // Recomputes derived data; call after changing branches/customers by hand.
  void finalize();

  friend bool operator==(const Scenario& a, const Scenario& b) {
    return a.branches == b.branches && a.customers == b.customers && a.form == b.form &&
           a.protocol == b.protocol && a.latency == b.latency && a.fifo == b.fifo &&
           a.faults == b.faults;
  }

 private:
  std::vector<int32_t> event_offset_;  // size customer_count + 1
};

// The protocol a scenario runs when neither the command line nor the scenario names one:
// session for the client-centric inputs, whose events carry "dest" or "branch" (seeds
// 002/004: customers move between branches and are promised monotonic writes and
// read-your-writes); sync for the base system (seeds 000/001).
ProtocolKind default_protocol(const Scenario& s);
// Why that default applies, for the summary: "default for inputs with dest/branch" for
// session; empty for sync, the default of the base system (its summary stays as it was).
std::string_view default_protocol_note(const Scenario& s);

// Bounds on what a scenario may hold ("put a limit on everything").
constexpr int64_t kMaxScenarioBytes = 64LL << 20;
constexpr int kMaxJsonDepth = 16;
constexpr int32_t kMaxBranches = 256;
constexpr int32_t kMaxCustomers = 100'000;
constexpr int64_t kMaxEvents = 20'000'000;
constexpr int64_t kMaxThinkUs = 3'600'000'000;

// Loads and validates a scenario file. Errors name the file, the JSON path and the rule.
Result<Scenario> load_scenario_file(const std::string& path);
// Validates an already parsed document; `source` names it in errors.
Result<Scenario> parse_scenario(const nlohmann::json& doc, const std::string& source);
// Parses text (used by the trace loader and the fuzzer). Valid text is read in one
// streaming pass (stream_scenario_text); anything else is read the whole-document way
// (parse_json_input + parse_scenario), which gives the error.
Result<Scenario> parse_scenario_text(std::string_view text, const std::string& source);
// The streaming pass alone: the Scenario, or nullopt where it gives up (a syntax error, a
// rule broken, "processes" given twice). Does not check size or nesting bounds. Exposed
// for tests: on every text it reads, it must agree with the whole-document way.
std::optional<Scenario> stream_scenario_text(std::string_view text);
// banksim's object form; parse_scenario(scenario_to_json(s)) == s.
nlohmann::json scenario_to_json(const Scenario& s);

}  // namespace banksim
