// Errors at boundaries (files, JSON, traces, outputs) are values, not exceptions or asserts:
// Result<T> (a value or an Error) and Status (ok or an Error). Each Error has a code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace banksim {

// What kind of failure an Error is. main turns it into banksim's exit status, in one place
// (exit_status below; the documented table is cli/exit_status.h).
enum class ErrorCode : uint8_t {
  kInvalidInput = 0,   // a file, JSON, option or trace that breaks a rule (the default)
  kIo = 1,             // an output cannot be written: a file, stdout
  kBackendFailed = 2,  // a gRPC process died or hung, or a message could not be delivered
  kInterrupted = 3,    // SIGINT, SIGTERM or SIGHUP ended the command
  kInternal = 4,       // a banksim bug caught at run time (a claim that did not check out)
};

// The exit status of each code. 0 (every checked property holds) and 1 (a violation) are
// verdicts, not errors.
constexpr int exit_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return 2;
    case ErrorCode::kBackendFailed:
      return 3;
    case ErrorCode::kIo:
      return 4;
    case ErrorCode::kInternal:
      return 70;  // EX_SOFTWARE (sysexits.h)
    case ErrorCode::kInterrupted:
      return 130;  // 128 + SIGINT, as shells report it
  }
  return 70;
}

// A one-line message for the user: "FILE: JSON_PATH: rule broken", and its kind. An
// Error{message} is invalid input; the others say so (io_error(...), ...).
struct Error {
  std::string message;
  ErrorCode code = ErrorCode::kInvalidInput;
};

inline Error io_error(std::string message) {
  return Error{std::move(message), ErrorCode::kIo};
}
inline Error internal_error(std::string message) {
  return Error{std::move(message), ErrorCode::kInternal};
}
inline Error backend_error(std::string message) {
  return Error{std::move(message), ErrorCode::kBackendFailed};
}

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

// The outcome of an operation that has no value: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;                        // ok
  Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit by design
  bool ok() const { return !error_.has_value(); }
  // REQUIRES: !ok().
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

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
