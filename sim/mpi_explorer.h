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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/explorer.h"
#include "sim/mpi_checkpoint.h"

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
  // Whether `ok` holds on every rank (every rank calls it).
  bool all(bool ok) const;

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

// This rank's share of an MPI checkpoint (sim/mpi_checkpoint.h), for mpi_explore to go on
// from: what the manifest says and, of every rank's part, what this rank owns under the
// current rank count (fingerprint_owner), so it may differ from the one that wrote it.
struct MpiResume {
  std::string source;              // DIR/mpi-checkpoint.bin
  MpiCheckpointManifest manifest;  // counts over every rank, counterexamples so far
  std::vector<uint64_t> visited;
  std::string frontier;  // items (the exchange's format) of the level being expanded
  std::string next;      // items of the next level so far
};

// Every rank reads the manifest of DIR and every part it names (DIR must be visible to
// every rank: one machine or a shared file system) and keeps its share. Invalid input on
// every rank when any rank's reading failed (one line: the reason, or which rank failed).
Result<MpiResume> mpi_read_checkpoint(const MpiSession& mpi, const std::string& dir,
                                      const CheckpointKey& key);

// Checkpoints of an MPI search (--checkpoint DIR, --resume DIR).
struct MpiCheckpointing {
  std::string dir;  // where to write them; empty: none
  CheckpointKey key;
  // Asked on rank 0 after each exchange; its answer reaches every rank through the
  // exchange's reduction. A checkpoint is also written when a poll stops the search.
  std::function<bool()> due;
  std::function<void()> written;  // rank 0, after each checkpoint committed
  const MpiResume* resume = nullptr;
  // Rank 0, at the end: checkpoints committed, and the first failure (the search goes on).
  uint64_t count = 0;
  std::optional<Error> error;
};

// REQUIRES: options.strategy == kDfs (the search is breadth-first all the same), no
// resume, checkpoint or keep_fingerprints (its checkpoints are `checkpointing`'s);
// options.max_depth == 0 and max_states at its default are not bounded by the order
// (refused by the CLI). Every rank calls it with the
// same scenario and options; every rank returns the same stats and, unminimized, the same
// counterexamples; rank 0's are minimized as explore()'s (options.minimize).
// options.poll is asked on every rank between rounds and every kPollEvery transitions; a
// rank whose poll asked to stop expands no more states in that round. With
// `checkpointing`, a checkpoint is written after the exchange that agreed a checkpoint was
// due or a poll stopped the search (sim/mpi_checkpoint.h), and a search resumed from one
// (checkpointing->resume) ends with the counts, verdicts and counterexamples of the search
// that was never interrupted, for any rank count before and after.
ExploreResult mpi_explore(const MpiSession& mpi, std::shared_ptr<const Scenario> scenario,
                          const ExploreOptions& options, MpiExploreReport* report,
                          MpiCheckpointing* checkpointing = nullptr);

}  // namespace banksim
