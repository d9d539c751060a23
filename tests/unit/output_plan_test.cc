// OutputPlan writes every planned file or none, and refuses a path it cannot write before
// anything runs; printable() and quote_for_error() keep input text to one short line.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "cli/output_plan.h"
#include "cli/report.h"
#include "sim/error.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("banksim-plan-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("output plan: checks paths up front and writes all files together") {
  TempDir dir;
  const std::string a = (dir.path / "a.json").string();
  const std::string b = (dir.path / "b.json").string();
  std::string error;
  SUBCASE("a missing folder is refused when added") {
    banksim::OutputPlan plan;
    CHECK_FALSE(plan.add("-o", (dir.path / "nope" / "x.json").string(), &error));
    CHECK(error.find("-o: ") == 0);
    CHECK(error.find("does not exist") != std::string::npos);
  }
  SUBCASE("a folder and a path taken twice are refused") {
    banksim::OutputPlan plan;
    CHECK_FALSE(plan.add("-o", dir.path.string(), &error));
    CHECK(error.find("is a folder") != std::string::npos);
    CHECK(plan.add("-o", a, &error));
    CHECK_FALSE(plan.add("--history", a, &error));
    CHECK(error.find("is also -o's file") != std::string::npos);
  }
  SUBCASE("commit writes every file, and leaves no temporary") {
    banksim::OutputPlan plan;
    REQUIRE(plan.add("-o", a, &error));
    REQUIRE(plan.add("--record", b, &error));
    plan.set(a, "A");
    plan.set(b, "B");
    REQUIRE(plan.commit(&error));
    CHECK(slurp(a) == "A");
    CHECK(slurp(b) == "B");
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
    CHECK(files == 2);
  }
  SUBCASE("when one file cannot be written, none is replaced") {
    { std::ofstream(a) << "old"; }
    banksim::OutputPlan plan;
    REQUIRE(plan.add("-o", a, &error));
    const fs::path gone = dir.path / "gone";
    fs::create_directories(gone);
    REQUIRE(plan.add("--history", (gone / "h.json").string(), &error));
    fs::remove_all(gone);  // the folder disappears during the run
    plan.set(a, "new");
    plan.set((gone / "h.json").string(), "H");
    CHECK_FALSE(plan.commit(&error));
    CHECK(error.find("--history: ") == 0);
    CHECK(slurp(a) == "old");
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
    CHECK(files == 1);
  }
  SUBCASE("an uncommitted plan writes nothing") {
    {
      banksim::OutputPlan plan;
      REQUIRE(plan.add("-o", a, &error));
      plan.set(a, "A");
    }
    CHECK_FALSE(fs::exists(a));
  }
}

TEST_CASE("printable: escapes control characters and caps the length") {
  CHECK(banksim::printable("plain text", 100) == "plain text");
  CHECK(banksim::printable("\x1b[2J\a", 100) == "\\x1b[2J\\x07");
  CHECK(banksim::printable("a\xc2\x9b"
                           "b",
                           100) == "a\\x9bb");  // C1 CSI in UTF-8
  CHECK(banksim::printable("caf\xc3\xa9", 100) == "caf\xc3\xa9");
  CHECK(banksim::printable(std::string(1000, 'x'), 10) == "xxxxxxxxxx... (990 more bytes)");
}

TEST_CASE("quote_for_error: caps what it echoes") {
  CHECK(banksim::quote_for_error("ab") == "\"ab\"");
  const std::string big(50 << 20, 'y');
  const std::string q = banksim::quote_for_error(big);
  CHECK(q.size() < 300);
  CHECK(q.find("more bytes)") != std::string::npos);
}
