// Explorer: the exhaustive scheduler behind `banksim explore`. Enumerates the orders in
// which in-flight messages can be delivered (each customer's events stay sequential;
// the network may reorder everything else, or, with ExploreOptions::fifo, everything but
// the messages of one link), checks every property on every transition
// and the quiescence properties at every terminal state. Depth-first with a visited
// set of 64-bit state fingerprints and, optionally, persistent-set reduction.
// A violation's schedule can be minimized by a breadth-first search without reduction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"

namespace banksim {

enum class ExploreStrategy : uint8_t { kDfs, kRandom };

// What ended a search early, besides max_depth, max_states and a violation: the answer of
// ExploreOptions::poll. The explorer itself reads no clock, signal or memory figure.
enum class StopReason : uint8_t {
  kNone,
  kInterrupted,  // SIGINT or SIGTERM
  kTimeLimit,    // --max-seconds
  kMemoryLimit,  // --max-memory (or near the address-space limit)
  kOutOfMemory,  // an allocation failed: the search ended there, its stack freed
};

struct ExploreStats {
  uint64_t transitions = 0;    // deliveries performed (states visited = transitions + 1)
  uint64_t distinct = 0;       // distinct states (fingerprints)
  uint64_t terminal = 0;       // distinct terminal states (nothing in flight)
  int64_t max_depth = 0;       // deepest state reached
  bool depth_bounded = false;  // some state was cut off by max_depth
  bool state_bounded = false;  // the search stopped at max_states
  bool stopped_early = false;  // stopped at the first violation
  uint64_t visited_bytes = 0;  // memory of the visited set
  uint64_t stack = 0;          // states on the search stack (dfs) or the walk's length, now
  uint64_t walks = 0;          // random strategy: walks begun
  StopReason stopped_by = StopReason::kNone;
  uint32_t workers = 1;  // threads that searched (ExploreOptions::workers)
  bool complete() const {
    return !depth_bounded && !state_bounded && !stopped_early && stopped_by == StopReason::kNone;
  }
};

struct Counterexample {
  Property property = Property::kConvergence;
  std::string detail;
  std::vector<uint64_t> schedule;  // message ids, as World assigns them
  bool minimal = false;            // shortest over every interleaving (BFS)
};

// How many faults of each kind one execution may take (README: faults). Restarts and
// heals are not budgeted: while a branch is down or a partition is on, they are always
// among the choices, so every terminal state has every branch up and the network whole.
struct FaultBudget {
  uint64_t drops = 0;
  uint64_t duplicates = 0;
  uint64_t crashes = 0;
  uint64_t partitions = 0;
  bool any() const { return drops + duplicates + crashes + partitions > 0; }
};

// Largest branch count for which partitions are enumerated (every split in two: 2^(n-1)-1).
constexpr int32_t kMaxPartitionSearchBranches = 10;

// One depth-first stack of a checkpointed search: a state reached by `base` from the
// initial state, and the levels above it. path[i] took level i to level i + 1 (packed
// choices, pack_choice); unexplored[i], for each level 0..path.size(), its choices still
// to take, in order. A task waiting in the workers' queue is a stack of one level.
struct ExploreStack {
  std::vector<uint64_t> base;
  std::vector<uint64_t> path;
  std::vector<std::vector<uint64_t>> unexplored;
};

// A depth-first search caught between two transitions (--checkpoint, --resume; any
// worker count): what it has counted and found, every state it has seen, and what is left
// to do: every worker's stack and every task queued for a worker. Resuming it
// (ExploreOptions::resume) explores exactly the transitions the interrupted search had
// not taken yet, so a complete search ends with the same counts and verdicts as one that
// was never interrupted, for any worker count before and after (README: "Workers"); with
// one worker before and after, in the same order, so with the same counterexamples too.
struct ExploreFrontier {
  // transitions, terminal, max_depth, depth_bounded (the others are not carried over).
  ExploreStats stats;
  std::vector<Counterexample> counterexamples;  // found so far (keep_going), one per property
  std::vector<uint64_t> visited;                // every fingerprint seen, sorted
  std::vector<ExploreStack> stacks;             // the work left (stacks with none left are omitted)
};

struct ExploreOptions {
  ProtocolKind protocol = ProtocolKind::kSync;
  PropertySet checked = PropertySet::all();
  // Per-link FIFO: only the oldest in-flight message of each link (sender, receiver) can
  // be delivered. Off: any in-flight message can (the network reorders everything).
  bool fifo = false;
  int64_t max_depth = 0;  // deliveries; 0 = unbounded
  uint64_t max_states = 500'000'000;
  bool reduction = true;
  // Sleep sets on top of the persistent sets (or alone, without reduction): a state
  // skips the deliveries it was reached with asleep, and the visited set keeps a sleep
  // mask per state (two bytes a slot) so that a state reached again with a smaller sleep
  // set explores what it skipped (README, "Sleep sets"). Every terminal state and violation
  // stays; fewer transitions (and possibly fewer distinct states). kDfs with one worker,
  // no fault budgets, no checkpoint or resume.
  bool sleep_sets = false;
  // Tests only: deliberately unsound variants of sleep sets, to show that the tests can
  // fail. kNoRevisit: a state's sleep set is stored, but a later visit with a smaller one
  // explores nothing (no revisit rule); kSameActor: deliveries to the taken delivery's
  // own actor go to sleep too (they do not commute).
  enum class BrokenSleep : uint8_t { kNone, kNoRevisit, kSameActor };
  BrokenSleep sleep_sets_broken = BrokenSleep::kNone;
  bool keep_going = false;  // continue after a violation (one counterexample per property)
  bool minimize = true;     // shorten counterexamples by breadth-first search
  uint64_t minimize_max_states = 5'000'000;
  // The depth-first stack keeps a World every this many levels and rebuilds the others
  // from the one below by re-applying the path. 1: every level (fastest); 0: chosen by
  // the World's size (1 for small Worlds, 16 from kCheckpointWorldBytes on).
  size_t checkpoint_every = 0;
  // Faults the search may inject. All zero: the search without faults.
  FaultBudget faults;
  ExploreStrategy strategy = ExploreStrategy::kDfs;
  uint64_t walks = 1000;  // random strategy
  uint64_t seed = 1;      // random strategy
  // Threads of the depth-first search (kDfs only; kRandom takes 1). They share one
  // visited set, and an idle worker takes the unexplored choices of the lowest level of a
  // busy worker's stack. A complete search finds the same states, terminal states,
  // transitions and violated properties for any count: the persistent set is a function
  // of the state, so the reduced space does not depend on the order it is searched in.
  // The counterexamples do not depend on it either once minimized (see
  // ExploreResult::counterexamples). What depends on the order, for any count: max_depth
  // and max_states bounds (which path reaches a state first), and the counts at an early
  // stop (the first violation, a poll) when workers > 1.
  uint32_t workers = 1;
  // Fill ExploreResult::fingerprints: every distinct state's fingerprint, sorted (the
  // swarm summaries of banksim merge take the union of several searches' states).
  bool keep_fingerprints = false;
  // Called every kPollEvery transitions, whenever the depth-first stack grows deeper than
  // before (each new level holds a World copy), and during minimization, with the
  // statistics so far. Anything but kNone ends the search there with a partial result
  // (counterexamples found so far kept; minimization skipped or cut short).
  std::function<StopReason(const ExploreStats&)> poll;
  // Checkpoints (kDfs, any worker count). checkpoint_due is asked at polls (one poll at a
  // time); when it says yes, and when a poll ends the search, every busy worker stops at
  // the top of its search loop (between two transitions), one of them hands `checkpoint`
  // the whole search (every stack, the queued tasks, the summed counts), and they go on
  // (or end). A stop by poll is thus taken after the transitions under way. A search that
  // ends otherwise (a violation without keep_going, max_states, out of memory) is not
  // saved at that end: some worker's stack is gone.
  std::function<bool()> checkpoint_due;
  std::function<void(const ExploreFrontier&)> checkpoint;
  // Continue this search instead of starting from the initial state (kDfs, any worker
  // count; the same scenario and options that made it): its stacks are the first tasks.
  const ExploreFrontier* resume = nullptr;
};

struct ExploreResult {
  ExploreStats stats;
  // One per property, in Property order. Minimized (the default), each is the first
  // shortest schedule of a breadth-first search without reduction, so it does not depend
  // on how the search reached it. At the first violation (no keep_going) there is one:
  // the shortest schedule showing any checked property, whichever property the search met
  // first. Unminimized (or minimization cut short): the shortest found, then the smallest.
  std::vector<Counterexample> counterexamples;
  // Minimization ended early (poll or memory): the schedules not marked minimal stand.
  StopReason minimize_stopped_by = StopReason::kNone;
  std::vector<uint64_t> fingerprints;  // ExploreOptions::keep_fingerprints: sorted
};

constexpr uint64_t kPollEvery = 1024;
// A World at least this big (estimated: the monitor's bitset of applied writes per
// branch dominates) is kept only every 16 levels of the depth-first stack.
constexpr uint64_t kCheckpointWorldBytes = 256 * 1024;

ExploreResult explore(std::shared_ptr<const Scenario> scenario, const ExploreOptions& options);

// Fingerprint of a world's canonical encoding (actors, in-flight multiset, ghost state).
uint64_t world_fingerprint(const World& w, StateEncoder& scratch);

// The deliveries a network model allows: every in-flight message, or under per-link FIFO
// the oldest of each link. Appends them in message id order.
void deliverable(const World& w, bool fifo, std::vector<Choice>* out);

// The fault choices `budget` still allows in `w` (against w.faults()), appended in this
// order: drop, then duplicate, of every in-flight message (id order); crash of each
// running branch and a partition for every split of the branches in two (only while
// messages are in flight: a finished execution takes no more faults); restart of each
// crashed branch and heal of a partition (always, not budgeted).
void fault_choices(const World& w, const FaultBudget& budget, std::vector<Choice>* out);

// The depth-first search's steps, for a search that runs elsewhere a state at a time
// (sim/mpi_explorer.h: states spread over processes). Each does exactly what explore()
// does, so such a search reaches the same states with the same transitions.
// The options of the Worlds the search builds (messages as structs, no history).
WorldOptions explorer_world_options(const ExploreOptions& o);
// A state's fingerprint (under FIFO it also covers each link's order; with faults, the
// budget used).
uint64_t explorer_fingerprint(const World& w, const ExploreOptions& o, StateEncoder& scratch);
// Every choice the network model and the fault budgets allow in `w` (appended).
void explorer_enabled(const World& w, const ExploreOptions& o, std::vector<Choice>* out);
// The choices the search takes from a state whose enabled choices are `enabled` (not
// empty): the persistent set, or all of them (no reduction; robust).
void explorer_expanded(const World& w, const ExploreOptions& o, const std::vector<Choice>& enabled,
                       std::vector<Choice>* out);
// Shortens `result`'s counterexamples as explore() does at its end (see
// ExploreResult::counterexamples): by a breadth-first search without reduction, unless
// !o.minimize or the search was stopped. `result` holds at most one counterexample per
// property, and only one without o.keep_going.
void minimize_counterexamples(std::shared_ptr<const Scenario> scenario, const ExploreOptions& o,
                              ExploreResult& result);

}  // namespace banksim
