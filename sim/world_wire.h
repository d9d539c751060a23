// WorldWire: a compact serialization of a World, for states that travel between processes
// (banksim explore --mpi, sim/mpi_explorer.h). Not a replay from the initial state: the
// bytes hold every field a World needs to go on exactly as the original would (actor
// states with a branch's receipts, messages in flight with their ids, armed timers, fault
// counts and the lost money they account for, the monitor's ghost state, violations found
// so far); the derived fields (actor and in-flight hashes, the quiescent-query gate) are
// recomputed. So decode(encode(w)) has w's fingerprint and w's successors, with the same
// message ids. Varints throughout: a small World is a few hundred bytes.
//
// The scenario and the WorldOptions are not in the bytes: the receiver builds the World
// from its own copies (every process reads the same scenario file). Not carried: the
// history (REQUIRES !options.record_history, as the explorer's Worlds) and the last
// step's scratch (last_sent(), last_observations(): empty, as in a copy).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sim/world.h"

namespace banksim {

class WorldWire {
 public:
  // Appends w's serialization to *out. REQUIRES: !w.options().record_history, !w.halted().
  static void encode(const World& w, std::string* out);
  // The World `bytes` (one encode() output) describe, built with `scenario` and `options`
  // (those of the World that was encoded). Malformed bytes are a programmer error: banksim
  // ends with an internal error (they come from another banksim process of the same run).
  static World decode(std::shared_ptr<const Scenario> scenario, const WorldOptions& options,
                      std::string_view bytes);
};

}  // namespace banksim
