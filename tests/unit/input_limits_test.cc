// The loaders at the limits (issue: "loading must reject, with a clear error and no
// crash: a 100 MB file, deeply nested JSON, ids and amounts at the limits of int64,
// thousands of branches"), for scenarios and for traces. Values at the limits that are
// valid must load and run without overflow (the sanitized build checks that).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "sim/json_input.h"
#include "sim/timed_run.h"
#include "sim/trace.h"

using namespace banksim;

namespace {

// A one-line error that names the source and, when given, the JSON path and the rule.
void check_error(const Error& e, const std::string& source, const std::string& path,
                 const std::string& rule) {
  CAPTURE(e.message);
  CHECK(e.message.rfind(source + ": " + path, 0) == 0);
  CHECK(e.message.find(rule) != std::string::npos);
  CHECK(e.message.find('\n') == std::string::npos);
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() /
              fmt::format("banksim-limits-{}-{}", ::getpid(), name))
                 .string()) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

std::string one_branch(const std::string& id, const std::string& balance) {
  return fmt::format(R"([{{"type":"branch","id":{},"balance":{}}}])", id, balance);
}

std::string trace_around(const std::string& scenario, const std::string& extra) {
  return fmt::format(
      R"({{"banksim_trace":1,"protocol":"sync","network":{{"latency":"const:1","fifo":true}},)"
      R"("seed":0,"schedule":[],{}"scenario":{}}})",
      extra, scenario);
}

}  // namespace

TEST_CASE("limits: a 100 MB file is refused by size, before it is parsed") {
  // A scenario text of 100 MB (valid JSON: a list padded with spaces).
  std::string text = "[";
  text.resize(100u << 20, ' ');
  text += "]";
  auto r = parse_scenario_text(text, "big.json");
  REQUIRE_FALSE(r.ok());
  check_error(r.error(), "big.json", "$", "larger than 64 MiB");

  // The same from a file; sparse, so the test writes nothing to disk.
  TempFile f("100mb.json");
  { std::ofstream out(f.path, std::ios::binary); }
  std::filesystem::resize_file(f.path, 100u << 20);
  r = load_scenario_file(f.path);
  REQUIRE_FALSE(r.ok());
  check_error(r.error(), f.path, "$", "larger than 64 MiB");

  // A trace may hold a scenario of 64 MiB and its schedule: 100 MB of padding and NUL
  // bytes is malformed JSON, reported as such.
  auto t = load_trace_file(f.path);
  REQUIRE_FALSE(t.ok());
  check_error(t.error(), f.path, "$", "malformed JSON");
  // Beyond the trace limit the file is refused by size without being read.
  std::filesystem::resize_file(f.path, static_cast<uintmax_t>(kMaxTraceBytes) + 1);
  t = load_trace_file(f.path);
  REQUIRE_FALSE(t.ok());
  check_error(t.error(), f.path, "$", "larger than 256 MiB");
}

TEST_CASE("limits: deeply nested JSON is refused without recursion") {
  for (const int depth : {100, 1000, 1'000'000}) {
    CAPTURE(depth);
    const std::string deep =
        std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
    auto r = parse_scenario_text(deep, "deep.json");
    REQUIRE_FALSE(r.ok());
    check_error(r.error(), "deep.json", "$", "nested deeper");
    // Nested inside an otherwise valid scenario, as a field value.
    const std::string inner =
        fmt::format(R"([{{"type":"branch","id":1,"balance":0,"x":{}}}])", deep);
    r = parse_scenario_text(inner, "deep.json");
    REQUIRE_FALSE(r.ok());
    check_error(r.error(), "deep.json", "$", "nested deeper");

    auto t = parse_trace_text(deep, "deep-trace.json");
    REQUIRE_FALSE(t.ok());
    check_error(t.error(), "deep-trace.json", "$", "nested deeper");
    t = parse_trace_text(trace_around(one_branch("1", "0"), R"("times_us":)" + deep + ","),
                         "deep-trace.json");
    REQUIRE_FALSE(t.ok());
    check_error(t.error(), "deep-trace.json", "$", "nested deeper");
  }
  // Objects nest the same way.
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += R"({"a":)";
  objects += "1";
  objects += std::string(100'000, '}');
  auto r = parse_scenario_text(objects, "deep.json");
  REQUIRE_FALSE(r.ok());
  check_error(r.error(), "deep.json", "$", "nested deeper");
}

