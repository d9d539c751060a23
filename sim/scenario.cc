#include "sim/scenario.h"

#include "sim/json_input.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace banksim {

using nlohmann::json;

void Scenario::finalize() {
  event_offset_.assign(customers.size() + 1, 0);
  for (size_t c = 0; c < customers.size(); ++c) {
    event_offset_[c + 1] = event_offset_[c] + static_cast<int32_t>(customers[c].events.size());
  }
}

namespace {

// Thrown inside the validator only; converted to an Error at the boundary.
struct InputFault {
  std::string path;
  std::string rule;
};

[[noreturn]] void fail(const std::string& path, std::string rule) {
  throw InputFault{path, std::move(rule)};
}

// Keys come from the input: json_path_child quotes odd ones (one-line errors).
std::string child(const std::string& path, std::string_view key) {
  return json_path_child(path, key);
}
std::string index(const std::string& path, size_t i) { return fmt::format("{}[{}]", path, i); }

const char* kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a fractional number";
    default:
      return "something else";
  }
}

// A JSON integer in [0, INT64_MAX]; fractions, negatives and larger values are refused.
int64_t non_negative_integer(const json& v, const std::string& path) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      fail(path, "must be a non-negative integer that fits in 64 bits");
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0) fail(path, fmt::format("must be a non-negative integer, not {}", i));
    return i;
  }
  if (v.is_number_float()) {
    // Integer literals beyond 64 bits parse as floating point; they are too large, not
    // fractional. (The double only classifies the error; no amount is ever a double.)
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) >= 9223372036854775808.0) {
      fail(path, d > 0 ? "must be a non-negative integer that fits in 64 bits"
                       : "must be a non-negative integer, not a negative number");
    }
  }
  fail(path, fmt::format("must be a non-negative integer, not {}", kind_of(v)));
}

const std::string& string_field(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, fmt::format("must be a string, not {}", kind_of(v)));
  return v.get_ref<const std::string&>();
}

void only_known_fields(const json& obj, const std::string& path,
                       std::initializer_list<std::string_view> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      std::string names;
      for (std::string_view k : known) names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", k);
      fail(child(path, it.key()), fmt::format("unknown field (expected one of {})", names));
    }
  }
}

const json& required(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(child(path, key), "is required but missing");
  return *it;
}

struct RawEvent {
  Event event;
  std::optional<int64_t> branch_id;  // dest/branch as written
  std::string path;
};

struct RawCustomer {
  int64_t id;
  std::vector<RawEvent> events;
  std::string path;
};

void parse_settings(const json& doc, Scenario& s) {
  if (auto it = doc.find("protocol"); it != doc.end()) {
    const std::string& name = string_field(*it, "$.protocol");
    const auto p = parse_protocol(name);
    if (!p) fail("$.protocol", "must be one of \"sync\", \"async\", \"session\"");
    s.protocol = *p;
  }
  if (auto it = doc.find("network"); it != doc.end()) {
    if (!it->is_object()) fail("$.network", fmt::format("must be an object, not {}", kind_of(*it)));
    only_known_fields(*it, "$.network", {"latency", "fifo"});
    if (auto l = it->find("latency"); l != it->end()) {
      std::string error;
      const auto model = parse_latency(string_field(*l, "$.network.latency"), &error);
      if (!model) fail("$.network.latency", error);
      s.latency = *model;
    }
    if (auto f = it->find("fifo"); f != it->end()) {
      if (!f->is_boolean()) fail("$.network.fifo", "must be true or false");
      s.fifo = f->get<bool>();
    }
  }
}

