#include "sim/mpi_explorer.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sys/resource.h>

#include "sim/checkpoint.h"
#include "sim/mpi_checkpoint.h"
#include "sim/varint.h"
#include "sim/visited_set.h"
#include "sim/world_wire.h"

namespace banksim {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  std::fprintf(stderr, "banksim: MPI: %s failed (error %d)\n", what, rc);
  MPI_Abort(MPI_COMM_WORLD, 70);
}

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "banksim: internal error: mpi explore: %s\n", what);
  std::abort();
}

void put_u(std::string& out, uint64_t v) {
  append_varint(out, v);
}

class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  uint64_t u() {
    const std::optional<uint64_t> v = read_varint(s_, &pos_);
    require(v.has_value(), "truncated batch or varint too long");
    return *v;
  }
  std::string_view bytes(size_t n) {
    require(n <= s_.size() - pos_, "truncated batch");
    const std::string_view v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// A state of the frontier: its fingerprint, the path (packed choices) that reached it,
// and the state itself.
struct Item {
  uint64_t fp = 0;
  std::vector<uint64_t> path;
  std::string world;
};

void put_item(std::string& out, uint64_t fp, const std::vector<uint64_t>& path,
              const std::string& world) {
  put_u(out, fp);
  put_u(out, path.size());
  for (uint64_t c : path) put_u(out, c);
  put_u(out, world.size());
  out.append(world);
}

// Appends to `out` the items of `blob` (put_item's) that `rank` owns among `ranks`; false
// when `blob` is malformed.
bool filter_items(std::string_view blob, uint32_t ranks, uint32_t rank, std::string* out) {
  size_t pos = 0;
  while (pos < blob.size()) {
    const size_t start = pos;
    const std::optional<uint64_t> fp = read_varint(blob, &pos);
    const std::optional<uint64_t> length = read_varint(blob, &pos);
    if (!fp || !length || *length > blob.size() - pos) return false;
    for (uint64_t i = 0; i < *length; ++i) {
      if (!read_varint(blob, &pos)) return false;
    }
    const std::optional<uint64_t> world = read_varint(blob, &pos);
    if (!world || *world > blob.size() - pos) return false;
    pos += static_cast<size_t>(*world);
    if (fingerprint_owner(*fp, ranks) == rank) out->append(blob.substr(start, pos - start));
  }
  return true;
}

std::vector<Item> read_items(std::string_view blob) {
  std::vector<Item> items;
  In in(blob);
  while (!in.done()) {
    Item item;
    item.fp = in.u();
    item.path.resize(static_cast<size_t>(in.u()));
    for (uint64_t& c : item.path) c = in.u();
    item.world = std::string(in.bytes(static_cast<size_t>(in.u())));
    items.push_back(std::move(item));
  }
  return items;
}

bool better(const Counterexample& a, const Counterexample& b) {
  if (a.schedule.size() != b.schedule.size()) return a.schedule.size() < b.schedule.size();
  return a.schedule < b.schedule;
}

uint64_t peak_rss_bytes() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;
}

// Every rank's bytes, concatenated in rank order, on every rank.
std::string all_gather(const std::string& mine, int ranks) {
  const int n = static_cast<int>(mine.size());
  std::vector<int> sizes(static_cast<size_t>(ranks));
  check(MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<int> displs(static_cast<size_t>(ranks));
  int total = 0;
  for (int r = 0; r < ranks; ++r) {
    displs[static_cast<size_t>(r)] = total;
    total += sizes[static_cast<size_t>(r)];
  }
  std::string all(static_cast<size_t>(total), '\0');
  check(MPI_Allgatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), displs.data(), MPI_CHAR,
                       MPI_COMM_WORLD),
        "MPI_Allgatherv");
  return all;
}

