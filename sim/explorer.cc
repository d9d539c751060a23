#include "sim/explorer.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>

#include "sim/fingerprint.h"
#include "sim/prng.h"
#include "sim/reduction.h"
#include "sim/visited_set.h"

namespace banksim {

uint64_t world_fingerprint(const World& w, StateEncoder& scratch) {
  scratch.clear();
  w.encode(scratch);
  return scratch.digest();
}

namespace {

// Per-link FIFO view of a World's in-flight messages. in_flight() is sorted by id, which
// is send order, so a link's oldest message is its first in that order.
class LinkOrder {
 public:
  // Appends the oldest in-flight message of each link, in id order.
  void heads(const World& w, std::vector<Choice>* out) {
    sort_by_link(w);
    const size_t first = out->size();
    for (size_t i = 0; i < keyed_.size(); ++i) {
      if (i == 0 || keyed_[i].first != keyed_[i - 1].first) {
        out->push_back(Choice{w.in_flight()[keyed_[i].second].id});
      }
    }
    std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(),
              [](const Choice& a, const Choice& b) { return a.message_id < b.message_id; });
  }

  // Hash of every link's messages in order. World's encoding holds the in-flight
  // messages as a multiset; under FIFO their order on a link decides what can happen
  // next, so two states with the same multiset in another order must differ.
  uint64_t order_hash(const World& w) {
    sort_by_link(w);
    uint64_t sum = 0;
    uint64_t position = 0;
    for (size_t i = 0; i < keyed_.size(); ++i) {
      position = (i > 0 && keyed_[i].first == keyed_[i - 1].first) ? position + 1 : 0;
      const Message& m = w.in_flight()[keyed_[i].second].msg;
      const auto u32 = [](int32_t v) { return static_cast<uint64_t>(static_cast<uint32_t>(v)); };
      const uint64_t key[5] = {
          keyed_[i].first, position,
          (static_cast<uint64_t>(m.kind) << 40) | (static_cast<uint64_t>(m.iface) << 36) |
              (static_cast<uint64_t>(m.success) << 32) | u32(m.seq),
          (u32(m.customer) << 32) | u32(m.event), static_cast<uint64_t>(m.money)};
      sum += fingerprint(key, 5);
    }
    return sum;
  }

 private:
  // keyed_ = (link, index in in_flight()) sorted by link, then send order.
  void sort_by_link(const World& w) {
    keyed_.clear();
    const auto flight = w.in_flight();
    for (size_t i = 0; i < flight.size(); ++i) {
      const Message& m = flight[i].msg;
      const uint64_t link = (static_cast<uint64_t>(static_cast<uint32_t>(m.from)) << 32) |
                            static_cast<uint32_t>(m.to);
      keyed_.emplace_back(link, i);
    }
    std::sort(keyed_.begin(), keyed_.end());
  }

  std::vector<std::pair<uint64_t, size_t>> keyed_;
};

WorldOptions explore_world_options(const ExploreOptions& o) {
  return WorldOptions{.protocol = o.protocol,
                      .wire = false,  // messages stay structs: the explorer's hot path
                      .record_history = false,
                      .quiescent_queries = false,
                      .properties = o.checked};
}

}  // namespace

void deliverable(const World& w, bool fifo, std::vector<Choice>* out) {
  if (!fifo) {
    w.enabled(out);
    return;
  }
  LinkOrder order;
  order.heads(w, out);
  w.timer_choices(out);  // timers are no messages: not ordered by links
}

void fault_choices(const World& w, const FaultBudget& budget, std::vector<Choice>* out) {
  const FaultCounts& done = w.faults();
  const auto flight = w.in_flight();
  if (done.drops < budget.drops) {
    for (const InFlight& f : flight) out->push_back(Choice{f.id, ChoiceKind::kDrop});
  }
  if (done.duplicates < budget.duplicates) {
    for (const InFlight& f : flight) out->push_back(Choice{f.id, ChoiceKind::kDuplicate});
  }
  const int32_t branches = std::min(w.scenario().branch_count(), kMaxFaultBranches);
  if (!flight.empty() && done.crashes < budget.crashes) {
    for (int32_t b = 0; b < branches; ++b) {
      if (!w.down(b)) out->push_back(Choice{0, ChoiceKind::kCrash, b});
    }
  }
  if (!flight.empty() && done.partitions < budget.partitions && w.partition_side() == 0 &&
      branches <= kMaxPartitionSearchBranches) {
    // Every proper split, named by the side that holds branch 0.
    const uint64_t all = (uint64_t{1} << branches) - 1;
    for (uint64_t side = 1; side < all; side += 2) {
      out->push_back(Choice{0, ChoiceKind::kPartition, 0, side});
    }
  }
  for (int32_t b = 0; b < branches; ++b) {
    if (w.down(b)) out->push_back(Choice{0, ChoiceKind::kRestart, b});
  }
  if (w.partition_side() != 0) out->push_back(Choice{0, ChoiceKind::kHeal});
}

namespace {

// A piece of the depth-first search: a state, those of its choices still to explore, and
// the path that reached it. A stack resumed from a checkpoint also has levels above that
// state, which dfs() rebuilds: above[i] took level i to level i + 1, above_choices[i]
// holds level i + 1's choices still to explore (packed).
struct Task {
  World world;
  std::vector<Choice> choices;
  std::vector<uint64_t> path;
  std::vector<uint64_t> above = {};
  std::vector<std::vector<uint64_t>> above_choices = {};
};

std::vector<uint64_t> pack_all(const std::vector<Choice>& choices, size_t from = 0) {
  std::vector<uint64_t> out;
  out.reserve(choices.size() - std::min(from, choices.size()));
  for (size_t k = from; k < choices.size(); ++k) out.push_back(pack_choice(choices[k]));
  return out;
}

// A queued task as a checkpoint's stack.
ExploreStack task_stack(const Task& t) {
  ExploreStack s{t.path, t.above, {pack_all(t.choices)}};
  s.unexplored.insert(s.unexplored.end(), t.above_choices.begin(), t.above_choices.end());
  return s;
}

bool has_work(const ExploreStack& s) {
  return std::any_of(s.unexplored.begin(), s.unexplored.end(),
                     [](const std::vector<uint64_t>& level) { return !level.empty(); });
}

// A worker's counts as the others' polls see them (written by that worker only, at its
// polls and at its end).
struct alignas(64) Published {
  std::atomic<uint64_t> transitions{0};
  std::atomic<uint64_t> terminal{0};
  std::atomic<uint64_t> stack{0};
  std::atomic<int64_t> max_depth{0};
};

// What the workers of one search share. Tasks are handed from a busy worker to an idle
// one; no thread decides anything that reaches the output (README: "Workers").
struct Shared {
  explicit Shared(uint32_t n, bool sleep_masks = false)
      : workers(n), visited(n > 1, sleep_masks), published(new Published[n]) {}

