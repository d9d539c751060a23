// Errors at boundaries (files, JSON, traces) are values, not exceptions or asserts.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace banksim {

// A one-line message for the user: "FILE: JSON_PATH: rule broken".
struct Error {
  std::string message;
};

// Text taken from the input, for an error message: quoted, with quotes, backslashes and
// control characters escaped as in JSON, so that an input can never break an error's one
// line (found by fuzzing: a key "a\nb" split the message in two). At most `max_bytes` of
// it are echoed, then how many more there were: a 50 MiB value is not worth printing.
inline std::string quote_for_error(std::string_view s, size_t max_bytes = 200) {
  std::string out = "\"";
  for (const char ch : s.substr(0, max_bytes)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
  if (s.size() > max_bytes) out += "... (" + std::to_string(s.size() - max_bytes) + " more bytes)";
  return out;
}

// The JSON path of member `key` of the value at `path`: PATH.key for plain names,
// PATH["..."] (quoted as above) for anything else.
inline std::string json_path_child(const std::string& path, std::string_view key) {
  bool plain = !key.empty();
  for (const char ch : key) {
    const bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    plain = plain && word;
  }
  return plain ? path + "." + std::string(key) : path + "[" + quote_for_error(key) + "]";
}

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}      // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace banksim
