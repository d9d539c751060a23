#include "orchestration/self_process.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>

namespace banksim {

namespace {

constexpr std::uintmax_t kHugeInputBytes = 4 << 20;

std::optional<std::string> read_self_link() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

std::string self_executable() {
  return read_self_link().value_or("banksim");
}

void restart_with_huge_page_malloc(const std::string& input, char** argv) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(input, ec);
  if (ec || size < kHugeInputBytes) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::optional<std::string> before =
      current != nullptr ? std::optional<std::string>(current) : std::nullopt;
  if (before && before->find("glibc.malloc.hugetlb") != std::string::npos) return;
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload != nullptr && std::string(preload).find("vgpreload") != std::string::npos) return;
  const auto exe = read_self_link();
  if (!exe) return;
  const std::string tunables =
      before ? *before + ":glibc.malloc.hugetlb=1" : "glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  std::fflush(nullptr);
  ::execv(exe->c_str(), argv);
  // Still here: the restart failed. Leave the environment as it was.
  if (before) {
    ::setenv("GLIBC_TUNABLES", before->c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace banksim
