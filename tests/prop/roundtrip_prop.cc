// Property 4: a scenario written back to JSON and loaded again is the same scenario,
// and writing it again gives the same bytes. Its bare process list (the seed input
// form) loads to the same scenario without banksim's settings.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "prop/harness.h"

using namespace banksim;

namespace {

// What to write out when the round trip fails: the generated scenario and a short run.
std::string save(const Scenario& s) {
  RunCase c;
  c.scenario = s;
  const RunRecord r = run_case(c);
  return save_failure("scenario-roundtrip", s, trace_of_run(c, r));
}

}  // namespace

TEST_CASE("prop: a scenario written to JSON and loaded again is the same scenario") {
  prop_check("scenario JSON round trip", [] {
    ScenarioShape shape = kTimedShape;
    shape.settings = true;
    const Scenario s = *gen_scenario(shape);
    RC_TAG(static_cast<int>(s.form));

    const std::string text = scenario_to_json(s).dump(1);
    auto loaded = parse_scenario_text(text, "written.json");
    if (!loaded.ok()) {
      RC_FAIL(fmt::format("the written scenario does not load: {}\n{}", loaded.error().message,
                          save(s)));
    }
    if (!(loaded.value() == s)) {
      RC_FAIL(fmt::format("the scenario changed on the way:\nwritten {}\nloaded  {}\n{}", text,
                          scenario_to_json(loaded.value()).dump(1), save(s)));
    }
    // Derived data agrees too (finalize() ran on both).
    RC_ASSERT(loaded.value().event_total() == s.event_total());
    if (scenario_to_json(loaded.value()).dump(1) != text) {
      RC_FAIL(fmt::format("writing the loaded scenario gives other bytes\n{}", save(s)));
    }

    // The seed form: just the process list.
    const std::string list = scenario_to_json(s)["processes"].dump();
    auto plain = parse_scenario_text(list, "list.json");
    if (!plain.ok()) {
      RC_FAIL(fmt::format("the process list alone does not load: {}\n{}", plain.error().message,
                          save(s)));
    }
    Scenario bare = s;
    bare.protocol.reset();
    bare.latency.reset();
    bare.fifo.reset();
    if (!(plain.value() == bare)) {
      RC_FAIL(fmt::format("the process list alone loads to another scenario\n{}", save(s)));
    }
  });
}
