// Internal to the scenario reader: the validator that both ways of reading a scenario share
// (scenario_validate.cc: the whole parsed document; scenario_read.cc: the streaming pass).
// Not part of the API (sim/scenario.h is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/scenario.h"

namespace banksim::scenario_detail {

// Thrown inside the validator only; converted to an Error at the boundary.
struct InputFault {
  std::string path;
  std::string rule;
};

// Paths of events are built only for an error: a scenario can hold millions of events.
struct RawEvent {
  Event event;
  std::optional<int64_t> branch_id;  // dest/branch as written
  size_t item = 0;                   // index in the process list
  size_t index = 0;                  // index in the customer's events
};

struct RawCustomer {
  int64_t id;
  std::vector<RawEvent> events;
};

// The members of a top-level object besides the process list: only known names, then
// banksim's settings ("protocol", "network").
void parse_top_level(const nlohmann::json& top, Scenario& s);

// The process list, one element at a time (in order), then the checks across elements.
// Used on a whole parsed document (validate) and on elements as a streaming parse meets
// them (parse_scenario_text), so both give the same Scenario.
class Validator {
 public:
  // `root` is the list's path: "$" (a bare list) or "$.processes".
  explicit Validator(std::string root) : root_(std::move(root)) {}

  Scenario& scenario() { return s_; }

  void item(const nlohmann::json& item, size_t i);

  Scenario finish();

 private:
  std::string event_path(size_t item, size_t j) const;
  std::string event_path(const RawEvent& re) const;

  RawEvent event(const nlohmann::json& ev, int64_t customer, size_t item, size_t j);

  std::string root_;
  Scenario s_;
  std::vector<RawCustomer> raw_customers_;
  std::map<int64_t, int32_t> branch_index_;  // id -> index (lookup and duplicate check)
  std::set<int64_t> customer_ids_;
  std::set<int64_t> event_ids_;  // of the customer being read
  bool saw_dest_ = false;
  bool saw_branch_key_ = false;
  int64_t event_count_ = 0;
};

// Validates a whole parsed document; throws InputFault.
Scenario validate(const nlohmann::json& doc);

}  // namespace banksim::scenario_detail
