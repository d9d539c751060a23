// Command-line settings shared by the commands: resolving protocol, network and the
// property selection from flags, the scenario's own settings and the defaults, in that
// order of precedence.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"  // kExitOk and the other statuses (they were here)
#include "protocol/properties.h"
#include "sim/error.h"
#include "sim/network.h"
#include "sim/scenario.h"

namespace banksim {

struct SimFlags {
  std::string protocol;  // empty: scenario's, else default_protocol(scenario)
  std::string latency;   // empty: scenario's, else the default
  std::optional<bool> fifo;
  std::string check = "all";
};

// Adds --protocol, --latency, --fifo/--no-fifo and --check to a command.
void add_sim_flags(CLI::App& cmd, SimFlags& flags);

struct SimSettings {
  ProtocolKind protocol = ProtocolKind::kSync;
  // Why the protocol was chosen when neither flag nor scenario named it, for the summary
  // ("default for inputs with dest/branch"); empty otherwise.
  std::string protocol_note;
  NetworkConfig network;
  PropertySet checked = PropertySet::all();
};

// Resolves flags against the scenario. Errors name the option and the rule.
Result<SimSettings> resolve_settings(const SimFlags& flags, const Scenario& scenario);
// "all", "promised", or a comma-separated list of property names.
Result<PropertySet> parse_check(const std::string& spec, ProtocolKind protocol);

}  // namespace banksim
