// Printing and writing the outcome of one execution (run, replay, gRPC run): the
// timeline, the summary, the property table and the results, in one place so that
// every command's output looks alike. Returns the command's exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/output_plan.h"
#include "cli/report.h"

namespace banksim {

struct OutputArgs {
  std::string format = "auto";
  std::string output;   // -o: results file ("-": stdout, results only)
  std::string history;  // --history: the history alone, as JSON
  bool debug = false;
  // -q: print only the verdicts (the property table), no summary, timeline or results.
  bool quiet = false;
  // --summary-max: events the summary lists (0: all). Unset: kSummaryMaxDefault.
  std::optional<uint64_t> summary_max;
};

// A summary lists at most this many events unless --summary-max says otherwise: a
// terminal's worth, where a large run has millions (the results files keep them all).
constexpr uint64_t kSummaryMaxDefault = 200;

// Adds --format, -o/--output, --history, --debug, -q/--quiet and --summary-max.
void add_output_flags(CLI::App& cmd, OutputArgs& args);
// Checks the flags before any work is done (invalid input when they do not fit).
Status check_output_flags(const OutputArgs& args);
// The same, for callers written before Status: reports the error (report_error) and
// returns false.
bool validate_output_flags(const OutputArgs& args);

// Whether the outputs `args` asks for print the history itself (--history, --debug's
// write sets, the json format), so that an ExecutionRecord must keep it.
bool outputs_need_history(const OutputArgs& args, InputForm form);

// Plans the files `args` asks for (-o unless '-', --history) in `plan`, before any work
// is done (OutputPlan::add's errors).
Status plan_output_files(const OutputArgs& args, OutputPlan& plan);
// The same, for callers written before Status: reports the error and returns false.
bool plan_outputs(const OutputArgs& args, OutputPlan* plan);

// Writes files first (all together, through `plan`, which holds what plan_outputs() and
// the caller planned, e.g. --record), then prints. With `withheld` non-empty no file is
// written and the summary says why. The overloads without a plan plan the files now.
// `timeline` is printed when non-empty (to stderr with `-o -`, whose stdout holds the
// results alone). Returns kExitOk, kExitViolation, or, when a file cannot be written,
// the status report_error gives for it (kExitIo) after printing why.
// REQUIRES: r.has_history() when outputs_need_history(args, its scenario's form).
int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble, OutputPlan& plan,
                 const std::string& withheld = "");
int emit_outcome(const ExecutionRecord& r, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble = "");
int emit_outcome(const History& h, const RunFacts& facts, const OutputArgs& args,
                 const std::string& timeline, const std::string& preamble = "");

}  // namespace banksim
