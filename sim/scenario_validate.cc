#include "sim/scenario_validate.h"

#include "sim/json_input.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace banksim {

using nlohmann::json;

namespace {

using scenario_detail::InputFault;

[[noreturn]] void fail(const std::string& path, std::string rule) {
  throw InputFault{path, std::move(rule)};
}

// Keys come from the input: json_path_child quotes odd ones (one-line errors).
std::string child(const std::string& path, std::string_view key) {
  return json_path_child(path, key);
}
std::string index(const std::string& path, size_t i) {
  return fmt::format("{}[{}]", path, i);
}

// The helpers take a JSON path as a string or as a callable that builds it: a path is
// needed only on the way to an error, and a scenario can hold millions of fields.
template <class Path>
std::string path_of(const Path& path) {
  if constexpr (std::is_invocable_v<const Path&>) {
    return path();
  } else {
    return path;
  }
}

// A JSON integer in [0, INT64_MAX]; fractions, negatives and larger values are refused.
template <class Path>
int64_t non_negative_integer(const json& v, const Path& at) {
  const auto path = [&] { return path_of(at); };
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      fail(path(), "must be a non-negative integer that fits in 64 bits");
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0) fail(path(), fmt::format("must be a non-negative integer, not {}", i));
    return i;
  }
  if (v.is_number_float()) {
    // Integer literals beyond 64 bits parse as floating point; they are too large, not
    // fractional. (The double only classifies the error; no amount is ever a double.)
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) >= 9223372036854775808.0) {
      fail(path(), d > 0 ? "must be a non-negative integer that fits in 64 bits"
                         : "must be a non-negative integer, not a negative number");
    }
  }
  fail(path(), fmt::format("must be a non-negative integer, not {}", json_kind_name(v)));
}

template <class Path>
const std::string& string_field(const json& v, const Path& path) {
  if (!v.is_string()) fail(path_of(path), fmt::format("must be a string, not {}", json_kind_name(v)));
  return v.get_ref<const std::string&>();
}

template <class Path>
void only_known_fields(const json& obj, const Path& path,
                       std::initializer_list<std::string_view> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      std::string names;
      for (std::string_view k : known)
        names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", k);
      fail(child(path_of(path), it.key()),
           fmt::format("unknown field (expected one of {})", names));
    }
  }
}

template <class Path>
const json& required(const json& obj, const Path& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(child(path_of(path), key), "is required but missing");
  return *it;
}