  uint32_t workers;
  ShardedVisitedSet visited;
  std::unique_ptr<Published[]> published;
  std::atomic<bool> stop{false};    // every worker ends as soon as it sees it
  std::atomic<uint32_t> hungry{0};  // workers waiting for a task
  std::atomic<uint32_t> queued{0};  // tasks.size()
  std::mutex m;                     // guards tasks and busy
  std::condition_variable cv;
  std::deque<Task> tasks;
  uint32_t busy = 0;  // workers running a task
  std::mutex poll_m;  // one options.poll (and checkpoint_due) at a time
  // Checkpoints (ExploreOptions::checkpoint). While `gather` is on, no task is handed over
  // or taken, and every busy worker stops at the top of its search loop and adds its stack;
  // the last busy one to stop or to end its task hands the search to options.checkpoint
  // (Search::gathered). `gather` is set and cleared under m, with `stop` when both are.
  std::atomic<bool> gather{false};
  // A worker's stack was dropped (a violation ended the search, max_states, out of
  // memory): the search can no longer be saved whole. Set before `stop`.
  std::atomic<bool> unsaveable{false};
  uint32_t arrived = 0;                       // busy workers stopped for the gathering (m)
  uint64_t gatherings = 0;                    // gatherings done; the stopped ones wait for it (m)
  std::vector<ExploreStack> stacks;           // the stopped workers' stacks (m)
  std::condition_variable gathered_cv;        // gatherings changed
  std::vector<const ExploreResult*> results;  // every worker's, read while all are paused

  // Ends the search; with `save`, once every busy worker has stopped for a checkpoint.
  void end(bool save = false) {
    std::lock_guard<std::mutex> lock(m);
    if (save) gather.store(true);
    stop.store(true);
    cv.notify_all();
  }
  void request_gather() {
    std::lock_guard<std::mutex> lock(m);
    gather.store(true);
  }
  // Whether a busy worker should give away some of its work.
  bool wanted() const {
    return hungry.load(std::memory_order_relaxed) > queued.load(std::memory_order_relaxed);
  }
  // Hands the task make() builds to an idle worker, if one still waits for it.
  template <typename Make>
  bool offer(Make&& make) {
    std::lock_guard<std::mutex> lock(m);
    if (hungry.load() <= tasks.size() || stop.load() || gather.load()) return false;
    tasks.push_back(make());
    queued.store(static_cast<uint32_t>(tasks.size()));
    cv.notify_one();
    return true;
  }
  // The counts of every worker, as last published, for a poll.
  ExploreStats snapshot() const {
    ExploreStats st;
    for (uint32_t i = 0; i < workers; ++i) {
      const Published& p = published[i];
      st.transitions += p.transitions.load(std::memory_order_relaxed);
      st.terminal += p.terminal.load(std::memory_order_relaxed);
      st.stack += p.stack.load(std::memory_order_relaxed);
      st.max_depth = std::max(st.max_depth, p.max_depth.load(std::memory_order_relaxed));
    }
    st.distinct = visited.size();
    st.visited_bytes = visited.bytes();
    st.workers = workers;
    return st;
  }
};

// Always on: a programmer error ends banksim with a message (not a wrong search).
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "banksim: internal error: %s\n", what);
  std::abort();
}

// Orders counterexamples of one property: the shorter schedule first, then the smaller.
bool better(const Counterexample& a, const Counterexample& b) {
  if (a.schedule.size() != b.schedule.size()) return a.schedule.size() < b.schedule.size();
  return a.schedule < b.schedule;
}

// Adds a worker's counts and findings to `merged`: one counterexample per property, the
// better of two.
void merge_into(ExploreResult& merged, const ExploreResult& r) {
  ExploreStats& st = merged.stats;
  const ExploreStats& s = r.stats;
  st.transitions += s.transitions;
  st.terminal += s.terminal;
  st.max_depth = std::max(st.max_depth, s.max_depth);
  st.depth_bounded |= s.depth_bounded;
  st.state_bounded |= s.state_bounded;
  st.stopped_early |= s.stopped_early;
  st.walks += s.walks;
  if (st.stopped_by == StopReason::kNone) st.stopped_by = s.stopped_by;
  for (const Counterexample& c : r.counterexamples) {
    auto same = std::find_if(merged.counterexamples.begin(), merged.counterexamples.end(),
                             [&](const Counterexample& k) { return k.property == c.property; });
    if (same == merged.counterexamples.end()) {
      merged.counterexamples.push_back(c);
    } else if (better(c, *same)) {
      *same = c;
    }
  }
}

// One worker of the search (with one worker, the whole depth-first search).
class Search {
 public:
  Search(std::shared_ptr<const Scenario> scenario, const ExploreOptions& options, Shared& shared,
         uint32_t index)
      : scenario_(std::move(scenario)), options_(options), sh_(shared), index_(index) {
    sh_.results.push_back(&result_);
  }

  // Worker 0, before the others start: the root's fingerprint and its first task (none
  // when the root is terminal). kRandom: the whole search.
  void start() {
    World root(scenario_, explore_world_options(options_));
    root.start(0);
    if (options_.resume != nullptr) {
      // The search an earlier run stopped: its states, counts and findings, and its stacks
      // as the first tasks, in order: each stack's base state rebuilt by re-applying its
      // path (apply is deterministic), dfs() rebuilds the levels above it.
      const ExploreFrontier& f = *options_.resume;
      require(options_.strategy == ExploreStrategy::kDfs, "resume: a dfs search");
      for (uint64_t fp : f.visited) sh_.visited.insert(fp);
      result_.stats.transitions = f.stats.transitions;
      result_.stats.terminal = f.stats.terminal;
      result_.stats.max_depth = f.stats.max_depth;
      result_.stats.depth_bounded = f.stats.depth_bounded;
      result_.counterexamples = f.counterexamples;
      try {
        for (const ExploreStack& stack : f.stacks) {
          require(stack.unexplored.size() == stack.path.size() + 1,
                  "resume: a stack with a choice list per level");
          World base = root;
          for (size_t i = 0; i < stack.base.size(); ++i) {
            base.apply(unpack_choice(stack.base[i]), static_cast<int64_t>(i + 1));
          }
          sh_.tasks.push_back(Task{std::move(base),
                                   unpack_all(stack.unexplored[0]),
                                   stack.base,
                                   stack.path,
                                   {stack.unexplored.begin() + 1, stack.unexplored.end()}});
        }
      } catch (const std::bad_alloc&) {
        result_.stats.stopped_by = StopReason::kOutOfMemory;
        sh_.tasks.clear();
      }
      sh_.queued.store(static_cast<uint32_t>(sh_.tasks.size()));
      return;
    }
    sh_.visited.insert(fingerprint_of(root, scratch_));
    try {
      if (options_.strategy == ExploreStrategy::kRandom) {
        random_walks(root);
        return;
      }
      std::vector<uint64_t> path;
      std::vector<Choice> choices;
      bool stop = false;
      if (!successors(root, 0, &choices, &stop, path)) return;
      sh_.tasks.push_back(Task{std::move(root), std::move(choices), {}});
      sh_.queued.store(1);
    } catch (const std::bad_alloc&) {
      result_.stats.stopped_by = StopReason::kOutOfMemory;
    }
  }

