// Errors at boundaries (files, JSON, traces) are values, not exceptions or asserts.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace banksim {

// A one-line message for the user: "FILE: JSON_PATH: rule broken".
struct Error {
  std::string message;
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
