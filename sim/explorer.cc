#include "sim/explorer.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <new>
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
      const uint64_t key[5] = {keyed_[i].first, position,
                               (static_cast<uint64_t>(m.kind) << 40) |
                                   (static_cast<uint64_t>(m.iface) << 36) |
                                   (static_cast<uint64_t>(m.success) << 32) | u32(m.seq),
                               (u32(m.customer) << 32) | u32(m.event),
                               static_cast<uint64_t>(m.money)};
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

class Search {
 public:
  Search(std::shared_ptr<const Scenario> scenario, const ExploreOptions& options)
      : scenario_(std::move(scenario)), options_(options) {}

  ExploreResult run() {
    World root(scenario_, explore_world_options(options_));
    root.start(0);
    visited_.insert(fingerprint_of(root, scratch_));
    result_.stats.distinct = 1;
    // An allocation that fails ends the search like a poll would: the stack is freed as
    // the exception leaves dfs(), and what was found so far is kept.
    try {
      if (options_.strategy == ExploreStrategy::kDfs) {
        const size_t every = checkpoint_every();
        if (every <= 1) {
          dfs(std::move(root));
        } else {
          dfs_checkpointed(std::move(root), every);
        }
      } else {
        random_walks(root);
      }
    } catch (const std::bad_alloc&) {
      result_.stats.stopped_by = StopReason::kOutOfMemory;
    }
    result_.stats.distinct = visited_.size();
    result_.stats.visited_bytes = visited_.bytes();
    result_.stats.stack = 0;
    if (options_.keep_fingerprints) result_.fingerprints = visited_.sorted();
    if (options_.minimize && result_.stats.stopped_by == StopReason::kNone) {
      try {
        minimize_all();
      } catch (const std::bad_alloc&) {
        // The unminimized schedules stand (each shortening replaced one only when found).
        result_.minimize_stopped_by = StopReason::kOutOfMemory;
      }
    }
    return std::move(result_);
  }

 private:
  struct Frame {
    World world;
    std::vector<Choice> choices;
    size_t next = 0;
    uint64_t via = 0;  // the message delivered to reach this state (root: unused)
  };

