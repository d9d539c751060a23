#include "prop/harness.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/report.h"

namespace banksim {

RunRecord run_case(const RunCase& c, PropertySet checked) {
  auto scenario = std::make_shared<const Scenario>(c.scenario);
  const WorldOptions wo{.protocol = c.protocol,
                        .wire = true,
                        .record_history = true,
                        .quiescent_queries = c.quiescent_queries,
                        .properties = checked};
  TimedOptions to;
  to.network = c.network;
  to.seed = c.seed;
  to.record_schedule = true;
  // Bounded far above what a generated scenario needs (5 branches, 30 events).
  to.max_steps = 100'000;
  std::string timeline;
  std::vector<int64_t> times;
  to.on_start = [&](const World& w) { timeline += timeline_start(w); };
  to.on_step = [&](const World& w, int64_t now) {
    timeline += timeline_step(w, now);
    times.push_back(now);
  };
  TimedResult result = run_timed(scenario, wo, to);
  const World& world = result.world;

  RunFacts facts;
  facts.source = "generated.json";
  facts.command = "run";
  facts.protocol = c.protocol;
  facts.seed = c.seed;
  facts.network = c.network;
  facts.quiescent_queries = c.quiescent_queries;
  facts.delivered = world.delivered();
  facts.sent = world.sent();
  facts.end_time_us = result.end_time_us;
  facts.hit_step_bound = result.hit_step_bound;
  facts.checked = checked;
  facts.violations = world.violations();
  for (const Branch& b : world.branches()) facts.final_balances.push_back(b.balance());

  std::string out = timeline;
  out += summary_text(world.history(), facts);
  out += property_table(facts);
  const OutputFormat format = resolve_format(OutputFormat::kAuto, scenario->form);
  out += results_json(world.history(), facts, format).dump(2);
  out += results_json(world.history(), facts, OutputFormat::kJson).dump(2);
  out += history_json(world.history()).dump(2);
  out += write_sets_json(world.history()).dump(2);
  return RunRecord{std::move(scenario), std::move(result), std::move(times), std::move(out)};
}

Trace trace_of_run(const RunCase& c, const RunRecord& r) {
  Trace t;
  t.origin = "run";
  t.scenario = r.scenario;
  t.protocol = c.protocol;
  t.network = c.network;
  t.seed = c.seed;
  t.quiescent_queries = c.quiescent_queries;
  t.checked = r.result.world.options().properties;
  t.schedule = r.result.schedule;
  t.times_us = r.times_us;
  const auto& v = r.result.world.violations();
  if (!v.empty()) t.violation = TraceViolation{v[0].property, v[0].detail};
  return t;
}

Trace trace_of_schedule(std::shared_ptr<const Scenario> scenario, ProtocolKind protocol,
                        const std::vector<uint64_t>& schedule, bool quiescent_queries,
                        const std::vector<Violation>& violations) {
  Trace t;
  t.origin = "explore";
  t.scenario = std::move(scenario);
  t.protocol = protocol;
  t.quiescent_queries = quiescent_queries;
  t.schedule = schedule;
  if (!violations.empty())
    t.violation = TraceViolation{violations[0].property, violations[0].detail};
  return t;
}

namespace {

std::string failure_dir() {
  const char* env = std::getenv("BANKSIM_FAILURE_DIR");
  std::filesystem::path dir = env != nullptr && *env != '\0' ? env : "prop-failures";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto abs = std::filesystem::absolute(dir, ec);
  return ec ? dir.string() : abs.string();
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

std::string save_failure(std::string_view property, const Scenario& scenario, Trace trace) {
  const std::string dir = failure_dir();
  const std::string scenario_path = fmt::format("{}/{}.scenario.json", dir, property);
  const std::string trace_path = fmt::format("{}/{}.trace.json", dir, property);
  trace.scenario_source = scenario_path;
  if (trace.scenario == nullptr) trace.scenario = std::make_shared<const Scenario>(scenario);
  const bool ok = write_text(scenario_path, scenario_to_json(scenario).dump(1) + "\n") &&
                  write_text(trace_path, trace_to_json(trace).dump(1) + "\n");
  std::string run =
      fmt::format("banksim run {} --protocol {} --latency {} {} --seed {}{}", scenario_path,
                  protocol_name(trace.protocol), trace.network.latency.spec(),
                  trace.network.fifo ? "--fifo" : "--no-fifo", trace.seed,
                  trace.quiescent_queries ? " --quiescent-queries" : "");
  return fmt::format(
      "{}failing case written out:\n  scenario: {}\n  trace:    {}\n"
      "reproduce: banksim replay {}\n{}",
      ok ? "" : "(could not write every file) ", scenario_path, trace_path, trace_path,
      trace.origin == "run" ? "       or: " + run + "\n" : "");
}

std::string describe(const std::vector<Violation>& violations) {
  std::string out;
  for (const Violation& v : violations) {
    out += fmt::format("  {}: {}\n", property_name(v.property), v.detail);
  }
  return out;
}

bool replay_shows(const Trace& t, Property property, const std::string& detail,
                  std::string* seen) {
  auto replayed = replay_trace(t, "counterexample.json", ReplayOptions{});
  if (!replayed.ok()) {
    *seen = replayed.error().message;
    return false;
  }
  bool shown = false;
  for (const Violation& v : replayed.value().world.violations()) {
    shown = shown || (v.property == property && v.detail == detail);
    *seen += fmt::format("  {}: {}\n", property_name(v.property), v.detail);
  }
  return shown;
}

}  // namespace banksim
