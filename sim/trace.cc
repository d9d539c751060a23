#include "sim/trace.h"

#include "sim/json_input.h"

#include <charconv>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace banksim {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::optional<uint64_t> parse_partition(std::string_view text, const Scenario& s,
                                        std::string* error) {
  const size_t bar = text.find('|');
  if (bar == std::string_view::npos || text.find('|', bar + 1) != std::string_view::npos) {
    *error = "must be two sides of branch ids separated by '|', like \"1+2|3\"";
    return std::nullopt;
  }
  uint64_t sides[2] = {0, 0};
  const std::string_view parts[2] = {text.substr(0, bar), text.substr(bar + 1)};
  for (int k = 0; k < 2; ++k) {
    std::string_view rest = parts[k];
    if (rest.empty()) {
      *error = "each side of '|' must list at least one branch id";
      return std::nullopt;
    }
    while (true) {
      const size_t plus = rest.find('+');
      const std::string_view item = rest.substr(0, plus);
      int64_t id = 0;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
      if (item.empty() || ec != std::errc{} || end != item.data() + item.size()) {
        *error = fmt::format("{} is not a branch id", quote_for_error(item, 40));
        return std::nullopt;
      }
      int32_t found = -1;
      for (int32_t b = 0; b < s.branch_count() && b < kMaxFaultBranches; ++b) {
        if (s.branches[static_cast<size_t>(b)].id == id) found = b;
      }
      if (found < 0) {
        *error = fmt::format("branch {} is not in the scenario{}", id,
                             s.branch_count() > kMaxFaultBranches
                                 ? fmt::format(" (or not among its first {})", kMaxFaultBranches)
                                 : "");
        return std::nullopt;
      }
      const uint64_t bit = uint64_t{1} << found;
      if (((sides[0] | sides[1]) & bit) != 0) {
        *error = fmt::format("branch {} is listed twice", id);
        return std::nullopt;
      }
      sides[k] |= bit;
      if (plus == std::string_view::npos) break;
      rest = rest.substr(plus + 1);
    }
  }
  const int32_t n = std::min(s.branch_count(), kMaxFaultBranches);
  const uint64_t all = (uint64_t{1} << n) - 1;
  if ((sides[0] | sides[1]) != all) {
    *error = "every branch must be on one side of the partition";
    return std::nullopt;
  }
  // Canonical: the first side is the one holding branch index 0.
  return (sides[0] & 1) != 0 ? sides[0] : sides[1];
}

std::string partition_text(const Scenario& s, uint64_t side) {
  std::string first, second;
  for (int32_t b = 0; b < s.branch_count() && b < kMaxFaultBranches; ++b) {
    std::string& to = ((side >> b) & 1) != 0 ? first : second;
    if (!to.empty()) to += '+';
    to += std::to_string(s.branches[static_cast<size_t>(b)].id);
  }
  return first + "|" + second;
}

size_t fault_steps(const std::vector<uint64_t>& schedule) {
  size_t n = 0;
  for (uint64_t step : schedule) {
    n += is_fault_step(step) && unpack_choice(step).kind != ChoiceKind::kTimer ? 1 : 0;
  }
  return n;
}

size_t timer_steps(const std::vector<uint64_t>& schedule) {
  size_t n = 0;
  for (uint64_t step : schedule) {
    n += is_fault_step(step) && unpack_choice(step).kind == ChoiceKind::kTimer ? 1 : 0;
  }
  return n;
}

ojson fault_step_to_json(const Scenario& s, uint64_t step) {
  const Choice c = unpack_choice(step);
  const auto id = [&](int32_t b) { return s.branches[static_cast<size_t>(b)].id; };
  switch (c.kind) {
    case ChoiceKind::kDeliver:
      break;
    case ChoiceKind::kDrop:
      return ojson{{"drop", c.message_id}};
    case ChoiceKind::kDuplicate:
      return ojson{{"dup", c.message_id}};
    case ChoiceKind::kCrash:
      return ojson{{"crash", id(c.branch)}};
    case ChoiceKind::kRestart:
      return ojson{{"restart", id(c.branch)}};
    case ChoiceKind::kPartition:
      return ojson{{"partition", partition_text(s, c.side)}};
    case ChoiceKind::kHeal:
      return ojson{{"heal", true}};
    case ChoiceKind::kTimer:
      return ojson{{"timer", c.message_id}};
  }
  return ojson(step);
}

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
  if (fault_steps(t.schedule) + timer_steps(t.schedule) == 0) {
    doc["schedule"] = t.schedule;
  } else {
    ojson schedule = ojson::array();
    for (uint64_t step : t.schedule) {
      schedule.push_back(is_fault_step(step) ? fault_step_to_json(*t.scenario, step) : ojson(step));
    }
    doc["schedule"] = std::move(schedule);
  }
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

