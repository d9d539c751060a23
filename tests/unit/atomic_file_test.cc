// write_file_atomically: the temporary file is never a planted name, never outlives the
// write (errors and signals included), and the target keeps its permission bits.
#include "sim/atomic_file.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace banksim {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "banksim-atomic-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("atomic file: writes the text and leaves nothing else") {
  TempDir dir;
  std::string error;
  REQUIRE(write_file_atomically((dir.path / "out.json").string(), "hello\n", &error));
  CHECK(read_all(dir.path / "out.json") == "hello\n");
  CHECK(dir.entries() == std::vector<std::string>{"out.json"});
}

TEST_CASE("atomic file: an existing target keeps its permission bits") {
  TempDir dir;
  const fs::path target = dir.path / "out.json";
  std::ofstream(target) << "old\n";
  REQUIRE(::chmod(target.c_str(), 0640) == 0);
  std::string error;
  REQUIRE(write_file_atomically(target.string(), "new\n", &error));
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(read_all(target) == "new\n");
}

TEST_CASE("atomic file: a 250-byte file name fits (the temporary name is shorter)") {
  TempDir dir;
  const fs::path target = dir.path / (std::string(245, 'a') + ".json");
  std::string error;
  CHECK(write_file_atomically(target.string(), "x\n", &error));
  CHECK(error.empty());
  CHECK(read_all(target) == "x\n");
  CHECK(dir.entries().size() == 1);
}

TEST_CASE("atomic file: a failure says why and leaves no temporary file") {
  TempDir dir;
  std::string error;
  CHECK_FALSE(write_file_atomically((dir.path / "no-such-dir" / "out.json").string(), "x", &error));
  CHECK(error.find("cannot write file: No such file or directory") != std::string::npos);
  CHECK(dir.entries().empty());
}

TEST_CASE("atomic file: SIGTERM during the write removes the temporary file") {
  TempDir dir;
  const std::string target = (dir.path / "out.json").string();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Deterministic: the write crosses a 64 KiB file size limit, SIGXFSZ's handler
    // raises SIGTERM in the middle of the write, with the temporary file half written.
    struct rlimit limit {
      65536, 65536
    };
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::signal(SIGXFSZ, [](int) { ::raise(SIGTERM); });
    std::string error;
    write_file_atomically(target, std::string(1 << 20, 'x'), &error);
    ::_exit(0);  // not reached: SIGTERM ends the child
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(dir.entries().empty());
}

TEST_CASE("atomic file: same_existing_file compares device and inode") {
  TempDir dir;
  const fs::path a = dir.path / "a.json";
  std::ofstream(a) << "{}\n";
  fs::create_hard_link(a, dir.path / "b.json");
  CHECK(same_existing_file(a.string(), (dir.path / "b.json").string()));
  CHECK(same_existing_file(a.string(), (dir.path / "." / "a.json").string()));
  CHECK_FALSE(same_existing_file(a.string(), (dir.path / "missing.json").string()));
  std::ofstream(dir.path / "c.json") << "{}\n";
  CHECK_FALSE(same_existing_file(a.string(), (dir.path / "c.json").string()));
}

}  // namespace
}  // namespace banksim
