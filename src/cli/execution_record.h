// ExecutionRecord: what the output of one execution needs, kept as the execution runs.
// `banksim run` feeds it each step's observations and keeps no History: per event it
// holds one EventOutcome (issue and reply times, result, serving branch, balance), so
// its memory is that of the scenario, whatever the number of messages. Only when an
// output prints the history itself (--history, --format json, --debug's write sets)
// does it also keep every observation. Replay and the gRPC backend, which have a finished
// History, wrap it instead (the record then reads that History, it does not copy it).
//
// Invariant: outcomes() agrees with event_outcomes() of the observations seen so far.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/effects.h"
#include "sim/history.h"
#include "sim/scenario.h"

namespace banksim {

// What happened to each event: the fields of its issue, serve and reply observations.
struct EventOutcome {
  bool issued = false;
  bool served = false;  // a branch decided it (its reply may still be on the way)
  bool answered = false;
  bool success = false;
  int32_t branch = -1;  // serving branch index
  Money balance = 0;    // a query's: seen; a write's: its branch's right after it (serve)
  int64_t issued_us = 0;
  int64_t replied_us = 0;
  friend bool operator==(const EventOutcome&, const EventOutcome&) = default;
};

// Folds one observation at `time_us` into its event's outcome.
void fold_outcome(EventOutcome& o, int64_t time_us, const Observation& obs);

class ExecutionRecord {
 public:
  // A record filled by observe(); it keeps every observation when `keep_history`.
  ExecutionRecord(std::shared_ptr<const Scenario> scenario, bool keep_history);
  // A record of a finished History. REQUIRES: `h` outlives the record.
  explicit ExecutionRecord(const History& h);

  void observe(int64_t time_us, const Observation& o);
  void observe(int64_t time_us, std::span<const Observation> observed) {
    for (const Observation& o : observed) observe(time_us, o);
  }
  // The execution ended with nothing in flight.
  void set_quiescent(bool quiescent);
  // Per property (index: Property), how many violations there were, for a run whose
  // RunFacts::violations holds only the first of each (WorldOptions::keep_every_violation
  // off). Without it, the printed counts are those of RunFacts::violations.
  void set_violation_counts(std::vector<uint64_t> counts) { violation_counts_ = std::move(counts); }
  const std::vector<uint64_t>& violation_counts() const { return violation_counts_; }

  const Scenario& scenario() const { return *scenario_; }
  bool quiescent() const { return history().quiescent; }
  // Indexed [customer][event], like the scenario.
  const std::vector<std::vector<EventOutcome>>& outcomes() const { return outcomes_; }
  uint64_t observations() const { return observations_; }
  // Whether history() holds every observation.
  bool has_history() const { return external_ != nullptr || keep_history_; }
  // REQUIRES: has_history() for its events; quiescent and scenario are always there.
  const History& history() const { return external_ != nullptr ? *external_ : own_; }

 private:
  std::shared_ptr<const Scenario> scenario_;
  const History* external_ = nullptr;  // the History this record reads, if any
  bool keep_history_ = false;
  History own_;  // events only when keep_history_
  std::vector<std::vector<EventOutcome>> outcomes_;
  uint64_t observations_ = 0;
  std::vector<uint64_t> violation_counts_;  // empty: count RunFacts::violations
};

}  // namespace banksim