  // Takes tasks until none is left and no worker is busy (one could still hand one
  // over), or the search stops.
  void work() {
    while (true) {
      std::optional<Task> task;
      {
        std::unique_lock<std::mutex> lock(sh_.m);
        sh_.hungry.fetch_add(1);
        // No task is taken while a checkpoint is gathered: it counts the queued ones.
        sh_.cv.wait(lock, [&] {
          return (!sh_.tasks.empty() && !sh_.gather.load()) || sh_.busy == 0 || sh_.stop.load();
        });
        sh_.hungry.fetch_sub(1);
        if (sh_.stop.load() || sh_.tasks.empty()) {
          sh_.cv.notify_all();
          break;
        }
        task.emplace(std::move(sh_.tasks.front()));
        sh_.tasks.pop_front();
        sh_.queued.store(static_cast<uint32_t>(sh_.tasks.size()));
        ++sh_.busy;
      }
      // An allocation that fails ends the search like a poll would: the stack is freed
      // as the exception leaves dfs(), and what was found so far is kept.
      try {
        const size_t every = checkpoint_every();
        if (every <= 1) {
          dfs(std::move(*task));
        } else {
          dfs_checkpointed(std::move(*task), every);
        }
      } catch (const std::bad_alloc&) {
        result_.stats.stopped_by = StopReason::kOutOfMemory;
        sh_.unsaveable.store(true);
        sh_.end();
      }
      std::lock_guard<std::mutex> lock(sh_.m);
      --sh_.busy;
      // A gathering waits for the busy workers only: this one may have been the last.
      if (sh_.gather.load() && sh_.arrived == sh_.busy) gathered();
      if (sh_.busy == 0) sh_.cv.notify_all();
    }
    publish(0);
  }

  ExploreResult& result() { return result_; }

  // Worker 0, after every worker has ended: shortens the counterexamples in `merged`.
  void minimize(ExploreResult& merged) {
    result_ = std::move(merged);
    if (options_.minimize && result_.stats.stopped_by == StopReason::kNone) {
      try {
        if (options_.keep_going) {
          minimize_all();
        } else if (!result_.counterexamples.empty()) {
          minimize_first();
        }
      } catch (const std::bad_alloc&) {
        // The unminimized schedules stand (each shortening replaced one only when found).
        result_.minimize_stopped_by = StopReason::kOutOfMemory;
      }
    }
    merged = std::move(result_);
  }

 private:
  struct Frame {
    World world;
    std::vector<Choice> choices;
    size_t next = 0;
    uint64_t via = 0;  // the message delivered to reach this state (root: unused)
    // Per choice, the successor's peeked fingerprint (World::peek_encode), found for all of
    // them when the level is first taken so that their visited-set slots can be fetched
    // from memory together; nullopt where the choice is not peeked (or not yet).
    std::vector<std::optional<uint64_t>> peeked;
    // --sleep-sets: the state's sleep set for this visit (ids of this World's messages).
    std::vector<Choice> sleep;
  };

  // The deliveries the network model allows from `w`, in id order.
  [[gnu::always_inline]] void enabled(const World& w, std::vector<Choice>* out) {
    if (options_.fifo) {
      links_.heads(w, out);
      w.timer_choices(out);
    } else {
      w.enabled(out);
    }
    if (options_.faults.any()) fault_choices(w, options_.faults, out);
  }

  // The state's fingerprint; under FIFO it also covers the order of each link.
  uint64_t fingerprint_of(const World& w, StateEncoder& enc) {
    if (!options_.fifo && !options_.faults.any()) return world_fingerprint(w, enc);
    enc.clear();
    w.encode(enc);
    if (options_.fifo) enc.put(links_.order_hash(w));
    if (options_.faults.any()) {
      // What is left of the budget decides what can happen next.
      const FaultCounts& f = w.faults();
      enc.put_pair(static_cast<uint32_t>(f.drops), static_cast<uint32_t>(f.duplicates));
      enc.put_pair(static_cast<uint32_t>(f.crashes), static_cast<uint32_t>(f.partitions));
    }
    return enc.digest();
  }

  bool already_found(Property p) const {
    for (const Counterexample& c : result_.counterexamples) {
      if (c.property == p) return true;
    }
    return false;
  }

  // Records violations that `after` shows beyond the first `before` ones. Returns true
  // when the search should stop.
  bool record(const World& after, size_t before, const std::vector<uint64_t>& path) {
    bool found = false;
    for (size_t i = before; i < after.violations().size(); ++i) {
      const Violation& v = after.violations()[i];
      if (already_found(v.property)) continue;
      result_.counterexamples.push_back(Counterexample{v.property, v.detail, path, false});
      found = true;
    }
    if (found && !options_.keep_going) {
      result_.stats.stopped_early = true;
      sh_.unsaveable.store(true);
      sh_.end();
      return true;
    }
    return false;
  }

  void publish(uint64_t stack) {
    Published& p = sh_.published[index_];
    p.transitions.store(result_.stats.transitions, std::memory_order_relaxed);
    p.terminal.store(result_.stats.terminal, std::memory_order_relaxed);
    p.stack.store(stack, std::memory_order_relaxed);
    p.max_depth.store(result_.stats.max_depth, std::memory_order_relaxed);
  }

