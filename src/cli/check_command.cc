#include "cli/check_command.h"

#include <fmt/format.h>

#include "cli/settings.h"
#include "sim/output_judge.h"
#include "sim/output_reader.h"
#include "sim/scenario.h"

namespace banksim {

CLI::App* add_check_command(CLI::App& app, CheckArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Judge another implementation's output against its seed input, from what the customers "
      "observed: liveness, convergence, conservation, read-your-writes, monotonic reads, "
      "withdraw decisions and seed 004's consecutive-queries rule.\n"
      "Verdicts \"not judged\" and \"undecided\" do not fail the check: exit status 0 unless a "
      "property is violated.");
  cmd->add_option("--input", args.input, "The seed input JSON the output came from")->required();
  cmd->add_option("--output", args.output,
                  "The output to judge: a seed output form, or banksim's --history (or "
                  "--format json) file")
      ->required();
  cmd->add_option("--format", args.format,
                  "recv, balance, events or history (default: recognised from the content)");
  cmd->add_option(
      "--protocol", args.protocol,
      "sync, async, session or robust: fills the 'promised' column (default: the input's "
      "protocol, if it names one)");
  cmd->add_flag("--settled", args.settled,
                "The output has no times; each customer's queries after its last write were "
                "issued once every write had propagated (the seeds' sleep): judge convergence "
                "and conservation on them. Refused for a history, which has times");
  cmd->add_option("--search-nodes", args.search_nodes,
                  "Bound of each subset-sum search (default 1000000); past it: undecided")
      ->check(CLI::PositiveNumber);
  return cmd;
}

namespace {

bool promised(JudgedProperty p, ProtocolKind k) {
  switch (p) {
    case JudgedProperty::kLiveness:
    case JudgedProperty::kConvergence:
    case JudgedProperty::kConservation:
    case JudgedProperty::kWithdrawDecisions:
      return true;
    case JudgedProperty::kReadYourWrites:
    case JudgedProperty::kConsecutiveQueries:
      return k != ProtocolKind::kAsync;
    case JudgedProperty::kMonotonicReads:
      // A query may see another customer's write at one branch before the next branch
      // applies it, under every protocol.
      return false;
  }
  return false;
}

}  // namespace

CommandResult check_command(const CheckArgs& args) {
  std::optional<OutputForm> form;
  if (!args.format.empty()) {
    form = parse_output_form(args.format);
    if (!form) {
      return Error{
          fmt::format("--format: unknown format \"{}\" (expected recv, balance, events or history)",
                      args.format)};
    }
  }
  auto scenario = load_scenario_file(args.input);
  if (!scenario.ok()) return scenario.error();
  const Scenario& s = scenario.value();
  std::optional<ProtocolKind> protocol = s.protocol;
  if (!args.protocol.empty()) {
    protocol = parse_protocol(args.protocol);
    if (!protocol) {
      return Error{fmt::format(
          "--protocol: unknown protocol \"{}\" (expected sync, async, session or robust)",
          args.protocol)};
    }
  }
  auto read = load_output_file(args.output, s, form);
  if (!read.ok()) return read.error();
  ClientObservations& obs = read.value().observations;
  if (args.settled && obs.timed) {
    return Error{
        fmt::format("--settled: does not apply to {}: a history has times, and "
                    "the final queries are the ones issued after every write",
                    args.output)};
  }
  obs.settled_claimed = args.settled;

  const std::vector<PropertyVerdict> verdicts =
      judge_output(s, obs, JudgeLimits{.search_nodes = args.search_nodes});
  std::string out = fmt::format("banksim check: {} ({} form) against {}\n", args.output,
                                output_form_name(read.value().form), args.input);
  out += protocol ? fmt::format("protocol {}{}\n", protocol_name(*protocol),
                                args.protocol.empty() ? " (the input's)" : "")
                  : "protocol not given: the 'promised' column shows -\n";
  out += fmt::format("{:<20} {:<9} {:<11} {}\n", "property", "promised", "verdict",
                     "first violation, or why not judged or undecided");
  bool violated = false;
  for (const PropertyVerdict& v : verdicts) {
    std::string detail = v.reason;
    if (v.verdict == Verdict::kViolated) {
      violated = true;
      detail = v.violations[0].detail;
      if (v.violations.size() > 1) detail += fmt::format(" ({} violations)", v.violations.size());
    }
    std::string row = fmt::format("{:<20} {:<9} {:<11} {}", judged_property_name(v.property),
                                  protocol ? (promised(v.property, *protocol) ? "yes" : "no") : "-",
                                  verdict_name(v.verdict), detail);
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }
  fmt::print("{}", out);
  return violated ? kExitViolation : kExitOk;
}

}  // namespace banksim
