// Scenario loading: every seed example and every file in scenarios/ loads with the
// right form, branch indices and settings; banksim's object form round-trips through
// scenario_to_json(); and every invalid input gives one Error line that names the
// source, the JSON path and the rule broken.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario.h"

using banksim::Event;
using banksim::InputForm;
using banksim::Interface;
using banksim::load_scenario_file;
using banksim::parse_scenario;
using banksim::parse_scenario_text;
using banksim::ProtocolKind;
using banksim::Scenario;
using banksim::scenario_to_json;

namespace {

const std::string kSeeds = BANKSIM_SEEDS_DIR;
const std::string kScenarios = std::string(BANKSIM_SOURCE_DIR) + "/scenarios";

Scenario load(const std::string& path) {
  auto r = load_scenario_file(path);
  INFO(path);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

std::vector<int32_t> branches_of(const Scenario& s, size_t customer) {
  std::vector<int32_t> out;
  for (const Event& e : s.customers[customer].events) out.push_back(e.branch);
  return out;
}

}  // namespace

TEST_CASE("scenario: p1-three-branches (seed 000 form) loads") {
  const Scenario s = load(kSeeds + "/p1-three-branches.input.json");
  CHECK(s.form == InputForm::kPlain);
  REQUIRE(s.branch_count() == 3);
  REQUIRE(s.customer_count() == 3);
  for (int b = 0; b < 3; ++b) {
    CHECK(s.branches[static_cast<size_t>(b)].id == b + 1);
    CHECK(s.branches[static_cast<size_t>(b)].balance == 400);
  }
  // Customer N talks to branch N: index N-1.
  CHECK(branches_of(s, 0) == std::vector<int32_t>{0});
  CHECK(branches_of(s, 1) == std::vector<int32_t>{1, 1});
  CHECK(branches_of(s, 2) == std::vector<int32_t>{2, 2});
  const Event& deposit = s.customers[1].events[0];
  CHECK(deposit.id == 2);
  CHECK(deposit.iface == Interface::kDeposit);
  CHECK(deposit.money == 170);
  CHECK(s.customers[2].events[0].iface == Interface::kWithdraw);
  CHECK(s.customers[2].events[0].money == 70);
  // A query's "money" is checked and ignored.
  CHECK(s.customers[0].events[0].iface == Interface::kQuery);
  CHECK(s.customers[0].events[0].money == 0);
  CHECK(s.event_total() == 5);
  CHECK(s.event_index(0, 0) == 0);
  CHECK(s.event_index(1, 1) == 2);
  CHECK(s.event_index(2, 0) == 3);
  CHECK_FALSE(s.protocol.has_value());
  CHECK_FALSE(s.latency.has_value());
  CHECK_FALSE(s.fifo.has_value());
}

TEST_CASE("scenario: cc-dest-test1/2 (seed 002 dest form) load") {
  const Scenario s1 = load(kSeeds + "/cc-dest-test1.input.json");
  CHECK(s1.form == InputForm::kDest);
  REQUIRE(s1.branch_count() == 2);
  REQUIRE(s1.customer_count() == 1);
  CHECK(s1.customers[0].id == 1);
  CHECK(branches_of(s1, 0) == std::vector<int32_t>{0, 1, 1});
  CHECK(s1.customers[0].events[1].iface == Interface::kWithdraw);
  CHECK(s1.customers[0].events[1].money == 400);

  const Scenario s2 = load(kSeeds + "/cc-dest-test2.input.json");
  CHECK(s2.form == InputForm::kDest);
  CHECK(branches_of(s2, 0) == std::vector<int32_t>{0, 1});
}

TEST_CASE("scenario: ryw-branch-key (seed 004 branch form) loads") {
  const Scenario s = load(kSeeds + "/ryw-branch-key.input.json");
  CHECK(s.form == InputForm::kBranchKey);
  REQUIRE(s.branch_count() == 2);
  CHECK(branches_of(s, 0) == std::vector<int32_t>{0, 0, 1});
  CHECK(s.customers[0].events[0].money == 400);
}

TEST_CASE("scenario: the default protocol is session for dest/branch inputs, else sync") {
  using banksim::default_protocol;
  using banksim::ProtocolKind;
  const Scenario plain = load(kSeeds + "/p1-three-branches.input.json");
  CHECK(default_protocol(plain) == ProtocolKind::kSync);
  CHECK(banksim::default_protocol_note(plain).empty());
  for (const char* f : {"/cc-dest-test1.input.json", "/ryw-branch-key.input.json"}) {
    const Scenario s = load(kSeeds + f);
    CHECK(default_protocol(s) == ProtocolKind::kSession);
    CHECK(banksim::default_protocol_note(s) == "default for inputs with dest/branch");
  }
}

TEST_CASE("scenario: branch indices follow branch order in the file, not ids") {
  const auto r = parse_scenario_text(
      R"([{"id":9,"type":"branch","balance":1},{"id":3,"type":"branch","balance":2},
          {"id":3,"type":"customer","events":[{"id":1,"interface":"query"}]},
          {"id":5,"type":"customer","events":[{"id":1,"interface":"query","dest":9},
                                             {"id":2,"interface":"deposit","money":4,
                                              "dest":3,"think_us":250}]}])",
      "mem");
  REQUIRE(r.ok());
  const Scenario& s = r.value();
  CHECK(s.branches[0].id == 9);
  CHECK(s.branches[1].id == 3);
  CHECK(s.form == InputForm::kDest);
  CHECK(branches_of(s, 0) == std::vector<int32_t>{1});  // no dest: customer 3 -> branch id 3
  CHECK(branches_of(s, 1) == std::vector<int32_t>{0, 1});
  CHECK(s.customers[1].events[1].think_us == 250);
  CHECK(s.customers[1].events[0].think_us == 0);
}