  // Asks options_.poll whether to go on, with every worker's counts (one worker polls at
  // a time; the others go on). Returns true when the search must end.
  // `wait`: before a new level of the stack (a World more), which must not be allocated
  // unasked while another worker polls (--max-memory counts on it); otherwise a worker
  // that finds another polling goes on.
  bool poll(uint64_t stack, bool wait = false) {
    publish(stack);
    if (!options_.poll && !options_.checkpoint_due) return sh_.stop.load(std::memory_order_relaxed);
    std::unique_lock<std::mutex> lock(sh_.poll_m, std::defer_lock);
    if (wait) {
      lock.lock();
    } else if (!lock.try_lock()) {
      return sh_.stop.load(std::memory_order_relaxed);
    }
    if (options_.checkpoint_due && options_.checkpoint_due()) sh_.request_gather();
    if (!options_.poll) return sh_.stop.load(std::memory_order_relaxed);
    const StopReason r = options_.poll(sh_.snapshot());
    if (r == StopReason::kNone) return sh_.stop.load(std::memory_order_relaxed);
    result_.stats.stopped_by = r;
    sh_.end(/*save=*/defer_stop_);
    return true;
  }

  // Counts a transition; polls every kPollEvery. Returns true when the search must end.
  [[gnu::always_inline]] bool tick(uint64_t stack) {
    result_.stats.transitions += 1;
    if (result_.stats.transitions % kPollEvery == 0 && poll(stack) && !defer_stop_) return true;
    // Checkpointing: a stop is taken at the top of the search loop, between transitions.
    return !defer_stop_ && sh_.stop.load(std::memory_order_relaxed);
  }

  // Expands a freshly reached state: terminal check, or the choices to explore.
  // Returns false when it has nothing to explore.
  enum class Step { kStop, kBacktrack, kDescend };
  // --sleep-sets: the parent's sleep set, and the choices its visit took before this one.
  struct SleepIn {
    const std::vector<Choice>* sleep = nullptr;
    const Choice* before = nullptr;
    size_t before_count = 0;
  };
  // One transition of the depth-first search (dfs and dfs_checkpointed): `child`, a copy
  // of the state at depth - 1, takes `choice`. Records a violation, the visit and the
  // bounds. kDescend: the state is new and has successors, now in *choices, and `path`
  // ends with the choice; kBacktrack: `path` is as it was; kStop: the search ends.
  // kSleep: options_.sleep_sets, as a template argument so that the search without sleep
  // sets runs the code it ran before them.
  template <bool kSleep>
  Step step(World& child, const Choice& choice, int64_t depth, std::vector<Choice>* choices,
            std::vector<uint64_t>& path, const SleepIn& sleep_in, std::vector<Choice>* sleep_out) {
    // --sleep-sets: the receiver of the delivery taken (-1: a timer, dependent on all).
    int32_t taken_to = -1;
    if (kSleep && choice.kind == ChoiceKind::kDeliver) {
      const InFlight* f = child.find(choice.message_id);
      require(f != nullptr, "sleep sets: the delivery taken is in flight");
      taken_to = f->msg.to;
    }
    const size_t before = child.violations().size();
    const auto violations_found = [](const World& w) {
      uint64_t n = 0;
      for (int p = 0; p < kPropertyCount; ++p) n += w.violation_count(static_cast<Property>(p));
      return n;
    };
    const uint64_t found_before = check_peek_ ? violations_found(child) : 0;
    child.apply(choice, depth);
    if (check_peek_ && violations_found(child) != found_before) {
      // Always on: a peek said the step finds no violation (Monitor::peek), and a seen
      // successor's step is skipped on that word.
      std::fprintf(stderr, "banksim: internal error: a peek missed a violation at depth %lld\n",
                   static_cast<long long>(depth));
      std::abort();
    }
    const bool stop_now = tick(static_cast<uint64_t>(depth));
    path.push_back(pack_choice(choice));
    if (record(child, before, path) || stop_now) return Step::kStop;
    const uint64_t fp = fingerprint_of(child, scratch_);
    if (check_peek_ && fp != peek_fp_) {
      // Always on, and free here: peek_encode() and apply() disagreeing is an engine bug
      // that would make the search skip states.
      std::fprintf(stderr, "banksim: internal error: peeked fingerprint differs at depth %lld\n",
                   static_cast<long long>(depth));
      std::abort();
    }
    check_peek_ = false;
    if constexpr (kSleep) {
      return sleep_step(child, fp, taken_to, depth, choices, path, sleep_in, sleep_out);
    }
    if (!sh_.visited.insert(fp)) {
      path.pop_back();
      return Step::kBacktrack;
    }
    if (depth > result_.stats.max_depth) result_.stats.max_depth = depth;
    if (sh_.visited.size() >= options_.max_states) {
      result_.stats.state_bounded = true;
      sh_.unsaveable.store(true);
      sh_.end();
      return Step::kStop;
    }
    bool stop = false;
    const bool expand = successors(child, depth, choices, &stop, path);
    if (stop) return Step::kStop;
    if (!expand) {
      path.pop_back();
      return Step::kBacktrack;
    }
    return Step::kDescend;
  }

