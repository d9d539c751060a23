// Checkpoint files of the MPI search (`mpirun -np N banksim explore F --mpi --checkpoint DIR`,
// `--resume DIR`; README: "Checkpoint and resume"). Taken at a round boundary of
// sim/mpi_explorer.h's breadth-first search, where every rank holds exactly the visited
// fingerprints it owns and its part of the frontier, and nothing is in transit:
//   DIR/mpi-<G>/rank-<K>.bin   rank K's part of generation G, written and fsync'ed by rank K:
//     "banksim-mpi-rank\n", u32 format, key (three strings), u32 ranks, u32 rank,
//     u64 generation, visited (u64 list, sorted), the rest of the level being expanded and
//     the next level so far (two strings: items as the exchange sends them, varints:
//     fingerprint, path length, path, World length, WorldWire bytes), u64 checksum.
//   DIR/mpi-checkpoint.bin     the manifest, written by rank 0 once every part is on disk
//     (a barrier), to a temporary, fsync'ed and renamed (then the directory fsync'ed):
//     "banksim-mpi-checkpoint\n", u32 format, key, u32 ranks, u64 generation, the level
//     (depth), levels and rounds done, the counts over every rank (transitions, terminal,
//     distinct, max depth), whether a violation was met, the counterexamples found so far
//     (count; u8 property, string detail, u64 list schedule each), the checksum of each
//     rank's part (u64 list), u64 checksum.
// Numbers are little-endian; a string is a u64 length and its bytes, a u64 list a u64 count
// and the values. A reader trusts only the generation the manifest names and checks every
// part against the manifest's checksum and its own, so a crash at any point leaves the
// previous checkpoint or the new one. Older generations are removed after the rename.
// No MPI here: the collective steps are in sim/mpi_explorer.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/checkpoint.h"

namespace banksim {

constexpr uint32_t kMpiCheckpointFormat = 1;

struct MpiCheckpointManifest {
  uint32_t ranks = 0;
  uint64_t generation = 0;
  int64_t depth = 0;  // the level whose rest the parts hold (its successors: depth + 1)
  uint64_t levels = 0;
  uint64_t rounds = 0;
  uint64_t transitions = 0;
  uint64_t terminal = 0;
  uint64_t distinct = 0;
  int64_t max_depth = 0;
  bool found_violation = false;
  std::vector<Counterexample> counterexamples;  // merged over the ranks, unminimized
  std::vector<uint64_t> part_checksums;         // by rank
};

struct MpiCheckpointPart {
  uint32_t ranks = 0;
  uint32_t rank = 0;
  uint64_t generation = 0;
  std::vector<uint64_t> visited;  // sorted
  std::string frontier;           // items of the level being expanded, not expanded yet
  std::string next;               // items of the next level so far
};

// DIR/mpi-checkpoint.bin, DIR/mpi-<G>, DIR/mpi-<G>/rank-<K>.bin.
std::string mpi_manifest_path(const std::string& dir);
std::string mpi_generation_dir(const std::string& dir, uint64_t generation);
std::string mpi_part_path(const std::string& dir, uint64_t generation, uint32_t rank);

std::string encode_mpi_manifest(const CheckpointKey& key, const MpiCheckpointManifest& m);
std::string encode_mpi_part(const CheckpointKey& key, const MpiCheckpointPart& p);
// Invalid input, one line starting with `source`, when the bytes are no such file, are torn
// (checksum) or were made by another version, scenario or options than `expected`. The
// part must also be the one the manifest names (ranks, rank, generation).
Result<MpiCheckpointManifest> decode_mpi_manifest(std::string_view bytes,
                                                  const CheckpointKey& expected,
                                                  const std::string& source);
Result<MpiCheckpointPart> decode_mpi_part(std::string_view bytes, const CheckpointKey& expected,
                                          const MpiCheckpointManifest& manifest, uint32_t rank,
                                          const std::string& source);

// Creates DIR when missing and DIR/mpi-<G> for a G above `after` and above every
// generation DIR holds (so no committed generation is ever overwritten); returns G.
Result<uint64_t> mpi_new_generation(const std::string& dir, uint64_t after);
// Removes DIR/mpi-<G> for every G but `keep` (best effort: leftovers are never read).
void mpi_remove_other_generations(const std::string& dir, uint64_t keep);

}  // namespace banksim
