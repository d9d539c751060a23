// Micro benchmarks (Google Benchmark) of the simulator's and the explorer's hot paths.
// Not a test: figures only, printed by tools/bench. Every input is built from fixed
// seeds, so two runs measure the same work.
//
//   build-bench/banksim_micro_bench --benchmark_filter=EventQueue
//   build-bench/banksim_micro_bench --scenario=FILE --benchmark_filter=RunTimedFile
// --scenario=FILE adds BM_RunTimedFile/<protocol>: the simulator (run_timed, wire codec on
// every message, observations folded into an ExecutionRecord and no History, as `banksim
// run` does) on that scenario, loaded once outside the timing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/execution_record.h"
#include "protocol/codec.h"
#include "scenarios/gen/scenario_gen.h"
#include "sim/event_queue.h"
#include "sim/explorer.h"
#include "sim/fingerprint.h"
#include "sim/network.h"
#include "sim/prng.h"
#include "sim/fault_spec.h"
#include "sim/timed_run.h"
#include "sim/visited_set.h"
#include "sim/world.h"

namespace {

using namespace banksim;

// --- PRNG ---------------------------------------------------------------------------

void BM_PrngNext(benchmark::State& state) {
  Prng prng(1);
  for (auto _ : state) benchmark::DoNotOptimize(prng.next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrngNext);

void BM_PrngBelow(benchmark::State& state) {
  Prng prng(1);
  const uint64_t bound = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(prng.below(bound));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrngBelow)->Arg(4501)->Arg(1 << 30);

void BM_PrngExponential(benchmark::State& state) {
  Prng prng(1);
  for (auto _ : state) benchmark::DoNotOptimize(prng.exponential(3000));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrngExponential);

void BM_NetworkDeliveryTime(benchmark::State& state) {
  NetworkConfig config;  // uniform:500:5000, FIFO: what banksim run uses by default
  Network net(config, 55, Prng(7));
  int64_t now = 0;
  int32_t from = 0;
  for (auto _ : state) {
    now = net.delivery_time(now, from, (from + 1) % 55) - 4000;
    from = (from + 7) % 55;
    benchmark::DoNotOptimize(now);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NetworkDeliveryTime);

// --- Event queue ----------------------------------------------------------------------

// Steady state with `range(0)` pending deliveries: one pop and one push per iteration,
// times drawn like the default network's (now + 500..5000 us).
void BM_EventQueuePopPush(benchmark::State& state) {
  const int64_t pending = state.range(0);
  EventQueue q;
  Prng prng(3);
  for (int64_t i = 0; i < pending; ++i) q.push(prng.between(500, 5000), static_cast<uint64_t>(i));
  uint64_t id = static_cast<uint64_t>(pending);
  for (auto _ : state) {
    const QueuedDelivery d = q.pop();
    q.push(d.time_us + prng.between(500, 5000), id++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueuePopPush)->Arg(16)->Arg(256)->Arg(4096)->Arg(65536);

// --- Wire codec -------------------------------------------------------------------------

Message typical_message() {
  return Message{.kind = MessageKind::kPropagate,
                 .iface = Interface::kDeposit,
                 .success = true,
                 .from = 3,
                 .to = 1,
                 .customer = 42,
                 .event = 1234,
                 .seq = 617,
                 .money = 57,
                 .delay_us = 0};
}

void BM_EncodeMessage(benchmark::State& state) {
  const Message m = typical_message();
  std::string bytes;
  for (auto _ : state) {
    encode_message(m, &bytes);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_EncodeMessage);

void BM_DecodeMessage(benchmark::State& state) {
  std::string bytes;
  encode_message(typical_message(), &bytes);
  for (auto _ : state) benchmark::DoNotOptimize(decode_message(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeMessage);

// --- Explorer states --------------------------------------------------------------------

// The scale scenario of the issue (tools/bench's): 4 branches, 4 customers, 3 deposits
// of 1 each at home.
std::shared_ptr<const Scenario> scale_scenario() {
  GenOptions o;
  o.branches = 4;
  o.customers = 4;
  o.events = 3;
  o.mix = EventMix{100, 0, 0, 0};
  o.money_max = 1;
  return std::make_shared<const Scenario>(generate_scenario(o));
}

WorldOptions explorer_world_options() {
  return WorldOptions{.protocol = ProtocolKind::kSync,
                      .wire = false,
                      .record_history = false,
                      .quiescent_queries = false,
                      .properties = PropertySet::all()};
}

// A state in the middle of an exploration: each step delivers the middle enabled
// message, for `steps` steps.
World mid_state(std::shared_ptr<const Scenario> s, int steps) {
  World w(std::move(s), explorer_world_options());
  w.start(0);
  std::vector<Choice> enabled;
  for (int i = 0; i < steps; ++i) {
    enabled.clear();
    w.enabled(&enabled);
    if (enabled.empty()) break;
    w.apply(enabled[enabled.size() / 2], i + 1);
  }
  return w;
}

void BM_WorldEncode(benchmark::State& state) {
  const World w = mid_state(scale_scenario(), 20);
  StateEncoder enc;
  for (auto _ : state) {
    enc.clear();
    w.encode(enc);
    benchmark::DoNotOptimize(enc.words().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["words"] = static_cast<double>(enc.words().size());
}
BENCHMARK(BM_WorldEncode);

void BM_Fingerprint(benchmark::State& state) {
  const World w = mid_state(scale_scenario(), 20);
  StateEncoder enc;
  w.encode(enc);
  const std::vector<uint64_t> words = enc.words();
  for (auto _ : state) benchmark::DoNotOptimize(fingerprint(words));
  state.SetItemsProcessed(state.iterations());
  state.counters["words"] = static_cast<double>(words.size());
}
BENCHMARK(BM_Fingerprint);

void BM_WorldFingerprint(benchmark::State& state) {
  const World w = mid_state(scale_scenario(), 20);
  StateEncoder enc(/*keep_words=*/false);  // as the explorer hashes: no words kept
  for (auto _ : state) benchmark::DoNotOptimize(world_fingerprint(w, enc));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorldFingerprint);

void BM_WorldCopy(benchmark::State& state) {
  const World w = mid_state(scale_scenario(), 20);
  for (auto _ : state) {
    World child = w;
    benchmark::DoNotOptimize(&child);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorldCopy);

// What the explorer does per transition before hashing: copy the parent, apply a choice.
void BM_WorldCopyApply(benchmark::State& state) {
  const World w = mid_state(scale_scenario(), 20);
  std::vector<Choice> enabled;
  w.enabled(&enabled);
  size_t i = 0;
  for (auto _ : state) {
    World child = w;
    child.apply(enabled[i], 21);
    benchmark::DoNotOptimize(&child);
    i = (i + 1) % enabled.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["enabled"] = static_cast<double>(enabled.size());
}
BENCHMARK(BM_WorldCopyApply);

// --- Visited set ----------------------------------------------------------------------

// Inserts range(0) distinct fingerprints into a fresh set (growth included).
void BM_VisitedSetInsert(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  double bytes_per_state = 0;
  for (auto _ : state) {
    VisitedSet set;
    Prng prng(11);
    for (uint64_t i = 0; i < n; ++i) set.insert(prng.next());
    benchmark::DoNotOptimize(set.size());
    bytes_per_state = static_cast<double>(set.bytes()) / static_cast<double>(set.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["bytes_per_state"] = bytes_per_state;
}
BENCHMARK(BM_VisitedSetInsert)
    ->Arg(1 << 16)
    ->Arg(1 << 20)
    ->Arg(1 << 23)
    ->Unit(benchmark::kMillisecond);

// Lookups of fingerprints already present (the explorer's duplicate hits).
void BM_VisitedSetHit(benchmark::State& state) {
  const uint64_t n = 1 << 20;
  VisitedSet set;
  std::vector<uint64_t> fps;
  Prng prng(13);
  for (uint64_t i = 0; i < n; ++i) {
    fps.push_back(prng.next());
    set.insert(fps.back());
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.insert(fps[i]));
    i = (i + 7919) & (n - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VisitedSetHit);

// --- Whole schedulers, in process (no JSON load, no output) ---------------------------

// One simulated run set up as `banksim run` sets it up between loading the scenario and
// writing its results: wire codec on every message, no History, no state fingerprints,
// the first violation of each property kept, each step's observations folded into an
// ExecutionRecord. Returns the messages delivered.
uint64_t run_as_banksim_run(const std::shared_ptr<const Scenario>& scenario,
                            ProtocolKind protocol, const FaultSpec& faults = FaultSpec{}) {
  const WorldOptions wo{.protocol = protocol,
                        .wire = true,
                        .record_history = false,
                        .quiescent_queries = false,
                        .properties = PropertySet::all(),
                        .fingerprint = false,
                        .keep_every_violation = false};
  ExecutionRecord record(scenario, /*keep_history=*/false);
  TimedOptions to;
  to.faults = faults;
  to.on_start = [&record](const World& w) { record.observe(0, w.last_observations()); };
  to.on_step = [&record](const World& w, int64_t now) {
    record.observe(now, w.last_observations());
  };
  const TimedResult r = run_timed(scenario, wo, to);
  benchmark::DoNotOptimize(record.observations());
  return r.world.delivered();
}

// The simulator on a generated scenario: 5 branches, 50 customers, range(1) events each.
void BM_RunTimed(benchmark::State& state) {
  GenOptions o;
  o.branches = 5;
  o.customers = 50;
  o.events = static_cast<int32_t>(state.range(1));
  auto scenario = std::make_shared<const Scenario>(generate_scenario(o));
  const auto protocol = static_cast<ProtocolKind>(state.range(0));
  uint64_t delivered = 0;
  for (auto _ : state) delivered += run_as_banksim_run(scenario, protocol);
  state.SetItemsProcessed(static_cast<int64_t>(delivered));
  state.SetLabel(std::string(protocol_name(protocol)));
  state.counters["messages_per_run"] =
      static_cast<double>(delivered) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RunTimed)
    ->Args({0, 200})
    ->Args({1, 200})
    ->Args({2, 200})
    ->Unit(benchmark::kMillisecond);

// Complete exploration of the three-customer deposit scenario shape (3x3, one deposit
// each at home), with reduction off: distinct states per second of the explorer.
void BM_Explore(benchmark::State& state) {
  GenOptions o;
  o.branches = static_cast<int32_t>(state.range(0));
  o.customers = static_cast<int32_t>(state.range(1));
  o.events = static_cast<int32_t>(state.range(2));
  o.mix = EventMix{100, 0, 0, 0};
  auto scenario = std::make_shared<const Scenario>(generate_scenario(o));
  ExploreOptions eo;
  eo.reduction = false;
  eo.minimize = false;
  uint64_t distinct = 0;
  for (auto _ : state) {
    const ExploreResult r = explore(scenario, eo);
    distinct += r.stats.distinct;
  }
  state.SetItemsProcessed(static_cast<int64_t>(distinct));
  state.counters["distinct_per_run"] =
      static_cast<double>(distinct) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Explore)->Args({3, 3, 1})->Args({3, 2, 2})->Unit(benchmark::kMillisecond);

// The simulator on a scenario file (see --scenario): what `banksim run FILE` does between
// loading the file and writing its results.
void BM_RunTimedFile(benchmark::State& state, std::shared_ptr<const Scenario> scenario,
                     ProtocolKind protocol) {
  uint64_t delivered = 0;
  for (auto _ : state) delivered += run_as_banksim_run(scenario, protocol);
  state.SetItemsProcessed(static_cast<int64_t>(delivered));
  state.counters["messages_per_run"] =
      static_cast<double>(delivered) / static_cast<double>(state.iterations());
}

// The same with random faults (run --faults SPEC, drop=0.01,dup=0.01 or drop=0.01): the
// fault draws and the drop/duplicate steps on top of every delivery. Under sync, async
// and session a lost request leaves its customer waiting (it gives up), so a run delivers
// fewer messages than without faults; robust customers retransmit and finish.
void BM_RunTimedFileFaults(benchmark::State& state, std::shared_ptr<const Scenario> scenario,
                           ProtocolKind protocol, const char* fault_spec) {
  auto spec = parse_fault_spec(fault_spec, *scenario, "bench");
  if (!spec.ok()) {
    state.SkipWithError(spec.error().message.c_str());
    return;
  }
  uint64_t delivered = 0;
  for (auto _ : state) delivered += run_as_banksim_run(scenario, protocol, spec.value());
  state.SetItemsProcessed(static_cast<int64_t>(delivered));
  state.counters["messages_per_run"] =
      static_cast<double>(delivered) / static_cast<double>(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  // Our one flag, taken out before Google Benchmark sees the arguments.
  std::string scenario_path;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--scenario=", 11) == 0) {
      scenario_path = argv[i] + 11;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (!scenario_path.empty()) {
    auto loaded = load_scenario_file(scenario_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "banksim_micro_bench: %s\n", loaded.error().message.c_str());
      return 2;
    }
    auto scenario = std::make_shared<const Scenario>(std::move(loaded.value()));
    for (int p = 0; p < kProtocolCount; ++p) {
      const auto protocol = static_cast<ProtocolKind>(p);
      benchmark::RegisterBenchmark(
          fmt::format("BM_RunTimedFile/{}", protocol_name(protocol)).c_str(), BM_RunTimedFile,
          scenario, protocol)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(
          fmt::format("BM_RunTimedFileFaults/{}", protocol_name(protocol)).c_str(),
          BM_RunTimedFileFaults, scenario, protocol, "drop=0.01,dup=0.01")
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(
          fmt::format("BM_RunTimedFileDrop/{}", protocol_name(protocol)).c_str(),
          BM_RunTimedFileFaults, scenario, protocol, "drop=0.01")
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