  // The rest of step() with sleep sets (Godefroid's state caching with sleep sets, "the
  // algorithm with stored sleep sets"; README, "Sleep sets", argues it). `child` was
  // reached from its parent by a delivery to `taken_to` (-1: a timer). Its sleep set Z is
  // every member u of the parent's sleep set or of the choices the parent's visit took
  // before this one that is independent of the delivery taken: u delivers a message
  // (never a timer) to another actor, so the two commute exactly (the same state either
  // way, each leaves the other enabled). Z is kept as a mask over the child's first
  // kSleepBits delivery contents (sleep_labels); a member beyond those is dropped (a
  // smaller sleep set only explores more). The visited set then inserts the state with
  // Z, or intersects what it stored with Z: a first visit explores the persistent set
  // minus Z; a later one the stored members not in Z. The successors' sleep sets start
  // from what is stored after the visit.
  // Not inlined: the search without sleep sets keeps step() as it was.
  [[gnu::noinline]] Step sleep_step(World& child, uint64_t fp, int32_t taken_to, int64_t depth,
                                    std::vector<Choice>* choices, std::vector<uint64_t>& path,
                                    const SleepIn& in, std::vector<Choice>* sleep_out) {
    require(sleep_out != nullptr && in.sleep != nullptr, "sleep sets: a step with its sleep set");
    sleep_labels(child);
    SleepMask mask = 0;
    const auto add = [&](const Choice& u) {
      if (taken_to < 0 || u.kind != ChoiceKind::kDeliver) return;
      const InFlight* f = child.find(u.message_id);
      if (f == nullptr) return;
      if (f->msg.to == taken_to &&
          options_.sleep_sets_broken != ExploreOptions::BrokenSleep::kSameActor) {
        return;
      }
      mask |= label_bit(f->msg);
    };
    for (const Choice& u : *in.sleep) add(u);
    for (size_t i = 0; i < in.before_count; ++i) add(in.before[i]);
    const SleepVisit v = sh_.visited.visit(fp, mask);
    sleep_out->clear();
    for (size_t k = 0; k < labels_.size(); ++k) {
      if (v.keep & (SleepMask{1} << k)) sleep_out->push_back(Choice{labels_[k].second});
    }
    if (!v.fresh) {
      if (v.explore == 0 || options_.sleep_sets_broken == ExploreOptions::BrokenSleep::kNoRevisit) {
        path.pop_back();
        return Step::kBacktrack;
      }
      if (options_.max_depth > 0 && depth >= options_.max_depth) {
        result_.stats.depth_bounded = true;
        path.pop_back();
        return Step::kBacktrack;
      }
      // What earlier visits left asleep and this one does not: explore it now (persistent
      // or not: it may have been asleep since before the persistent set was taken).
      choices->clear();
      for (size_t k = 0; k < labels_.size(); ++k) {
        if (v.explore & (SleepMask{1} << k)) choices->push_back(Choice{labels_[k].second});
      }
      return Step::kDescend;
    }
    if (depth > result_.stats.max_depth) result_.stats.max_depth = depth;
    if (sh_.visited.size() >= options_.max_states) {
      result_.stats.state_bounded = true;
      sh_.end();
      return Step::kStop;
    }
    bool stop = false;
    const bool expand = successors(child, depth, choices, &stop, path);
    if (stop) return Step::kStop;
    if (expand && v.keep != 0) {
      // The persistent set minus the sleeping deliveries (every copy of a sleeping content).
      const auto asleep = [&](const Choice& c) {
        if (c.kind != ChoiceKind::kDeliver) return false;
        const InFlight* f = child.find(c.message_id);
        return f != nullptr && (label_bit(f->msg) & v.keep) != 0;
      };
      choices->erase(std::remove_if(choices->begin(), choices->end(), asleep), choices->end());
    }
    if (!expand || choices->empty()) {
      path.pop_back();
      return Step::kBacktrack;
    }
    return Step::kDescend;
  }

  // labels_ = the distinct contents of `w`'s enabled deliveries in content order (the
  // first kSleepBits), each with the smallest id of an enabled message of that content.
  // A function of the state (contents, not ids), so a sleep mask stored for a state means
  // the same deliveries whichever path reaches it again.
  [[gnu::noinline]] void sleep_labels(const World& w) {
    sleep_enabled_.clear();
    if (options_.fifo) {
      links_.heads(w, &sleep_enabled_);
    } else {
      w.enabled(&sleep_enabled_);
    }
    labels_.clear();
    for (const Choice& c : sleep_enabled_) {
      if (c.kind != ChoiceKind::kDeliver) continue;
      const InFlight* f = w.find(c.message_id);
      require(f != nullptr, "sleep sets: an enabled delivery is in flight");
      labels_.emplace_back(f->msg, f->id);
    }
    // Stable: of equal contents the smallest id (enabled() lists them in id order) first.
    std::stable_sort(labels_.begin(), labels_.end(),
                     [](const auto& a, const auto& b) { return content_less(a.first, b.first); });
    labels_.erase(std::unique(labels_.begin(), labels_.end(),
                              [](const auto& a, const auto& b) {
                                return !content_less(a.first, b.first) &&
                                       !content_less(b.first, a.first);
                              }),
                  labels_.end());
    if (labels_.size() > static_cast<size_t>(kSleepBits)) labels_.resize(kSleepBits);
  }

  // The bit of labels_ for a message of that content; 0 when it has none.
  SleepMask label_bit(const Message& m) const {
    for (size_t k = 0; k < labels_.size(); ++k) {
      const Message& l = labels_[k].first;
      if (!content_less(l, m) && !content_less(m, l)) return static_cast<SleepMask>(1u << k);
    }
    return 0;
  }

  [[gnu::always_inline]] bool successors(World& w, int64_t depth, std::vector<Choice>* choices,
                                         bool* stop, const std::vector<uint64_t>& path) {
    enabled_.clear();
    enabled(w, &enabled_);
    if (enabled_.empty()) {
      result_.stats.terminal += 1;
      const size_t before = w.violations().size();
      w.finish(depth);
      *stop = record(w, before, path);
      return false;
    }
    if (options_.max_depth > 0 && depth >= options_.max_depth) {
      result_.stats.depth_bounded = true;
      return false;
    }
    // With faults only some states reduce (README: faults and the reduction); robust
    // expands every choice: the may-send analysis models neither its acks nor its timers.
    if (options_.reduction && options_.protocol != ProtocolKind::kRobust) {
      persistent_set(w, enabled_, options_.fifo, choices);
    } else {
      *choices = enabled_;
    }
    return true;
  }