TEST_CASE("limits: nesting depth counts containers, not brackets inside strings") {
  CHECK(nesting_depth("1") == 0);
  CHECK(nesting_depth("[]") == 1);
  CHECK(nesting_depth(R"({"a":[1,{"b":[]}],"c":{}})") == 4);
  CHECK(nesting_depth(R"(["[[[[", "{{"])") == 1);
  // An escaped quote does not end the string; an escaped backslash does not escape it.
  CHECK(nesting_depth(R"(["\"[[[", [2]])") == 2);
  CHECK(nesting_depth(R"(["\\", [[3]]])") == 3);
  // A long flat array stays at depth 2 (it was the parser callback's quadratic case).
  std::string flat = "[";
  for (int i = 0; i < 100'000; ++i) flat += R"({"id":1},)";
  flat += "{}]";
  CHECK(nesting_depth(flat) == 2);
}

TEST_CASE("limits: ids at the limits of int64 are ordinary ids; beyond them, errors") {
  const std::string max = "9223372036854775807";
  const std::string dest = fmt::format(
      R"([{{"type":"branch","id":{0},"balance":5}},{{"type":"branch","id":0,"balance":5}},
          {{"type":"customer","id":{0},"events":[{{"id":{0},"interface":"deposit","money":1,
                                                 "dest":{0}}},
                                               {{"id":0,"interface":"query","dest":0}}]}}])",
      max);
  auto r = parse_scenario_text(dest, "ids.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r.value().branches[0].id == INT64_MAX);
  CHECK(r.value().customers[0].id == INT64_MAX);
  CHECK(r.value().customers[0].events[0].id == INT64_MAX);
  CHECK(r.value().customers[0].events[0].branch == 0);
  // Without dest, customer INT64_MAX talks to branch INT64_MAX.
  r = parse_scenario_text(fmt::format(R"([{{"type":"branch","id":{0},"balance":5}},
                     {{"type":"customer","id":{0},"events":[{{"id":1,"interface":"query"}}]}}])",
                                      max),
                          "ids.json");
  REQUIRE(r.ok());

  struct Bad {
    const char* id;
    const char* rule;
  };
  for (const Bad& b : {Bad{"9223372036854775808", "fits in 64 bits"},
                       Bad{"18446744073709551615", "fits in 64 bits"},
                       Bad{"18446744073709551616", "fits in 64 bits"},
                       Bad{"-9223372036854775808", "non-negative integer"},
                       Bad{"-9223372036854775809", "non-negative"}, Bad{"1e19", "fits in 64 bits"},
                       Bad{"1e400", "malformed JSON"}}) {
    CAPTURE(b.id);
    r = parse_scenario_text(one_branch(b.id, "0"), "ids.json");
    REQUIRE_FALSE(r.ok());
    check_error(r.error(), "ids.json", std::string(b.rule) == "malformed JSON" ? "$" : "$[0].id",
                b.rule);
  }
}

TEST_CASE("limits: amounts at the limits of int64 load and run without overflow") {
  const std::string max = "9223372036854775807";
  // Every branch at INT64_MAX; a deposit of 0 and a withdraw of all of it. Nothing may
  // overflow: not the replicas, not the monitor, not the conservation check.
  const std::string text = fmt::format(
      R"([{{"type":"branch","id":1,"balance":{0}}},{{"type":"branch","id":2,"balance":{0}}},
          {{"type":"customer","id":1,"events":[{{"id":1,"interface":"deposit","money":0}},
                                              {{"id":2,"interface":"withdraw","money":{0}}},
                                              {{"id":3,"interface":"query"}}]}},
          {{"type":"customer","id":2,"events":[{{"id":1,"interface":"query"}}]}}])",
      max);
  auto r = parse_scenario_text(text, "amounts.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  const auto s = std::make_shared<const Scenario>(std::move(r.value()));
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    CAPTURE(protocol_name(p));
    TimedOptions to;
    to.seed = 3;
    const TimedResult run = run_timed(s, WorldOptions{.protocol = p}, to);
    CHECK(run.world.quiescent());
    CHECK(run.world.money_conserved());
    for (const Violation& v : run.world.violations()) {
      CAPTURE(v.detail);
      CHECK(v.property != Property::kConservation);
    }
    for (const Branch& b : run.world.branches()) CHECK(b.balance() >= 0);
  }

  struct Bad {
    std::string text;
    std::string path;
    std::string rule;
  };
  const std::string customer = R"({"type":"customer","id":1,"events":)";
  const Bad bad[] = {
      {one_branch("1", "9223372036854775808"), "$[0].balance", "fits in 64 bits"},
      {one_branch("1", "-1"), "$[0].balance", "non-negative"},
      // Deposits that would carry the largest balance past INT64_MAX.
      {fmt::format(R"([{{"type":"branch","id":1,"balance":{}}},{})"
                   R"([{{"id":1,"interface":"deposit","money":1}}]}}])",
                   max, customer),
       "$[1].events[0].money", "overflow"},
      // Withdraws that add up past INT64_MAX (the lowest balance must stay representable).
      {fmt::format(R"([{{"type":"branch","id":1,"balance":0}},{}[{{"id":1,"interface":"withdraw",)"
                   R"("money":{}}},{{"id":2,"interface":"withdraw","money":1}}]}}])",
                   customer, max),
       "$[1].events[1].money", "overflow"},
      {fmt::format(R"([{{"type":"branch","id":1,"balance":0}},{})"
                   R"([{{"id":1,"interface":"deposit","money":18446744073709551615}}]}}])",
                   customer),
       "$[1].events[0].money", "fits in 64 bits"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.text);
    r = parse_scenario_text(b.text, "amounts.json");
    REQUIRE_FALSE(r.ok());
    check_error(r.error(), "amounts.json", b.path, b.rule);
  }
}

TEST_CASE("limits: trace numbers at the limits of 64 bits") {
  const std::string scenario = one_branch("1", "0");
  // The largest seed loads; one more does not.
  std::string text = trace_around(scenario, "");
  text.replace(text.find("\"seed\":0"), 8, "\"seed\":18446744073709551615");
  auto t = parse_trace_text(text, "t.json");
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  CHECK(t.value().seed == UINT64_MAX);
  text = trace_around(scenario, "");
  text.replace(text.find("\"seed\":0"), 8, "\"seed\":18446744073709551616");
  t = parse_trace_text(text, "t.json");
  REQUIRE_FALSE(t.ok());
  check_error(t.error(), "t.json", "$.seed", "non-negative integer");

  // A schedule naming message 2^64-1 loads, and replay says it does not fit.
  const std::string customer =
      R"([{"type":"branch","id":1,"balance":0},)"
      R"({"type":"customer","id":1,"events":[{"id":1,"interface":"query"}]}])";
  text = trace_around(customer, "");
  text.replace(text.find("\"schedule\":[]"), 13, "\"schedule\":[18446744073709551615]");
  t = parse_trace_text(text, "t.json");
  REQUIRE(t.ok());
  auto replayed = replay_trace(t.value(), "t.json", ReplayOptions{});
  REQUIRE_FALSE(replayed.ok());
  check_error(replayed.error(), "t.json", "$.schedule[0]", "not in flight");

  // Delivery times up to INT64_MAX are accepted; beyond, or negative, they are errors.
  text = trace_around(customer, R"("times_us":[9223372036854775807],)");
  text.replace(text.find("\"schedule\":[]"), 13, "\"schedule\":[0]");
  t = parse_trace_text(text, "t.json");
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  replayed = replay_trace(t.value(), "t.json", ReplayOptions{});
  REQUIRE(replayed.ok());
  CHECK(replayed.value().end_time_us == INT64_MAX);
  for (const char* bad : {"9223372036854775808", "-1"}) {
    std::string b = trace_around(customer, fmt::format(R"("times_us":[{}],)", bad));
    b.replace(b.find("\"schedule\":[]"), 13, "\"schedule\":[0]");
    t = parse_trace_text(b, "t.json");
    REQUIRE_FALSE(t.ok());
    check_error(t.error(), "t.json", "$.times_us[0]", "non-negative");
  }
}

TEST_CASE("limits: thousands of branches are refused; many customers load") {
  std::string text = "[";
  for (int i = 0; i < 5000; ++i) {
    text += fmt::format(R"({}{{"type":"branch","id":{},"balance":1}})", i == 0 ? "" : ",", i);
  }
  text += "]";
  auto r = parse_scenario_text(text, "wide.json");
  REQUIRE_FALSE(r.ok());
  check_error(r.error(), "wide.json", fmt::format("$[{}]", kMaxBranches),
              fmt::format("more than {} branches", kMaxBranches));
  // The same inside a trace.
  auto t = parse_trace_text(trace_around(text, ""), "wide-trace.json");
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find(fmt::format("more than {} branches", kMaxBranches)) !=
        std::string::npos);
  CHECK(t.error().message.find('\n') == std::string::npos);

  // kMaxBranches exactly is fine, and so are thousands of customers.
  text = "[";
  for (int i = 0; i < kMaxBranches; ++i) {
    text += fmt::format(R"({}{{"type":"branch","id":{},"balance":1}})", i == 0 ? "" : ",", i);
  }
  for (int i = 0; i < 5000; ++i) {
    text += fmt::format(
        R"(,{{"type":"customer","id":{},"events":[{{"id":1,"interface":"query","dest":{}}}]}})", i,
        i % kMaxBranches);
  }
  text += "]";
  r = parse_scenario_text(text, "wide.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r.value().branch_count() == kMaxBranches);
  CHECK(r.value().customer_count() == 5000);
}
