// The trace picture as one self-contained HTML page: the picture's data as JSON inside
// the page, and an inline script that draws it as an SVG sequence diagram (a lane per
// customer and per branch, an arrow per message). It fetches nothing, so it works offline
// and opened from disk. The same picture gives the same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "sim/trace.h"
#include "viz/trace_picture.h"

namespace banksim {

struct VizOptions {
  // Steps drawn at once. A longer trace opens on a window of this many steps around the
  // violation (or its start); the page's controls move the window or show everything.
  int64_t window_steps = 400;
};

std::string picture_html(const TracePicture& p, const VizOptions& options);

// Replays `t` (read from `source`), draws it and writes the page to `path` atomically.
// On failure an Error (the trace's: invalid input; the page's: I/O); nothing is written.
Status write_trace_html(const Trace& t, const std::string& source, const std::string& path,
                        const VizOptions& options);

// The page's path for a trace written to `trace_path`: its .json suffix replaced by .html
// (or .html appended).
std::string html_path_for_trace(const std::string& trace_path);

}  // namespace banksim