  // Frames above the top are kept, not destroyed: the frame above the top is the scratch
  // space of the next transition, and worlds are copy-assigned into it. A vector's
  // storage is reused, so a transition costs no allocation once the stack has been as
  // deep before, and a new state becomes the top without being moved.
  void dfs(Task task) {
    if (sleep_) {
      dfs_loop<true>(std::move(task));
    } else {
      dfs_loop<false>(std::move(task));
    }
  }
  template <bool kSleep>
  void dfs_loop(Task task) {
    std::vector<uint64_t> path = std::move(task.path);
    const size_t base = path.size();
    std::vector<Frame> frames;
    frames.push_back(Frame{std::move(task.world), std::move(task.choices), 0, 0, {}, {}});
    size_t top = 0;
    // A resumed stack: each level rebuilt by re-applying the path (apply is
    // deterministic), with the choices it had left.
    for (size_t i = 0; i < task.above.size(); ++i) {
      frames.push_back(
          Frame{frames[i].world, unpack_all(task.above_choices[i]), 0, task.above[i], {}, {}});
      frames.back().world.apply(unpack_choice(task.above[i]), static_cast<int64_t>(base + i + 1));
      path.push_back(task.above[i]);
      top = i + 1;
    }
    while (true) {
      if (defer_stop_ && (sh_.gather.load(std::memory_order_relaxed) ||
                          sh_.stop.load(std::memory_order_relaxed))) {
        if (pause([&](size_t i) { return std::make_pair(&frames[i].choices, frames[i].next); }, top,
                  base, path)) {
          return;
        }
      }
      if (frames[top].next == frames[top].choices.size()) {
        if (top == 0) return;
        --top;
        path.pop_back();
        continue;
      }
      if (sh_.wanted()) {
        // An idle worker: give it the lowest level's unexplored choices (the biggest
        // piece of work), or those after the next one on the only level that has some.
        for (size_t i = 0; i <= top; ++i) {
          Frame& low = frames[i];
          const size_t keep = i == top ? low.next + 1 : low.next;
          if (keep >= low.choices.size()) continue;
          const bool given = sh_.offer([&] {
            return Task{
                low.world,
                {low.choices.begin() + static_cast<std::ptrdiff_t>(keep), low.choices.end()},
                {path.begin(), path.begin() + static_cast<std::ptrdiff_t>(base + i)}};
          });
          if (given) low.choices.resize(keep);
          break;
        }
      }
      if (frames.size() == top + 1) {
        // A new level: one more World. Asked before it is allocated.
        if (poll(top + 1, /*wait=*/true) && !defer_stop_) return;
        frames.push_back(Frame{frames[top].world, {}, 0, 0, {}, {}});
      }
      Frame& f = frames[top];
      Frame& next = frames[top + 1];
      const Choice choice = f.choices[f.next++];
      const int64_t depth = static_cast<int64_t>(base + top + 1);
      // The successor's fingerprint first: a seen state (most transitions lead to one)
      // costs no World copy. A step that would find a violation is taken for real. Every
      // choice of a level is peeked when the level is first taken, and the visited-set
      // slots asked for ahead (past a few million states each probe is a cache miss).
      const bool peek = !options_.fifo && !options_.faults.any();
      if (peek && f.next == 1) {
        f.peeked.resize(f.choices.size());
        for (size_t i = 0; i < f.choices.size(); ++i) {
          f.peeked[i].reset();
          if (f.world.peek_encode(f.choices[i], scratch_, peek_)) {
            f.peeked[i] = scratch_.digest();
            sh_.visited.prefetch(*f.peeked[i]);
          }
        }
      }
      bool peeked = false;
      if (peek && f.peeked[f.next - 1].has_value()) {
        peeked = true;
        peek_fp_ = *f.peeked[f.next - 1];
        // With sleep sets a seen state is passed over only when it keeps no sleeping
        // delivery (a later visit with any sleep set explores nothing there).
        if (kSleep ? sh_.visited.mask_of(peek_fp_) == 0 : sh_.visited.contains(peek_fp_)) {
          if (tick(static_cast<uint64_t>(depth))) return;
          continue;
        }
      }
      World& child = next.world;
      child = f.world;
      check_peek_ = peeked;
      const Step taken =
          kSleep ? step<true>(child, choice, depth, &next.choices, path,
                              SleepIn{&f.sleep, f.choices.data(), f.next - 1}, &next.sleep)
                 : step<false>(child, choice, depth, &next.choices, path, SleepIn{}, nullptr);
      if (taken == Step::kStop) return;
      if (taken == Step::kBacktrack) continue;
      next.next = 0;
      next.via = pack_choice(choice);
      ++top;
    }
  }

  size_t checkpoint_every() const {
    if (options_.checkpoint_every > 0) return options_.checkpoint_every;
    uint64_t events = 0;
    for (const auto& c : scenario_->customers) events += c.events.size();
    const uint64_t bytes = static_cast<uint64_t>(scenario_->branch_count()) * events / 8;
    return bytes >= kCheckpointWorldBytes ? 16 : 1;
  }

  // dfs() for large Worlds: a World is kept every `every` levels (plus two working
  // copies); the state of another level is rebuilt from the checkpoint below it by
  // re-applying the path's deliveries, which gives the same World (apply is
  // deterministic). The same states in the same order as dfs(); memory depth / every
  // Worlds instead of depth; time up to every - 1 more deliveries per backtrack.
  void dfs_checkpointed(Task task, size_t every) {
    struct Level {
      std::vector<Choice> choices;
      size_t next = 0;
      std::optional<World> saved;  // set on levels that are multiples of `every`
      std::vector<Choice> sleep;   // --sleep-sets: as Frame::sleep
    };
    // path[base + i]: the delivery from level i to level i + 1
    std::vector<uint64_t> path = std::move(task.path);
    const size_t base = path.size();
    std::vector<Level> levels;
    std::vector<Choice> choices;
    World parent = task.world;  // the state of levels[parent_top]
    World child = task.world;
    levels.push_back(Level{std::move(task.choices), 0, std::move(task.world), {}});
    std::vector<Choice> sleep;
    size_t top = 0;
    size_t parent_top = 0;
    if (!task.above.empty()) {
      // As in dfs(): the resumed stack, a World kept on every `every`-th level.
      World w = *levels[0].saved;
      for (size_t i = 0; i < task.above.size(); ++i) {
        w.apply(unpack_choice(task.above[i]), static_cast<int64_t>(base + i + 1));
        levels.push_back(Level{unpack_all(task.above_choices[i]), 0, std::nullopt, {}});
        if ((i + 1) % every == 0) levels.back().saved = w;
        path.push_back(task.above[i]);
      }
      top = task.above.size();
    }
    // The state of level `top` (rebuilt from the checkpoint below it).
    const auto rebuild = [&](size_t level, World& w) {
      size_t c = level;
      while (!levels[c].saved) --c;
      w = *levels[c].saved;
      for (size_t i = c; i < level; ++i) {
        w.apply(unpack_choice(path[base + i]), static_cast<int64_t>(base + i + 1));
      }
    };
    while (true) {
      if (defer_stop_ && (sh_.gather.load(std::memory_order_relaxed) ||
                          sh_.stop.load(std::memory_order_relaxed))) {
        if (pause([&](size_t i) { return std::make_pair(&levels[i].choices, levels[i].next); }, top,
                  base, path)) {
          return;
        }
      }
      if (levels[top].next == levels[top].choices.size()) {
        if (top == 0) return;
        --top;
        path.pop_back();
        continue;
      }
      if (sh_.wanted()) {
        // As in dfs(); the state given is rebuilt from its checkpoint.
        for (size_t i = 0; i <= top; ++i) {
          Level& low = levels[i];
          const size_t keep = i == top ? low.next + 1 : low.next;
          if (keep >= low.choices.size()) continue;
          const bool given = sh_.offer([&] {
            Task t{levels[0].saved.value(),
                   {low.choices.begin() + static_cast<std::ptrdiff_t>(keep), low.choices.end()},
                   {path.begin(), path.begin() + static_cast<std::ptrdiff_t>(base + i)}};
            rebuild(i, t.world);
            return t;
          });
          if (given) low.choices.resize(keep);
          break;
        }
      }
      if (parent_top != top) {
        rebuild(top, parent);
        parent_top = top;
      }
      Level& f = levels[top];
      const Choice choice = f.choices[f.next++];
      const int64_t depth = static_cast<int64_t>(base + top + 1);
      child = parent;
      const Step taken =
          sleep_ ? step<true>(child, choice, depth, &choices, path,
                              SleepIn{&f.sleep, f.choices.data(), f.next - 1}, &sleep)
                 : step<false>(child, choice, depth, &choices, path, SleepIn{}, nullptr);
      if (taken == Step::kStop) return;
      if (taken == Step::kBacktrack) continue;
      if (levels.size() == top + 1) {
        // A new level; a World with it when it is a checkpoint. Asked before.
        if (poll(top + 1, /*wait=*/true) && !defer_stop_) return;
        levels.emplace_back();
      }
      Level& next = levels[top + 1];
      next.choices.swap(choices);
      next.sleep.swap(sleep);
      next.next = 0;
      if ((top + 1) % every == 0) next.saved = child;
      std::swap(parent, child);
      parent_top = top + 1;
      ++top;
    }
  }

