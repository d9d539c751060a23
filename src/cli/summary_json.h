// Swarm summaries: what `banksim explore --strategy random --summary-json F` writes for one
// task of a swarm, and what `banksim merge` reads and writes (the same form, so merged
// summaries merge again: merge(merge(a, b), c) == merge(a, b, c)).
//
// A summary holds what a merge needs and nothing that depends on the machine: the search's
// identity (a hash of the canonical scenario and of every option that changes what the
// walks can reach), the tasks (seed, walks), the coverage with every distinct state's
// 64-bit fingerprint (sorted, so the union across tasks is exact, not an estimate), the
// verdicts and one counterexample per violated property as an ordinary trace (what
// `banksim replay` reads). No time, memory or path-dependent figure goes in: the same
// command writes the same bytes.
//
// Invariants a loaded summary satisfies (load_summary_text refuses anything else): the
// fingerprints ascend strictly and number `distinct`; tasks ascend by seed, seeds unique;
// each counterexample's trace shows its property's violation, its scenario hashes to the
// identity with the summary's search; the verdicts are those summary_verdicts computes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/properties.h"
#include "protocol/types.h"
#include "sim/error.h"
#include "sim/explorer.h"
#include "sim/scenario.h"
#include "sim/trace.h"

namespace banksim {

constexpr int kSwarmSummaryVersion = 1;
// Largest summary file read: 8 bytes of fingerprint cost 10.7 characters of base64, so
// about 90 million distinct states.
constexpr int64_t kMaxSummaryBytes = int64_t{1} << 30;

// The banksim version compiled in (CMake's project version).
std::string_view banksim_version();

// The options that decide what random walks can reach and report: summaries merge only
// when these (and the scenario) are equal. An option added to explore that changes the
// walks (a fault budget, say) belongs here and in swarm_identity.
struct SwarmSearch {
  ProtocolKind protocol = ProtocolKind::kSync;
  PropertySet checked = PropertySet::all();
  bool fifo = false;
  int64_t max_depth = 0;  // 0: none
  bool keep_going = false;
  bool minimize = true;
  // Fault budgets (--max-drops ...). Written as "faults" only when one is set, so the
  // summaries and identities of searches without faults are what they were before.
  FaultBudget faults{};
};

// One explore run: its seed and walks.
struct SwarmTask {
  uint64_t seed = 1;
  uint64_t walks = 0;        // --walks
  uint64_t walks_taken = 0;  // fewer when the task stopped early
  uint64_t distinct = 0;     // its own distinct states
  // none, first-violation, interrupted, time-limit, memory-limit, out-of-memory
  std::string stopped = "none";
};

struct SwarmCounterexample {
  Property property = Property::kConvergence;
  bool minimal = false;    // shortest over every interleaving (explore's BFS)
  uint64_t task_seed = 0;  // the task that found it
  Trace trace;             // origin explore; its violation is `property`'s
};

struct SwarmSummary {
  std::string version{banksim_version()};
  std::string identity;  // 16 hex digits: swarm_identity
  SwarmSearch search;
  std::string scenario_source;   // informational, like a trace's
  std::vector<SwarmTask> tasks;  // ascending seeds
  uint64_t distinct = 0;
  uint64_t transitions = 0;
  uint64_t quiescent = 0;  // walks that ended at a quiescent state (not distinct states)
  int64_t max_depth = 0;
  bool depth_bounded = false;                        // some walk was cut off by max_depth
  std::vector<uint64_t> fingerprints;                // ascending; size() == distinct
  std::vector<SwarmCounterexample> counterexamples;  // ascending property order
  uint64_t walks_taken() const;
};

// Hash of the canonical scenario (with the protocol a --protocol override ran, as traces
// record it) and the search: 16 hex digits (FNV-1a 64 of the canonical JSON text).
std::string swarm_identity(const Scenario& scenario, const SwarmSearch& search);

// The stop reason names a task's `stopped` field takes.
bool is_stop_name(std::string_view s);

struct SwarmVerdict {
  Property property = Property::kConvergence;
  std::string code;  // violated, not-violated, not-judged
  std::string text;  // for people: "VIOLATED: ...", "not violated in ..." (never "holds")
};
// One per checked property, in property order. Random walks sample: nothing is claimed
// to hold; convergence, conservation and liveness are judged at quiescent walk ends only.
std::vector<SwarmVerdict> summary_verdicts(const SwarmSummary& s);

nlohmann::ordered_json summary_to_json(const SwarmSummary& s);
// Errors are one line: "SOURCE: $.json.path: rule".
Result<SwarmSummary> load_summary_text(std::string_view text, const std::string& source);
Result<SwarmSummary> load_summary_file(const std::string& path);

// The summary of one `explore --strategy random` task: `r` from explore() with
// keep_fingerprints; traces[i] is r.counterexamples[i]'s trace, replayed and reproduced.
SwarmSummary task_summary(const Scenario& scenario, const std::string& scenario_source,
                          const SwarmSearch& search, uint64_t seed, uint64_t walks,
                          const ExploreResult& r, const std::vector<Trace>& traces);

// The fingerprints' compact form: little-endian 8-byte words, base64 (RFC 4648, padded).
std::string encode_fingerprints(const std::vector<uint64_t>& fps);
// nullopt when `text` is not such base64 of a whole number of words.
std::optional<std::vector<uint64_t>> decode_fingerprints(std::string_view text);

}  // namespace banksim
