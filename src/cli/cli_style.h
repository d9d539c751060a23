// How banksim's command lines read and check (banksim and banksim_gen): the help layout
// and the validators of numeric flags. Header-only, so banksim_gen (which links no CLI
// library of banksim's) uses the same.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace banksim {

// Help as a person reads it: "--timeout-ms N" instead of "--timeout-ms INT:INT in [1 -
// 600000]", "--fifo" instead of "--fifo,--no-fifo{false}", "-o, --output FILE" instead
// of "-o,--output TEXT"; descriptions wrapped at 100 columns.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() { column_width(28); }

  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    if (is_positional) return opt->get_name(true, false);
    std::string names;
    for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ", -") + s;
    for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
    return names;
  }

  std::string make_option_opts(const CLI::Option* opt) const override {
    if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
    std::string out;
    // A positional's name says what it is ("scenario", "trace").
    if (opt->get_type_size() != 0 && !opt->get_type_name().empty() && opt->nonpositional()) {
      out += " " + metavariable(opt);
    }
    if (opt->get_required()) out += " (required)";
    return out;
  }

  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    const std::string left = "  " + make_option_name(opt, is_positional) + make_option_opts(opt);
    return wrap(left, make_option_desc(opt), get_column_width());
  }

  std::string make_subcommand(const CLI::App* sub) const override {
    return wrap("  " + sub->get_display_name(),
                sub->get_description().substr(0, sub->get_description().find('\n')),
                get_column_width());
  }

  // The command's description: lines over 100 columns wrapped, the others as written
  // (they may be aligned by hand).
  std::string make_description(const CLI::App* app) const override {
    const std::string desc = app->get_description();
    std::string out;
    size_t start = 0;
    while (start < desc.size()) {
      size_t end = desc.find('\n', start);
      if (end == std::string::npos) end = desc.size();
      const std::string line = desc.substr(start, end - start);
      out += line.size() <= 100 ? line + "\n" : wrap("", line, 0);
      start = end + 1;
    }
    return out;
  }

  // The placeholder of an option's value: what it names, else N for numbers.
  static std::string metavariable(const CLI::Option* opt) {
    static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
        {"output", "FILE"},       {"history", "FILE"},
        {"record", "FILE"},       {"trace-out", "FILE"},
        {"scenario", "FILE"},     {"protocol", "PROTOCOL"},
        {"latency", "LATENCY"},   {"check", "PROPERTIES"},
        {"format", "FORMAT"},     {"backend", "BACKEND"},
        {"strategy", "STRATEGY"}, {"listen", "HOST:PORT"},
        {"driver", "HOST:PORT"},  {"peers", "ID=HOST:PORT,..."},
        {"mix", "MIX"},           {"viz", "FILE"},
        {"summary-json", "FILE"}, {"input", "FILE"},
        {"checkpoint", "DIR"},    {"resume", "DIR"},
        {"data-dir", "DIR"},      {"max-memory", "SIZE"},
        {"faults", "FAULTS"},     {"kill", "BRANCH@OPS"},
    };
    for (const std::string& l : opt->get_lnames()) {
      for (const auto& [name, meta] : kNamed) {
        if (l == name) return std::string(meta);
      }
    }
    std::string type = opt->get_type_name();
    type = type.substr(0, type.find(':'));  // validators append ":DESCRIPTION"
    return type == "INT" || type == "UINT" || type == "FLOAT" || type == "NUMBER" ? "N" : "VALUE";
  }

  // "LEFT  DESCRIPTION" with the description in a column from `column`, wrapped at 100.
  static std::string wrap(const std::string& left, const std::string& desc, size_t column) {
    constexpr size_t kWidth = 100;
    std::string out = left;
    size_t at = left.size();
    if (desc.empty()) return out + "\n";
    if (!left.empty() && at + 2 > column) {
      out += "\n";
      at = 0;
    }
    out += std::string(column - at, ' ');
    at = column;
    size_t start = 0;
    bool first_word = true;
    while (start < desc.size()) {
      if (desc[start] == '\n') {
        out += "\n" + std::string(column, ' ');
        at = column;
        first_word = true;
        ++start;
        continue;
      }
      if (desc[start] == ' ') {
        ++start;
        continue;
      }
      size_t end = desc.find_first_of(" \n", start);
      if (end == std::string::npos) end = desc.size();
      const size_t len = end - start;
      if (!first_word && at + 1 + len > kWidth) {
        out += "\n" + std::string(column, ' ');
        at = column;
        first_word = true;
      }
      if (!first_word) {
        out += ' ';
        ++at;
      }
      out.append(desc, start, len);
      at += len;
      first_word = false;
      start = end;
    }
    return out + "\n";
  }
};

// Digits only, 0 .. 2^64-1: "-1", "18446744073709551616", "1e3", "+5" and "0x10" are
// refused instead of wrapping or saturating.
inline std::string check_unsigned_64(const std::string& text, std::string_view rule) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  const bool digits_only = !text.empty() && text[0] >= '0' && text[0] <= '9';
  if (!digits_only || ec != std::errc() || ptr != end) {
    return "\"" + text + "\" " + std::string(rule);
  }
  return "";
}

inline CLI::Validator seed_validator() {
  return CLI::Validator(
      [](std::string& text) {
        return check_unsigned_64(text, "must be an integer from 0 to 18446744073709551615");
      },
      "", "SEED");
}

// 1 .. 2^63-1, said in those words (CLI::PositiveNumber prints DBL_MAX in full).
inline CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) {
        constexpr std::string_view kRule = "must be an integer from 1 to 9223372036854775807";
        std::string error = check_unsigned_64(text, kRule);
        if (!error.empty()) return error;
        uint64_t value = 0;
        std::from_chars(text.data(), text.data() + text.size(), value);
        if (value == 0 || value > uint64_t{std::numeric_limits<int64_t>::max()}) {
          return "\"" + text + "\" " + std::string(kRule);
        }
        return std::string();
      },
      "", "POSITIVE_INTEGER");
}

}  // namespace banksim
