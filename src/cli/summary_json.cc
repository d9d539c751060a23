#include "cli/summary_json.h"

#include <algorithm>
#include <cassert>
#include <initializer_list>

#include <fmt/format.h>

#include "cli/report.h"
#include "sim/json_input.h"

#ifndef BANKSIM_VERSION
#define BANKSIM_VERSION "unknown"
#endif

namespace banksim {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string_view banksim_version() {
  return BANKSIM_VERSION;
}

uint64_t SwarmSummary::walks_taken() const {
  uint64_t n = 0;
  for (const SwarmTask& t : tasks) n += t.walks_taken;
  return n;
}

namespace {

ojson checked_json(PropertySet checked) {
  ojson out = ojson::array();
  for (int i = 0; i < kPropertyCount; ++i) {
    if (checked.has(static_cast<Property>(i))) {
      out.push_back(std::string(property_name(static_cast<Property>(i))));
    }
  }
  return out;
}

ojson search_json(const SwarmSearch& s) {
  ojson out = ojson::object();
  out["strategy"] = "random";
  out["protocol"] = std::string(protocol_name(s.protocol));
  out["check"] = checked_json(s.checked);
  out["fifo"] = s.fifo;
  out["max_depth"] = s.max_depth > 0 ? ojson(s.max_depth) : ojson(nullptr);
  out["keep_going"] = s.keep_going;
  out["minimize"] = s.minimize;
  if (s.faults.any()) {
    ojson f = ojson::object();
    f["drops"] = s.faults.drops;
    f["duplicates"] = s.faults.duplicates;
    f["crashes"] = s.faults.crashes;
    f["partitions"] = s.faults.partitions;
    out["faults"] = f;
  }
  return out;
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr const char* kStopNames[] = {"none",       "first-violation", "interrupted",
                                      "time-limit", "memory-limit",    "out-of-memory"};

bool at_quiescence(Property p) {
  return p == Property::kConvergence || p == Property::kConservation || p == Property::kLiveness;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// --- reading: every failure is a Fault naming the JSON path ---------------------------

struct Fault {
  std::string path;
  std::string rule;
};

[[noreturn]] void fail(std::string path, std::string rule) {
  throw Fault{std::move(path), std::move(rule)};
}

// The object at `path`, with exactly the `known` members (all required).
// An object with exactly the `known` fields, and any of the `optional` ones.
const json& object(const json& v, const std::string& path, std::initializer_list<const char*> known,
                   std::initializer_list<const char*> optional = {}) {
  if (!v.is_object()) fail(path, fmt::format("must be an object, not {}", json_kind_name(v)));
  for (auto it = v.begin(); it != v.end(); ++it) {
    const auto named = [&](const char* k) { return it.key() == k; };
    const bool ok = std::any_of(known.begin(), known.end(), named) ||
                    std::any_of(optional.begin(), optional.end(), named);
    if (!ok) fail(json_path_child(path, it.key()), "unknown field");
  }
  for (const char* k : known) {
    if (!v.contains(k)) fail(json_path_child(path, k), "is required but missing");
  }
  return v;
}

uint64_t unsigned_at(const json& obj, const std::string& path, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_number_unsigned()) {
    fail(json_path_child(path, key),
         fmt::format("must be a non-negative integer, not {}", json_kind_name(v)));
  }
  return v.get<uint64_t>();
}

bool bool_at(const json& obj, const std::string& path, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_boolean()) {
    fail(json_path_child(path, key),
         fmt::format("must be true or false, not {}", json_kind_name(v)));
  }
  return v.get<bool>();
}

std::string string_at(const json& obj, const std::string& path, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_string()) {
    fail(json_path_child(path, key), fmt::format("must be a string, not {}", json_kind_name(v)));
  }
  return v.get<std::string>();
}

const json& array_at(const json& obj, const std::string& path, const char* key) {
  const json& v = obj.at(key);
  if (!v.is_array()) {
    fail(json_path_child(path, key), fmt::format("must be an array, not {}", json_kind_name(v)));
  }
  return v;
}

Property property_at(const json& obj, const std::string& path, const char* key) {
  const std::string name = string_at(obj, path, key);
  const auto p = parse_property(name);
  if (!p)
    fail(json_path_child(path, key), fmt::format("unknown property {}", quote_for_error(name)));
  return *p;
}

FaultBudget parse_faults(const json& v, const std::string& path) {
  object(v, path, {"drops", "duplicates", "crashes", "partitions"});
  FaultBudget f;
  f.drops = unsigned_at(v, path, "drops");
  f.duplicates = unsigned_at(v, path, "duplicates");
  f.crashes = unsigned_at(v, path, "crashes");
  f.partitions = unsigned_at(v, path, "partitions");
  // Written only when a budget is set: an all-zero block would give a second spelling
  // (and a second identity) of the search without faults.
  if (!f.any()) fail(path, "has every budget 0; leave \"faults\" out instead");
  return f;
}

SwarmSearch parse_search(const json& v, const std::string& path) {
  object(v, path, {"strategy", "protocol", "check", "fifo", "max_depth", "keep_going", "minimize"},
         {"faults"});
  SwarmSearch s;
  if (v.contains("faults")) s.faults = parse_faults(v.at("faults"), path + ".faults");
  if (string_at(v, path, "strategy") != "random") {
    fail(path + ".strategy", "must be \"random\" (only random walks are split into tasks)");
  }
  const std::string protocol = string_at(v, path, "protocol");
  const auto kind = parse_protocol(protocol);
  if (!kind)
    fail(path + ".protocol", fmt::format("unknown protocol {}", quote_for_error(protocol)));
  s.protocol = *kind;
  const json& check = array_at(v, path, "check");
  s.checked = PropertySet();
  for (size_t i = 0; i < check.size(); ++i) {
    const std::string at = fmt::format("{}.check[{}]", path, i);
    if (!check[i].is_string()) fail(at, "must be a property name");
    const auto p = parse_property(check[i].get<std::string>());
    if (!p)
      fail(at, fmt::format("unknown property {}", quote_for_error(check[i].get<std::string>())));
    s.checked = s.checked.with(*p);
  }
  s.fifo = bool_at(v, path, "fifo");
  if (!v.at("max_depth").is_null()) {
    const uint64_t d = unsigned_at(v, path, "max_depth");
    if (d < 1 || d > static_cast<uint64_t>(INT64_MAX))
      fail(path + ".max_depth", "must be null or at least 1");
    s.max_depth = static_cast<int64_t>(d);
  }
  s.keep_going = bool_at(v, path, "keep_going");
  s.minimize = bool_at(v, path, "minimize");
  return s;
}

SwarmSummary parse_summary(const json& doc, const std::string& source) {
  object(doc, "$",
         {"banksim_swarm_summary", "banksim_version", "identity", "scenario_source", "search",
          "tasks", "coverage", "verdicts", "counterexamples", "fingerprints"});
  const json& format = doc.at("banksim_swarm_summary");
  if (!format.is_number_integer() || format.get<int64_t>() != kSwarmSummaryVersion) {
    fail("$.banksim_swarm_summary",
         fmt::format("must be {} (this banksim's summary format)", kSwarmSummaryVersion));
  }
  SwarmSummary s;
  s.version = string_at(doc, "$", "banksim_version");
  s.identity = string_at(doc, "$", "identity");
  if (s.identity.size() != 16 || !std::all_of(s.identity.begin(), s.identity.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    fail("$.identity", "must be 16 lowercase hex digits");
  }
  s.scenario_source = string_at(doc, "$", "scenario_source");
  s.search = parse_search(doc.at("search"), "$.search");

  const json& tasks = array_at(doc, "$", "tasks");
  if (tasks.empty()) fail("$.tasks", "must name at least one task");
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::string at = fmt::format("$.tasks[{}]", i);
    object(tasks[i], at, {"seed", "walks", "walks_taken", "distinct", "stopped"});
    SwarmTask t;
    t.seed = unsigned_at(tasks[i], at, "seed");
    t.walks = unsigned_at(tasks[i], at, "walks");
    t.walks_taken = unsigned_at(tasks[i], at, "walks_taken");
    t.distinct = unsigned_at(tasks[i], at, "distinct");
    t.stopped = string_at(tasks[i], at, "stopped");
    if (t.walks < 1) fail(at + ".walks", "must be at least 1");
    if (t.walks_taken > t.walks) fail(at + ".walks_taken", "must not exceed walks");
    if (t.distinct < 1) fail(at + ".distinct", "must be at least 1 (the initial state)");
    if (!is_stop_name(t.stopped))
      fail(at + ".stopped", fmt::format("unknown stop reason {}", quote_for_error(t.stopped)));
    if (!s.tasks.empty() && t.seed <= s.tasks.back().seed) {
      fail(at + ".seed", "tasks must ascend by seed, each seed once");
    }
    s.tasks.push_back(std::move(t));
  }

  const json& cov = doc.at("coverage");
  object(cov, "$.coverage",
         {"distinct", "transitions", "quiescent_walk_ends", "max_depth", "depth_bounded"});
  s.distinct = unsigned_at(cov, "$.coverage", "distinct");
  s.transitions = unsigned_at(cov, "$.coverage", "transitions");
  s.quiescent = unsigned_at(cov, "$.coverage", "quiescent_walk_ends");
  const uint64_t depth = unsigned_at(cov, "$.coverage", "max_depth");
  if (depth > static_cast<uint64_t>(INT64_MAX)) fail("$.coverage.max_depth", "is too large");
  s.max_depth = static_cast<int64_t>(depth);
  s.depth_bounded = bool_at(cov, "$.coverage", "depth_bounded");
  if (s.search.max_depth > 0 && s.max_depth > s.search.max_depth) {
    fail("$.coverage.max_depth", "passes the search's max_depth");
  }
  for (const SwarmTask& t : s.tasks) {
    if (t.distinct > s.distinct) fail("$.coverage.distinct", "is less than a task's own count");
  }

  const json& fps = doc.at("fingerprints");
  object(fps, "$.fingerprints", {"encoding", "data"});
  if (string_at(fps, "$.fingerprints", "encoding") != "base64-le64-sorted") {
    fail("$.fingerprints.encoding", "must be \"base64-le64-sorted\"");
  }
  auto decoded = decode_fingerprints(string_at(fps, "$.fingerprints", "data"));
  if (!decoded)
    fail("$.fingerprints.data", "is not base64 of whole 8-byte fingerprints (truncated?)");
  s.fingerprints = std::move(*decoded);
  for (size_t i = 1; i < s.fingerprints.size(); ++i) {
    if (s.fingerprints[i - 1] >= s.fingerprints[i]) {
      fail("$.fingerprints.data", fmt::format("fingerprint {} does not ascend", i));
    }
  }
  if (s.fingerprints.size() != s.distinct) {
    fail("$.fingerprints.data", fmt::format("holds {} fingerprints; $.coverage.distinct says {}",
                                            s.fingerprints.size(), s.distinct));
  }

  const json& ces = array_at(doc, "$", "counterexamples");
  for (size_t i = 0; i < ces.size(); ++i) {
    const std::string at = fmt::format("$.counterexamples[{}]", i);
    object(ces[i], at, {"property", "deliveries", "minimal", "task_seed", "trace"}, {"faults"});
    SwarmCounterexample c;
    c.property = property_at(ces[i], at, "property");
    if (!s.search.checked.has(c.property)) fail(at + ".property", "is not a checked property");
    if (!s.counterexamples.empty() &&
        static_cast<int>(c.property) <= static_cast<int>(s.counterexamples.back().property)) {
      fail(at + ".property", "counterexamples must ascend by property, one per property");
    }
    c.minimal = bool_at(ces[i], at, "minimal");
    c.task_seed = unsigned_at(ces[i], at, "task_seed");
    if (std::none_of(s.tasks.begin(), s.tasks.end(),
                     [&](const SwarmTask& t) { return t.seed == c.task_seed; })) {
      fail(at + ".task_seed", "names no task of $.tasks");
    }
    // The embedded trace goes through the trace reader; its errors get this path.
    auto trace = parse_trace_text(ces[i].at("trace").dump(), source);
    if (!trace.ok()) {
      std::string message = trace.error().message;
      const std::string prefix = source + ": $";
      if (message.rfind(prefix, 0) == 0) {
        message = fmt::format("{}: {}.trace{}", source, at, message.substr(prefix.size()));
      }
      throw Fault{"", message};
    }
    c.trace = std::move(trace.value());
    const Trace& t = c.trace;
    if (!t.violation || t.violation->property != c.property) {
      fail(at + ".trace.violation",
           fmt::format("must be a {} violation", property_name(c.property)));
    }
    // "faults" is there exactly when the schedule holds faults (summaries of searches
    // without faults are unchanged).
    const uint64_t faults = fault_steps(t.schedule);
    if (unsigned_at(ces[i], at, "deliveries") != t.schedule.size() - faults) {
      fail(at + ".deliveries", "differs from the deliveries in the trace's schedule");
    }
    if (faults > 0 && !ces[i].contains("faults")) {
      fail(at + ".faults", "is required but missing (the trace's schedule holds faults)");
    }
    if (ces[i].contains("faults") && unsigned_at(ces[i], at, "faults") != faults) {
      fail(at + ".faults", "differs from the faults in the trace's schedule");
    }
    if (t.protocol != s.search.protocol || t.network.fifo != s.search.fifo ||
        !(t.checked == s.search.checked)) {
      fail(at + ".trace", "its protocol, network or checked properties differ from $.search");
    }
    if (swarm_identity(*t.scenario, s.search) != s.identity) {
      fail(at + ".trace.scenario", "its scenario does not hash to $.identity");
    }
    s.counterexamples.push_back(std::move(c));
  }

  // The verdicts must be what the rest of the summary says.
  const std::vector<SwarmVerdict> expected = summary_verdicts(s);
  const json& verdicts = array_at(doc, "$", "verdicts");
  if (verdicts.size() != expected.size()) {
    fail("$.verdicts",
         fmt::format("must hold {} verdicts, one per checked property", expected.size()));
  }
  for (size_t i = 0; i < verdicts.size(); ++i) {
    const std::string at = fmt::format("$.verdicts[{}]", i);
    object(verdicts[i], at, {"property", "verdict", "text"});
    if (property_at(verdicts[i], at, "property") != expected[i].property) {
      fail(at + ".property", fmt::format("must be {}", property_name(expected[i].property)));
    }
    if (string_at(verdicts[i], at, "verdict") != expected[i].code ||
        string_at(verdicts[i], at, "text") != expected[i].text) {
      fail(at, fmt::format("does not match the summary's coverage and counterexamples (expected "
                           "{}: {})",
                           expected[i].code, quote_for_error(expected[i].text)));
    }
  }
  return s;
}

}  // namespace