TEST_CASE("scenario: banksim's object form carries protocol and network settings") {
  const Scenario s = load(kScenarios + "/banksim-form-session.json");
  REQUIRE(s.protocol.has_value());
  CHECK(*s.protocol == ProtocolKind::kSession);
  REQUIRE(s.latency.has_value());
  CHECK(s.latency->spec() == "exp:2000");
  REQUIRE(s.fifo.has_value());
  CHECK(*s.fifo == false);
  CHECK(s.form == InputForm::kBranchKey);
  CHECK(branches_of(s, 0) == std::vector<int32_t>{0, 1, 1, 0});
  CHECK(s.customers[0].events[2].think_us == 1000);
}

TEST_CASE("scenario: every file in scenarios/ loads and round-trips through the object form") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    const Scenario s = load(entry.path().string());
    CAPTURE(entry.path().string());
    const nlohmann::json doc = scenario_to_json(s);
    const auto back = parse_scenario(doc, "roundtrip");
    REQUIRE(back.ok());
    CHECK(back.value() == s);
    CHECK(back.value().event_total() == s.event_total());
  }
  CHECK(files >= 9);
}

TEST_CASE("scenario: the seed copies in scenarios/ are the seed examples, byte for byte") {
  for (const char* name :
       {"p1-three-branches", "cc-dest-test1", "cc-dest-test2", "ryw-branch-key"}) {
    CAPTURE(name);
    CHECK(load(kSeeds + "/" + name + ".input.json") ==
          load(kScenarios + "/seed-" + name + ".json"));
  }
}

namespace {

struct BadCase {
  const char* what;
  const char* text;
  const char* path;  // the JSON path the message must name
  const char* rule;  // a fragment of the rule
};

// Branch 1 at balance 0, customer 1 with the given event list.
std::string with_events(const std::string& events) {
  return R"([{"id":1,"type":"branch","balance":0},{"id":1,"type":"customer","events":)" + events +
         "}]";
}

}  // namespace

