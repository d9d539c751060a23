#include "viz/viz_html.h"

#include <cassert>

#include <nlohmann/json.hpp>

#include "sim/atomic_file.h"
#include "viz/viz_page.h"

namespace banksim {

namespace {

using json = nlohmann::ordered_json;

std::string_view fate_name(MessageFate f) {
  switch (f) {
    case MessageFate::kDelivered:
      return "delivered";
    case MessageFate::kInFlight:
      return "in_flight";
    case MessageFate::kDropped:
      return "dropped";
  }
  assert(false && "unknown fate");
  return "";
}

std::string_view mark_name(MarkKind k) {
  switch (k) {
    case MarkKind::kApply:
      return "apply";
    case MarkKind::kServe:
      return "serve";
    case MarkKind::kReply:
      return "reply";
  }
  assert(false && "unknown mark");
  return "";
}

// The page's data. Short keys: a long trace has many messages. Documented in viz_page.cc.
json picture_json(const TracePicture& p, const VizOptions& options) {
  json d;
  d["source"] = p.source;
  d["origin"] = p.origin;
  d["protocol"] = p.protocol;
  d["timed"] = p.timed;
  d["steps"] = p.steps;
  d["quiescent"] = p.quiescent;
  d["window"] = options.window_steps;
  json times = json::array();
  for (const int64_t t : p.step_times_us) times.push_back(t);
  d["times"] = std::move(times);
  json lanes = json::array();
  for (const PictureLane& l : p.lanes) {
    json j;
    j["kind"] = l.is_branch ? "branch" : "customer";
    j["id"] = l.id;
    if (l.is_branch) {
      j["initial"] = l.initial;
      j["final"] = l.final_balance;
    }
    lanes.push_back(std::move(j));
  }
  d["lanes"] = std::move(lanes);
  json messages = json::array();
  for (const PictureMessage& m : p.messages) {
    json j;
    j["id"] = m.id;
    j["from"] = m.from;
    j["to"] = m.to;
    j["sent"] = m.sent;
    j["end"] = m.end;
    j["fate"] = std::string(fate_name(m.fate));
    j["kind"] = std::string(message_kind_name(m.kind));
    j["label"] = m.label;
    j["detail"] = m.detail;
    j["c"] = m.about.customer_id;
    j["e"] = m.about.event_id;
    j["hl"] = m.highlighted;
    messages.push_back(std::move(j));
  }
  d["messages"] = std::move(messages);
  json marks = json::array();
  for (const PictureMark& m : p.marks) {
    json j;
    j["lane"] = m.lane;
    j["step"] = m.step;
    j["kind"] = std::string(mark_name(m.kind));
    j["label"] = m.label;
    j["detail"] = m.detail;
    j["c"] = m.about.customer_id;
    j["e"] = m.about.event_id;
    j["hl"] = m.highlighted;
    marks.push_back(std::move(j));
  }
  d["marks"] = std::move(marks);
  json holds = json::array();
  for (const PictureHold& h : p.holds) {
    json j;
    j["lane"] = h.lane;
    j["from"] = h.from;
    j["to"] = h.to;
    j["detail"] = h.detail;
    j["c"] = h.about.customer_id;
    j["e"] = h.about.event_id;
    j["hl"] = h.highlighted;
    holds.push_back(std::move(j));
  }
  d["holds"] = std::move(holds);
  if (p.violation) {
    json v;
    v["property"] = std::string(property_name(p.violation->property));
    v["sentence"] = p.violation->sentence;
    v["detail"] = p.violation->detail;
    v["step"] = p.violation->step;
    d["violation"] = std::move(v);
  } else {
    d["violation"] = nullptr;
  }
  d["verdict"] = p.verdict;
  return d;
}

// JSON text that is safe inside <script>: "</" and "<!--" cannot end or confuse the
// element, and U+2028/2029 are escaped (nlohmann keeps them raw).
std::string script_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string picture_html(const TracePicture& p, const VizOptions& options) {
  assert(options.window_steps > 0);
  // Invalid UTF-8 from a scenario path is replaced, never a throw.
  const std::string data =
      picture_json(p, options).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string html;
  html.reserve(data.size() + 32'000);
  html += kVizPageHead;
  html += "<script type=\"application/json\" id=\"trace-data\">";
  html += script_safe(data);
  html += "</script>\n";
  html += kVizPageTail;
  return html;
}

Status write_trace_html(const Trace& t, const std::string& source, const std::string& path,
                        const VizOptions& options) {
  auto picture = picture_trace(t, source);
  if (!picture.ok()) return picture.error();
  return write_file_atomically(path, picture_html(picture.value(), options));
}

std::string html_path_for_trace(const std::string& trace_path) {
  const std::string suffix = ".json";
  if (trace_path.size() > suffix.size() &&
      trace_path.compare(trace_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return trace_path.substr(0, trace_path.size() - suffix.size()) + ".html";
  }
  return trace_path + ".html";
}

}  // namespace banksim