bool is_stop_name(std::string_view s) {
  return std::any_of(std::begin(kStopNames), std::end(kStopNames),
                     [&](const char* n) { return s == n; });
}

std::string swarm_identity(const Scenario& scenario, const SwarmSearch& search) {
  json sc = scenario_to_json(scenario);
  // As a trace records it: a --protocol override replaces the scenario's own.
  if (sc.is_object() && sc.contains("protocol"))
    sc["protocol"] = std::string(protocol_name(search.protocol));
  const json doc = {{"scenario", std::move(sc)},
                    {"search", json::parse(search_json(search).dump())}};
  return fmt::format("{:016x}", fnv1a(doc.dump()));
}

std::vector<SwarmVerdict> summary_verdicts(const SwarmSummary& s) {
  std::vector<SwarmVerdict> out;
  const uint64_t walks = s.walks_taken();
  const std::string sample =
      fmt::format("{} random walk{}{}: sampled, not a proof", grouped(walks), walks == 1 ? "" : "s",
                  s.tasks.size() > 1 ? fmt::format(" in {} tasks", s.tasks.size()) : "");
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    if (!s.search.checked.has(p)) continue;
    SwarmVerdict v{p, "", ""};
    for (const SwarmCounterexample& c : s.counterexamples) {
      if (c.property == p) {
        v.code = "violated";
        v.text = "VIOLATED: " + c.trace.violation->detail;
      }
    }
    if (v.code.empty() && at_quiescence(p) && s.quiescent == 0) {
      v.code = "not-judged";
      v.text = "not judged: no walk reached quiescence (" + sample + ")";
    } else if (v.code.empty() && at_quiescence(p)) {
      v.code = "not-violated";
      v.text = fmt::format("not violated at the {} quiescent walk end{} reached ({})",
                           grouped(s.quiescent), s.quiescent == 1 ? "" : "s", sample);
    } else if (v.code.empty()) {
      v.code = "not-violated";
      v.text = fmt::format("not violated in the {} distinct state{} reached ({})",
                           grouped(s.distinct), s.distinct == 1 ? "" : "s", sample);
    }
    out.push_back(std::move(v));
  }
  return out;
}

