// OutputPlan: every output file of one command, all or nothing. Each path is checked when
// it is added, before the command does any work (a missing folder is reported at once,
// not after the simulation); the texts are written together at the end: every regular
// file first to a temporary beside it (a StagedFile, sim/atomic_file.h), and only when all
// of them are written are they renamed into place. On any failure every temporary is
// removed and no path is touched. Paths that are not regular files (/dev/null, a pipe)
// cannot be staged: they are written directly, after every temporary is written.
//
// Invariant: a path appears once, unless it is not a regular file (/dev/null may take
// -o, --history and --record at once).
#pragma once

#include <string>
#include <vector>

#include "sim/atomic_file.h"

namespace banksim {

class OutputPlan {
 public:
  OutputPlan() = default;
  OutputPlan(const OutputPlan&) = delete;
  OutputPlan& operator=(const OutputPlan&) = delete;
  // Removes the temporaries of an uncommitted plan.
  ~OutputPlan();

  // Plans `path` for the output named by `flag` (e.g. "-o"). An Error ("FLAG: PATH:
  // RULE") when it cannot be written (I/O): its folder does not exist or is not writable,
  // it is a folder; or when another output already writes it (invalid input).
  Status add(const std::string& flag, const std::string& path);
  bool has(const std::string& path) const;
  // The text for a planned path. REQUIRES: has(path).
  void set(const std::string& path, std::string text);
  // Writes every planned path that has a text, as described above. An I/O Error when one
  // cannot be written; then no regular file was replaced.
  Status commit();
  // The same two, for callers written before Status: false and *error set on failure.
  bool add(const std::string& flag, const std::string& path, std::string* error);
  bool commit(std::string* error);

 private:
  struct Entry {
    std::string flag;
    std::string path;
    bool special = false;  // exists and is not a regular file: written directly
    bool has_text = false;
    std::string text;
    StagedFile staged;  // the temporary while committing
  };
  void remove_temporaries();

  std::vector<Entry> entries_;
};

}  // namespace banksim
