// Errors carry a code; the one mapping from codes to exit statuses and the documented
// table (cli/exit_status.h) agree.
#include <doctest/doctest.h>

#include "cli/exit_status.h"
#include "cli/output_plan.h"
#include "sim/error.h"

namespace banksim {
namespace {

std::string_view row_name(int status) {
  for (const ExitStatusRow& row : kExitStatuses) {
    if (row.status == status) return row.name;
  }
  return "";
}

TEST_CASE("status: an Error without a code is invalid input (old code keeps compiling)") {
  const Error e{"f.json: $: must be a list"};
  CHECK(e.code == ErrorCode::kInvalidInput);
  CHECK(exit_status(e.code) == 2);
  CHECK(io_error("x").code == ErrorCode::kIo);
  CHECK(internal_error("x").code == ErrorCode::kInternal);
  CHECK(backend_error("x").code == ErrorCode::kBackendFailed);
}

TEST_CASE("status: every code has its row in the exit table, under its name") {
  CHECK(row_name(exit_status(ErrorCode::kInvalidInput)) == "invalid input");
  CHECK(row_name(exit_status(ErrorCode::kIo)) == "I/O");
  CHECK(row_name(exit_status(ErrorCode::kBackendFailed)) == "backend failed");
  CHECK(row_name(exit_status(ErrorCode::kInternal)) == "internal");
  CHECK(row_name(exit_status(ErrorCode::kInterrupted)) == "interrupted");
  CHECK(row_name(kExitOk) == "ok");
  CHECK(row_name(kExitViolation) == "violation");
  // The help text has one line starting with each status.
  const std::string help = exit_status_help();
  for (const ExitStatusRow& row : kExitStatuses) {
    CHECK(help.find("\n  " + std::to_string(row.status) + " ") != std::string::npos);
  }
}

TEST_CASE("status: Status is ok or an Error") {
  const Status ok;
  CHECK(ok.ok());
  const Status failed = io_error("out.json: cannot write file: Permission denied");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ErrorCode::kIo);
}

TEST_CASE(
    "status: an output that cannot be written is I/O, two outputs on one path invalid input") {
  OutputPlan plan;
  const Status missing = plan.add("-o", "no-such-folder-for-status-test/r.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kIo);
  REQUIRE(plan.add("-o", "status-test-out.json").ok());
  const Status twice = plan.add("--history", "status-test-out.json");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == ErrorCode::kInvalidInput);
  CHECK(twice.error().message == "--history: status-test-out.json: is also -o's file");
}

}  // namespace
}  // namespace banksim
