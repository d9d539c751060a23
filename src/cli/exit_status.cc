#include "cli/exit_status.h"

#include <cstdio>

#include <fmt/format.h>

#include "cli/cli_style.h"

namespace banksim {

namespace {

// The table agrees with the mapping: every code's status is a row, in increasing order.
constexpr bool has_row(int status) {
  for (const ExitStatusRow& row : kExitStatuses) {
    if (row.status == status) return true;
  }
  return false;
}
constexpr bool increasing() {
  for (size_t i = 1; i < kExitStatuses.size(); ++i) {
    if (kExitStatuses[i - 1].status >= kExitStatuses[i].status) return false;
  }
  return true;
}
static_assert(has_row(exit_status(ErrorCode::kInvalidInput)) &&
              has_row(exit_status(ErrorCode::kIo)) &&
              has_row(exit_status(ErrorCode::kBackendFailed)) &&
              has_row(exit_status(ErrorCode::kInterrupted)) &&
              has_row(exit_status(ErrorCode::kInternal)));
static_assert(increasing());

}  // namespace

std::string exit_status_help() {
  std::string out = "Exit statuses:\n";
  for (const ExitStatusRow& row : kExitStatuses) {
    out += HelpFormatter::wrap(fmt::format("  {}", row.status),
                               fmt::format("{}: {}", row.name, row.meaning), 8);
  }
  return out;
}

int report_error(const Error& error) {
  fmt::print(stderr, "banksim: {}\n", error.message);
  return exit_status(error.code);
}

int finish_command(const CommandResult& result) {
  return result.ok() ? result.value() : report_error(result.error());
}

}  // namespace banksim