Scenario validate(const json& doc) {
  Scenario s;
  const json* processes = &doc;
  std::string root = "$";
  if (doc.is_object()) {
    only_known_fields(doc, "$", {"processes", "protocol", "network"});
    processes = &required(doc, "$", "processes");
    root = "$.processes";
    parse_settings(doc, s);
  }
  if (!processes->is_array()) {
    fail(root, fmt::format("must be a list of branches and customers, not {}",
                           kind_of(*processes)));
  }

  std::vector<RawCustomer> raw_customers;
  std::map<int64_t, int32_t> branch_index;  // id -> index (lookup and duplicate check)
  std::set<int64_t> customer_ids;
  bool saw_dest = false;
  bool saw_branch_key = false;
  int64_t event_count = 0;

  for (size_t i = 0; i < processes->size(); ++i) {
    const json& item = (*processes)[i];
    const std::string path = index(root, i);
    if (!item.is_object()) fail(path, fmt::format("must be an object, not {}", kind_of(item)));
    const std::string& type = string_field(required(item, path, "type"), child(path, "type"));
    const int64_t id = non_negative_integer(required(item, path, "id"), child(path, "id"));
    if (type == "branch") {
      only_known_fields(item, path, {"id", "type", "balance"});
      const Money balance =
          non_negative_integer(required(item, path, "balance"), child(path, "balance"));
      if (branch_index.count(id) != 0) fail(child(path, "id"), fmt::format("duplicate branch id {}", id));
      if (static_cast<int32_t>(s.branches.size()) >= kMaxBranches) {
        fail(path, fmt::format("more than {} branches", kMaxBranches));
      }
      branch_index[id] = static_cast<int32_t>(s.branches.size());
      s.branches.push_back(BranchSpec{id, balance});
    } else if (type == "customer") {
      only_known_fields(item, path, {"id", "type", "events"});
      if (!customer_ids.insert(id).second) {
        fail(child(path, "id"), fmt::format("duplicate customer id {}", id));
      }
      if (static_cast<int32_t>(customer_ids.size()) > kMaxCustomers) {
        fail(path, fmt::format("more than {} customers", kMaxCustomers));
      }
      const std::string epath = child(path, "events");
      const json& events = required(item, path, "events");
      if (!events.is_array()) fail(epath, fmt::format("must be a list, not {}", kind_of(events)));
      RawCustomer rc{id, {}, path};
      std::set<int64_t> event_ids;
      for (size_t j = 0; j < events.size(); ++j) {
        const json& ev = events[j];
        const std::string p = index(epath, j);
        if (!ev.is_object()) fail(p, fmt::format("must be an object, not {}", kind_of(ev)));
        only_known_fields(ev, p, {"id", "interface", "money", "dest", "branch", "think_us"});
        if (++event_count > kMaxEvents) fail(p, fmt::format("more than {} events", kMaxEvents));
        RawEvent re;
        re.path = p;
        re.event.id = non_negative_integer(required(ev, p, "id"), child(p, "id"));
        if (!event_ids.insert(re.event.id).second) {
          fail(child(p, "id"), fmt::format("duplicate event id {} for customer {}", re.event.id, id));
        }
        const std::string& iface =
            string_field(required(ev, p, "interface"), child(p, "interface"));
        const auto parsed = parse_interface(iface);
        if (!parsed) {
          fail(child(p, "interface"), "must be one of \"query\", \"deposit\", \"withdraw\"");
        }
        re.event.iface = *parsed;
        if (is_write(re.event.iface)) {
          re.event.money = non_negative_integer(required(ev, p, "money"), child(p, "money"));
        } else if (auto m = ev.find("money"); m != ev.end()) {
          // Seed 000 inputs give queries a money field; it is checked and ignored.
          non_negative_integer(*m, child(p, "money"));
        }
        const bool has_dest = ev.contains("dest");
        const bool has_branch = ev.contains("branch");
        if (has_dest && has_branch) fail(p, "give either \"dest\" or \"branch\", not both");
        if (has_dest) {
          re.branch_id = non_negative_integer(ev["dest"], child(p, "dest"));
          saw_dest = true;
        } else if (has_branch) {
          re.branch_id = non_negative_integer(ev["branch"], child(p, "branch"));
          saw_branch_key = true;
        }
        if (auto t = ev.find("think_us"); t != ev.end()) {
          re.event.think_us = non_negative_integer(*t, child(p, "think_us"));
          if (re.event.think_us > kMaxThinkUs) {
            fail(child(p, "think_us"), fmt::format("must be at most {}", kMaxThinkUs));
          }
        }
        rc.events.push_back(std::move(re));
      }
      raw_customers.push_back(std::move(rc));
    } else {
      fail(child(path, "type"),
           fmt::format("must be \"branch\" or \"customer\", not {}", quote_for_error(type)));
    }
  }

  if (s.branches.empty()) fail(root, "has no branches: a scenario needs at least one");
  if (saw_dest && saw_branch_key) {
    fail(root, "mixes \"dest\" and \"branch\" keys: use one spelling throughout");
  }
  s.form = saw_dest ? InputForm::kDest : saw_branch_key ? InputForm::kBranchKey : InputForm::kPlain;

  // Every reachable balance must fit in int64: the largest is the largest initial balance
  // plus every deposit; the smallest is the smallest initial balance minus every withdraw.
  Money max_initial = 0;
  for (const BranchSpec& b : s.branches) max_initial = std::max(max_initial, b.balance);
  Money deposits = max_initial;
  Money withdraws = 0;

  for (RawCustomer& rc : raw_customers) {
    CustomerSpec cs{rc.id, {}};
    for (RawEvent& re : rc.events) {
      const int64_t target = re.branch_id.value_or(rc.id);
      auto it = branch_index.find(target);
      if (it == branch_index.end()) {
        if (re.branch_id) {
          fail(child(re.path, saw_dest ? "dest" : "branch"),
               fmt::format("names branch {}, which does not exist", target));
        }
        fail(re.path, fmt::format("customer {} has no branch {} to talk to (give \"dest\")",
                                  rc.id, rc.id));
      }
      re.event.branch = it->second;
      Money& sum = re.event.iface == Interface::kDeposit ? deposits : withdraws;
      if (re.event.iface != Interface::kQuery &&
          __builtin_add_overflow(sum, re.event.money, &sum)) {
        fail(child(re.path, "money"),
             "makes the balances overflow a 64-bit integer (initial balances plus deposits, "
             "or the sum of withdraws, must stay below 2^63)");
      }
      cs.events.push_back(re.event);
    }
    s.customers.push_back(std::move(cs));
  }
  s.finalize();
  return s;
}

}  // namespace