SwarmSummary task_summary(const Scenario& scenario, const std::string& scenario_source,
                          const SwarmSearch& search, uint64_t seed, uint64_t walks,
                          const ExploreResult& r, const std::vector<Trace>& traces) {
  assert(traces.size() == r.counterexamples.size());
  assert(r.fingerprints.size() == r.stats.distinct);
  const ExploreStats& st = r.stats;
  SwarmSummary s;
  s.identity = swarm_identity(scenario, search);
  s.search = search;
  s.scenario_source = scenario_source;
  SwarmTask t;
  t.seed = seed;
  t.walks = walks;
  t.walks_taken = st.walks;
  t.distinct = st.distinct;
  switch (st.stopped_by) {
    case StopReason::kNone:
      t.stopped = st.stopped_early ? "first-violation" : "none";
      break;
    case StopReason::kInterrupted:
      t.stopped = "interrupted";
      break;
    case StopReason::kTimeLimit:
      t.stopped = "time-limit";
      break;
    case StopReason::kMemoryLimit:
      t.stopped = "memory-limit";
      break;
    case StopReason::kOutOfMemory:
      t.stopped = "out-of-memory";
      break;
  }
  s.tasks.push_back(std::move(t));
  s.distinct = st.distinct;
  s.transitions = st.transitions;
  s.quiescent = st.terminal;
  s.max_depth = st.max_depth;
  s.depth_bounded = st.depth_bounded;
  s.fingerprints = r.fingerprints;
  for (size_t i = 0; i < traces.size(); ++i) {
    s.counterexamples.push_back(SwarmCounterexample{.property = r.counterexamples[i].property,
                                                    .minimal = r.counterexamples[i].minimal,
                                                    .task_seed = seed,
                                                    .trace = traces[i]});
  }
  std::sort(s.counterexamples.begin(), s.counterexamples.end(),
            [](const SwarmCounterexample& a, const SwarmCounterexample& b) {
              return static_cast<int>(a.property) < static_cast<int>(b.property);
            });
  return s;
}

