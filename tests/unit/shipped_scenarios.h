// The scenarios shipped in scenarios/, for unit tests: loading one by file name (a load
// error fails the test) and listing them all in a fixed (sorted) order.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/scenario.h"

namespace banksim::testing {

inline std::string shipped_scenarios_dir() {
  return std::string(BANKSIM_SOURCE_DIR) + "/scenarios";
}

inline std::shared_ptr<const Scenario> load_shipped(const std::string& name) {
  auto r = load_scenario_file(shipped_scenarios_dir() + "/" + name);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::make_shared<const Scenario>(std::move(r.value()));
}

// File names (not paths) of every scenarios/*.json, sorted.
inline std::vector<std::string> shipped_scenario_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(shipped_scenarios_dir())) {
    if (e.path().extension() == ".json") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace banksim::testing
