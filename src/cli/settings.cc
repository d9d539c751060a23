#include "cli/settings.h"

#include <fmt/format.h>

namespace banksim {

void add_sim_flags(CLI::App& cmd, SimFlags& flags) {
  cmd.add_option("--protocol", flags.protocol,
                 "Replication protocol: sync (apply, propagate, wait for every ack, reply), "
                 "async (apply, reply, propagate in the background), session (client-centric: "
                 "monotonic writes + read-your-writes), robust (session plus retransmission, "
                 "deduplication and durable state: survives faults; simulator only). Default: the "
                 "scenario's, else session "
                 "for inputs whose events carry dest or branch (seeds 002/004), else sync");
  cmd.add_option("--latency", flags.latency,
                 "Network latency per message in virtual microseconds: const:US, "
                 "uniform:MIN:MAX or exp:MEAN. Default: the scenario's, else uniform:500:5000");
  // Two flags that exclude each other: "--no-fifo --fifo" is refused rather than summed.
  CLI::Option* fifo = cmd.add_flag_callback(
      "--fifo", [&flags] { flags.fifo = true; }, "Per-link FIFO (the default)");
  CLI::Option* no_fifo = cmd.add_flag_callback(
      "--no-fifo", [&flags] { flags.fifo = false; },
      "Let later messages overtake earlier ones on a link (not with --fifo)");
  fifo->excludes(no_fifo);
  no_fifo->excludes(fifo);
  cmd.add_option("--check", flags.check,
                 "Properties to check: all (default), promised (those the protocol promises), "
                 "or a comma-separated list of convergence, conservation, monotonic-writes, "
                 "read-your-writes, no-overdraft, liveness");
}

Result<PropertySet> parse_check(const std::string& spec, ProtocolKind protocol) {
  if (spec == "all") return PropertySet::all();
  if (spec == "promised") return promised_properties(protocol);
  PropertySet set;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    const std::string name = spec.substr(start, end - start);
    const auto p = parse_property(name);
    if (!p) {
      return Error{fmt::format(
          "--check: unknown property \"{}\" (expected all, promised, or names from "
          "convergence, conservation, monotonic-writes, read-your-writes, no-overdraft, "
          "liveness)",
          name)};
    }
    set = set.with(*p);
    start = end + 1;
  }
  return set;
}

Result<SimSettings> resolve_settings(const SimFlags& flags, const Scenario& scenario) {
  SimSettings s;
  if (!flags.protocol.empty()) {
    const auto p = parse_protocol(flags.protocol);
    if (!p) {
      return Error{
          fmt::format("--protocol: unknown protocol \"{}\" (expected sync, async, "
                      "session or robust)",
                      flags.protocol)};
    }
    s.protocol = *p;
  } else if (scenario.protocol) {
    s.protocol = *scenario.protocol;
  } else {
    s.protocol = default_protocol(scenario);
    s.protocol_note = default_protocol_note(scenario);
  }
  if (!flags.latency.empty()) {
    std::string error;
    const auto l = parse_latency(flags.latency, &error);
    if (!l) return Error{fmt::format("--latency: \"{}\" {}", flags.latency, error)};
    s.network.latency = *l;
  } else if (scenario.latency) {
    s.network.latency = *scenario.latency;
  }
  if (flags.fifo) {
    s.network.fifo = *flags.fifo;
  } else if (scenario.fifo) {
    s.network.fifo = *scenario.fifo;
  }
  auto checked = parse_check(flags.check, s.protocol);
  if (!checked.ok()) return checked.error();
  s.checked = checked.value();
  return s;
}

}  // namespace banksim
