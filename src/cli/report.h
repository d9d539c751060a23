// Everything banksim prints about an execution: the seed output formats, banksim's own
// full JSON, the human summary, the property table and the --debug timeline. Reads an
// ExecutionRecord or a History (and run facts), so simulated, replayed and gRPC runs
// print alike.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/execution_record.h"
#include "sim/atomic_file.h"
#include "sim/history.h"
#include "sim/network.h"
#include "sim/timed_run.h"
#include "sim/world.h"

namespace banksim {

enum class OutputFormat : uint8_t {
  kAuto,     // picked by the input form
  kRecv,     // seeds 000/001: [{"id","recv":[{"interface","result","money"?}]}]
  kBalance,  // seed 002: [{"id","balance"}], the balance each customer's last query saw
  kEvents,   // seed 004: one record per event {"id","recv":[{"interface","branch",...}]}
  kJson,     // banksim: everything, including the history and the property verdicts
};

// `s` made safe to print on a terminal: control characters (C0, DEL, and C1 in UTF-8)
// as \xNN, a backslash as \\, and at most `max_bytes` of it, then "... (N more bytes)".
std::string printable(std::string_view s, size_t max_bytes);
// n with thousands separators: 1234567 -> "1,234,567".
std::string grouped(uint64_t n);
// A schedule's length as a reader counts it: "6 deliveries", "6 deliveries and 1 fault".
std::string schedule_length_text(const std::vector<uint64_t>& schedule);
// What banksim echoes of a string it read from an input file at most.
constexpr size_t kEchoMaxBytes = 200;

std::optional<OutputFormat> parse_format(std::string_view s);
std::string_view format_name(OutputFormat f);
OutputFormat resolve_format(OutputFormat requested, InputForm form);

// Facts about an execution beyond its history.
struct RunFacts {
  std::string source;  // scenario path as given
  std::string command = "run";
  ProtocolKind protocol = ProtocolKind::kSync;
  uint64_t seed = 0;
  NetworkConfig network;
  bool quiescent_queries = false;
  uint64_t delivered = 0;
  uint64_t sent = 0;
  int64_t end_time_us = 0;
  bool hit_step_bound = false;
  PropertySet checked;
  std::vector<Violation> violations;  // only of checked properties
  std::vector<Money> final_balances;
  // "grpc" for a run over real processes (seed and network do not apply; times are wall
  // clock); empty for the simulator.
  std::string backend;
  // Printed after the protocol's name in parentheses when not empty (SimSettings).
  std::string protocol_note;
  // Times are step numbers, not microseconds: the replay of an explored schedule, a
  // delivery order with no network, latency or seed. Nothing about those is printed.
  bool step_times = false;
  // The messages still in flight when the execution ended before quiescence (a trace
  // that stops at its violation, --max-steps); listed by the summary.
  std::vector<InFlight> in_flight_at_end;
  // run --give-up-after: the timeout (0: give-up not judged, e.g. replay, gRPC) and the
  // requests given up on, in time order (sim/timed_run.h).
  int64_t give_up_us = 0;
  std::vector<GaveUp> gave_up;
  std::string give_up_note;  // give_up_note(): the liveness row's last column
};

// The give-up of (customer, event) in `f`, or null.
const GaveUp* find_give_up(const RunFacts& f, size_t customer, size_t event);
// "N requests given up (first: customer C event E, gave up after ...)"; empty if none.
std::string give_up_note(const RunFacts& f, const Scenario& s);
// "20 ms" (or "1500 us" when not whole milliseconds).
std::string duration_text(int64_t us);
// The line --debug prints when a customer gives up.
std::string timeline_give_up(const World& world, const GaveUp& g, int64_t give_up_us);

// Each event's outcome (see ExecutionRecord), indexed [customer][event].
std::vector<std::vector<EventOutcome>> event_outcomes(const History& h);

// REQUIRES for kJson: r.has_history().
nlohmann::ordered_json results_json(const ExecutionRecord& r, const RunFacts& facts,
                                    OutputFormat format);
nlohmann::ordered_json results_json(const History& h, const RunFacts& facts, OutputFormat format);
// results_json(...).dump(2) + "\n", byte for byte; the list formats are written one
// element at a time, so a large run never holds the whole results as a JSON tree.
std::string results_text(const ExecutionRecord& r, const RunFacts& facts, OutputFormat format);
nlohmann::ordered_json history_json(const History& h);
// Seed 002's "sanity check": per branch, per customer, the write event ids applied in order.
nlohmann::ordered_json write_sets_json(const History& h);
// Seed 002's second "sanity check": per branch, per customer, every event the branch
// served or applied, in that order: {"branch_1": {"1": {"1": {"interface", "money",
// "event_id"}}}} (a query's money is 0).
nlohmann::ordered_json events_per_branch_json(const History& h);

// A property's row, the one JSON every verdict table and document starts from:
// {"property": NAME, "promised": BOOL}. run, replay and --format json add "verdict"
// ("violated", "held", "not judged") with the counts; explore adds its verdict sentence.
nlohmann::ordered_json property_entry(Property p, ProtocolKind protocol);
// Convergence, conservation and liveness are judged at quiescent states only.
bool judged_at_quiescence(Property p);

// `max_events`: list at most that many events (then one line saying how many were left
// out); 0 lists every event.
std::string summary_text(const ExecutionRecord& r, const RunFacts& facts, uint64_t max_events = 0);
std::string summary_text(const History& h, const RunFacts& facts, uint64_t max_events = 0);
std::string property_table(const RunFacts& facts);
// With the record's violation counts, when it has them.
std::string property_table(const ExecutionRecord& r, const RunFacts& facts);
// The lines --debug prints for the step that just happened: its time (`now_us`, or
// "step N" when `step_times`), the message delivered and every message sent with their
// ids (a schedule is a list of these ids), what the step observed, and a request the
// session protocol holds ("held: waiting for write N of customer C") or releases.
std::string timeline_step(const World& world, int64_t now_us, bool step_times = false);
std::string timeline_start(const World& world, bool step_times = false);
// The same lines from plain data, for executions without a World (the gRPC conductor):
// the message delivered at `now_us`, what the step observed and what it sent, in order.
std::string timeline_start(const Scenario& s, std::span<const Observation> observed,
                           std::span<const InFlight> sent, bool step_times = false);
std::string timeline_step(const Scenario& s, int64_t now_us, const InFlight& delivered,
                          std::span<const Observation> observed, std::span<const InFlight> sent,
                          bool step_times = false);
// --quiescent-queries: the query `held` reached its delivery time while write messages
// were in flight, so the network holds it; and the line when such queries are released.
std::string timeline_query_held(const World& world, int64_t now_us, const InFlight& held);
std::string timeline_queries_released(int64_t now_us, size_t count);

}  // namespace banksim