Result<Scenario> parse_scenario(const json& doc, const std::string& source) {
  try {
    return validate(doc);
  } catch (const InputFault& f) {
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

Result<Scenario> parse_scenario_text(std::string_view text, const std::string& source) {
  auto doc = parse_json_input(text, source, kMaxScenarioBytes, kMaxJsonDepth);
  if (!doc.ok()) return doc.error();
  return parse_scenario(doc.value(), source);
}

Result<Scenario> load_scenario_file(const std::string& path) {
  auto text = read_input_file(path, kMaxScenarioBytes, "scenario file");
  if (!text.ok()) return text.error();
  return parse_scenario_text(text.value(), path);
}

json scenario_to_json(const Scenario& s) {
  json processes = json::array();
  for (const CustomerSpec& c : s.customers) {
    json events = json::array();
    for (const Event& e : c.events) {
      json ev = {{"id", e.id}, {"interface", std::string(interface_name(e.iface))}};
      if (is_write(e.iface)) ev["money"] = e.money;
      const int64_t branch_id = s.branches[static_cast<size_t>(e.branch)].id;
      switch (s.form) {
        case InputForm::kPlain:
          break;
        case InputForm::kDest:
          ev["dest"] = branch_id;
          break;
        case InputForm::kBranchKey:
          ev["branch"] = branch_id;
          break;
      }
      if (e.think_us != 0) ev["think_us"] = e.think_us;
      events.push_back(std::move(ev));
    }
    processes.push_back({{"id", c.id}, {"type", "customer"}, {"events", std::move(events)}});
  }
  for (const BranchSpec& b : s.branches) {
    processes.push_back({{"id", b.id}, {"type", "branch"}, {"balance", b.balance}});
  }
  json doc = json::object();
  if (s.protocol) doc["protocol"] = std::string(protocol_name(*s.protocol));
  if (s.latency || s.fifo) {
    json net = json::object();
    if (s.latency) net["latency"] = s.latency->spec();
    if (s.fifo) net["fifo"] = *s.fifo;
    doc["network"] = std::move(net);
  }
  doc["processes"] = std::move(processes);
  return doc;
}

}  // namespace banksim
