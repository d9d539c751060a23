#include "sim/scenario.h"

#include "sim/json_input.h"
#include "sim/scenario_validate.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace banksim {

using nlohmann::json;

namespace {

using scenario_detail::InputFault;
using scenario_detail::Validator;

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
        top_["processes"] = nullptr;  // for parse_top_level: the list itself was streamed
        scenario_detail::parse_top_level(top_, validator_->scenario());
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

Result<Scenario> load_scenario_file(const std::string& path) {
  auto text = read_input_file(path, kMaxScenarioBytes, "scenario file");
  if (!text.ok()) return text.error();
  return parse_scenario_text(text.value(), path);
}

}  // namespace banksim
