// The exhaustive search spread over MPI processes (`mpirun -np N banksim explore F --mpi`;
// README: "Exploring across machines"). Built only with the CMake option BANKSIM_MPI
// (target banksim_mpi, the one that links Open MPI); this header names no MPI type, so the
// CLI includes it without MPI's headers.
//
// Each rank owns the states whose fingerprint_owner(fp, ranks) is its rank: it keeps
// their visited set, expands them as explore() does (explorer_enabled, explorer_expanded:
// the same persistent sets, a function of the state) and sends each successor, as the
// state itself (WorldWire) with its fingerprint and the path that reached it, to the
// successor's owner. The search is breadth-first and level-synchronous: a level is
// expanded in rounds of at most kMpiRoundStates states per rank, each round ends with one
// all-to-all exchange of the successors, and a level ends when every rank has expanded
// its part; the search ends when the next level is empty on every rank (a sum over the
// ranks), or after the level where a violation was found (without keep_going), or when a
// poll asked (checked on every rank, acted on by all at the end of the round). Exact:
// every message sent in a round is received in that round.
//
// So distinct, terminal and transition counts, max depth and the violated properties of a
// complete search equal explore()'s, for any rank count; the counterexamples too once
// minimized (rank 0 shortens them as explore() does). Which World a rank keeps for a
// state reached by several paths in one level (the ids of its messages differ) is that
// of the smallest path, so nothing depends on the order messages arrive in.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/explorer.h"

namespace banksim {

constexpr uint64_t kMpiRoundStates = 4096;

// MPI for one command: MPI_Init when made, MPI_Finalize when destroyed. One at a time.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank 0's `value`, on every rank (a broadcast; every rank calls it).
  int broadcast(int value) const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

// One rank's share of a search.
struct MpiRankShare {
  uint64_t states = 0;           // distinct states it owns
  uint64_t visited_bytes = 0;    // its visited set
  uint64_t sent_states = 0;      // successors it sent to other ranks
  uint64_t sent_bytes = 0;       // their bytes (fingerprint, path, World)
  uint64_t local_states = 0;     // successors it owned itself (not sent)
  uint64_t max_world_bytes = 0;  // largest serialized World it sent or kept
  uint64_t peak_rss = 0;         // its peak resident set, bytes
};

struct MpiExploreReport {
  std::vector<MpiRankShare> ranks;  // by rank (filled on every rank)
  uint64_t levels = 0;              // breadth-first levels expanded
  uint64_t rounds = 0;              // exchanges
};

// REQUIRES: options.strategy == kDfs (the search is breadth-first all the same), no
// resume, checkpoint or keep_fingerprints; options.max_depth == 0 and max_states at its
// default are not bounded by the order (refused by the CLI). Every rank calls it with the
// same scenario and options; every rank returns the same stats and, unminimized, the same
// counterexamples; rank 0's are minimized as explore()'s (options.minimize).
// options.poll is asked on every rank between rounds and every kPollEvery transitions.
ExploreResult mpi_explore(const MpiSession& mpi, std::shared_ptr<const Scenario> scenario,
                          const ExploreOptions& options, MpiExploreReport* report);

}  // namespace banksim