// The index of the branch with scenario id `v`, or a failure at `path`.
int32_t fault_branch(const json& v, const Scenario& s, const std::string& path) {
  if (v.is_number_integer()) {
    for (int32_t b = 0; b < s.branch_count() && b < kMaxFaultBranches; ++b) {
      if (s.branches[static_cast<size_t>(b)].id == v.get<int64_t>()) return b;
    }
  }
  fail(path, fmt::format("must be the id of a branch of the scenario{}",
                         s.branch_count() > kMaxFaultBranches
                             ? fmt::format(" (one of the first {})", kMaxFaultBranches)
                             : ""));
}

// {"drop": ID}, {"dup": ID}, {"crash": BRANCH}, {"restart": BRANCH},
// {"partition": "1+2|3"}, {"heal": true}, and a timer firing: {"timer": ID}.
uint64_t parse_fault_step(const json& entry, const Scenario& s, const std::string& path) {
  if (entry.size() != 1) {
    fail(path,
         "a fault must be an object with exactly one of \"drop\", \"dup\", "
         "\"crash\", \"restart\", \"partition\", \"heal\", \"timer\"");
  }
  const std::string key = entry.begin().key();
  const json& v = entry.begin().value();
  const std::string at = json_path_child(path, key);
  Choice c;
  if (key == "drop" || key == "dup") {
    if (!v.is_number_unsigned() || is_fault_step(v.get<uint64_t>())) {
      fail(at, "must be a non-negative integer message id");
    }
    c.kind = key == "drop" ? ChoiceKind::kDrop : ChoiceKind::kDuplicate;
    c.message_id = v.get<uint64_t>();
  } else if (key == "timer") {
    if (!v.is_number_unsigned() || is_fault_step(v.get<uint64_t>())) {
      fail(at, "must be a non-negative integer timer id");
    }
    c.kind = ChoiceKind::kTimer;
    c.message_id = v.get<uint64_t>();
  } else if (key == "crash" || key == "restart") {
    c.kind = key == "crash" ? ChoiceKind::kCrash : ChoiceKind::kRestart;
    c.branch = fault_branch(v, s, at);
  } else if (key == "partition") {
    std::string error;
    const auto side =
        v.is_string() ? parse_partition(v.get<std::string>(), s, &error) : std::nullopt;
    if (!side) fail(at, error.empty() ? "must be a partition like \"1+2|3\"" : error);
    c.kind = ChoiceKind::kPartition;
    c.side = *side;
  } else if (key == "heal") {
    if (!v.is_boolean() || !v.get<bool>()) fail(at, "must be true");
    c.kind = ChoiceKind::kHeal;
  } else {
    fail(json_path_child(path, key),
         "unknown fault (expected drop, dup, crash, restart, "
         "partition, heal or timer)");
  }
  return pack_choice(c);
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
  if (!p) fail("$.protocol", "must be one of \"sync\", \"async\", \"session\", \"robust\"");
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
    if (id.is_object()) {  // a fault: resolved once the scenario is read
      t.schedule.push_back(0);
      continue;
    }
    if (!id.is_number_unsigned() && !(id.is_number_integer() && id.get<int64_t>() >= 0)) {
      fail(fmt::format("$.schedule[{}]", i),
           "must be a non-negative integer message id or a fault object");
    }
    if (is_fault_step(id.get<uint64_t>())) {
      fail(fmt::format("$.schedule[{}]", i),
           "is no message id (2^56 to 8*2^56-1 are reserved for faults and timers)");
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
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (schedule[i].is_object()) {
      t.schedule[i] = parse_fault_step(schedule[i], *t.scenario, fmt::format("$.schedule[{}]", i));
    }
  }
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
    if (is_fault_step(id)) {
      const Choice c = unpack_choice(id);
      if (!world.fault_allowed(c)) {
        return Error{
            fmt::format("{}: $.schedule[{}]: {} {} cannot happen at this step "
                        "(the schedule does not fit its scenario and protocol)",
                        source, i, c.kind == ChoiceKind::kTimer ? "timer" : "fault",
                        fault_step_to_json(*t.scenario, id).dump())};
      }
      const int64_t now = t.times_us.empty() ? static_cast<int64_t>(i + 1) : t.times_us[i];
      world.apply(c, now);
      if (world.halted()) return Error{world.executor().failure()};
      r.end_time_us = now;
      if (options.on_step) options.on_step(world, now);
      continue;
    }
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
