// Internal to the report files (report_results.cc, report_summary.cc, report_timeline.cc):
// the pieces of text and JSON more than one of them prints. Not part of the API (cli/report.h is).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/report.h"

namespace banksim::report_detail {

inline const char* result_word(bool success) {
  return success ? "success" : "fail";
}

inline int64_t branch_id(const Scenario& s, int32_t b) {
  return s.branches[static_cast<size_t>(b)].id;
}

// report_summary.cc. `counts`: per property, the number of violations when f.violations
// holds only the first of each; empty: count f.violations.
nlohmann::ordered_json property_json(const RunFacts& f, const std::vector<uint64_t>& counts);

// report_timeline.cc.
std::string actor_name(const Scenario& s, ActorIndex a);
std::string message_text(const Scenario& s, const Message& m);

}  // namespace banksim::report_detail