  static std::vector<Choice> unpack_all(const std::vector<uint64_t>& packed) {
    std::vector<Choice> out;
    out.reserve(packed.size());
    for (uint64_t c : packed) out.push_back(unpack_choice(c));
    return out;
  }

  // At the top of the search loop (between two transitions) while a checkpoint is
  // gathered or the search stops: adds this worker's stack to the gathering (level(i)
  // gives level i's choices and the next to take; the levels above `base` of `path`) and
  // waits until the last busy worker has handed the search over; again if another
  // gathering began meanwhile (a poll that stops the search as this one ends). Returns
  // whether the search ends.
  template <typename LevelOf>
  bool pause(LevelOf&& level, size_t top, size_t base, const std::vector<uint64_t>& path) {
    std::unique_lock<std::mutex> lock(sh_.m);
    while (sh_.gather.load()) {
      require(path.size() == base + top, "checkpoint: the path names every level of the stack");
      ExploreStack stack;
      stack.base.assign(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(base));
      stack.path.assign(path.begin() + static_cast<std::ptrdiff_t>(base), path.end());
      for (size_t i = 0; i <= top; ++i) {
        const auto [choices, next] = level(i);
        stack.unexplored.push_back(pack_all(*choices, next));
      }
      if (has_work(stack)) sh_.stacks.push_back(std::move(stack));
      sh_.arrived += 1;
      if (sh_.arrived == sh_.busy) {
        gathered();
      } else {
        const uint64_t gathering = sh_.gatherings;
        sh_.gathered_cv.wait(lock, [&] { return sh_.gatherings != gathering; });
      }
    }
    return sh_.stop.load();
  }

  // With sh_.m held, once every busy worker has stopped for the gathering: hands
  // options_.checkpoint the whole search (unless a stack was dropped), then lets the
  // workers go on. Every other worker waits, so every result_ and the visited set hold
  // still.
  void gathered() {
    if (!sh_.unsaveable.load()) {
      try {
        ExploreResult merged;
        for (const ExploreResult* r : sh_.results) merge_into(merged, *r);
        ExploreFrontier f;
        f.stats = merged.stats;
        f.counterexamples = std::move(merged.counterexamples);
        f.visited = sh_.visited.sorted();
        f.stacks = std::move(sh_.stacks);
        for (const Task& t : sh_.tasks) {
          ExploreStack stack = task_stack(t);
          if (has_work(stack)) f.stacks.push_back(std::move(stack));
        }
        options_.checkpoint(f);
      } catch (const std::bad_alloc&) {
        // As in work(): the search ends there, out of memory (and unsaved).
        result_.stats.stopped_by = StopReason::kOutOfMemory;
        sh_.unsaveable.store(true);
        sh_.stop.store(true);
      }
    }
    sh_.stacks.clear();
    sh_.arrived = 0;
    sh_.gather.store(false);
    sh_.gatherings += 1;
    sh_.gathered_cv.notify_all();
    sh_.cv.notify_all();  // the workers waiting for a task may take one again
  }

  void random_walks(const World& root) {
    Prng prng(options_.seed);
    std::vector<uint64_t> path;
    for (uint64_t walk = 0; walk < options_.walks; ++walk) {
      result_.stats.walks += 1;
      World w = root;
      path.clear();
      int64_t depth = 0;
      while (true) {
        enabled_.clear();
        enabled(w, &enabled_);
        if (enabled_.empty()) {
          result_.stats.terminal += 1;
          const size_t before = w.violations().size();
          w.finish(depth);
          if (record(w, before, path)) return;
          break;
        }
        if (options_.max_depth > 0 && depth >= options_.max_depth) {
          result_.stats.depth_bounded = true;
          break;
        }
        const Choice c = enabled_[prng.below(enabled_.size())];
        const size_t before = w.violations().size();
        w.apply(c, ++depth);
        const bool stop_now = tick(static_cast<uint64_t>(depth));
        path.push_back(pack_choice(c));
        if (record(w, before, path) || stop_now) return;
        sh_.visited.insert(fingerprint_of(w, scratch_));
        if (depth > result_.stats.max_depth) result_.stats.max_depth = depth;
      }
    }
    // Random walks sample; they never prove anything complete.
    result_.stats.state_bounded = true;
  }

  // Breadth-first search without reduction for the shortest schedule that shows `p`.
  // Returns nullopt when the budget runs out first.
  // `p` nullopt: any checked property (the first shown on the first such schedule).
  std::optional<std::pair<Violation, std::vector<uint64_t>>> shortest(std::optional<Property> p,
                                                                      size_t max_len) {
    ExploreOptions o = options_;
    if (p) o.checked = PropertySet().with(*p);
    World root(scenario_, explore_world_options(o));
    root.start(0);
    struct Parent {
      uint64_t parent;
      uint64_t message_id;
    };
    // Never iterated: safe for determinism.
    std::unordered_map<uint64_t, Parent> parents;  // lookup only
    StateEncoder enc(/*keep_words=*/false);
    const uint64_t root_fp = fingerprint_of(root, enc);
    parents.emplace(root_fp, Parent{root_fp, 0});
    std::vector<std::pair<World, uint64_t>> level;
    level.emplace_back(std::move(root), root_fp);
    std::vector<Choice> enabled;
    const auto path_to = [&](uint64_t fp) {
      std::vector<uint64_t> path;
      while (fp != root_fp) {
        const Parent& pr = parents.at(fp);
        path.push_back(pr.message_id);
        fp = pr.parent;
      }
      return std::vector<uint64_t>(path.rbegin(), path.rend());
    };
    for (size_t depth = 0; depth < max_len && !level.empty(); ++depth) {
      std::vector<std::pair<World, uint64_t>> next;
      for (auto& [w, fp] : level) {
        enabled.clear();
        this->enabled(w, &enabled);
        for (const Choice& c : enabled) {
          World child = w;
          child.apply(c, static_cast<int64_t>(depth + 1));
          bool show = !child.violations().empty();
          if (!show && child.quiescent()) {
            child.finish(static_cast<int64_t>(depth + 1));
            show = !child.violations().empty();
          }
          if (show) {
            auto path = path_to(fp);
            path.push_back(pack_choice(c));
            return std::make_pair(child.violations().front(), std::move(path));
          }
          const uint64_t cfp = fingerprint_of(child, enc);
          if (!parents.emplace(cfp, Parent{fp, pack_choice(c)}).second) continue;
          if (parents.size() > options_.minimize_max_states) return std::nullopt;
          // Each kept state is a World: memory and interruption are asked as it grows.
          if (parents.size() % kPollEvery == 0 && options_.poll) {
            result_.stats.stack = level.size() + next.size();
            result_.minimize_stopped_by = options_.poll(result_.stats);
            if (result_.minimize_stopped_by != StopReason::kNone) return std::nullopt;
          }
          next.emplace_back(std::move(child), cfp);
        }
      }
      level = std::move(next);
    }
    return std::nullopt;
  }