ojson summary_to_json(const SwarmSummary& s) {
  assert(s.fingerprints.size() == s.distinct);
  ojson doc = ojson::object();
  doc["banksim_swarm_summary"] = kSwarmSummaryVersion;
  doc["banksim_version"] = s.version;
  doc["identity"] = s.identity;
  doc["scenario_source"] = s.scenario_source;
  doc["search"] = search_json(s.search);
  ojson tasks = ojson::array();
  for (const SwarmTask& t : s.tasks) {
    tasks.push_back({{"seed", t.seed},
                     {"walks", t.walks},
                     {"walks_taken", t.walks_taken},
                     {"distinct", t.distinct},
                     {"stopped", t.stopped}});
  }
  doc["tasks"] = std::move(tasks);
  doc["coverage"] = {{"distinct", s.distinct},
                     {"transitions", s.transitions},
                     {"quiescent_walk_ends", s.quiescent},
                     {"max_depth", s.max_depth},
                     {"depth_bounded", s.depth_bounded}};
  ojson verdicts = ojson::array();
  for (const SwarmVerdict& v : summary_verdicts(s)) {
    verdicts.push_back({{"property", std::string(property_name(v.property))},
                        {"verdict", v.code},
                        {"text", v.text}});
  }
  doc["verdicts"] = std::move(verdicts);
  ojson ces = ojson::array();
  for (const SwarmCounterexample& c : s.counterexamples) {
    const uint64_t faults = fault_steps(c.trace.schedule);
    ojson ce = {{"property", std::string(property_name(c.property))},
                {"deliveries", c.trace.schedule.size() - faults}};
    if (faults > 0) ce["faults"] = faults;
    ce["minimal"] = c.minimal;
    ce["task_seed"] = c.task_seed;
    ce["trace"] = trace_to_json(c.trace);
    ces.push_back(std::move(ce));
  }
  doc["counterexamples"] = std::move(ces);
  // Last: the only long line.
  doc["fingerprints"] = {{"encoding", "base64-le64-sorted"},
                         {"data", encode_fingerprints(s.fingerprints)}};
  return doc;
}

