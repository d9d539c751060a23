// banksim: a deterministic simulator and model checker for a replicated bank.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/check_command.h"
#include "cli/explore_command.h"
#include "cli/replay_command.h"
#include "cli/run_command.h"
#include "cli/self_process.h"
#include "cli/serve_command.h"
#include "cli/settings.h"
#include "cli/viz_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "banksim: deterministic simulator and model checker for a replicated bank.\n"
      "  banksim run      scenario.json --seed 42      one simulated execution\n"
      "  banksim explore  scenario.json --max-depth 8  every interleaving (bounded or complete)\n"
      "  banksim replay   trace.json                   reproduce a saved schedule exactly\n"
      "  banksim serve    --branch ID --scenario F     one branch as a real gRPC process\n"
      "  (run and replay take --backend grpc: one real process per branch)\n"
      "Every command exits 0 when the checked properties hold, 1 on a violation, 2 on bad "
      "input."};
  app.require_subcommand(1);

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other error (see 'banksim COMMAND --help').
    fmt::print(stderr, "banksim: {} (see banksim --help)\n", e.what());
    return banksim::kExitBadInput;
  }

  // The input each command loads: a large one restarts banksim once (self_process.h).
  const std::string& input = run->parsed()       ? run_args.scenario
                             : explore->parsed() ? explore_args.scenario
                             : replay->parsed()  ? replay_args.trace
                                                 : serve_args.scenario;
  banksim::restart_with_huge_page_malloc(input, argv);

  if (run->parsed()) return banksim::run_command(run_args);
  if (explore->parsed()) return banksim::explore_command(explore_args);
  if (replay->parsed()) return banksim::replay_command(replay_args);
  if (serve->parsed()) return banksim::serve_command(serve_args);
  if (viz->parsed()) return banksim::viz_command(viz_args);
  if (check->parsed()) return banksim::check_command(check_args);
  return banksim::kExitBadInput;
}
