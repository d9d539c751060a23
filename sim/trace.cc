#include "sim/trace.h"

#include "sim/json_input.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace banksim {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

ojson trace_to_json(const Trace& t) {
  ojson doc = ojson::object();
  doc["banksim_trace"] = kTraceVersion;
  doc["origin"] = t.origin;
  doc["scenario_source"] = t.scenario_source;
  doc["protocol"] = std::string(protocol_name(t.protocol));
  doc["network"] = {{"latency", t.network.latency.spec()}, {"fifo", t.network.fifo}};
  doc["seed"] = t.seed;
  doc["quiescent_queries"] = t.quiescent_queries;
  ojson checked = ojson::array();
  for (int i = 0; i < kPropertyCount; ++i) {
    if (t.checked.has(static_cast<Property>(i))) {
      checked.push_back(std::string(property_name(static_cast<Property>(i))));
    }
  }
  doc["check"] = std::move(checked);
  if (t.violation) {
    doc["violation"] = {{"property", std::string(property_name(t.violation->property))},
                        {"detail", t.violation->detail}};
  } else {
    doc["violation"] = nullptr;
  }
  doc["schedule"] = t.schedule;
  if (!t.times_us.empty()) doc["times_us"] = t.times_us;
  // The scenario round-trips through nlohmann::json (sorted keys): stable bytes.
  doc["scenario"] = ojson::parse(scenario_to_json(*t.scenario).dump());
  // The schedule is of the protocol that ran: a --protocol override replaces the
  // scenario's own, so that the trace says one thing (parse_trace refuses two).
  if (t.scenario->protocol) doc["scenario"]["protocol"] = std::string(protocol_name(t.protocol));
  return doc;
}

namespace {

struct TraceFault {
  std::string path;
  std::string rule;
};

[[noreturn]] void fail(std::string path, std::string rule) {
  throw TraceFault{std::move(path), std::move(rule)};
}

const json& field(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) fail(fmt::format("$.{}", key), "is required but missing");
  return *it;
}

Trace parse_trace(const json& doc, const std::string& source) {
  if (!doc.is_object()) fail("$", "a trace must be a JSON object");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    static const char* kKnown[] = {"banksim_trace", "origin",   "scenario_source", "protocol",
                                   "network",       "seed",     "quiescent_queries", "check",
                                   "violation",     "schedule", "times_us",        "scenario"};
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) fail(json_path_child("$", it.key()), "unknown field");
  }
  const json& version = field(doc, "banksim_trace");
  if (!version.is_number_integer() || version.get<int64_t>() != kTraceVersion) {
    fail("$.banksim_trace", fmt::format("must be {} (this banksim's trace version)", kTraceVersion));
  }
  Trace t;
  if (auto it = doc.find("origin"); it != doc.end()) {
    if (!it->is_string() || (*it != "run" && *it != "explore")) {
      fail("$.origin", "must be \"run\" or \"explore\" (the command that wrote the trace)");
    }
    t.origin = it->get<std::string>();
  }
  if (auto it = doc.find("scenario_source"); it != doc.end()) {
    if (!it->is_string()) fail("$.scenario_source", "must be a string");
    t.scenario_source = it->get<std::string>();
  }
  const json& protocol = field(doc, "protocol");
  const auto p = protocol.is_string() ? parse_protocol(protocol.get<std::string>()) : std::nullopt;
  if (!p) fail("$.protocol", "must be one of \"sync\", \"async\", \"session\"");
  t.protocol = *p;
  const json& network = field(doc, "network");
  if (!network.is_object()) fail("$.network", "must be an object");
  const json& latency = field(network, "latency");
  std::string error;
  const auto l = latency.is_string() ? parse_latency(latency.get<std::string>(), &error)
                                     : std::nullopt;
  if (!l) fail("$.network.latency", error.empty() ? "must be a latency spec string" : error);
  t.network.latency = *l;
  const json& fifo = field(network, "fifo");
  if (!fifo.is_boolean()) fail("$.network.fifo", "must be true or false");
  t.network.fifo = fifo.get<bool>();
  const json& seed = field(doc, "seed");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<int64_t>() >= 0)) {
    fail("$.seed", "must be a non-negative integer");
  }
  t.seed = seed.get<uint64_t>();
  if (auto it = doc.find("quiescent_queries"); it != doc.end()) {
    if (!it->is_boolean()) fail("$.quiescent_queries", "must be true or false");
    t.quiescent_queries = it->get<bool>();
  }
  if (auto it = doc.find("check"); it != doc.end()) {
    if (!it->is_array()) fail("$.check", "must be a list of property names");
    PropertySet set;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& name = (*it)[i];
      const auto prop = name.is_string() ? parse_property(name.get<std::string>()) : std::nullopt;
      if (!prop) fail(fmt::format("$.check[{}]", i), "must be a property name");
      set = set.with(*prop);
    }
    t.checked = set;
  }
  if (auto it = doc.find("violation"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) fail("$.violation", "must be an object or null");
    const json& prop = field(*it, "property");
    const auto pp = prop.is_string() ? parse_property(prop.get<std::string>()) : std::nullopt;
    if (!pp) fail("$.violation.property", "must be a property name");
    const json& detail = field(*it, "detail");
    if (!detail.is_string()) fail("$.violation.detail", "must be a string");
    t.violation = TraceViolation{*pp, detail.get<std::string>()};
  }
  const json& schedule = field(doc, "schedule");
  if (!schedule.is_array()) fail("$.schedule", "must be a list of message ids");
  if (schedule.size() > static_cast<size_t>(kMaxEvents) * 64) {
    fail("$.schedule", "is longer than any scenario allows");
  }
  t.schedule.reserve(schedule.size());
  for (size_t i = 0; i < schedule.size(); ++i) {
    const json& id = schedule[i];
    if (!id.is_number_unsigned() && !(id.is_number_integer() && id.get<int64_t>() >= 0)) {
      fail(fmt::format("$.schedule[{}]", i), "must be a non-negative integer message id");
    }
    t.schedule.push_back(id.get<uint64_t>());
  }
  if (auto it = doc.find("times_us"); it != doc.end()) {
    if (!it->is_array() || it->size() != schedule.size()) {
      fail("$.times_us", "must be a list as long as the schedule");
    }
    int64_t last = 0;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      if (!v.is_number_integer() || v.get<int64_t>() < last) {
        fail(fmt::format("$.times_us[{}]", i), "must be a non-decreasing non-negative integer");
      }
      last = v.get<int64_t>();
      t.times_us.push_back(last);
    }
  }
  auto scenario = parse_scenario(field(doc, "scenario"), source + " (embedded scenario)");
  if (!scenario.ok()) {
    // Errors inside the embedded scenario already name the source; repath under $.scenario.
    throw TraceFault{"", scenario.error().message};
  }
  t.scenario = std::make_shared<const Scenario>(std::move(scenario.value()));
  // trace_to_json() embeds the scenario with the protocol that ran (a --protocol that
  // overrode the scenario's replaces it), so a trace whose scenario names another one
  // was edited or is not banksim's: refuse it rather than guess which one is meant.
  if (t.scenario->protocol && *t.scenario->protocol != t.protocol) {
    fail("$.protocol",
         fmt::format("is \"{}\", but the embedded scenario's protocol is \"{}\"",
                     protocol_name(t.protocol), protocol_name(*t.scenario->protocol)));
  }
  return t;
}

}  // namespace

