// The output judge behind `banksim check`: judges another implementation's output (what
// its customers observed) against the scenario it ran, without seeing its branches.
// Pure and deterministic: plain data in, verdicts out; no clock, no I/O, no unordered
// iteration. The readers (sim/output_reader.h) turn each output form into
// ClientObservations.
//
// "Admissible" balances for an event e of customer c at branch b (what a query may
// report, what a withdraw may be decided on): the initial balance of b, plus every
// write c completed successfully before e (read-your-writes, withdraws included), plus
// any subset of the writes that may have been applied there before e: other customers'
// writes that did not fail (and, in timed outputs, were issued before e's reply), and
// c's own earlier withdraws whose result the output does not show. Equality is decided
// exactly by a bounded subset-sum search; hitting the bound gives "undecided".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/history.h"
#include "sim/scenario.h"

namespace banksim {

enum class Answer : uint8_t {
  kYes = 0,      // the output shows the reply
  kNo = 1,       // the output shows every reply, and not this one
  kUnknown = 2,  // the output does not say (seed 002's balance form)
};

// What one customer event looked like from the client.
struct SeenEvent {
  Answer answer = Answer::kUnknown;
  std::optional<bool> success;   // writes: the result, when shown (deposits cannot fail)
  std::optional<Money> balance;  // queries: the balance seen, when shown
  int64_t issued_us = -1;        // timed outputs (banksim's history): -1 = never issued
  int64_t replied_us = -1;       // timed outputs: -1 = no reply
  int64_t served_at = -1;        // timed outputs: position of the branch's decision, or -1
};

struct ClientObservations {
  std::vector<std::vector<SeenEvent>> events;  // [customer][event], scenario indices
  bool timed = false;                          // issued_us / replied_us are meaningful (a history)
  // Why liveness cannot be judged (empty: every answered event is shown).
  std::string liveness_unknown;
  // Timed: the position (in the history) of the last apply; queries served after it saw
  // the settled state.
  std::optional<int64_t> settled_at;
  // Untimed: the user says each customer's queries after its last write were issued
  // once every write had propagated (the seeds' sleep before the final queries).
  bool settled_claimed = false;
};

enum class JudgedProperty : uint8_t {
  kLiveness = 0,
  kConvergence = 1,
  kConservation = 2,
  kReadYourWrites = 3,
  kMonotonicReads = 4,
  kWithdrawDecisions = 5,
  kConsecutiveQueries = 6,  // seed 004's checker: consecutive cross-branch queries agree
};
constexpr int kJudgedPropertyCount = 7;
const char* judged_property_name(JudgedProperty p);

enum class Verdict : uint8_t { kHeld = 0, kViolated = 1, kNotJudged = 2, kUndecided = 3 };
const char* verdict_name(Verdict v);

struct JudgedViolation {
  std::string detail;            // one line naming events by their ids
  std::vector<EventRef> events;  // the events that show it
};

struct PropertyVerdict {
  JudgedProperty property = JudgedProperty::kLiveness;
  Verdict verdict = Verdict::kHeld;
  std::string reason;  // not judged / undecided: why
  std::vector<JudgedViolation> violations;
};

struct JudgeLimits {
  // Search nodes per subset-sum question; past it the question is "undecided".
  int64_t search_nodes = 1'000'000;
};

// REQUIRES: obs.events has the scenario's shape; an answered event's earlier events of
// the same customer are answered (the readers ensure it).
std::vector<PropertyVerdict> judge_output(const Scenario& s, const ClientObservations& obs,
                                          const JudgeLimits& limits = {});

// The search itself, exposed for tests. Items: signed amounts, each usable from
// `level` on. Is there a chain S_0 ⊆ S_1 ⊆ ... with S_j drawn from the items of level
// <= j and sum(S_j) == targets[j]?
struct SumItem {
  Money amount = 0;
  int32_t level = 0;
};
enum class SearchResult : uint8_t { kFound = 0, kNotFound = 1, kBoundHit = 2 };
SearchResult find_sum_chain(const std::vector<SumItem>& items, const std::vector<__int128>& targets,
                            int64_t node_budget);

}  // namespace banksim