  void minimize_all() {
    for (Counterexample& c : result_.counterexamples) {
      if (result_.minimize_stopped_by != StopReason::kNone) return;
      auto found = shortest(c.property, c.schedule.size());
      if (!found) continue;
      c.detail = std::move(found->first.detail);
      c.schedule = std::move(found->second);
      c.minimal = true;
    }
  }

  // At the first violation: the shortest schedule that shows any checked property, so
  // that what is reported does not depend on which violation the search met first.
  void minimize_first() {
    Counterexample& c = result_.counterexamples.front();
    auto found = shortest(std::nullopt, c.schedule.size());
    if (!found) return;
    c.property = found->first.property;
    c.detail = std::move(found->first.detail);
    c.schedule = std::move(found->second);
    c.minimal = true;
  }

  std::shared_ptr<const Scenario> scenario_;
  const ExploreOptions& options_;
  Shared& sh_;
  uint32_t index_;
  ExploreResult result_;
  StateEncoder scratch_{/*keep_words=*/false};
  World::PeekScratch peek_;
  uint64_t peek_fp_ = 0;
  bool check_peek_ = false;  // step() compares its fingerprint with peek_fp_
  std::vector<Choice> enabled_;
  LinkOrder links_;
  // --sleep-sets (one worker): the state's delivery contents in content order (labels_).
  const bool sleep_ = options_.sleep_sets;
  std::vector<Choice> sleep_enabled_;
  std::vector<std::pair<Message, uint64_t>> labels_;
  // Checkpointing (options_.checkpoint): stops wait for the search loop's top.
  bool defer_stop_ = static_cast<bool>(options_.checkpoint);
};

}  // namespace

ExploreResult explore(std::shared_ptr<const Scenario> scenario, const ExploreOptions& options) {
  assert(scenario != nullptr);
  const uint32_t n =
      options.strategy == ExploreStrategy::kRandom ? 1 : std::max<uint32_t>(options.workers, 1);
  require(!options.sleep_sets ||
              (n == 1 && options.strategy == ExploreStrategy::kDfs && !options.faults.any() &&
               options.resume == nullptr && !options.checkpoint),
          "sleep sets: one dfs worker, no faults, no checkpoint");
  Shared shared(n, options.sleep_sets);
  std::vector<std::unique_ptr<Search>> workers;
  for (uint32_t i = 0; i < n; ++i) {
    workers.push_back(std::make_unique<Search>(scenario, options, shared, i));
  }
  workers[0]->start();
  if (options.strategy == ExploreStrategy::kDfs) {
    std::vector<std::thread> threads;  // workers: decide no order
    for (uint32_t i = 1; i < n; ++i) threads.emplace_back([&, i] { workers[i]->work(); });
    workers[0]->work();
    for (std::thread& t : threads) t.join();  // workers: decide no order
  }

  // Every worker's counts and findings, in an order no thread decided.
  ExploreResult merged;
  ExploreStats& st = merged.stats;
  for (const auto& w : workers) merge_into(merged, w->result());
  st.distinct = shared.visited.size();
  st.visited_bytes = shared.visited.bytes();
  st.workers = n;
  auto& found = merged.counterexamples;
  if (st.stopped_early && !options.keep_going && found.size() > 1) {
    // Workers that met violations at the same time: the shortest, then the smallest.
    const auto best = std::min_element(found.begin(), found.end(), better);
    found = {std::move(*best)};
  }
  std::sort(found.begin(), found.end(), [](const Counterexample& a, const Counterexample& b) {
    return a.property < b.property;
  });
  if (options.keep_fingerprints) merged.fingerprints = shared.visited.sorted();
  workers[0]->minimize(merged);
  return merged;
}

WorldOptions explorer_world_options(const ExploreOptions& o) {
  return explore_world_options(o);
}

uint64_t explorer_fingerprint(const World& w, const ExploreOptions& o, StateEncoder& scratch) {
  // As Search::fingerprint_of.
  if (!o.fifo && !o.faults.any()) return world_fingerprint(w, scratch);
  scratch.clear();
  w.encode(scratch);
  if (o.fifo) {
    LinkOrder links;
    scratch.put(links.order_hash(w));
  }
  if (o.faults.any()) {
    const FaultCounts& f = w.faults();
    scratch.put_pair(static_cast<uint32_t>(f.drops), static_cast<uint32_t>(f.duplicates));
    scratch.put_pair(static_cast<uint32_t>(f.crashes), static_cast<uint32_t>(f.partitions));
  }
  return scratch.digest();
}

void explorer_enabled(const World& w, const ExploreOptions& o, std::vector<Choice>* out) {
  // As Search::enabled.
  deliverable(w, o.fifo, out);
  if (o.faults.any()) fault_choices(w, o.faults, out);
}

void explorer_expanded(const World& w, const ExploreOptions& o, const std::vector<Choice>& enabled,
                       std::vector<Choice>* out) {
  // As Search::successors.
  if (o.reduction && o.protocol != ProtocolKind::kRobust) {
    persistent_set(w, enabled, o.fifo, out);
  } else {
    *out = enabled;
  }
}

void minimize_counterexamples(std::shared_ptr<const Scenario> scenario, const ExploreOptions& o,
                              ExploreResult& result) {
  Shared shared(1);
  Search search(std::move(scenario), o, shared, 0);
  search.minimize(result);
}

}  // namespace banksim