class Search {
 public:
  Search(const MpiSession& mpi, std::shared_ptr<const Scenario> scenario,
         const ExploreOptions& options, MpiCheckpointing* checkpointing)
      : mpi_(mpi),
        ck_(checkpointing),
        ranks_(static_cast<uint32_t>(mpi.size())),
        rank_(static_cast<uint32_t>(mpi.rank())),
        scenario_(std::move(scenario)),
        o_(options),
        world_options_(explorer_world_options(options)),
        out_(ranks_) {}

  ExploreResult run(MpiExploreReport* report) {
    std::vector<Item> frontier;
    std::vector<Item> next;
    int64_t depth = 0;
    if (ck_ != nullptr && ck_->resume != nullptr) {
      depth = restore(*ck_->resume, frontier, next);
    } else {
      World root(scenario_, world_options_);
      root.start(0);
      const uint64_t root_fp = explorer_fingerprint(root, o_, scratch_);
      if (fingerprint_owner(root_fp, ranks_) == rank_) {
        visited_.insert(root_fp);
        Item item{root_fp, {}, {}};
        WorldWire::encode(root, &item.world);
        frontier.push_back(std::move(item));
      }
    }
    next_ = &next;
    StopReason stop = StopReason::kNone;
    while (true) {
      // One level: its states expanded in rounds, their successors exchanged each round.
      const uint64_t my_rounds = (frontier.size() + kMpiRoundStates - 1) / kMpiRoundStates;
      uint64_t rounds = 0;
      check(MPI_Allreduce(&my_rounds, &rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD),
            "MPI_Allreduce");
      for (uint64_t round = 0; round < rounds; ++round) {
        const size_t first = std::min<size_t>(frontier.size(), round * kMpiRoundStates);
        size_t last = std::min<size_t>(frontier.size(), first + kMpiRoundStates);
        for (size_t i = first; i < last; ++i) {
          // A poll that asked to stop ends this rank's round early: the states left stay
          // in the frontier (a checkpoint keeps them), so a stop waits for one state, not
          // for a round (mpirun kills the ranks soon after it forwards a SIGTERM).
          if (pending_stop_ != StopReason::kNone) {
            last = i;
            break;
          }
          expand(frontier[i], depth);
          frontier[i] = Item{};  // its memory back
        }
        stop = exchange(depth + 1, next, stop);
        // A round boundary: nothing in transit. Every rank agreed on both in the exchange.
        if (checkpointing() && (checkpoint_due_ || stop != StopReason::kNone)) {
          save(frontier, last, next, depth);
        }
        if (stop != StopReason::kNone) break;
      }
      frontier = std::move(next);
      next = std::vector<Item>();
      index_.clear();
      ++levels_;
      // The next level's size over every rank, and whether any rank stopped.
      uint64_t local[2] = {frontier.size(), found_any_ && !o_.keep_going ? 1u : 0u};
      uint64_t global[2] = {0, 0};
      check(MPI_Allreduce(local, global, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD),
            "MPI_Allreduce");
      if (stop != StopReason::kNone) break;
      if (global[1] != 0) {
        result_.stats.stopped_early = true;
        break;
      }
      if (global[0] == 0) break;
      // options.max_states (explore's safety bound, and the comparison search's), checked
      // between levels so that where it stops does not depend on the rank count.
      const uint64_t mine = visited_.size();
      uint64_t distinct = 0;
      check(MPI_Allreduce(&mine, &distinct, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce");
      if (distinct >= o_.max_states) {
        result_.stats.state_bounded = true;
        break;
      }
      ++depth;
    }
    result_.stats.stopped_by = stop;
    return finish(report);
  }

 private:
  // Expands one state of depth `depth`: its terminal check, or each choice the search
  // takes from it, each successor queued for its owner.
  void expand(const Item& item, int64_t depth) {
    World w = WorldWire::decode(scenario_, world_options_, item.world);
    enabled_.clear();
    explorer_enabled(w, o_, &enabled_);
    if (enabled_.empty()) {
      result_.stats.terminal += 1;
      const size_t before = w.violations().size();
      w.finish(depth);
      record(w, before, item.path);
      return;
    }
    explorer_expanded(w, o_, enabled_, &choices_);
    std::vector<uint64_t> path = item.path;
    path.push_back(0);
    for (const Choice& c : choices_) {
      World child = w;
      const size_t before = child.violations().size();
      child.apply(c, depth + 1);
      result_.stats.transitions += 1;
      path.back() = pack_choice(c);
      record(child, before, path);
      const uint64_t fp = explorer_fingerprint(child, o_, scratch_);
      const uint32_t owner = fingerprint_owner(fp, ranks_);
      if (owner == rank_ && visited_.contains(fp)) {
        // Ours and seen: in an earlier level (nothing to do), or in this one (its World
        // is replaced only by that of a smaller path).
        auto it = index_.find(fp);
        if (it == index_.end() || !(path < next_->at(it->second).path)) {
          share_.local_states += 1;
          if (result_.stats.transitions % kPollEvery == 0) poll_now(depth);
          continue;
        }
      }
      world_bytes_.clear();
      WorldWire::encode(child, &world_bytes_);
      share_.max_world_bytes = std::max<uint64_t>(share_.max_world_bytes, world_bytes_.size());
      std::string& out = out_[owner];
      const size_t before_bytes = out.size();
      put_item(out, fp, path, world_bytes_);
      if (owner == rank_) {
        share_.local_states += 1;
      } else {
        share_.sent_states += 1;
        share_.sent_bytes += out.size() - before_bytes;
      }
      if (result_.stats.transitions % kPollEvery == 0) poll_now(depth);
    }
  }

  void poll_now(int64_t depth) {
    if (!o_.poll || pending_stop_ != StopReason::kNone) return;
    ExploreStats st = global_;
    st.transitions = std::max(st.transitions, result_.stats.transitions);
    st.distinct = std::max<uint64_t>(st.distinct, visited_.size());
    st.visited_bytes = visited_.bytes();
    st.max_depth = std::max(st.max_depth, depth);
    pending_stop_ = o_.poll(st);
  }

  // Records the violations `after` shows beyond its first `before`: one counterexample
  // per property, the shortest path, then the smallest.
  void record(const World& after, size_t before, const std::vector<uint64_t>& path) {
    for (size_t i = before; i < after.violations().size(); ++i) {
      const Violation& v = after.violations()[i];
      Counterexample c{v.property, v.detail, path, false};
      auto same = std::find_if(result_.counterexamples.begin(), result_.counterexamples.end(),
                               [&](const Counterexample& k) { return k.property == v.property; });
      if (same == result_.counterexamples.end()) {
        result_.counterexamples.push_back(std::move(c));
      } else if (better(c, *same)) {
        *same = std::move(c);
      }
      found_any_ = true;
    }
  }

  // The all-to-all exchange that ends a round: every rank's batches for every other, then
  // the received successors inserted into the visited set (new ones join `next`). Also
  // agrees on a stop: the largest StopReason any rank's poll gave.
  StopReason exchange(int64_t depth, std::vector<Item>& next, StopReason stop) {
    ++rounds_;
    const size_t n = ranks_;
    std::vector<int> send_counts(n), recv_counts(n), send_displs(n), recv_displs(n);
    std::string send;
    for (size_t r = 0; r < n; ++r) {
      require(out_[r].size() < (1u << 31) - send.size(), "a round's batches exceed 2 GiB");
      send_displs[r] = static_cast<int>(send.size());
      send_counts[r] = static_cast<int>(out_[r].size());
      send += out_[r];
      out_[r].clear();
    }
    check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT,
                       MPI_COMM_WORLD),
          "MPI_Alltoall");
    int64_t total = 0;
    for (size_t r = 0; r < n; ++r) {
      recv_displs[r] = static_cast<int>(total);
      total += recv_counts[r];
    }
    require(total < (int64_t{1} << 31), "a round's batches exceed 2 GiB");
    std::string recv(static_cast<size_t>(total), '\0');
    check(MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), MPI_CHAR, recv.data(),
                        recv_counts.data(), recv_displs.data(), MPI_CHAR, MPI_COMM_WORLD),
          "MPI_Alltoallv");
    send = std::string();
    In in(recv);
    while (!in.done()) {
      const uint64_t fp = in.u();
      std::vector<uint64_t> path(static_cast<size_t>(in.u()));
      for (uint64_t& c : path) c = in.u();
      const std::string_view world = in.bytes(static_cast<size_t>(in.u()));
      require(fingerprint_owner(fp, ranks_) == rank_,
              "a state sent to a rank that does not own it");
      if (visited_.insert(fp)) {
        index_.emplace(fp, next.size());
        next.push_back(Item{fp, std::move(path), std::string(world)});
        result_.stats.max_depth = std::max(result_.stats.max_depth, depth);
        continue;
      }
      // Reached again in this level: keep the World of the smallest path (ids differ).
      auto it = index_.find(fp);
      if (it == index_.end()) continue;
      Item& kept = next[it->second];
      if (path < kept.path) {
        kept.path = std::move(path);
        kept.world.assign(world);
      }
    }
    // Counts so far over every rank (for polls and progress), and the stop.
    // Whether a checkpoint is due goes with the stop: rank 0's clock decides it.
    const bool due = rank_ == 0 && checkpointing() && ck_->due && ck_->due();
    uint64_t local[5] = {result_.stats.transitions, visited_.size(), result_.stats.terminal,
                         static_cast<uint64_t>(pending_stop_), due ? 1u : 0u};
    uint64_t global[5] = {0, 0, 0, 0, 0};
    check(MPI_Allreduce(local, global, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    check(MPI_Allreduce(&local[3], &global[3], 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
    checkpoint_due_ = global[4] != 0;
    global_.transitions = global[0];
    global_.distinct = global[1];
    global_.terminal = global[2];
    global_.max_depth = depth;
    global_.stack = next.size();
    if (stop == StopReason::kNone && o_.poll && pending_stop_ == StopReason::kNone) {
      ExploreStats st = global_;
      st.visited_bytes = visited_.bytes();
      pending_stop_ = o_.poll(st);
    }
    return stop != StopReason::kNone ? stop : static_cast<StopReason>(global[3]);
  }

  ExploreResult finish(MpiExploreReport* report) {
    ExploreStats& st = result_.stats;
    // Counts: sums and maxima over the ranks.
    uint64_t sums[3] = {st.transitions, st.terminal, 0};
    sums[2] = visited_.size();
    uint64_t total[3] = {0, 0, 0};
    check(MPI_Allreduce(sums, total, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    const uint64_t bytes = visited_.bytes();
    uint64_t all_bytes = 0;
    check(MPI_Allreduce(&bytes, &all_bytes, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    int64_t depth = st.max_depth;
    check(MPI_Allreduce(&depth, &st.max_depth, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
    st.transitions = total[0];
    st.terminal = total[1];
    st.distinct = total[2];
    st.visited_bytes = all_bytes;
    st.workers = 1;
    std::vector<Counterexample> merged = gathered_counterexamples();
    if (st.stopped_early && !o_.keep_going && merged.size() > 1) {
      // As explore(): the shortest schedule, then the smallest (minimization then looks
      // for the shortest over every checked property).
      const auto best = std::min_element(merged.begin(), merged.end(), better);
      merged = {std::move(*best)};
    }
    std::sort(merged.begin(), merged.end(), [](const Counterexample& a, const Counterexample& b) {
      return a.property < b.property;
    });
    result_.counterexamples = std::move(merged);
    // Each rank's share.
    share_.states = visited_.size();
    share_.visited_bytes = visited_.bytes();
    share_.peak_rss = peak_rss_bytes();
    if (report != nullptr) {
      const uint64_t fields[7] = {share_.states,     share_.visited_bytes, share_.sent_states,
                                  share_.sent_bytes, share_.local_states,  share_.max_world_bytes,
                                  share_.peak_rss};
      std::vector<uint64_t> every(7 * static_cast<size_t>(mpi_.size()));
      check(MPI_Allgather(fields, 7, MPI_UINT64_T, every.data(), 7, MPI_UINT64_T, MPI_COMM_WORLD),
            "MPI_Allgather");
      report->ranks.clear();
      for (int r = 0; r < mpi_.size(); ++r) {
        const uint64_t* f = &every[7 * static_cast<size_t>(r)];
        report->ranks.push_back(MpiRankShare{f[0], f[1], f[2], f[3], f[4], f[5], f[6]});
      }
      report->levels = levels_;
      report->rounds = rounds_;
    }
    // Shortened on rank 0, which writes them (one thread, as explore()).
    if (mpi_.rank() == 0) minimize_counterexamples(scenario_, o_, result_);
    return std::move(result_);
  }

  // Every rank's counterexamples, merged (the order does not matter: `better` is a total
  // order on schedules), on every rank.
  std::vector<Counterexample> gathered_counterexamples() const {
    std::string mine;
    put_u(mine, result_.counterexamples.size());
    for (const Counterexample& c : result_.counterexamples) {
      put_u(mine, static_cast<uint64_t>(c.property));
      put_u(mine, c.detail.size());
      mine += c.detail;
      put_u(mine, c.schedule.size());
      for (uint64_t s : c.schedule) put_u(mine, s);
    }
    const std::string all = all_gather(mine, mpi_.size());
    std::vector<Counterexample> merged;
    In in(all);
    for (int r = 0; r < mpi_.size(); ++r) {
      const uint64_t count = in.u();
      for (uint64_t k = 0; k < count; ++k) {
        Counterexample c;
        c.property = static_cast<Property>(in.u());
        c.detail = std::string(in.bytes(static_cast<size_t>(in.u())));
        c.schedule.resize(static_cast<size_t>(in.u()));
        for (uint64_t& s : c.schedule) s = in.u();
        auto same = std::find_if(merged.begin(), merged.end(),
                                 [&](const Counterexample& x) { return x.property == c.property; });
        if (same == merged.end()) {
          merged.push_back(std::move(c));
        } else if (better(c, *same)) {
          *same = std::move(c);
        }
      }
    }
    return merged;
  }

  bool checkpointing() const { return ck_ != nullptr && !ck_->dir.empty(); }

  // Goes on from a checkpoint: this rank's visited fingerprints and frontier, the counts
  // (on rank 0: they are summed over the ranks at the end) and what was found so far.
  // Returns the depth of the level to go on with.
  int64_t restore(const MpiResume& r, std::vector<Item>& frontier, std::vector<Item>& next) {
    const MpiCheckpointManifest& m = r.manifest;
    for (uint64_t fp : r.visited) visited_.insert(fp);
    frontier = read_items(r.frontier);
    next = read_items(r.next);
    for (size_t i = 0; i < next.size(); ++i) index_.emplace(next[i].fp, i);
    levels_ = m.levels;
    rounds_ = m.rounds;
    found_any_ = m.found_violation;
    if (rank_ == 0) {
      result_.stats.transitions = m.transitions;
      result_.stats.terminal = m.terminal;
      result_.stats.max_depth = m.max_depth;
      result_.counterexamples = m.counterexamples;
    }
    global_.transitions = m.transitions;
    global_.terminal = m.terminal;
    global_.distinct = m.distinct;
    global_.max_depth = m.max_depth;
    return m.depth;
  }

  // Writes a checkpoint (every rank calls it, at a round boundary): each rank its part
  // (the visited fingerprints it owns, frontier[from..] of level `depth`, the next level so
  // far), then, once every part is on disk, rank 0 the manifest naming them.
  void save(const std::vector<Item>& frontier, size_t from, const std::vector<Item>& next,
            int64_t depth) {
    MpiCheckpointing& ck = *ck_;
    uint64_t generation = 0;
    if (rank_ == 0) {
      auto made = mpi_new_generation(ck.dir, generation_);
      if (made.ok()) {
        generation = made.value();
      } else if (!ck.error) {
        ck.error = made.error();
      }
    }
    check(MPI_Bcast(&generation, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
    // Collectives every rank takes, whether or not the directory could be made.
    MpiCheckpointManifest m;
    m.ranks = ranks_;
    m.generation = generation;
    m.depth = depth;
    m.levels = levels_;
    m.rounds = rounds_;
    m.counterexamples = gathered_counterexamples();
    std::sort(
        m.counterexamples.begin(), m.counterexamples.end(),
        [](const Counterexample& a, const Counterexample& b) { return a.property < b.property; });
    uint64_t sums[3] = {result_.stats.transitions, result_.stats.terminal, visited_.size()};
    uint64_t total[3] = {0, 0, 0};
    check(MPI_Allreduce(sums, total, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    int64_t maxima[2] = {result_.stats.max_depth, found_any_ ? 1 : 0};
    int64_t maximum[2] = {0, 0};
    check(MPI_Allreduce(maxima, maximum, 2, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
    m.transitions = total[0];
    m.terminal = total[1];
    m.distinct = total[2];
    m.max_depth = maximum[0];
    m.found_violation = maximum[1] != 0;
    // This rank's part.
    uint64_t mine[2] = {0, 0};  // written (1 or 0), its checksum
    Status written;
    if (generation != 0) {
      MpiCheckpointPart part;
      part.ranks = ranks_;
      part.rank = rank_;
      part.generation = generation;
      part.visited = visited_.sorted();
      for (size_t i = from; i < frontier.size(); ++i) {
        put_item(part.frontier, frontier[i].fp, frontier[i].path, frontier[i].world);
      }
      for (const Item& item : next) put_item(part.next, item.fp, item.path, item.world);
      const std::string bytes = encode_mpi_part(ck.key, part);
      written = write_synced(mpi_part_path(ck.dir, generation, rank_), bytes, false);
      mine[0] = written.ok() ? 1 : 0;
      mine[1] = checkpoint_checksum(bytes);
    }
    // The barrier: every part is on disk (or failed) before rank 0 goes on.
    std::vector<uint64_t> every(2 * static_cast<size_t>(ranks_));
    check(MPI_Gather(mine, 2, MPI_UINT64_T, every.data(), 2, MPI_UINT64_T, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    generation_ = std::max(generation_, generation);
    if (rank_ != 0 || generation == 0) return;
    for (uint32_t r = 0; r < ranks_; ++r) {
      if (every[2 * r] != 0) {
        m.part_checksums.push_back(every[2 * r + 1]);
        continue;
      }
      if (!ck.error) {
        ck.error = r == 0 ? written.error()
                          : io_error(mpi_part_path(ck.dir, generation, r) + ": rank " +
                                     std::to_string(r) + " could not write its checkpoint part");
      }
      return;
    }
    const Status committed =
        write_synced(mpi_manifest_path(ck.dir), encode_mpi_manifest(ck.key, m), true);
    if (!committed.ok()) {
      if (!ck.error) ck.error = committed.error();
      return;
    }
    mpi_remove_other_generations(ck.dir, generation);
    ck.count += 1;
    if (ck.written) ck.written();
  }

  const MpiSession& mpi_;
  MpiCheckpointing* ck_;
  uint32_t ranks_;
  uint32_t rank_;
  std::shared_ptr<const Scenario> scenario_;
  const ExploreOptions& o_;
  WorldOptions world_options_;
  ExploreResult result_;
  VisitedSet visited_;
  // This level's new states: fingerprint -> index in `next`. Lookup only, never iterated.
  std::unordered_map<uint64_t, size_t> index_;  // lookup only
  std::vector<Item>* next_ = nullptr;           // the level being filled (run())
  std::vector<std::string> out_;                // per rank: this round's batch
  StateEncoder scratch_{/*keep_words=*/false};
  std::vector<Choice> enabled_, choices_;
  std::string world_bytes_;
  bool found_any_ = false;
  bool checkpoint_due_ = false;                  // agreed at the last exchange
  uint64_t generation_ = 0;                      // of the last checkpoint written
  StopReason pending_stop_ = StopReason::kNone;  // this rank's last poll
  ExploreStats global_;                          // every rank's counts at the last round
  MpiRankShare share_;
  uint64_t levels_ = 0;
  uint64_t rounds_ = 0;
};

}  // namespace

MpiSession::MpiSession() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  require(initialized == 0, "MPI initialized twice");
  check(MPI_Init(nullptr, nullptr), "MPI_Init");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

int MpiSession::broadcast(int value) const {
  check(MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value;
}

bool MpiSession::all(bool ok) const {
  int mine = ok ? 1 : 0, every = 0;
  check(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return every != 0;
}

Result<MpiResume> mpi_read_checkpoint(const MpiSession& mpi, const std::string& dir,
                                      const CheckpointKey& key) {
  MpiResume r;
  r.source = mpi_manifest_path(dir);
  const auto read = [&]() -> Status {
    const std::string source = "--resume: " + r.source;
    auto bytes = read_checkpoint_file(r.source, source);
    if (!bytes.ok()) return bytes.error();
    auto manifest = decode_mpi_manifest(bytes.value(), key, source);
    if (!manifest.ok()) return manifest.error();
    r.manifest = std::move(manifest.value());
    const auto ranks = static_cast<uint32_t>(mpi.size());
    const auto rank = static_cast<uint32_t>(mpi.rank());
    // Every part, each rank keeping what it owns under the current rank count.
    for (uint32_t k = 0; k < r.manifest.ranks; ++k) {
      const std::string path = mpi_part_path(dir, r.manifest.generation, k);
      const std::string part_source = "--resume: " + path;
      auto part_bytes = read_checkpoint_file(path, part_source);
      if (!part_bytes.ok()) return part_bytes.error();
      auto part = decode_mpi_part(part_bytes.value(), key, r.manifest, k, part_source);
      if (!part.ok()) return part.error();
      for (uint64_t fp : part.value().visited) {
        if (fingerprint_owner(fp, ranks) == rank) r.visited.push_back(fp);
      }
      if (!filter_items(part.value().frontier, ranks, rank, &r.frontier) ||
          !filter_items(part.value().next, ranks, rank, &r.next)) {
        return Error{part_source + ": malformed MPI checkpoint part"};
      }
    }
    return {};
  };
  const Status mine = read();
  // Every rank read the same files; should one fail alone, every rank refuses.
  int failed = mine.ok() ? mpi.size() : mpi.rank();
  int first = 0;
  check(MPI_Allreduce(&failed, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  if (!mine.ok()) return mine.error();
  if (first < mpi.size()) {
    return Error{
        "--resume: " + r.source + ": rank " + std::to_string(first) +
        " could not read the checkpoint (every rank reads every part: DIR must be on a file "
        "system every rank sees)"};
  }
  return r;
}

ExploreResult mpi_explore(const MpiSession& mpi, std::shared_ptr<const Scenario> scenario,
                          const ExploreOptions& options, MpiExploreReport* report,
                          MpiCheckpointing* checkpointing) {
  require(options.strategy == ExploreStrategy::kDfs && options.resume == nullptr &&
              !options.checkpoint && !options.keep_fingerprints && options.max_depth == 0,
          "options the MPI search does not take");
  Search search(mpi, std::move(scenario), options, checkpointing);
  return search.run(report);
}

}  // namespace banksim