  // The deliveries the network model allows from `w`, in id order.
  void enabled(const World& w, std::vector<Choice>* out) {
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
      return true;
    }
    return false;
  }

  // Asks options_.poll whether to go on. Returns true when the search must end.
  bool poll(uint64_t stack) {
    if (!options_.poll) return false;
    result_.stats.distinct = visited_.size();
    result_.stats.visited_bytes = visited_.bytes();
    result_.stats.stack = stack;
    const StopReason r = options_.poll(result_.stats);
    if (r == StopReason::kNone) return false;
    result_.stats.stopped_by = r;
    return true;
  }

  // Counts a transition; polls every kPollEvery. Returns true when the search must end.
  bool tick(uint64_t stack) {
    result_.stats.transitions += 1;
    return result_.stats.transitions % kPollEvery == 0 && poll(stack);
  }

  // Expands a freshly reached state: terminal check, or the choices to explore.
  // Returns false when it has nothing to explore.
  enum class Step { kStop, kBacktrack, kDescend };
  // One transition of the depth-first search (dfs and dfs_checkpointed): `child`, a copy
  // of the state at depth - 1, takes `choice`. Records a violation, the visit and the
  // bounds. kDescend: the state is new and has successors, now in *choices, and `path`
  // ends with the choice; kBacktrack: `path` is as it was; kStop: the search ends.
  Step step(World& child, const Choice& choice, int64_t depth, std::vector<Choice>* choices,
            std::vector<uint64_t>& path) {
    const size_t before = child.violations().size();
    child.apply(choice, depth);
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
    if (!visited_.insert(fp)) {
      path.pop_back();
      return Step::kBacktrack;
    }
    if (depth > result_.stats.max_depth) result_.stats.max_depth = depth;
    if (visited_.size() >= options_.max_states) {
      result_.stats.state_bounded = true;
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

  bool successors(World& w, int64_t depth, std::vector<Choice>* choices, bool* stop,
                  const std::vector<uint64_t>& path) {
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
    // With faults the search expands every choice (README: faults and the reduction);
    // so it does under robust, whose acks and timers the may-send analysis does not model.
    if (options_.reduction && !options_.faults.any() &&
        options_.protocol != ProtocolKind::kRobust) {
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
  void dfs(World root) {
    std::vector<uint64_t> path;
    std::vector<Frame> frames;
    {
      Frame f{std::move(root), {}, 0, 0};
      bool stop = false;
      if (!successors(f.world, 0, &f.choices, &stop, path)) return;
      frames.push_back(std::move(f));
    }
    size_t top = 0;
    while (true) {
      if (frames[top].next == frames[top].choices.size()) {
        if (top == 0) return;
        --top;
        path.pop_back();
        continue;
      }
      if (frames.size() == top + 1) {
        // A new level: one more World. Asked before it is allocated.
        if (poll(top + 1)) return;
        frames.push_back(Frame{frames[top].world, {}, 0, 0});
      }
      Frame& f = frames[top];
      Frame& next = frames[top + 1];
      const Choice choice = f.choices[f.next++];
      const int64_t depth = static_cast<int64_t>(top + 1);
      // The successor's fingerprint first: a seen state (most transitions lead to one)
      // costs no World copy. A step that would find a violation is taken for real.
      bool peeked = false;
      if (!options_.fifo && !options_.faults.any() &&
          f.world.peek_encode(choice, scratch_, peek_)) {
        peeked = true;
        peek_fp_ = scratch_.digest();
        if (visited_.contains(peek_fp_)) {
          if (tick(static_cast<uint64_t>(depth))) return;
          continue;
        }
      }
      World& child = next.world;
      child = f.world;
      check_peek_ = peeked;
      const Step taken = step(child, choice, depth, &next.choices, path);
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
  void dfs_checkpointed(World root, size_t every) {
    struct Level {
      std::vector<Choice> choices;
      size_t next = 0;
      std::optional<World> saved;  // set on levels that are multiples of `every`
    };
    std::vector<uint64_t> path;  // path[i]: the delivery from level i to level i + 1
    std::vector<Level> levels;
    std::vector<Choice> choices;
    {
      bool stop = false;
      if (!successors(root, 0, &choices, &stop, path)) return;
    }
    World parent = root;  // the state of levels[parent_top]
    World child = root;
    levels.push_back(Level{std::move(choices), 0, std::move(root)});
    choices = {};
    size_t top = 0;
    size_t parent_top = 0;
    while (true) {
      if (levels[top].next == levels[top].choices.size()) {
        if (top == 0) return;
        --top;
        path.pop_back();
        continue;
      }
      if (parent_top != top) {
        size_t c = top;
        while (!levels[c].saved) --c;
        parent = *levels[c].saved;
        for (size_t i = c; i < top; ++i) {
          parent.apply(unpack_choice(path[i]), static_cast<int64_t>(i + 1));
        }
        parent_top = top;
      }
      Level& f = levels[top];
      const Choice choice = f.choices[f.next++];
      const int64_t depth = static_cast<int64_t>(top + 1);
      child = parent;
      const Step taken = step(child, choice, depth, &choices, path);
      if (taken == Step::kStop) return;
      if (taken == Step::kBacktrack) continue;
      if (levels.size() == top + 1) {
        // A new level; a World with it when it is a checkpoint. Asked before.
        if (poll(top + 1)) return;
        levels.emplace_back();
      }
      Level& next = levels[top + 1];
      next.choices.swap(choices);
      next.next = 0;
      if ((top + 1) % every == 0) next.saved = child;
      std::swap(parent, child);
      parent_top = top + 1;
      ++top;
    }
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
        visited_.insert(fingerprint_of(w, scratch_));
        if (depth > result_.stats.max_depth) result_.stats.max_depth = depth;
      }
    }
    // Random walks sample; they never prove anything complete.
    result_.stats.state_bounded = true;
  }

  // Breadth-first search without reduction for the shortest schedule that shows `p`.
  // Returns nullopt when the budget runs out first.
  std::optional<std::pair<std::string, std::vector<uint64_t>>> shortest(Property p,
                                                                        size_t max_len) {
    ExploreOptions o = options_;
    o.checked = PropertySet().with(p);
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
            return std::make_pair(child.violations().front().detail, std::move(path));
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
      c.detail = std::move(found->first);
      c.schedule = std::move(found->second);
      c.minimal = true;
    }
  }

  std::shared_ptr<const Scenario> scenario_;
  ExploreOptions options_;
  ExploreResult result_;
  VisitedSet visited_;
  StateEncoder scratch_{/*keep_words=*/false};
  World::PeekScratch peek_;
  uint64_t peek_fp_ = 0;
  bool check_peek_ = false;  // step() compares its fingerprint with peek_fp_
  std::vector<Choice> enabled_;
  LinkOrder links_;
};

}  // namespace

ExploreResult explore(std::shared_ptr<const Scenario> scenario, const ExploreOptions& options) {
  assert(scenario != nullptr);
  return Search(std::move(scenario), options).run();
}

}  // namespace banksim
