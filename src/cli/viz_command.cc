#include "cli/viz_command.h"

#include <fmt/format.h>

#include "cli/settings.h"
#include "sim/trace.h"
#include "viz/viz_html.h"

namespace banksim {

CLI::App* add_viz_command(CLI::App& app, VizArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "viz",
      "Draw a trace (from 'run --record' or 'explore') as one self-contained HTML page: a "
      "lane per customer and per branch, an arrow per message, balances after each apply, "
      "held requests, messages still in flight, and the violation highlighted. The page "
      "loads nothing and opens from disk. Nothing is written for a trace that cannot be "
      "drawn.");
  cmd->add_option("trace", args.trace, "Trace JSON file")->required();
  cmd->add_option("-o,--output", args.output,
                  "The page to write (default: the trace's path with .html for .json)");
  cmd->add_option("--window", args.window_steps,
                  "Steps drawn at once (default 400): a longer trace opens on this many steps "
                  "around the violation, the rest a click away")
      ->check(CLI::PositiveNumber);
  return cmd;
}

CommandResult viz_command(const VizArgs& args) {
  auto loaded = load_trace_file(args.trace);
  if (!loaded.ok()) return loaded.error();
  const std::string path = args.output.empty() ? html_path_for_trace(args.trace) : args.output;
  if (Status written = write_trace_html(loaded.value(), args.trace, path,
                                        VizOptions{.window_steps = args.window_steps});
      !written.ok()) {
    return written.error();
  }
  fmt::print("trace {} drawn in {}\n", args.trace, path);
  return kExitOk;
}

}  // namespace banksim
