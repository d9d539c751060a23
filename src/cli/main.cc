// banksim: a deterministic simulator and model checker for a replicated bank.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/explore_command.h"
#include "cli/replay_command.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"
#include "cli/settings.h"

namespace {

// Loading a scenario builds nlohmann-json's tree of the whole file: millions of small
// allocations, about 15 bytes of heap per byte of JSON, and on a VM most of the time goes
// to page faults on the fresh heap. With malloc's memory on transparent huge pages the
// load takes half the time (13 MB scenario: 0.93 -> 0.45 s; whole `banksim run` of 2.1M
// messages: 1.5 -> 1.0 s) for about 10% more peak memory. glibc reads GLIBC_TUNABLES only
// when a process starts, so for an input of kHugeInputBytes or more banksim restarts
// itself once with glibc.malloc.hugetlb=1 added (a restart costs ~20 ms: not worth it
// for small inputs). Opt out by giving the tunable any value yourself
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=0). Not under valgrind, whose tools would stop
// following the process. If the restart fails, banksim goes on as it is.
constexpr std::uintmax_t kHugeInputBytes = 4 << 20;

void restart_with_huge_page_malloc(const std::string& input, char** argv) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(input, ec);
  if (ec || size < kHugeInputBytes) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current != nullptr ? current : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload != nullptr && std::string(preload).find("vgpreload") != std::string::npos) return;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  tunables += tunables.empty() ? "glibc.malloc.hugetlb=1" : ":glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  std::fflush(nullptr);
  ::execv(exe, argv);
  // Still here: the restart failed. Leave the environment as it was.
  if (current != nullptr) {
    ::setenv("GLIBC_TUNABLES", current, 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace

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

  if (run->parsed()) restart_with_huge_page_malloc(run_args.scenario, argv);
  if (explore->parsed()) restart_with_huge_page_malloc(explore_args.scenario, argv);
  if (replay->parsed()) restart_with_huge_page_malloc(replay_args.trace, argv);
  if (serve->parsed()) restart_with_huge_page_malloc(serve_args.scenario, argv);

  if (run->parsed()) return banksim::run_command(run_args);
  if (explore->parsed()) return banksim::explore_command(explore_args);
  if (replay->parsed()) return banksim::replay_command(replay_args);
  if (serve->parsed()) return banksim::serve_command(serve_args);
  return banksim::kExitBadInput;
}
