// `banksim explore`: exhaustive interleaving check of a scenario; on a violation, the
// shortest schedule found is written as a trace and the replay command is printed.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"
#include "cli/settings.h"
#include "sim/trace.h"

namespace banksim {

struct ExploreArgs {
  std::string scenario;
  SimFlags sim;
  std::optional<int64_t> max_depth;  // unset: no bound
  std::optional<int64_t> max_states;  // dfs only; default 500,000,000; refused below 1
  bool no_reduction = false;
  bool sleep_sets = false;  // sleep sets on top of the persistent sets (dfs, one worker)
  bool no_compare = false;
  bool keep_going = false;
  bool no_minimize = false;
  std::string strategy = "dfs";
  std::optional<int64_t> walks;   // --strategy random only; default 1000; refused below 1
  std::optional<uint64_t> seed;   // --strategy random only; default 1
  std::string trace_out;
  std::string summary_json;  // --strategy random only: the task's summary for banksim merge
  std::string max_memory;             // a size (512M, 4G); empty: half the physical memory
  std::optional<double> max_seconds;  // wall-clock bound of the search
  bool quiet = false;
  // Threads of a dfs search; unset: the number of cores (1 under --max-depth,
  // --max-states or --strategy random, where it is refused above 1).
  std::optional<int64_t> workers;
  // Checkpoint and resume (dfs, any worker count): the directory written to / resumed from.
  std::string checkpoint;
  std::optional<double> checkpoint_every;  // seconds; default 60; needs --checkpoint
  std::string resume;
  // Fault budgets per execution (issue 14); unset: 0.
  std::optional<int64_t> max_drops, max_dups, max_crashes, max_partitions;
  // The search spread over MPI processes (mpirun -np N banksim explore F --mpi; built with
  // the CMake option BANKSIM_MPI, refused otherwise).
  bool mpi = false;
};

CLI::App* add_explore_command(CLI::App& app, ExploreArgs& args);
CommandResult explore_command(const ExploreArgs& args);

// Replays `t` through replay_trace (the code `banksim replay` runs) and checks that it
// shows its recorded violation with the same detail. An internal Error saying why not
// when it does not (explore made the trace: a banksim bug); explore writes no such trace.
Status check_reproduces(const Trace& t, const std::string& source);

// "512M", "4G", "1048576" (bytes; K, M, G, T are powers of 1024). nullopt when malformed.
std::optional<uint64_t> parse_size(const std::string& text);

}  // namespace banksim
