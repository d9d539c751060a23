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

Status OutputPlan::add(const std::string& flag, const std::string& path) {
  assert(!path.empty());
  // What stops the output being written is an I/O error; two outputs on one path is a
  // misuse of the flags (invalid input).
  const auto fail = [&](const std::string& rule, ErrorCode code = ErrorCode::kIo) {
    return Error{fmt::format("{}: {}: {}", flag, path, rule), code};
  };
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fail("is a folder, not a file");
  const bool special = exists && !S_ISREG(st.st_mode);
  for (const Entry& e : entries_) {
    if (!special && e.path == path) {
      return fail(fmt::format("is also {}'s file", e.flag), ErrorCode::kInvalidInput);
    }
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
  return {};
}

bool OutputPlan::add(const std::string& flag, const std::string& path, std::string* error) {
  const Status added = add(flag, path);
  if (!added.ok()) *error = added.error().message;
  return added.ok();
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

Status OutputPlan::commit() {
  // Each failure names the flag: "FLAG: PATH: cannot write file: REASON".
  const auto fail = [&](const Entry& e, const Status& failed) {
    remove_temporaries();
    return Error{fmt::format("{}: {}", e.flag, failed.error().message), failed.error().code};
  };
  // 1. Every regular file to an exclusive temporary beside it (sim/atomic_file.h: same
  //    folder, so the rename is atomic; removed on failure and on SIGINT/SIGTERM/SIGHUP).
  for (Entry& e : entries_) {
    if (!e.has_text || e.special) continue;
    if (Status staged = e.staged.stage(e.path, e.text); !staged.ok()) return fail(e, staged);
  }
  // 2. Files that are not regular cannot be staged; a failure still replaces nothing.
  for (Entry& e : entries_) {
    if (!e.has_text || !e.special) continue;
    if (Status written = write_file_atomically(e.path, e.text); !written.ok()) {
      return fail(e, written);
    }
  }
  // 3. Into place.
  for (Entry& e : entries_) {
    if (!e.staged.staged()) continue;
    if (Status committed = e.staged.commit(); !committed.ok()) return fail(e, committed);
  }
  return {};
}

bool OutputPlan::commit(std::string* error) {
  const Status committed = commit();
  if (!committed.ok()) *error = committed.error().message;
  return committed.ok();
}

}  // namespace banksim
