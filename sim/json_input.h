// Reading JSON inputs (scenarios, traces) within bounds: files are size-checked before
// they are read, parsing refuses nesting beyond a depth, and every failure is an Error
// naming the source ("FILE: $: rule"), never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/error.h"

namespace banksim {

// Reads a whole file of at most max_bytes. `what` names the expected content in the
// error for a directory ("scenario file", "trace file").
Result<std::string> read_input_file(const std::string& path, int64_t max_bytes,
                                    std::string_view what);

// The deepest nesting of arrays and objects in JSON text (the top-level container is 1;
// brackets inside strings do not count). Linear; meaningful on valid JSON.
int nesting_depth(std::string_view text);

// The bounds parse_json_input checks before parsing: an Error when text is larger than
// max_bytes or nested deeper than max_depth.
std::optional<Error> check_json_bounds(std::string_view text, const std::string& source,
                                       int64_t max_bytes, int max_depth);

// Where a JSON object gives the same key twice (nlohmann keeps the last silently, so
// `"money": -1, "money": 80` would pass as 80): the JSON path of the first repeated member,
// e.g. `$[1].events[0].money`, and its key; nullopt when every key is unique. Meaningful on
// valid JSON.
struct DuplicateKey {
  std::string path;
  std::string key;
};
std::optional<DuplicateKey> find_duplicate_key(std::string_view text);

// Parses text of at most max_bytes with nesting at most max_depth, refusing an object
// that gives a key twice.
// What a JSON value is, for error messages: "an object", "a string", "a fractional
// number", ...
const char* json_kind_name(const nlohmann::json& v);

Result<nlohmann::json> parse_json_input(std::string_view text, const std::string& source,
                                        int64_t max_bytes, int max_depth);

}  // namespace banksim
