// Writing an output file so that nobody ever sees half of it. A regular file (or a path
// that does not exist yet) is written to a temporary file in the same directory and
// renamed over the path once everything is written; on failure the temporary file is
// removed and the path is left as it was. A path that exists and is not a regular file
// (/dev/null, a pipe, a terminal) is written directly: renaming over it would replace
// the device or pipe with a plain file.
//
// The temporary file is created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, a random name
// like mkstemp's), so a file or symlink planted under that name is never followed or
// overwritten; its name keeps at most 100 bytes of the target's so it fits NAME_MAX; it
// gets the target's permission bits when the target exists (else 0666 minus the umask).
// While it exists it is registered, and SIGINT, SIGTERM and SIGHUP unlink it (with
// async-signal-safe calls only) before the signal takes its previous course.
//
// Also here: the standard streams' safety. banksim's errors go to stderr and its results
// to stdout; neither may turn a failed write into a crash or a silent success.
#pragma once

#include <string>
#include <string_view>

#include "sim/error.h"

namespace banksim {

// Writes `text` to `path` as described above. On failure an I/O Error, one line naming
// the path and the reason (the system's error text): "PATH: cannot write file: REASON".
Status write_file_atomically(const std::string& path, std::string_view text);
// The same, for callers written before Status: false and *error set on failure.
bool write_file_atomically(const std::string& path, std::string_view text, std::string* error);

// One output file written in two steps, so several outputs can appear together: stage()
// writes `text` to an exclusive temporary beside `path` exactly as write_file_atomically
// does (mode, name, signal cleanup), commit() renames it over `path`. A staged file that
// is not committed is removed (discard() or the destructor).
// REQUIRES: `path` is a regular file or does not exist (others are written in place).
class StagedFile {
 public:
  StagedFile() = default;
  ~StagedFile() { discard(); }
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  // On failure an I/O Error ("PATH: cannot write file: REASON"); then nothing is left
  // behind.
  Status stage(const std::string& path, std::string_view text);
  Status commit();
  void discard();
  bool staged() const { return !temporary_.empty(); }

 private:
  std::string path_;
  std::string temporary_;
  int slot_ = -1;  // its place in the signal handler's list
};

// True when both paths name the same existing file (same device and inode), e.g. an
// output path that is the input under another spelling or through a link.
bool same_existing_file(const std::string& a, const std::string& b);

// Call first in main. Opens /dev/null (in the useless direction, so writes to it fail
// visibly) on any of file descriptors 0, 1, 2 that is closed, so that no file banksim
// opens later takes their place and receives its messages; and makes writes to stderr
// never fail: a message that cannot be written (2>&-, 2>/dev/full) is dropped, so the
// exit status stays that of the error and nothing aborts. Writes to stdout never fail
// either (nothing throws halfway); the first failure's reason is kept for finish_stdout.
// Ignores SIGXFSZ, so a write past a file size limit is an error (EFBIG) like any other.
void guard_standard_streams();

// Call at the end of main: flushes stdout; when any write to it failed, an I/O Error
// "cannot write to stdout: REASON". `write_errno` is the error of a write that failed
// earlier and threw (0 if none).
Status flush_stdout(int write_errno = 0);
// flush_stdout for a program without banksim's exit table (banksim_gen): on failure prints
// "PROGRAM: cannot write to stdout: REASON" on stderr and returns kExitOutputFailed;
// otherwise returns `status`.
constexpr int kExitOutputFailed = exit_status(ErrorCode::kIo);
int finish_stdout(int status, std::string_view program, int write_errno = 0);

}  // namespace banksim
