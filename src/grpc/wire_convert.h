// Conversions between protocol values and the service messages of
// proto/banksim_service.proto (observations, step effects, packets).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "banksim_service.pb.h"
#include "protocol/bank_layout.h"
#include "protocol/effects.h"
#include "protocol/message.h"

namespace banksim {

void to_proto(const Observation& o, wire::Observation* out);
// Nullopt when a field is out of range for `layout` (unknown kind, customer, event, branch).
std::optional<Observation> from_proto(const wire::Observation& o, const BankLayout& layout);

// A decoded step of a branch: what it consumed, sent and observed.
struct DecodedStep {
  Message delivered;
  std::vector<Message> sends;
  std::vector<std::string> send_bytes;  // the sends' wire bytes, as the branch encoded them
  std::vector<Observation> observations;
  std::vector<TimerEffect> timers;  // set or cancelled, in order (robust)
  std::optional<TimerKey> fired;    // a timer step: the timer (then `delivered` is unset)
};

void to_proto(const TimerKey& k, bool set, wire::Timer* out);
// Nullopt when a field is out of range for `layout` (kind other than request/propagate,
// unknown owner, customer, event or peer branch, or an owner of the wrong kind).
std::optional<TimerKey> from_proto(const wire::Timer& t, const BankLayout& layout);

// "propagate of customer 1 event 2 from branch 1". REQUIRES: indices in range.
std::string describe_message(const Message& m, const BankLayout& layout);

// Fills `out` with a step's effects (the wire form of what the branch did). A timer step
// passes empty `delivered_bytes` and the timer in `fired`.
void to_proto(int32_t branch, uint64_t step, const std::string& delivered_bytes,
              const Effects& effects, wire::StepEffects* out, const TimerKey* fired = nullptr);
// Decodes and checks a reported step: every message parses and names existing actors;
// every observation is in range. On failure returns nullopt and sets *error.
std::optional<DecodedStep> decode_step(const wire::StepEffects& s, const BankLayout& layout,
                                       std::string* error);

}  // namespace banksim
