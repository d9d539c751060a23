// encode_message writes exactly what protobuf's SerializeToString writes (the simulator
// and the gRPC transport must exchange the same bytes), and decode_message inverts it.
#include <doctest/doctest.h>

#include <string>

#include "banksim.pb.h"
#include "protocol/codec.h"
#include "sim/prng.h"

using namespace banksim;

TEST_CASE("codec: encode_message bytes equal SerializeToString, and decode inverts them") {
  Prng p(2024);
  std::string bytes;
  for (int i = 0; i < 5000; ++i) {
    Message m;
    m.kind = static_cast<MessageKind>(p.below(kMessageKindCount));
    m.iface = static_cast<Interface>(p.below(3));
    m.success = p.chance(1, 2);
    // Small, large and negative values: every varint width, zero fields left out.
    const auto i32 = [&] {
      switch (p.below(4)) {
        case 0: return int32_t{0};
        case 1: return static_cast<int32_t>(p.below(200));
        case 2: return static_cast<int32_t>(p.next());
        default: return -static_cast<int32_t>(p.below(1000)) - 1;
      }
    };
    m.from = i32();
    m.to = i32();
    m.customer = i32();
    m.event = i32();
    m.seq = i32();
    m.money = p.chance(1, 3) ? static_cast<int64_t>(p.next()) : p.between(-1000, 1000);
    encode_message(m, &bytes);
    wire::Envelope e;
    to_envelope(m, &e);
    REQUIRE(bytes == e.SerializeAsString());
    const auto back = decode_message(bytes);
    REQUIRE(back.has_value());
    CHECK(back->same_wire(m));
  }
}
