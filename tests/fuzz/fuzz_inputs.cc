#include "fuzz/fuzz_inputs.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sim/json_input.h"
#include "sim/scenario.h"
#include "sim/timed_run.h"
#include "sim/trace.h"

namespace banksim {

namespace {

// Always on, in every build type: a broken expectation is a finding.
#define FUZZ_EXPECT(cond, what)                                                \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "fuzz expectation failed: %s (%s)\n", what, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

// Runs only small scenarios: the point is the engine's assertions, not throughput.
constexpr int32_t kRunBranchesMax = 16;
constexpr int32_t kRunEventsMax = 64;

// An error is one line that starts with the source's name.
void expect_clean_error(const Error& e, const std::string& source) {
  FUZZ_EXPECT(e.message.rfind(source, 0) == 0, "an error names its source first");
  FUZZ_EXPECT(e.message.find('\n') == std::string::npos, "an error is one line");
  FUZZ_EXPECT(e.message.find('\r') == std::string::npos, "an error is one line");
}

void run_every_protocol(const std::shared_ptr<const Scenario>& s) {
  for (const ProtocolKind p : {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
    for (const bool quiescent_queries : {false, true}) {
      TimedOptions to;
      to.network.latency = s->latency.value_or(LatencyModel{});
      to.network.fifo = s->fifo.value_or(true);
      to.seed = 7;
      to.max_steps = 200'000;
      // run_timed checks conservation after every step itself (and aborts).
      const TimedResult r = run_timed(s,
                                      WorldOptions{.protocol = p,
                                                   .wire = true,
                                                   .record_history = true,
                                                   .quiescent_queries = quiescent_queries,
                                                   .properties = PropertySet::all()},
                                      to);
      FUZZ_EXPECT(r.hit_step_bound || r.world.quiescent(), "a timed run ends quiescent");
    }
  }
}

}  // namespace

bool fuzz_scenario_input(std::string_view data) {
  const std::string source = "fuzz.json";
  // Wherever the streaming pass reads a scenario, the whole-document reader reads the same.
  if (!check_json_bounds(data, source, kMaxScenarioBytes, kMaxJsonDepth)) {
    if (auto streamed = stream_scenario_text(data)) {
      auto doc = parse_json_input(data, source, kMaxScenarioBytes, kMaxJsonDepth);
      FUZZ_EXPECT(doc.ok(), "what the stream reads parses as a document");
      auto whole = parse_scenario(doc.value(), source);
      FUZZ_EXPECT(whole.ok(), "what the stream reads, the whole-document reader accepts");
      FUZZ_EXPECT(whole.value() == *streamed, "both readers give the same scenario");
    }
  }
  auto loaded = parse_scenario_text(data, source);
  if (!loaded.ok()) {
    expect_clean_error(loaded.error(), source);
    return false;
  }
  const Scenario& s = loaded.value();
  FUZZ_EXPECT(!s.branches.empty(), "a loaded scenario has a branch");
  FUZZ_EXPECT(s.branch_count() <= kMaxBranches, "the branch limit holds");

  // Written back and loaded again: the same scenario, the same bytes.
  const std::string text = scenario_to_json(s).dump();
  auto again = parse_scenario_text(text, "again.json");
  FUZZ_EXPECT(again.ok(), "a written scenario loads");
  FUZZ_EXPECT(again.value() == s, "a written scenario loads to the same scenario");
  FUZZ_EXPECT(scenario_to_json(again.value()).dump() == text, "writing is stable");

  if (s.branch_count() <= kRunBranchesMax && s.event_total() <= kRunEventsMax) {
    run_every_protocol(std::make_shared<const Scenario>(s));
  }
  return true;
}

bool fuzz_trace_input(std::string_view data) {
  const std::string source = "fuzz-trace.json";
  auto loaded = parse_trace_text(data, source);
  if (!loaded.ok()) {
    expect_clean_error(loaded.error(), source);
    return false;
  }
  const Trace& t = loaded.value();
  FUZZ_EXPECT(t.scenario != nullptr, "a loaded trace has a scenario");

  // Written back and loaded again: the same bytes.
  const std::string text = trace_to_json(t).dump(1);
  auto again = parse_trace_text(text, "again.json");
  FUZZ_EXPECT(again.ok(), "a written trace loads");
  FUZZ_EXPECT(trace_to_json(again.value()).dump(1) == text, "a trace round-trips byte for byte");

  ReplayOptions ro;
  ro.on_step = [](const World& w, int64_t) {
    FUZZ_EXPECT(w.money_conserved(), "money is conserved after every replayed step");
  };
  auto replayed = replay_trace(t, source, ro);
  if (!replayed.ok()) expect_clean_error(replayed.error(), source);

  // The schedule as choices: entry i picks enabled[schedule[i] % enabled count], so every
  // input drives some legal interleaving (replay stops at the first id that does not
  // fit). Deliveries stop when the schedule runs out.
  World world(t.scenario, WorldOptions{.protocol = t.protocol,
                                       .wire = true,
                                       .record_history = true,
                                       .quiescent_queries = t.quiescent_queries,
                                       .properties = t.checked});
  world.start(0);
  std::vector<Choice> enabled;
  int64_t step = 0;
  for (const uint64_t pick : t.schedule) {
    enabled.clear();
    world.enabled(&enabled);
    if (enabled.empty()) break;
    world.apply(enabled[pick % enabled.size()], ++step);
    FUZZ_EXPECT(world.money_conserved(), "money is conserved after every step");
  }
  // The protocol's message rules on forged traffic (what a gRPC server gets from the
  // network): each schedule entry, as bits, is a message to some actor of the state reached.
  // refuse() answers without crashing, and what it accepts the receiver can consume (its
  // on_message preconditions hold: the asserts of a fuzzing build check them).
  for (const uint64_t bits : t.schedule) {
    const Scenario& s = *t.scenario;
    const auto field = [&](int shift, int64_t range) {
      return static_cast<int32_t>(static_cast<int64_t>((bits >> shift) % 64) % range - 1);
    };
    Message m{.kind = static_cast<MessageKind>((bits >> 0) % kMessageKindCount),
              .iface = static_cast<Interface>((bits >> 2) % 3),
              .success = ((bits >> 4) & 1) != 0,
              .from = field(5, s.actor_count() + 2),
              .to = field(11, s.actor_count() + 1),
              .customer = field(17, s.customer_count() + 2),
              .event = field(23, 8),
              .seq = field(29, 8),
              .money = static_cast<Money>((bits >> 35) % 512) - 256};
    if (m.to < 0) m.to = 0;
    Effects fx;
    if (m.to < s.branch_count()) {
      Branch b = world.branches()[static_cast<size_t>(m.to)];
      if (!b.refuse(m)) b.on_message(m, fx);
    } else {
      Customer c = world.customers()[static_cast<size_t>(m.to - s.branch_count())];
      if (!c.refuse(m, world.bank())) c.on_message(m, fx);
    }
  }

  enabled.clear();
  world.enabled(&enabled);
  FUZZ_EXPECT(!enabled.empty() || world.quiescent(), "no deadlock: something can be delivered");
  if (world.quiescent()) world.finish(step);
  return true;
}

}  // namespace banksim
