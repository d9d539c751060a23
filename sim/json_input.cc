#include "sim/json_input.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace banksim {

Result<std::string> read_input_file(const std::string& path, int64_t max_bytes,
                                    std::string_view what) {
  // A directory opens as a stream on Linux and reports a nonsense size: refuse it first.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{fmt::format("{}: is a directory, not a {}", path, what)};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot open file", path)};
  // The size is checked before reading, so a huge file is never read into memory.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Error{fmt::format("{}: cannot read file", path)};
  if (size > max_bytes) {
    return Error{fmt::format("{}: $: file is larger than {} MiB", path, max_bytes >> 20)};
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) return Error{fmt::format("{}: cannot read file", path)};
  return text;
}

int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<Error> check_json_bounds(std::string_view text, const std::string& source,
                                       int64_t max_bytes, int max_depth) {
  if (static_cast<int64_t>(text.size()) > max_bytes) {
    return Error{fmt::format("{}: $: file is larger than {} MiB", source, max_bytes >> 20)};
  }
  // The depth is bounded by a scan before parsing, not by a parser callback: with a
  // callback, nlohmann's parser rescans the whole parent at the end of every object,
  // which is quadratic in an array's length (2.5 s on a 13 MB scenario; now 0.3 s).
  if (nesting_depth(text) > max_depth) {
    return Error{fmt::format("{}: $: JSON nested deeper than {} levels", source, max_depth)};
  }
  return std::nullopt;
}

Result<nlohmann::json> parse_json_input(std::string_view text, const std::string& source,
                                        int64_t max_bytes, int max_depth) {
  using nlohmann::json;
  if (auto bad = check_json_bounds(text, source, max_bytes, max_depth)) return *bad;
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/true,
                      /*ignore_comments=*/false);
  } catch (const json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> after "] ".
    const size_t at = what.find("] ");
    if (at != std::string::npos) what = what.substr(at + 2);
    return Error{fmt::format("{}: $: malformed JSON: {}", source, what)};
  }
  return doc;
}

}  // namespace banksim
