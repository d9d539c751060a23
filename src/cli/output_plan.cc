#include "cli/output_plan.h"

#include <cassert>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/atomic_file.h"

namespace banksim {

OutputPlan::~OutputPlan() {
  remove_temporaries();
}

bool OutputPlan::add(const std::string& flag, const std::string& path, std::string* error) {
  assert(!path.empty());
  const auto fail = [&](const std::string& rule) {
    *error = fmt::format("{}: {}: {}", flag, path, rule);
    return false;
  };
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fail("is a folder, not a file");
  const bool special = exists && !S_ISREG(st.st_mode);
  for (const Entry& e : entries_) {
    if (!special && e.path == path) return fail(fmt::format("is also {}'s file", e.flag));
  }
  if (special) {
    if (::access(path.c_str(), W_OK) != 0) return fail("cannot write file (no permission)");
  } else {
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    struct stat dir {};
    if (::stat(folder.c_str(), &dir) != 0) {
      return fail(fmt::format("cannot write file: the folder {} does not exist", folder.string()));
    }
    if (!S_ISDIR(dir.st_mode)) {
      return fail(fmt::format("cannot write file: {} is not a folder", folder.string()));
    }
    if (::access(folder.c_str(), W_OK | X_OK) != 0) {
      return fail(fmt::format("cannot write file: the folder {} is not writable", folder.string()));
    }
  }
  Entry entry;
  entry.flag = flag;
  entry.path = path;
  entry.special = special;
  entries_.push_back(std::move(entry));
  return true;
}

bool OutputPlan::has(const std::string& path) const {
  for (const Entry& e : entries_) {
    if (e.path == path) return true;
  }
  return false;
}

void OutputPlan::set(const std::string& path, std::string text) {
  for (Entry& e : entries_) {
    if (e.path == path && !e.has_text) {
      e.has_text = true;
      e.text = std::move(text);
      return;
    }
  }
  assert(false && "set() of a path that was not planned, or set twice");
}

void OutputPlan::remove_temporaries() {
  for (Entry& e : entries_) e.staged.discard();
}

bool OutputPlan::commit(std::string* error) {
  // 1. Every regular file to an exclusive temporary beside it (sim/atomic_file.h: same
  //    folder, so the rename is atomic; removed on failure and on SIGINT/SIGTERM/SIGHUP).
  for (Entry& e : entries_) {
    if (!e.has_text || e.special) continue;
    if (!e.staged.stage(e.path, e.text, error)) {
      *error = fmt::format("{}: {}", e.flag, *error);
      remove_temporaries();
      return false;
    }
  }
  // 2. Files that are not regular cannot be staged; a failure still replaces nothing.
  for (Entry& e : entries_) {
    if (!e.has_text || !e.special) continue;
    if (!write_file_atomically(e.path, e.text, error)) {
      *error = fmt::format("{}: {}", e.flag, *error);
      remove_temporaries();
      return false;
    }
  }
  // 3. Into place.
  for (Entry& e : entries_) {
    if (!e.staged.staged()) continue;
    if (!e.staged.commit(error)) {
      *error = fmt::format("{}: {}", e.flag, *error);
      remove_temporaries();
      return false;
    }
  }
  return true;
}

}  // namespace banksim
