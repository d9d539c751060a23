#include "sim/scenario.h"

#include "sim/json_input.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

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

// Paths of events are built only for an error: a scenario can hold millions of events.
struct RawEvent {
  Event event;
  std::optional<int64_t> branch_id;  // dest/branch as written
  size_t item = 0;                   // index in the process list
  size_t index = 0;                  // index in the customer's events
};

struct RawCustomer {
  int64_t id;
  std::vector<RawEvent> events;
};

void parse_settings(const json& doc, Scenario& s) {
  if (auto it = doc.find("faults"); it != doc.end()) s.faults = string_field(*it, "$.faults");
  if (auto it = doc.find("protocol"); it != doc.end()) {
    const std::string& name = string_field(*it, "$.protocol");
    const auto p = parse_protocol(name);
    if (!p) fail("$.protocol", "must be one of \"sync\", \"async\", \"session\"");
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

// The process list, one element at a time (in order), then the checks across elements.
// Used on a whole parsed document (validate) and on elements as a streaming parse meets
// them (parse_scenario_text), so both give the same Scenario.
class Validator {
 public:
  // `root` is the list's path: "$" (a bare list) or "$.processes".
  explicit Validator(std::string root) : root_(std::move(root)) {}

  Scenario& scenario() { return s_; }

  void item(const json& item, size_t i) {
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

  Scenario finish() {
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

 private:
  std::string event_path(size_t item, size_t j) const {
    return index(child(index(root_, item), "events"), j);
  }
  std::string event_path(const RawEvent& re) const { return event_path(re.item, re.index); }

  RawEvent event(const json& ev, int64_t customer, size_t item, size_t j) {
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

  std::string root_;
  Scenario s_;
  std::vector<RawCustomer> raw_customers_;
  std::map<int64_t, int32_t> branch_index_;  // id -> index (lookup and duplicate check)
  std::set<int64_t> customer_ids_;
  std::set<int64_t> event_ids_;  // of the customer being read
  bool saw_dest_ = false;
  bool saw_branch_key_ = false;
  int64_t event_count_ = 0;
};

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

// Reads a scenario without building the whole document: a SAX parse in which each
// element of the process list is built as a small tree, handed to the Validator and
// dropped. Peak memory is the largest element instead of the whole file's tree (which is
// ~15 bytes of heap per byte of JSON), and the heap stays warm. Only the success path
// matters here: on anything wrong or unusual (a syntax error, a rule broken, "processes"
// given twice) the loader gives up and parse_scenario_text reads the text the whole-document
// way, which reports exactly what it always has.
class StreamingLoader {
 public:
  std::optional<Scenario> run(std::string_view text) {
    try {
      const bool ok = json::sax_parse(text.begin(), text.end(), this, json::input_format_t::json,
                                      /*strict=*/true, /*ignore_comments=*/false);
      if (!ok || failed_ || !validator_) return std::nullopt;
      if (root_is_object_) {
        if (!seen_processes_) return std::nullopt;
        top_["processes"] = nullptr;  // for only_known_fields: the list itself was streamed
        only_known_fields(top_, "$", {"processes", "protocol", "network", "faults"});
        parse_settings(top_, validator_->scenario());
      }
      return validator_->finish();
    } catch (const InputFault&) {
      return std::nullopt;
    }
  }

  // nlohmann's SAX interface.
  bool null() { return value(nullptr); }
  bool boolean(bool v) { return value(v); }
  bool number_integer(json::number_integer_t v) { return value(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(v); }
  bool number_float(json::number_float_t v, const std::string&) { return value(v); }
  bool string(json::string_t& v) { return value(std::move(v)); }
  bool binary(json::binary_t&) { return give_up(); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    // A key given twice in one object is refused; the whole-document reader names it.
    if (building()) {
      if (stack_.back()->contains(k)) return give_up();
      key_ = std::move(k);
      return true;
    }
    // A key of the top-level object.
    if (k == "processes") {
      if (seen_processes_) return give_up();
      seen_processes_ = true;
      at_processes_ = true;
    } else {
      if (top_.contains(k)) return give_up();
      at_processes_ = false;
      top_key_ = std::move(k);
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return give_up(); }

 private:
  bool give_up() {
    failed_ = true;
    return false;
  }

  // Inside the tree of an element or of a top-level member.
  bool building() const { return !stack_.empty(); }
  // Right inside the process list: $[i] (a bare list) or $.processes[i].
  bool at_item_level() const { return in_list_ && depth_ == (root_is_object_ ? 2 : 1); }

  // Where a value that starts now belongs, outside any tree being built.
  enum class Slot { kRoot, kItem, kProcessesValue, kTopValue, kUnexpected };
  Slot slot() const {
    if (depth_ == 0) return Slot::kRoot;
    if (at_item_level()) return Slot::kItem;
    if (root_is_object_ && depth_ == 1)
      return at_processes_ ? Slot::kProcessesValue : Slot::kTopValue;
    return Slot::kUnexpected;
  }

  // Adds `v` to the tree being built (or starts one); returns where it went.
  json* put(json v) {
    if (stack_.empty()) {
      current_ = std::move(v);
      return &current_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();  // stays valid: nothing else joins `parent` until this closes
    }
    json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }

  bool value(json v) {
    if (building()) {
      put(std::move(v));
      return true;
    }
    switch (slot()) {
      case Slot::kItem:
        current_ = std::move(v);
        return finish_item();
      case Slot::kTopValue:
        top_[top_key_] = std::move(v);
        return true;
      default:
        return give_up();  // a bare scalar document, or "processes" that is not a list
    }
  }

  bool open(json container) {
    const bool is_array = container.is_array();
    if (!building()) {
      switch (slot()) {
        case Slot::kRoot:
          depth_ = 1;
          if (is_array) {
            validator_.emplace("$");
            in_list_ = true;
          } else {
            root_is_object_ = true;
          }
          return true;
        case Slot::kProcessesValue:
          if (!is_array) return give_up();
          validator_.emplace("$.processes");
          depth_ = 2;
          in_list_ = true;
          return true;
        case Slot::kItem:
        case Slot::kTopValue:
          break;
        case Slot::kUnexpected:
          return give_up();
      }
    }
    stack_.push_back(put(std::move(container)));
    return true;
  }

  bool close() {
    if (building()) {
      stack_.pop_back();
      if (!stack_.empty()) return true;
      if (at_item_level()) return finish_item();
      top_[top_key_] = std::move(current_);
      return true;
    }
    // The process list or the root ends.
    if (at_item_level()) in_list_ = false;
    depth_ -= 1;
    return true;
  }

  bool finish_item() {
    try {
      validator_->item(current_, items_++);
    } catch (const InputFault&) {
      return give_up();
    }
    return true;
  }

  std::optional<Validator> validator_;
  bool failed_ = false;
  bool root_is_object_ = false;
  bool seen_processes_ = false;
  bool at_processes_ = false;  // the last top-level key was "processes"
  bool in_list_ = false;       // inside the process list
  int depth_ = 0;              // containers open outside the tree being built
  size_t items_ = 0;
  std::string top_key_;
  json top_ = json::object();  // the top-level object's other members
  // The tree being built (an element of the list, or a top-level member's value).
  json current_;
  std::vector<json*> stack_;  // its open containers
  std::string key_;           // the pending key in the innermost open object
};

}  // namespace

Result<Scenario> parse_scenario(const json& doc, const std::string& source) {
  try {
    return validate(doc);
  } catch (const InputFault& f) {
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

std::optional<Scenario> stream_scenario_text(std::string_view text) {
  return StreamingLoader().run(text);
}

Result<Scenario> parse_scenario_text(std::string_view text, const std::string& source) {
  if (auto bad = check_json_bounds(text, source, kMaxScenarioBytes, kMaxJsonDepth)) return *bad;
  if (auto s = stream_scenario_text(text)) return std::move(*s);
  auto doc = parse_json_input(text, source, kMaxScenarioBytes, kMaxJsonDepth);
  if (!doc.ok()) return doc.error();
  return parse_scenario(doc.value(), source);
}

ProtocolKind default_protocol(const Scenario& s) {
  return s.form == InputForm::kPlain ? ProtocolKind::kSync : ProtocolKind::kSession;
}

std::string_view default_protocol_note(const Scenario& s) {
  return s.form == InputForm::kPlain ? std::string_view() : "default for inputs with dest/branch";
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
  if (s.faults) doc["faults"] = *s.faults;
  doc["processes"] = std::move(processes);
  return doc;
}

}  // namespace banksim
