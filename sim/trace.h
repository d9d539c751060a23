// Trace: a replayable execution as data. It embeds the scenario, the protocol, the
// network settings and seed it came from, the checked properties, the schedule (the
// ids of the delivered messages, in order) and the violation it shows, if any.
//
// Message ids are assigned by World in send order (start() first, then each step's
// sends in order), so a schedule of ids replays exactly on any machine.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/properties.h"
#include "sim/error.h"
#include "sim/network.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace banksim {

constexpr int kTraceVersion = 1;
// Largest trace file accepted: room for the largest scenario plus its schedule.
constexpr int64_t kMaxTraceBytes = kMaxScenarioBytes * 4;

struct TraceViolation {
  Property property = Property::kConvergence;
  std::string detail;
};

struct Trace {
  std::string origin = "run";  // the command that wrote it: run or explore
  std::string scenario_source;  // the scenario's path when recorded (informational)
  std::shared_ptr<const Scenario> scenario;
  ProtocolKind protocol = ProtocolKind::kSync;
  NetworkConfig network;
  uint64_t seed = 0;
  bool quiescent_queries = false;
  PropertySet checked = PropertySet::all();
  // Steps in order: a delivery is its message id; a fault is pack_choice() of it (see
  // world.h). In JSON a delivery is an integer and a fault an object (README: traces).
  std::vector<uint64_t> schedule;
  std::vector<int64_t> times_us;   // virtual delivery times (run), or empty (explore)
  std::optional<TraceViolation> violation;
};

nlohmann::ordered_json trace_to_json(const Trace& t);
// A fault step as a trace entry ({"drop": 7}, {"crash": 2}, {"partition": "1+2|3"}, ...),
// naming branches by their scenario ids. REQUIRES: is_fault_step(step).
nlohmann::ordered_json fault_step_to_json(const Scenario& s, uint64_t step);
// The side mask as text: the ids of the first side joined by '+', '|', the other side's.
std::string partition_text(const Scenario& s, uint64_t side);
// Parses "1+2|3" (branch ids; every branch on exactly one side) into the side mask
// holding branch index 0, or nullopt with *error set to the rule broken.
std::optional<uint64_t> parse_partition(std::string_view text, const Scenario& s,
                                        std::string* error);
// Fault steps in a schedule (timers, which are no faults, excluded).
size_t fault_steps(const std::vector<uint64_t>& schedule);
// Timer steps (robust's retransmission timers firing) in a schedule.
size_t timer_steps(const std::vector<uint64_t>& schedule);
Result<Trace> parse_trace_text(std::string_view text, const std::string& source);
Result<Trace> load_trace_file(const std::string& path);

struct ReplayOptions {
  bool wire = true;
  // Who performs the deliveries (sim/executor.h); nullptr: in process.
  Executor* executor = nullptr;
  std::function<void(const World&)> on_start;
  std::function<void(const World&, int64_t now_us)> on_step;
};

struct ReplayResult {
  World world;
  int64_t end_time_us = 0;
};

// Re-executes the trace's schedule: the trace scheduler, over any executor. A choice that
// does not fit (no such message in flight, or not deliverable) is an Error naming `source`
// and the schedule index; so is a step the executor failed to perform (then
// options.executor->failure() is not empty, and the Error is its text).
Result<ReplayResult> replay_trace(const Trace& t, const std::string& source,
                                  const ReplayOptions& options);

}  // namespace banksim
