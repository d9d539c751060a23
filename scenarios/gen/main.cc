// banksim_gen: writes a generated scenario (see scenario_gen.h) to a file or stdout.
//   banksim_gen --branches 5 --customers 50 --events 10000 --seed 1 -o big.json
// Same options => byte-identical output. Exit status 0, 2 on bad options, 4 when the
// scenario cannot be written to stdout. A terminal gets no scenario unless asked (-o -).
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <unistd.h>

#include "cli/cli_style.h"
#include "scenarios/gen/scenario_gen.h"
#include "sim/atomic_file.h"

namespace {

constexpr int kExitBadInput = 2;

}  // namespace

int main(int argc, char** argv) {
  banksim::guard_standard_streams();
  CLI::App app{
      "banksim_gen: write a generated bank scenario, deterministically from a seed.\n"
      "Branches 1..B; customers 1..C, customer c's home branch is ((c-1) mod B)+1; moving "
      "customers pick a branch per event. Same options => byte-identical file.",
      "banksim_gen"};
  app.formatter(std::make_shared<banksim::HelpFormatter>());
  banksim::GenOptions o;
  std::string mix_spec = o.mix.spec();
  std::string protocol;
  std::string output = "-";
  app.add_option("--branches", o.branches, "Number of branches (default 5)");
  app.add_option("--customers", o.customers, "Number of customers (default 50)");
  app.add_option("--events", o.events, "Events per customer (default 10000)");
  app.add_option("--seed", o.seed, "Seed of the generator (default 1)")
      ->check(banksim::seed_validator());
  app.add_option("--mix", mix_spec,
                 "Event kinds and moving customers: deposit=W,withdraw=W,query=W (integer "
                 "weights; keys not given are 0) and moving=P (percent of customers that "
                 "send each event to a random branch). Default " +
                     mix_spec);
  app.add_option("--balance", o.balance, "Initial balance of every branch (default 1000)");
  app.add_option("--money-max", o.money_max, "Amounts are drawn from 1..N (default 100)");
  app.add_option("--protocol", protocol,
                 "Write this protocol into the scenario (sync, async, "
                 "session); default: none");
  CLI::Option* output_flag = app.add_option(
      "-o,--output", output,
      "Output file ('-': stdout, the default; a terminal only when given explicitly)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::ostringstream out;
    std::ostringstream err;
    const int status = app.exit(e, out, err);
    std::fputs(out.str().c_str(), stdout);
    return banksim::finish_stdout(status, "banksim_gen");
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "banksim_gen: {}\n", e.what());
    return kExitBadInput;
  }
  auto mix = banksim::parse_event_mix(mix_spec);
  if (!mix.ok()) {
    fmt::print(stderr, "banksim_gen: --mix: {}\n", mix.error().message);
    return kExitBadInput;
  }
  o.mix = mix.value();
  if (!protocol.empty()) {
    o.protocol = banksim::parse_protocol(protocol);
    if (!o.protocol) {
      fmt::print(stderr, "banksim_gen: --protocol: must be sync, async or session\n");
      return kExitBadInput;
    }
  }
  if (const auto error = banksim::check_gen_options(o)) {
    fmt::print(stderr, "banksim_gen: {}\n", error->message);
    return kExitBadInput;
  }
  const std::string text = banksim::scenario_text(banksim::generate_scenario(o));
  if (static_cast<int64_t>(text.size()) > banksim::kMaxScenarioBytes) {
    fmt::print(stderr,
               "banksim_gen: the scenario would be {} bytes, more than banksim loads "
               "({} MiB): use fewer customers or events\n",
               text.size(), banksim::kMaxScenarioBytes >> 20);
    return kExitBadInput;
  }
  if (output == "-") {
    if (output_flag->count() == 0 && ::isatty(STDOUT_FILENO) != 0) {
      fmt::print(stderr,
                 "banksim_gen: stdout is a terminal: give -o FILE, or -o - to print the "
                 "scenario ({} bytes) there anyway\n",
                 text.size());
      return kExitBadInput;
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    return banksim::finish_stdout(0, "banksim_gen");
  }
  std::string error;
  if (!banksim::write_file_atomically(output, text, &error)) {
    fmt::print(stderr, "banksim_gen: {}\n", error);
    return kExitBadInput;
  }
  return 0;
}