TEST_CASE("scenario: invalid inputs give one line naming source, JSON path and rule") {
  const std::string huge_money =
      with_events(R"([{"id":1,"interface":"deposit","money":100000000000000000000000}])");
  const std::string u64_money =
      with_events(R"([{"id":1,"interface":"deposit","money":18446744073709551615}])");
  const std::string sum_overflow =
      R"([{"id":1,"type":"branch","balance":9223372036854775000},
          {"id":1,"type":"customer","events":[{"id":1,"interface":"deposit","money":807},
                                              {"id":2,"interface":"deposit","money":1}]}])";
  const std::string withdraw_overflow = with_events(
      R"([{"id":1,"interface":"withdraw","money":9223372036854775807},
          {"id":2,"interface":"withdraw","money":1}])");
  const std::string neg_event = with_events(R"([{"id":1,"interface":"deposit","money":-5}])");
  const std::string frac_event = with_events(R"([{"id":1,"interface":"deposit","money":2.5}])");
  const std::string iface = with_events(R"([{"id":1,"interface":"transfer","money":5}])");
  const std::string no_money = with_events(R"([{"id":1,"interface":"withdraw"}])");
  const std::string no_iface = with_events(R"([{"id":1,"money":3}])");
  const std::string bad_field = with_events(R"([{"id":1,"interface":"query","when":3}])");
  const std::string dup_event =
      with_events(R"([{"id":4,"interface":"query"},{"id":4,"interface":"query"}])");
  const std::string no_dest = with_events(R"([{"id":1,"interface":"query","dest":7}])");
  const std::string no_branch_key = with_events(R"([{"id":1,"interface":"query","branch":7}])");
  const std::string both = with_events(R"([{"id":1,"interface":"query","dest":1,"branch":1}])");
  const std::string mixed =
      with_events(R"([{"id":1,"interface":"query","dest":1},{"id":2,"interface":"query",
                       "branch":1}])");
  const std::string think = with_events(R"([{"id":1,"interface":"query","think_us":3600000001}])");
  const std::string events_not_list =
      R"([{"id":1,"type":"branch","balance":0},{"id":1,"type":"customer","events":{}}])";
  const BadCase cases[] = {
      {"malformed JSON", R"([{"id":1,"type":"branch","balance":0)", "$", "malformed JSON"},
      {"trailing garbage", R"([{"id":1,"type":"branch","balance":0}] x)", "$", "malformed JSON"},
      {"empty text", "", "$", "malformed JSON"},
      {"not a list", R"("bank")", "$", "must be a list"},
      {"item not an object", R"([{"id":1,"type":"branch","balance":0}, 5])", "$[1]",
       "must be an object"},
      {"missing type", R"([{"id":1,"balance":0}])", "$[0].type", "required but missing"},
      {"missing id", R"([{"type":"branch","balance":0}])", "$[0].id", "required but missing"},
      {"missing balance", R"([{"id":1,"type":"branch"}])", "$[0].balance", "required but missing"},
      {"missing events", R"([{"id":1,"type":"branch","balance":0},{"id":1,"type":"customer"}])",
       "$[1].events", "required but missing"},
      {"missing money", no_money.c_str(), "$[1].events[0].money", "required but missing"},
      {"missing interface", no_iface.c_str(), "$[1].events[0].interface", "required but missing"},
      {"unknown branch field", R"([{"id":1,"type":"branch","balance":0,"colour":"red"}])",
       "$[0].colour", "unknown field"},
      {"unknown event field", bad_field.c_str(), "$[1].events[0].when", "unknown field"},
      {"unknown type", R"([{"id":1,"type":"atm","balance":0}])", "$[0].type",
       "must be \"branch\" or \"customer\""},
      {"type not a string", R"([{"id":1,"type":7,"balance":0}])", "$[0].type", "must be a string"},
      {"unknown interface", iface.c_str(), "$[1].events[0].interface", "must be one of"},
      {"negative money", neg_event.c_str(), "$[1].events[0].money",
       "must be a non-negative integer, not -5"},
      {"fractional money", frac_event.c_str(), "$[1].events[0].money",
       "must be a non-negative integer, not a fractional number"},
      {"money beyond 64 bits", huge_money.c_str(), "$[1].events[0].money", "fits in 64 bits"},
      {"money beyond int64", u64_money.c_str(), "$[1].events[0].money", "fits in 64 bits"},
      {"deposits overflow", sum_overflow.c_str(), "$[1].events[1].money", "overflow"},
      {"withdraws overflow", withdraw_overflow.c_str(), "$[1].events[1].money", "overflow"},
      {"negative balance", R"([{"id":1,"type":"branch","balance":-1}])", "$[0].balance",
       "must be a non-negative integer"},
      {"fractional balance", R"([{"id":1,"type":"branch","balance":0.5}])", "$[0].balance",
       "fractional"},
      {"string balance", R"([{"id":1,"type":"branch","balance":"400"}])", "$[0].balance",
       "not a string"},
      {"negative id", R"([{"id":-2,"type":"branch","balance":0}])", "$[0].id",
       "non-negative integer"},
      {"duplicate branch id",
       R"([{"id":1,"type":"branch","balance":0},{"id":1,"type":"branch","balance":5}])", "$[1].id",
       "duplicate branch id 1"},
      {"duplicate customer id",
       R"([{"id":1,"type":"branch","balance":0},{"id":1,"type":"customer","events":[]},
           {"id":1,"type":"customer","events":[]}])",
       "$[2].id", "duplicate customer id 1"},
      {"duplicate event id", dup_event.c_str(), "$[1].events[1].id", "duplicate event id 4"},
      {"customer with no branch",
       R"([{"id":1,"type":"branch","balance":0},
           {"id":2,"type":"customer","events":[{"id":1,"interface":"query"}]}])",
       "$[1].events[0]", "no branch 2 to talk to"},
      {"dest names no branch", no_dest.c_str(), "$[1].events[0].dest",
       "names branch 7, which does not exist"},
      {"branch key names no branch", no_branch_key.c_str(), "$[1].events[0].branch",
       "names branch 7, which does not exist"},
      {"dest and branch together", both.c_str(), "$[1].events[0]", "not both"},
      {"dest and branch mixed", mixed.c_str(), "$", "mixes"},
      {"no branches", R"([{"id":1,"type":"customer","events":[]}])", "$", "no branches"},
      {"empty list", "[]", "$", "no branches"},
      {"events not a list", events_not_list.c_str(), "$[1].events", "must be a list"},
      {"think time too long", think.c_str(), "$[1].events[0].think_us", "at most"},
      {"object form without processes", R"({"protocol":"sync"})", "$.processes",
       "required but missing"},
      {"object form unknown key", R"({"processes":[],"seed":3})", "$.seed", "unknown field"},
      {"unknown protocol", R"({"protocol":"paxos","processes":[]})", "$.protocol",
       "must be one of"},
      {"bad latency", R"({"network":{"latency":"uniform:9:1"},"processes":[]})",
       "$.network.latency", "MIN_US <= MAX_US"},
      {"bad fifo", R"({"network":{"fifo":"yes"},"processes":[]})", "$.network.fifo",
       "true or false"},
      {"unknown network key", R"({"network":{"drop":1},"processes":[]})", "$.network.drop",
       "unknown field"},
      {"processes in object form empty",
       R"({"processes":[{"id":1,"type":"customer","events":[]}]})", "$.processes", "no branches"},
      {"object form bad item", R"({"processes":[{"id":1,"type":"branch"}]})",
       "$.processes[0].balance", "required but missing"},
  };
  for (const BadCase& c : cases) {
    CAPTURE(c.what);
    const auto r = parse_scenario_text(c.text, "in.json");
    REQUIRE_FALSE(r.ok());
    const std::string& m = r.error().message;
    CAPTURE(m);
    // "SOURCE: PATH: rule", exactly that path, one line.
    CHECK(m.rfind(std::string("in.json: ") + c.path + ": ", 0) == 0);
    CHECK(m.find(c.rule) != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
}

TEST_CASE("scenario: the streaming pass agrees with the whole-document reader") {
  using banksim::stream_scenario_text;
  const auto whole = [](const std::string& text) {
    return parse_scenario(nlohmann::json::parse(text), "whole");
  };
  // Every shipped scenario and seed example: streamed, and equal.
  std::vector<std::string> files;
  for (const std::string& dir : {kScenarios, kSeeds}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".json" &&
          e.path().filename().string().find("expected") == std::string::npos) {
        files.push_back(e.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);
  for (const std::string& f : files) {
    INFO(f);
    std::ifstream in(f);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto streamed = stream_scenario_text(text);
    const auto expected = whole(text);
    REQUIRE(expected.ok());
    REQUIRE(streamed.has_value());
    CHECK(*streamed == expected.value());
  }
  // The object form with its members in any order, nested settings.
  const std::vector<std::string> agree = {
      R"({"processes":[{"type":"branch","id":1,"balance":5}],"protocol":"async"})",
      R"({"network":{"fifo":false,"latency":"const:7"},"processes":[{"type":"branch","id":1,)"
      R"("balance":5},{"type":"customer","id":1,"events":[{"id":1,"interface":"deposit",)"
      R"("money":4}]}],"protocol":"session"})",
      R"([{"id":2,"type":"branch","balance":0},{"type":"customer","id":9,"events":[)"
      R"({"id":1,"interface":"query","dest":2,"think_us":5}]}])",
  };
  for (const std::string& text : agree) {
    INFO(text);
    const auto streamed = stream_scenario_text(text);
    REQUIRE(streamed.has_value());
    CHECK(*streamed == whole(text).value());
  }
  CHECK(stream_scenario_text(agree[1])->customers[0].events[0].money == 4);
  // Where it gives up, the whole-document reader decides.
  const std::vector<std::string> give_up = {
      R"({"processes":[],"processes":[{"type":"branch","id":1,"balance":5}]})",  // twice
      R"([{"type":"branch","id":1,"balance":5},{"type":"customer","id":1,"events":[)"
      R"({"id":1,"interface":"deposit","money":-1,"money":4}]}])",  // a key twice
      R"({"network":{"fifo":false,"fifo":true},"processes":[]})",  // in a setting
      R"({"protocol":"sync","processes":[],"protocol":"async"})",  // at the top
      R"([{"type":"branch","id":1,"balance":5}] x)",                             // syntax
      R"([{"type":"branch","id":1,"balance":-5}])",                              // a rule
      R"({"processes":[{"type":"branch","id":1,"balance":5}],"colour":"red"})",  // a rule
      R"({"processes":7})",
      R"(42)",
      R"([])",
  };
  for (const std::string& text : give_up) {
    INFO(text);
    CHECK_FALSE(stream_scenario_text(text).has_value());
  }
  // A key given twice is refused by both readers, naming the key and where it is.
  const std::pair<size_t, std::string> refused[] = {
      {0, "twice: $.processes: duplicate key \"processes\""},
      {1, "twice: $[1].events[0].money: duplicate key \"money\""},
      {2, "twice: $.network.fifo: duplicate key \"fifo\""},
      {3, "twice: $.protocol: duplicate key \"protocol\""},
  };
  for (const auto& [i, message] : refused) {
    const auto r = parse_scenario_text(give_up[i], "twice");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.rfind(message, 0) == 0);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("scenario: JSON nested too deep is refused, not recursed into") {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "[";
  for (int i = 0; i < 40; ++i) text += "]";
  const auto r = parse_scenario_text(text, "deep.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("deep.json: $: ", 0) == 0);
  CHECK(r.error().message.find("nested deeper") != std::string::npos);
}

TEST_CASE("scenario: files that cannot be read name the file") {
  const std::string missing = kScenarios + "/does-not-exist.json";
  auto r = load_scenario_file(missing);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == missing + ": cannot open file");

  r = load_scenario_file(kScenarios);  // a directory
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind(kScenarios + ": ", 0) == 0);
  CHECK(r.error().message.find("directory") != std::string::npos);

  // A device that never ends is refused before reading, not read to "unexpected end".
  r = load_scenario_file("/dev/zero");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "/dev/zero: is a character device, not a regular file: a scenario file must be a "
        "regular file");
}

TEST_CASE("scenario: a FIFO with no writer is refused at once, not waited on") {
  const std::filesystem::path fifo =
      std::filesystem::temp_directory_path() / ("banksim-fifo-" + std::to_string(::getpid()));
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto r = load_scenario_file(fifo.string());  // blocked forever in open() before
  std::filesystem::remove(fifo);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == fifo.string() +
                                 ": is a FIFO (named pipe), not a regular file: a scenario "
                                 "file must be a regular file");
}
