// LEB128 varints (7 bits a byte, low first), as protobuf writes them: the byte format of
// WorldWire (sim/world_wire.*) and of the MPI explorer's batches (sim/mpi_explorer.*).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace banksim {

inline void append_varint(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

// The varint at in[*pos], *pos moved past it; nothing when it is truncated or longer than
// 64 bits take.
inline std::optional<uint64_t> read_varint(std::string_view in, size_t* pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return std::nullopt;
    const auto b = static_cast<uint8_t>(in[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return std::nullopt;
}

}  // namespace banksim