Result<Trace> parse_trace_text(std::string_view text, const std::string& source) {
  // The embedded scenario sits two levels down.
  auto parsed = parse_json_input(text, source, kMaxTraceBytes, kMaxJsonDepth + 2);
  if (!parsed.ok()) return parsed.error();
  const json& doc = parsed.value();
  try {
    return parse_trace(doc, source);
  } catch (const TraceFault& f) {
    if (f.path.empty()) return Error{f.rule};
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

Result<Trace> load_trace_file(const std::string& path) {
  auto text = read_input_file(path, kMaxTraceBytes, "trace file");
  if (!text.ok()) return text.error();
  return parse_trace_text(text.value(), path);
}

Result<ReplayResult> replay_trace(const Trace& t, const std::string& source,
                                  const ReplayOptions& options) {
  WorldOptions wo{.protocol = t.protocol,
                  .wire = options.wire,
                  .record_history = true,
                  .quiescent_queries = t.quiescent_queries,
                  .properties = t.checked,
                  .executor = options.executor};
  ReplayResult r{World(t.scenario, wo), 0};
  World& world = r.world;
  world.start(0);
  if (options.on_start) options.on_start(world);
  for (size_t i = 0; i < t.schedule.size(); ++i) {
    const uint64_t id = t.schedule[i];
    const InFlight* f = world.find(id);
    if (f == nullptr) {
      return Error{fmt::format("{}: $.schedule[{}]: message {} is not in flight at this step "
                               "(the schedule does not fit its scenario and protocol)",
                               source, i, id)};
    }
    if (!world.can_deliver(f->msg)) {
      return Error{fmt::format("{}: $.schedule[{}]: message {} is a query held by "
                               "quiescent_queries and cannot be delivered yet",
                               source, i, id)};
    }
    // Times: recorded ones, else the step number (explored schedules have no clock).
    const int64_t now = t.times_us.empty() ? static_cast<int64_t>(i + 1) : t.times_us[i];
    world.apply(Choice{id}, now);
    if (world.halted()) return Error{world.executor().failure()};
    r.end_time_us = now;
    if (options.on_step) options.on_step(world, now);
  }
  if (world.quiescent()) world.finish(r.end_time_us);
  return r;
}

}  // namespace banksim
