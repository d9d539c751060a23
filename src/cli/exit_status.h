// banksim's exit statuses: the one table that README's "Exit statuses" and every
// command's --help show (tests/e2e/exit_status_test.sh fails when they disagree with it),
// and the one place where an Error becomes a line on stderr and a status.
//
// Commands return CommandResult: an exit status of their verdict (kExitOk or
// kExitViolation), or an Error, which main reports (report_error). A command that must
// go on after an error (explore writes its other counterexamples, then its summary)
// reports it itself, with report_error, and returns the status that gives.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "sim/error.h"

namespace banksim {

constexpr int kExitOk = 0;         // every checked property holds
constexpr int kExitViolation = 1;  // a checked property is violated
constexpr int kExitBadInput = exit_status(ErrorCode::kInvalidInput);
constexpr int kExitBackendFailed = exit_status(ErrorCode::kBackendFailed);
constexpr int kExitIo = exit_status(ErrorCode::kIo);
constexpr int kExitInternal = exit_status(ErrorCode::kInternal);
constexpr int kExitInterrupted = exit_status(ErrorCode::kInterrupted);

struct ExitStatusRow {
  int status;
  std::string_view name;
  std::string_view meaning;
};

// Every exit status banksim gives, in increasing order.
inline constexpr std::array<ExitStatusRow, 7> kExitStatuses{{
    {kExitOk, "ok",
     "no checked property is violated (explore: in what was searched; the summary says "
     "whether that is every interleaving)"},
    {kExitViolation, "violation", "a checked property is violated (explore: its trace is written)"},
    {kExitBadInput, "invalid input",
     "a file, JSON, option or trace breaks a rule (one line names the file, JSON path or flag, "
     "and the rule); no output file is written"},
    {kExitBackendFailed, "backend failed",
     "a gRPC branch process died or hung, a message could not be delivered, or it ran out of "
     "threads or memory"},
    {kExitIo, "I/O",
     "an output (a file of -o, --history, --record, --viz or a trace; or stdout) cannot be "
     "written; no output file is left half written"},
    {kExitInternal, "internal",
     "a banksim bug caught at run time: explore or merge found a counterexample that did not "
     "reproduce on replay (it is not written)"},
    {kExitInterrupted, "interrupted",
     "SIGINT, SIGTERM or SIGHUP ended a gRPC run or replay (explore instead ends its search "
     "with a partial summary and 0 or 1)"},
}};

// What a command ends with (see above).
using CommandResult = Result<int>;

// The table as --help prints it: "Exit statuses:" then one line per status.
std::string exit_status_help();

// Prints "banksim: MESSAGE" on stderr and returns the error's exit status.
int report_error(const Error& error);
// The status main exits with for a command's result (reporting an Error).
int finish_command(const CommandResult& result);

}  // namespace banksim
