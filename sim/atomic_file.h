// Writing an output file so that nobody ever sees half of it. A regular file (or a path
// that does not exist yet) is written to a temporary file in the same directory and
// renamed over the path once everything is written; on failure the temporary file is
// removed and the path is left as it was. A path that exists and is not a regular file
// (/dev/null, a pipe, a terminal) is written directly: renaming over it would replace
// the device or pipe with a plain file.
#pragma once

#include <string>
#include <string_view>

namespace banksim {

// Writes `text` to `path` as described above. On failure returns false and sets *error
// to a one-line message naming the path.
bool write_file_atomically(const std::string& path, std::string_view text, std::string* error);

}  // namespace banksim
