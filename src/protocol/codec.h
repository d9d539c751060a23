// Converts Messages to and from the protobuf wire form (proto/banksim.proto).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/message.h"

namespace banksim {

namespace wire {
class Envelope;
}

void to_envelope(const Message& m, wire::Envelope* out);
// Returns nullopt when a field is out of range (unknown kind or interface).
std::optional<Message> from_envelope(const wire::Envelope& e);

// Serializes into `out` (reusing its capacity).
void encode_message(const Message& m, std::string* out);
// Returns nullopt when the bytes do not parse or a field is out of range.
std::optional<Message> decode_message(std::string_view bytes);

}  // namespace banksim
