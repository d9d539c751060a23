// TracePicture: what a sequence diagram of one trace shows, as plain data. It is read off
// the World while the trace is replayed by replay_trace() (the same machinery as `banksim
// replay`), so the picture shows exactly the execution the trace reproduces.
//
// Rows are steps: step 0 is the start (customers issue their first requests), step k the
// k-th delivery of the schedule. Every message has the step it was sent at and, when it
// ended, the step it ended at and how (delivered; a later fault model may drop it, which
// the page draws as a cross). Messages still in flight when the trace ends have no end.
//
// Invariants: lanes are customers (scenario order) then branches (scenario order);
// messages are sorted by id; every mark and hold names an existing lane and step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/properties.h"
#include "sim/error.h"
#include "sim/trace.h"

namespace banksim {

// Traces sending more messages than this are refused: the page would be too large to
// load (a message and its marks take about 500 bytes of the page).
constexpr uint64_t kMaxPictureMessages = 200'000;

enum class MessageFate : uint8_t { kDelivered = 0, kInFlight = 1, kDropped = 2 };

// The customer event a message, mark or hold is about: dense indices and scenario ids.
struct PictureEvent {
  int32_t customer = 0;
  int32_t event = 0;
  int64_t customer_id = 0;
  int64_t event_id = 0;
};

struct PictureLane {
  bool is_branch = false;
  int64_t id = 0;           // the scenario's customer or branch id
  Money initial = 0;        // branches: initial balance
  Money final_balance = 0;  // branches: balance when the trace ends
};

struct PictureMessage {
  uint64_t id = 0;
  int32_t from = 0;  // lane
  int32_t to = 0;    // lane
  int64_t sent = 0;  // step
  int64_t end = -1;  // step delivered (or dropped); -1 while in flight
  MessageFate fate = MessageFate::kInFlight;
  MessageKind kind = MessageKind::kRequest;
  std::string label;   // short: "deposit 100", "propagate +100", "ack", "reply: balance 0"
  std::string detail;  // one line for hover
  PictureEvent about;
  bool highlighted = false;  // part of the violation
};

enum class MarkKind : uint8_t { kApply = 0, kServe = 1, kReply = 2 };

struct PictureMark {
  int32_t lane = 0;
  int64_t step = 0;
  MarkKind kind = MarkKind::kApply;
  std::string label;
  std::string detail;
  PictureEvent about;
  bool highlighted = false;
};

// A request a branch held (session protocol) from its delivery until it was served.
struct PictureHold {
  int32_t lane = 0;
  int64_t from = 0;  // step the request was delivered
  int64_t to = -1;   // step it was served; -1: still held at the end
  std::string detail;
  PictureEvent about;
  bool highlighted = false;
};

struct PictureViolation {
  Property property = Property::kConvergence;
  std::string sentence;  // what the property promises, in words
  std::string detail;    // the monitor's line naming the events
  int64_t step = 0;      // the step at which it became visible
};

struct TracePicture {
  std::string source;  // the trace's path, as given
  std::string origin;  // run or explore
  std::string protocol;
  bool timed = false;                  // steps carry virtual times (run traces)
  std::vector<int64_t> step_times_us;  // per step when timed (step 0: 0)
  int64_t steps = 0;                   // deliveries; rows are 0..steps
  bool quiescent = false;
  std::vector<PictureLane> lanes;
  std::vector<PictureMessage> messages;
  std::vector<PictureMark> marks;
  std::vector<PictureHold> holds;
  std::optional<PictureViolation> violation;
  // Text for the header when nothing was violated (what was and was not judged).
  std::string verdict;
};

// What `p` promises, as one sentence (for the page's header).
std::string_view property_sentence(Property p);

// Replays `t` and reads its picture. Errors: the schedule does not fit (as replay), the
// recorded violation is not reproduced, or more than kMaxPictureMessages messages.
Result<TracePicture> picture_trace(const Trace& t, const std::string& source);

}  // namespace banksim
