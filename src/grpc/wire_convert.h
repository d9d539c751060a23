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
};

// "propagate of customer 1 event 2 from branch 1". REQUIRES: indices in range.
std::string describe_message(const Message& m, const BankLayout& layout);

// Fills `out` with a step's effects (the wire form of what the branch did).
void to_proto(int32_t branch, uint64_t step, const std::string& delivered_bytes,
              const Effects& effects, wire::StepEffects* out);
// Decodes and checks a reported step: every message parses and names existing actors;
// every observation is in range. On failure returns nullopt and sets *error.
std::optional<DecodedStep> decode_step(const wire::StepEffects& s, const BankLayout& layout,
                                       std::string* error);

}  // namespace banksim
