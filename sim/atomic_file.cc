#include "sim/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace banksim {

namespace {

// Writes `text` through an ofstream opened on `path`; false (with *error) on failure.
bool write_through(const std::string& path, const std::string& shown_path, std::string_view text,
                   std::ios::openmode mode, std::string* error) {
  std::ofstream out(path, std::ios::binary | mode);
  if (!out) {
    *error = fmt::format("{}: cannot write file", shown_path);
    return false;
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) {
    *error = fmt::format("{}: write failed", shown_path);
    return false;
  }
  return true;
}

}  // namespace

bool write_file_atomically(const std::string& path, std::string_view text, std::string* error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device, pipe or socket: there is nothing to replace atomically, and renaming a
    // temporary file over /dev/null (as root) would turn it into a regular file.
    // Directories fail here with "cannot write file", as they did before.
    return write_through(path, path, text, std::ios::out, error);
  }
  const std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
  if (!write_through(tmp, path, text, std::ios::trunc, error)) {
    std::remove(tmp.c_str());
    return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    *error = fmt::format("{}: cannot write file: {}", path, ec.message());
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace banksim
