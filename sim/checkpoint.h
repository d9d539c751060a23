// Checkpoint files of `banksim explore --checkpoint DIR` / `--resume DIR`: an
// ExploreFrontier (sim/explorer.h) with the key of the search that made it, in
// DIR/checkpoint.bin. Binary, little-endian (README: "Checkpoint and resume"):
//   "banksim-checkpoint\n", u32 format version,
//   key: three strings (banksim version, scenario digest, search options),
//   stats: transitions, terminal, max_depth, depth_bounded (u64 each),
//   counterexamples: count, then each: u8 property, string detail, u64 list schedule,
//   visited: u64 list (sorted),
//   stacks: count, then each: base: u64 list, path: u64 list, unexplored: count (the
//   path's length + 1), then a u64 list each,
//   u64 checksum of every byte before it.
// Format 1 (one worker's stack: path and unexplored, no base) is refused.
// A string is a u64 length and its bytes; a u64 list, a u64 count and the values.
// Written to DIR/checkpoint.bin.tmp, fsync'ed, renamed over DIR/checkpoint.bin, and the
// directory fsync'ed: a reader sees the previous checkpoint or the new one, whole.
#pragma once

#include <string>
#include <string_view>

#include "sim/error.h"
#include "sim/explorer.h"

namespace banksim {

constexpr uint32_t kCheckpointFormat = 2;

// What a checkpoint must agree with to be resumed: the same banksim, scenario and options.
struct CheckpointKey {
  std::string version;   // banksim's version
  std::string scenario;  // digest of the scenario file's bytes (hex)
  std::string options;   // every option that decides the search, as text
};

std::string encode_checkpoint(const CheckpointKey& key, const ExploreFrontier& frontier);
// Invalid input, one line starting with `source`, when `bytes` is no checkpoint, is torn
// (checksum), or was made by another version, scenario or options than `expected`.
Result<ExploreFrontier> decode_checkpoint(std::string_view bytes, const CheckpointKey& expected,
                                          const std::string& source);

// DIR/checkpoint.bin.
std::string checkpoint_path(const std::string& dir);
// Creates DIR when missing; writes as above. An I/O Error naming the file on failure.
Status write_checkpoint(const std::string& dir, const CheckpointKey& key,
                        const ExploreFrontier& frontier);
Result<ExploreFrontier> read_checkpoint(const std::string& dir, const CheckpointKey& expected);

// Digest of a string's bytes (for CheckpointKey::scenario), 16 hex digits.
std::string checkpoint_digest(std::string_view bytes);

// The checksum that ends a checkpoint file, of any bytes (also the MPI checkpoint's files,
// sim/mpi_checkpoint.h).
uint64_t checkpoint_checksum(std::string_view bytes);

// Writes `bytes` to `path` and fsyncs it; with `atomic`, through PATH.tmp renamed over PATH
// and the directory fsync'ed. An I/O Error naming the file on failure.
Status write_synced(const std::string& path, std::string_view bytes, bool atomic);
// The whole file; an invalid-input Error "SOURCE: cannot read checkpoint: REASON".
Result<std::string> read_checkpoint_file(const std::string& path, const std::string& source);

}  // namespace banksim
