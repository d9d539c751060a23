// DurableStore: a branch's durable part (protocol/branch.h BranchDurable) in one file of a
// data directory, for `banksim serve --data-dir DIR`. The branch process writes it after
// every step that changed it and before anything that depends on the step leaves the
// process (the conducted reply, the free-running sends; grpc/branch_node.h), and a process
// started on the same directory comes back from it: a crash (SIGKILL) loses only what is
// volatile, as in the simulator (World's kCrash rebuilds a branch from durable()).
//
// The file: DIR/branch-ID.durable (ID: the branch's id in the scenario), laid out as
//   "BANKSIMD"          8 bytes, magic
//   version             4 bytes, little-endian (kDurableFormatVersion)
//   length              4 bytes, little-endian: the payload's size
//   payload             a serialized banksim.wire.DurableFile (proto/banksim.proto): the
//                       scenario's hash, the branch's id and index, the protocol, the state
//   crc32c              4 bytes, little-endian: CRC-32C of everything before it
// Guarantees:
//   - atomic: written to an exclusive temporary file in DIR, fsync'd, renamed over the
//     file, and DIR fsync'd; a reader sees the old state or the new one, never a mix;
//   - durable: save() returns only once the file and its directory entry are on disk;
//   - checked: a truncated, extended or bit-flipped file (CRC-32C, exact length) or one
//     written for another scenario, branch or protocol is refused with a one-line reason,
//     never loaded and never overwritten.
// One encoding of BranchDurable: durable_to_proto/durable_from_proto below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "banksim.pb.h"
#include "protocol/bank_layout.h"
#include "protocol/branch.h"

namespace banksim {

constexpr uint32_t kDurableFormatVersion = 1;

// Whose state a durable file holds.
struct DurableIdentity {
  uint64_t scenario_hash = 0;  // durable_scenario_hash() of the scenario's canonical JSON
  int64_t branch_id = 0;
  int32_t branch_index = 0;
  std::string protocol;
  bool operator==(const DurableIdentity&) const = default;
};

// FNV-1a 64 of `canonical_json` (the scenario as the simulator writes it).
uint64_t durable_scenario_hash(const std::string& canonical_json);

// The one encoding of BranchDurable.
void durable_to_proto(const BranchDurable& d, wire::BranchDurable* out);
// Nullopt and *error when `p` does not fit a branch of `layout` (applied per customer under
// session, none otherwise): a Branch is never built from a state it cannot hold.
std::optional<BranchDurable> durable_from_proto(const wire::BranchDurable& p,
                                                const BankLayout& layout, std::string* error);

// Robust over a free gRPC run: the reports of the last group of steps saved together, kept
// with the state they produced (see BranchNode): `number` is the last report's number,
// counted across restarts (0: none yet); `step` is a serialized banksim.wire.Batch holding
// the group's reports.
struct DurableReport {
  uint64_t number = 0;
  std::string step;
  bool operator==(const DurableReport&) const = default;
};

// The whole file's bytes for `d` (exposed for tests).
std::string encode_durable_file(const DurableIdentity& id, const BranchDurable& d,
                                const DurableReport& report = {});
// Decodes and checks a file's bytes: magic, version, length, checksum, payload. Nullopt and
// *error (the reason, without the path) when any check fails.
struct DurableFileContents {
  DurableIdentity identity;
  wire::BranchDurable state;
  DurableReport report;
};
std::optional<DurableFileContents> decode_durable_file(const std::string& bytes,
                                                       std::string* error);

class DurableStore {
 public:
  // Opens `dir` for branch `self` of `layout`, whose identity is `id`. `dir` must exist, be a
  // directory and be writable. When it holds this branch's file, *restored is its state
  // (checked as above); otherwise nullopt. Either way the current state (restored, or the
  // branch's initial balance) is saved at once, which also proves the directory writable.
  // Nullptr and *error (one line naming the path and the rule) on failure; nothing in
  // `dir` is then changed.
  static std::unique_ptr<DurableStore> open(const std::string& dir, const DurableIdentity& id,
                                            const BankLayout& layout, int32_t self,
                                            std::optional<BranchDurable>* restored,
                                            std::string* error);

  // Writes `d` atomically and durably (see above). False and *error when it could not:
  // the file then still holds the previous state.
  bool save(const BranchDurable& d, std::string* error) { return save(d, report_, error); }
  // The same, with the last step report (in the same atomic write).
  bool save(const BranchDurable& d, const DurableReport& report, std::string* error);
  const std::string& path() const { return path_; }
  // The state last saved.
  const BranchDurable& saved() const { return saved_; }
  // The report last saved (the restored one after open()).
  const DurableReport& report() const { return report_; }

 private:
  DurableStore() = default;

  std::string dir_;
  std::string path_;
  DurableIdentity id_;
  BranchDurable saved_;
  DurableReport report_;
};

}  // namespace banksim