Result<SwarmSummary> load_summary_text(std::string_view text, const std::string& source) {
  // An embedded trace's scenario sits four levels below a trace's.
  auto parsed = parse_json_input(text, source, kMaxSummaryBytes, kMaxJsonDepth + 6);
  if (!parsed.ok()) return parsed.error();
  try {
    return parse_summary(parsed.value(), source);
  } catch (const Fault& f) {
    if (f.path.empty()) return Error{f.rule};
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

Result<SwarmSummary> load_summary_file(const std::string& path) {
  auto text = read_input_file(path, kMaxSummaryBytes, "summary file");
  if (!text.ok()) return text.error();
  return load_summary_text(text.value(), path);
}

std::string encode_fingerprints(const std::vector<uint64_t>& fps) {
  std::string bytes;
  bytes.reserve(fps.size() * 8);
  for (const uint64_t fp : fps) {
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((fp >> (8 * b)) & 0xff));
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kBase64[(v >> (18 - 6 * k)) & 63] : '=');
    }
  }
  return out;
}

std::optional<std::vector<uint64_t>> decode_fingerprints(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = base64_value(c);
      if (d < 0 || pad > 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    for (int k = 0; k < 3 - pad; ++k)
      bytes.push_back(static_cast<char>((v >> (16 - 8 * k)) & 0xff));
  }
  if (bytes.size() % 8 != 0) return std::nullopt;
  std::vector<uint64_t> out(bytes.size() / 8);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t fp = 0;
    for (int b = 7; b >= 0; --b)
      fp = (fp << 8) | static_cast<unsigned char>(bytes[i * 8 + static_cast<size_t>(b)]);
    out[i] = fp;
  }
  // Canonical only: re-encoding gives the same text (no stray bits in the padding).
  if (encode_fingerprints(out) != text) return std::nullopt;
  return out;
}

}  // namespace banksim
