// banksim: a deterministic simulator and model checker for a replicated bank.
#include <cerrno>
#include <cstdio>
#include <string_view>
#include <memory>
#include <sstream>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/check_command.h"
#include "cli/cli_style.h"
#include "cli/exit_status.h"
#include "cli/explore_command.h"
#include "cli/merge_command.h"
#include "cli/replay_command.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"
#include "cli/settings.h"
#include "cli/viz_command.h"
#include "orchestration/self_process.h"
#include "sim/atomic_file.h"

#ifndef BANKSIM_VERSION
#define BANKSIM_VERSION "unknown"
#endif

namespace {

using banksim::CommandResult;
using banksim::Error;
using banksim::Status;

// A first argument that is neither an option nor a command: "unknown command 'X'" (CLI11
// would say "A subcommand is required").
Status refuse_unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return {};
  const std::string word = argv[1];
  std::string known;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->check_name(word)) return {};
    known += (known.empty() ? "" : ", ") + sub->get_name();
  }
  return Error{fmt::format("unknown command '{}' (commands: {}; see banksim --help)", word, known)};
}

// An output path naming the command's input would destroy the input: refused up front.
// `outputs` holds (flag, path) pairs; empty paths and "-" are not files.
Status refuse_output_over_input(
    const std::string& input, std::string_view what,
    const std::vector<std::pair<std::string_view, std::string>>& outputs) {
  for (const auto& [flag, path] : outputs) {
    if (path.empty() || path == "-" || !banksim::same_existing_file(path, input)) continue;
    return Error{
        fmt::format("{}: {} is the {} file itself; refusing to overwrite it", flag, path, what)};
  }
  return {};
}

// Parses, then runs the chosen command: its exit status, or the Error main reports.
CommandResult parse_and_run(int argc, char** argv) {
  CLI::App app{
      "banksim: deterministic simulator and model checker for a replicated bank.\n"
      "  banksim run      scenario.json --seed 42      one simulated execution\n"
      "  banksim explore  scenario.json --max-depth 8  every interleaving (bounded or complete)\n"
      "  banksim replay   trace.json                   reproduce a saved schedule exactly\n"
      "  banksim merge    out-*.json -o merged.json    combine a swarm's random-walk tasks\n"
      "  banksim serve    --branch ID --scenario F     one branch as a real gRPC process\n"
      "  banksim viz      trace.json -o trace.html     draw a trace as a sequence diagram\n"
      "  banksim check    --input IN --output OUT      judge another program's output\n"
      "  (run and replay take --backend grpc: one real process per branch)",
      "banksim"};
  // One table of exit statuses, under every command's help too (cli/exit_status.h).
  app.footer(banksim::exit_status_help());
  app.require_subcommand(1);
  app.set_version_flag("--version", "banksim " BANKSIM_VERSION, "Print the version and exit");
  // Set before the commands are added: each subcommand takes its parent's formatter.
  const auto formatter = std::make_shared<banksim::HelpFormatter>();
  app.formatter(formatter);

  // Each command: its subcommand and what runs when it was chosen.
  banksim::RunArgs run_args;
  CLI::App* run = banksim::add_run_command(app, run_args);
  banksim::ExploreArgs explore_args;
  CLI::App* explore = banksim::add_explore_command(app, explore_args);
  banksim::ReplayArgs replay_args;
  CLI::App* replay = banksim::add_replay_command(app, replay_args);
  banksim::ServeArgs serve_args;
  CLI::App* serve = banksim::add_serve_command(app, serve_args);
  banksim::VizArgs viz_args;
  CLI::App* viz = banksim::add_viz_command(app, viz_args);
  banksim::CheckArgs check_args;
  CLI::App* check = banksim::add_check_command(app, check_args);
  banksim::MergeArgs merge_args;
  CLI::App* merge = banksim::add_merge_command(app, merge_args);

  // App-wide: the help layout, and --seed refuses what would wrap or saturate.
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->formatter(formatter);
    sub->footer(banksim::exit_status_help());
    if (CLI::Option* seed = sub->get_option_no_throw("--seed")) {
      seed->check(banksim::seed_validator());
    }
  }

  if (Status known = refuse_unknown_command(app, argc, argv); !known.ok()) return known.error();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    std::ostringstream out;
    std::ostringstream err;
    const int status = app.exit(e, out, err);
    std::fputs(out.str().c_str(), stdout);
    return status;
  } catch (const CLI::ParseError& e) {
    // One line, like every other error (see 'banksim COMMAND --help').
    return Error{fmt::format("{} (see banksim --help)", e.what())};
  }

  // Outputs that would overwrite the command's own input.
  Status own_input;
  if (run->parsed()) {
    own_input = refuse_output_over_input(run_args.scenario, "scenario",
                                         {{"-o", run_args.out.output},
                                          {"--history", run_args.out.history},
                                          {"--record", run_args.record}});
  } else if (explore->parsed()) {
    own_input = refuse_output_over_input(explore_args.scenario, "scenario",
                                         {{"--trace-out", explore_args.trace_out},
                                          {"--summary-json", explore_args.summary_json}});
  } else if (replay->parsed()) {
    own_input = refuse_output_over_input(
        replay_args.trace, "trace",
        {{"-o", replay_args.out.output}, {"--history", replay_args.out.history}});
  } else if (viz->parsed()) {
    own_input = refuse_output_over_input(viz_args.trace, "trace", {{"-o", viz_args.output}});
  }
  if (!own_input.ok()) return own_input.error();

  // The input each command loads: a large one restarts banksim once (self_process.h).
  const std::string& input = run->parsed()       ? run_args.scenario
                             : explore->parsed() ? explore_args.scenario
                             : replay->parsed()  ? replay_args.trace
                             : viz->parsed()     ? viz_args.trace
                             : check->parsed()   ? check_args.input
                                                 : serve_args.scenario;
  banksim::restart_with_huge_page_malloc(input, argv);

  if (run->parsed()) return banksim::run_command(run_args);
  if (explore->parsed()) return banksim::explore_command(explore_args);
  if (replay->parsed()) return banksim::replay_command(replay_args);
  if (serve->parsed()) return banksim::serve_command(serve_args);
  if (viz->parsed()) return banksim::viz_command(viz_args);
  if (check->parsed()) return banksim::check_command(check_args);
  if (merge->parsed()) return banksim::merge_command(merge_args);
  return banksim::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  banksim::guard_standard_streams();
  CommandResult result = banksim::kExitBadInput;
  int write_errno = 0;
  try {
    result = parse_and_run(argc, argv);
  } catch (const std::system_error& e) {
    // fmt::print to stdout throws "cannot write to file: ..." when a write fails (stderr's
    // writes never fail). Anything else is not an output failure.
    if (std::string_view(e.what()).substr(0, 20) != "cannot write to file") throw;
    write_errno = e.code().value() != 0 ? e.code().value() : EIO;
  }
  // The one place a command's Error becomes "banksim: MESSAGE" and an exit status; then
  // stdout, whose failure (kIo) overrides a verdict.
  const int status = banksim::finish_command(result);
  if (Status flushed = banksim::flush_stdout(write_errno); !flushed.ok()) {
    return banksim::report_error(flushed.error());
  }
  return status;
}
