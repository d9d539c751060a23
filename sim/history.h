// History: what happened in one execution, independent of who produced it (the timed
// simulator, the explorer's replay, or a gRPC run). Checkers read only this.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "protocol/effects.h"
#include "protocol/properties.h"
#include "sim/scenario.h"

namespace banksim {

struct HistoryEvent {
  int64_t time_us = 0;
  Observation obs;
  friend bool operator==(const HistoryEvent&, const HistoryEvent&) = default;
};

struct History {
  std::shared_ptr<const Scenario> scenario;
  std::vector<HistoryEvent> events;
  // True when the execution ended with nothing in flight; quiescence properties
  // (convergence, conservation, liveness) are judged only then.
  bool quiescent = false;
};

// A customer event, by dense indices (the scenario maps them to user-facing ids).
struct EventRef {
  int32_t customer = 0;
  int32_t event = 0;
  friend bool operator==(const EventRef&, const EventRef&) = default;
};

struct Violation {
  Property property = Property::kConvergence;
  std::string detail;            // one line naming branches and events by their ids
  std::vector<EventRef> events;  // the events that show it
  int64_t time_us = 0;           // virtual time it became visible
};

}  // namespace banksim
