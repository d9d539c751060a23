// Every input under tests/fuzz/regressions/{scenario,trace}/ once crashed, hung or
// tripped a sanitizer in a fuzz target. Each goes through the same code as the fuzz
// targets (fuzz_inputs.cc), which aborts on any broken expectation; the test passes when
// every input comes back as a loaded value or a clean Error. Files whose name starts
// with "ok-" must load; every other file must be rejected.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_inputs.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs(const std::string& kind) {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(fs::path(BANKSIM_FUZZ_DIR) / "regressions" / kind)) {
    if (entry.is_regular_file() && entry.path().filename() != "README")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool must_load(const fs::path& p) {
  return p.filename().string().rfind("ok-", 0) == 0;
}

}  // namespace

TEST_CASE("fuzz regressions: scenario inputs load or are rejected cleanly") {
  const auto files = inputs("scenario");
  CHECK(!files.empty());
  for (const fs::path& p : files) {
    CAPTURE(p.string());
    CHECK(banksim::fuzz_scenario_input(read(p)) == must_load(p));
  }
}

TEST_CASE("fuzz regressions: trace inputs load, replay or are rejected cleanly") {
  const auto files = inputs("trace");
  CHECK(!files.empty());
  for (const fs::path& p : files) {
    CAPTURE(p.string());
    CHECK(banksim::fuzz_trace_input(read(p)) == must_load(p));
  }
}
