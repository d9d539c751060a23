// The input path under fuzzing: what the libFuzzer targets (fuzz_scenario, fuzz_trace)
// do with one input, shared with the regression test that replays every saved crashing
// input in every build. Bad input must come back as an Error (one line: "SOURCE: ...");
// good input must round-trip and run without tripping any engine assertion. A broken
// expectation aborts (libFuzzer reports it as a crash).
#pragma once

#include <string_view>

namespace banksim {

// parse_scenario_text; when it loads: the JSON round trip, and a bounded timed run of
// every protocol for small scenarios. Returns whether the input loaded.
bool fuzz_scenario_input(std::string_view data);

// parse_trace_text; when it loads: the trace round trip and replay_trace (an Error when
// the schedule does not fit, never a crash), checking conservation after every step;
// then the schedule read as choices among the enabled deliveries (any legal
// interleaving the fuzzer can steer). Returns whether the input loaded.
bool fuzz_trace_input(std::string_view data);

}  // namespace banksim
