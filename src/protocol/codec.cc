#include "protocol/codec.h"

#include <cassert>

#include "banksim.pb.h"

namespace banksim {

void to_envelope(const Message& m, wire::Envelope* out) {
  out->Clear();
  out->set_from(m.from);
  out->set_to(m.to);
  out->set_kind(static_cast<wire::Kind>(m.kind));
  out->set_interface(static_cast<wire::Interface>(m.iface));
  out->set_success(m.success);
  out->set_customer(m.customer);
  out->set_event(m.event);
  out->set_seq(m.seq);
  out->set_money(m.money);
}

std::optional<Message> from_envelope(const wire::Envelope& e) {
  if (e.kind() < 0 || e.kind() >= kMessageKindCount) return std::nullopt;
  if (e.interface() < 0 || e.interface() > 2) return std::nullopt;
  return Message{.kind = static_cast<MessageKind>(e.kind()),
                 .iface = static_cast<Interface>(e.interface()),
                 .success = e.success(),
                 .from = e.from(),
                 .to = e.to(),
                 .customer = e.customer(),
                 .event = e.event(),
                 .seq = e.seq(),
                 .money = e.money()};
}

void encode_message(const Message& m, std::string* out) {
  // One envelope per thread: the simulator encodes every message, and reusing the object
  // avoids an allocation per send.
  thread_local wire::Envelope envelope;
  to_envelope(m, &envelope);
  // SerializeToString's own steps without its generic append path: the same serializer,
  // so the same bytes.
  const size_t size = envelope.ByteSizeLong();
  out->resize(size);
  uint8_t* const begin = reinterpret_cast<uint8_t*>(out->data());
  uint8_t* const end = envelope.SerializeWithCachedSizesToArray(begin);
  assert(end == begin + size);
  (void)end;
}

std::optional<Message> decode_message(std::string_view bytes) {
  thread_local wire::Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  return from_envelope(envelope);
}

}  // namespace banksim
