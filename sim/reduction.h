// Partial-order reduction by persistent sets. Deliveries to different actors commute
// (each actor is a deterministic state machine and the network is a multiset), so from
// a state it is enough to explore the deliveries to a set S of actors, provided no
// execution that avoids those deliveries can ever send a new message to an actor in S
// (then every such execution commutes with them). S is grown by a may-send analysis
// from the protocol's structure; if it grows to every busy actor there is no reduction.
//
// Every property banksim checks is decided by the actors' local orders and causality,
// so it holds on all interleavings of an execution or on none; and the state space is
// acyclic (each delivery makes irreversible progress), so persistent sets alone are
// sound for it. tests/unit/explorer_test.cc checks that reduction keeps every terminal
// state and every violation on the shipped scenarios.
#pragma once

#include <vector>

#include "sim/world.h"

namespace banksim {

// REQUIRES: enabled == the deliveries the network model allows in `world`, in id order:
// every in-flight message, or under per-link FIFO the oldest of each link (quiescent
// queries off); then, with fault budgets, the fault choices of explorer.cc's
// fault_choices(). Writes a persistent subset of `enabled` (never empty when enabled is
// not). With faults: when drops are the only fault choices (and no duplicate was ever
// taken), the deliveries' persistent set plus the drops of its messages; when another
// fault can be taken (a duplicate, crash, restart, partition or heal), every choice.
void persistent_set(const World& world, const std::vector<Choice>& enabled,
                    std::vector<Choice>* out);
// The same, told whether the network keeps per-link FIFO (the overload above assumes it
// may). Without FIFO the in-flight messages are a multiset, and more credits commute
// (see credit_singleton in reduction.cc): two deliveries at one branch that both send on
// the same link would leave that link's order differing between the two orders.
void persistent_set(const World& world, const std::vector<Choice>& enabled, bool fifo,
                    std::vector<Choice>* out);

// Orders messages by content (every field on the wire; never the id, which depends on the
// path that reached a state): the order persistent sets break ties in, and the order of
// a sleep mask's bits (explore --sleep-sets). Messages of equal content are equal, and
// delivering either gives the same state.
bool content_less(const Message& a, const Message& b);

}  // namespace banksim