void parse_settings(const json& doc, Scenario& s) {
  if (auto it = doc.find("faults"); it != doc.end()) s.faults = string_field(*it, "$.faults");
  if (auto it = doc.find("protocol"); it != doc.end()) {
    const std::string& name = string_field(*it, "$.protocol");
    const auto p = parse_protocol(name);
    if (!p) fail("$.protocol", "must be one of \"sync\", \"async\", \"session\", \"robust\"");
    s.protocol = *p;
  }
  if (auto it = doc.find("network"); it != doc.end()) {
    if (!it->is_object()) fail("$.network", fmt::format("must be an object, not {}", json_kind_name(*it)));
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

}  // namespace

namespace scenario_detail {

void parse_top_level(const json& top, Scenario& s) {
  only_known_fields(top, "$", {"processes", "protocol", "network", "faults"});
  parse_settings(top, s);
}

void Validator::item(const json& item, size_t i) {
  const std::string path = index(root_, i);
  if (!item.is_object()) fail(path, fmt::format("must be an object, not {}", json_kind_name(item)));
  const std::string& type = string_field(required(item, path, "type"), child(path, "type"));
  const int64_t id = non_negative_integer(required(item, path, "id"), child(path, "id"));
  if (type == "branch") {
    only_known_fields(item, path, {"id", "type", "balance"});
    const Money balance =
        non_negative_integer(required(item, path, "balance"), child(path, "balance"));
    if (branch_index_.count(id) != 0) {
      fail(child(path, "id"), fmt::format("duplicate branch id {}", id));
    }
    if (static_cast<int32_t>(s_.branches.size()) >= kMaxBranches) {
      fail(path, fmt::format("more than {} branches", kMaxBranches));
    }
    branch_index_[id] = static_cast<int32_t>(s_.branches.size());
    s_.branches.push_back(BranchSpec{id, balance});
  } else if (type == "customer") {
    only_known_fields(item, path, {"id", "type", "events"});
    if (!customer_ids_.insert(id).second) {
      fail(child(path, "id"), fmt::format("duplicate customer id {}", id));
    }
    if (static_cast<int32_t>(customer_ids_.size()) > kMaxCustomers) {
      fail(path, fmt::format("more than {} customers", kMaxCustomers));
    }
    const json& events = required(item, path, "events");
    if (!events.is_array()) {
      fail(child(path, "events"), fmt::format("must be a list, not {}", json_kind_name(events)));
    }
    RawCustomer rc{id, {}};
    rc.events.reserve(events.size());
    event_ids_.clear();
    for (size_t j = 0; j < events.size(); ++j) rc.events.push_back(event(events[j], id, i, j));
    raw_customers_.push_back(std::move(rc));
  } else {
    fail(child(path, "type"),
         fmt::format("must be \"branch\" or \"customer\", not {}", quote_for_error(type)));
  }
}

Scenario Validator::finish() {
  if (s_.branches.empty()) fail(root_, "has no branches: a scenario needs at least one");
  if (saw_dest_ && saw_branch_key_) {
    fail(root_, "mixes \"dest\" and \"branch\" keys: use one spelling throughout");
  }
  s_.form = saw_dest_         ? InputForm::kDest
            : saw_branch_key_ ? InputForm::kBranchKey
                              : InputForm::kPlain;

  // Every reachable balance must fit in int64: the largest is the largest initial
  // balance plus every deposit; the smallest is the smallest initial balance minus every
  // withdraw.
  Money max_initial = 0;
  for (const BranchSpec& b : s_.branches) max_initial = std::max(max_initial, b.balance);
  Money deposits = max_initial;
  Money withdraws = 0;

  for (RawCustomer& rc : raw_customers_) {
    CustomerSpec cs{rc.id, {}};
    cs.events.reserve(rc.events.size());
    for (RawEvent& re : rc.events) {
      const int64_t target = re.branch_id.value_or(rc.id);
      auto it = branch_index_.find(target);
      if (it == branch_index_.end()) {
        if (re.branch_id) {
          fail(child(event_path(re), saw_dest_ ? "dest" : "branch"),
               fmt::format("names branch {}, which does not exist", target));
        }
        fail(
            event_path(re),
            fmt::format("customer {} has no branch {} to talk to (give \"dest\")", rc.id, rc.id));
      }
      re.event.branch = it->second;
      Money& sum = re.event.iface == Interface::kDeposit ? deposits : withdraws;
      if (re.event.iface != Interface::kQuery &&
          __builtin_add_overflow(sum, re.event.money, &sum)) {
        fail(child(event_path(re), "money"),
             "makes the balances overflow a 64-bit integer (initial balances plus "
             "deposits, or the sum of withdraws, must stay below 2^63)");
      }
      cs.events.push_back(re.event);
    }
    s_.customers.push_back(std::move(cs));
  }
  s_.finalize();
  return std::move(s_);
}

std::string Validator::event_path(size_t item, size_t j) const {
  return index(child(index(root_, item), "events"), j);
}
std::string Validator::event_path(const RawEvent& re) const {
  return event_path(re.item, re.index);
}

RawEvent Validator::event(const json& ev, int64_t customer, size_t item, size_t j) {
  const auto path = [&] { return event_path(item, j); };
  const auto at = [&](std::string_view key) {
    return [this, item, j, key] { return child(event_path(item, j), key); };
  };
  if (!ev.is_object()) fail(path(), fmt::format("must be an object, not {}", json_kind_name(ev)));
  only_known_fields(ev, path, {"id", "interface", "money", "dest", "branch", "think_us"});
  if (++event_count_ > kMaxEvents) fail(path(), fmt::format("more than {} events", kMaxEvents));
  RawEvent re;
  re.item = item;
  re.index = j;
  re.event.id = non_negative_integer(required(ev, path, "id"), at("id"));
  if (!event_ids_.insert(re.event.id).second) {
    fail(at("id")(), fmt::format("duplicate event id {} for customer {}", re.event.id, customer));
  }
  const auto parsed =
      parse_interface(string_field(required(ev, path, "interface"), at("interface")));
  if (!parsed) fail(at("interface")(), "must be one of \"query\", \"deposit\", \"withdraw\"");
  re.event.iface = *parsed;
  if (is_write(re.event.iface)) {
    re.event.money = non_negative_integer(required(ev, path, "money"), at("money"));
  } else if (auto m = ev.find("money"); m != ev.end()) {
    // Seed 000 inputs give queries a money field; it is checked and ignored.
    non_negative_integer(*m, at("money"));
  }
  const auto dest = ev.find("dest");
  const auto branch = ev.find("branch");
  if (dest != ev.end() && branch != ev.end()) {
    fail(path(), "give either \"dest\" or \"branch\", not both");
  }
  if (dest != ev.end()) {
    re.branch_id = non_negative_integer(*dest, at("dest"));
    saw_dest_ = true;
  } else if (branch != ev.end()) {
    re.branch_id = non_negative_integer(*branch, at("branch"));
    saw_branch_key_ = true;
  }
  if (auto t = ev.find("think_us"); t != ev.end()) {
    re.event.think_us = non_negative_integer(*t, at("think_us"));
    if (re.event.think_us > kMaxThinkUs) {
      fail(at("think_us")(), fmt::format("must be at most {}", kMaxThinkUs));
    }
  }
  return re;
}

Scenario validate(const json& doc) {
  const json* processes = &doc;
  std::string root = "$";
  if (doc.is_object()) {
    only_known_fields(doc, "$", {"processes", "protocol", "network", "faults"});
    processes = &required(doc, "$", "processes");
    root = "$.processes";
  }
  Validator v(root);
  if (doc.is_object()) parse_settings(doc, v.scenario());
  if (!processes->is_array()) {
    fail(root,
         fmt::format("must be a list of branches and customers, not {}", json_kind_name(*processes)));
  }
  for (size_t i = 0; i < processes->size(); ++i) v.item((*processes)[i], i);
  return v.finish();
}

}  // namespace scenario_detail

Result<Scenario> parse_scenario(const json& doc, const std::string& source) {
  try {
    return scenario_detail::validate(doc);
  } catch (const InputFault& f) {
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

}  // namespace banksim
