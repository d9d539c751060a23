// The fixed parts of the trace page (style and script); viz_html.cc puts the picture's
// JSON between them. Everything is inline: the page loads nothing.
#pragma once

namespace banksim {

// From <!DOCTYPE html> to just before the data element.
extern const char* const kVizPageHead;
// From just after the data element to </html>: the script that draws the data.
extern const char* const kVizPageTail;

}  // namespace banksim
