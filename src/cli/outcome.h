// Printing and writing the outcome of one execution (run, replay, gRPC run): the
// timeline, the summary, the property table and the results, in one place so that
// every command's output looks alike. Returns the command's exit status.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/report.h"

namespace banksim {

struct OutputArgs {
  std::string format = "auto";
  std::string output;   // -o: results file ("-": stdout, results only)
  std::string history;  // --history: the history alone, as JSON
  bool debug = false;
};

// Adds --format, -o/--output, --history and --debug.
void add_output_flags(CLI::App& cmd, OutputArgs& args);
// Checks the flags before any work is done; returns false after printing an error.
bool validate_output_flags(const OutputArgs& args);

// Whether the outputs `args` asks for print the history itself (--history, --debug's
// write sets, the json format), so that an ExecutionRecord must keep it.
bool outputs_need_history(const OutputArgs& args, InputForm form);

// Writes files first (atomically), then prints. `timeline` is printed when non-empty.
// Returns kExitOk, kExitViolation, or kExitBadInput when a file cannot be written.
// REQUIRES: r.has_history() when outputs_need_history(args, its scenario's form).
int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble = "");
int emit_outcome(const History& h, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble = "");

}  // namespace banksim
