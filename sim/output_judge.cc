#include "sim/output_judge.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <tuple>

#include <fmt/format.h>

namespace banksim {

const char* judged_property_name(JudgedProperty p) {
  switch (p) {
    case JudgedProperty::kLiveness:
      return "liveness";
    case JudgedProperty::kConvergence:
      return "convergence";
    case JudgedProperty::kConservation:
      return "conservation";
    case JudgedProperty::kReadYourWrites:
      return "read-your-writes";
    case JudgedProperty::kMonotonicReads:
      return "monotonic-reads";
    case JudgedProperty::kWithdrawDecisions:
      return "withdraw-decisions";
    case JudgedProperty::kConsecutiveQueries:
      return "consecutive-queries";
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kHeld:
      return "held";
    case Verdict::kViolated:
      return "violated";
    case Verdict::kNotJudged:
      return "not judged";
    case Verdict::kUndecided:
      return "undecided";
  }
  return "?";
}

// --- the bounded subset-sum search ------------------------------------------------------

namespace {

using Wide = __int128;  // sums of int64 amounts cannot overflow it

Wide floor_div(Wide x, Wide d) {
  assert(d > 0);
  return x >= 0 ? x / d : -((-x + d - 1) / d);
}
Wide ceil_div(Wide x, Wide d) {
  return -floor_div(-x, d);
}

struct Group {
  Money amount = 0;
  int32_t level = 0;
  int64_t count = 0;
};

// Depth-first over levels; at each level, over the groups, choosing how many more items
// of the group the level's set takes. Prunes with the reachable range of what is left.
class ChainSearch {
 public:
  ChainSearch(std::vector<Group> groups, const std::vector<Wide>& targets, int64_t budget)
      : groups_(std::move(groups)), targets_(targets), budget_(budget) {
    for (const Group& g : groups_) rem_.push_back(g.count);
    pos_.resize(targets_.size());
    neg_.resize(targets_.size());
  }

  SearchResult run() {
    if (level(0, 0)) return SearchResult::kFound;
    return hit_ ? SearchResult::kBoundHit : SearchResult::kNotFound;
  }

 private:
  bool level(size_t j, Wide prev_target) {
    if (j == targets_.size()) return true;
    // Reachable range of the groups from i on, with what is left of them at this level.
    std::vector<Wide>& pos = pos_[j];
    std::vector<Wide>& neg = neg_[j];
    pos.assign(groups_.size() + 1, 0);
    neg.assign(groups_.size() + 1, 0);
    for (size_t i = groups_.size(); i-- > 0;) {
      const Group& g = groups_[i];
      const Wide total = g.level <= static_cast<int32_t>(j) ? Wide{g.amount} * rem_[i] : 0;
      pos[i] = pos[i + 1] + (total > 0 ? total : 0);
      neg[i] = neg[i + 1] + (total < 0 ? total : 0);
    }
    const Wide need = targets_[j] - prev_target;
    if (need > pos[0] || need < neg[0]) return false;
    // Every sum of the available items is a multiple of their gcd.
    uint64_t g = 0;
    for (size_t i = 0; i < groups_.size(); ++i) {
      if (groups_[i].level > static_cast<int32_t>(j) || rem_[i] == 0) continue;
      const Money a = groups_[i].amount;  // never INT64_MIN: amounts are non-negative
      g = std::gcd(g, static_cast<uint64_t>(a < 0 ? -a : a));
    }
    if (g == 0) return need == 0 && level(j + 1, targets_[j]);
    if (need % static_cast<Wide>(g) != 0) return false;
    return pick(j, 0, need);
  }

  bool pick(size_t j, size_t i, Wide need) {
    if (--budget_ < 0) {
      hit_ = true;
      return false;
    }
    if (i == groups_.size()) return need == 0 && level(j + 1, targets_[j]);
    const Group& g = groups_[i];
    if (g.level > static_cast<int32_t>(j) || rem_[i] == 0) return pick(j, i + 1, need);
    const Wide pos_rest = pos_[j][i + 1];
    const Wide neg_rest = neg_[j][i + 1];
    // need - c * amount must stay within [neg_rest, pos_rest].
    Wide lo = 0;
    Wide hi = 0;
    if (g.amount > 0) {
      lo = ceil_div(need - pos_rest, g.amount);
      hi = floor_div(need - neg_rest, g.amount);
    } else {
      const Wide b = -Wide{g.amount};
      lo = ceil_div(neg_rest - need, b);
      hi = floor_div(pos_rest - need, b);
    }
    lo = std::max<Wide>(lo, 0);
    hi = std::min<Wide>(hi, rem_[i]);
    for (Wide c = lo; c <= hi; ++c) {
      rem_[i] -= static_cast<int64_t>(c);
      const bool found = pick(j, i + 1, need - c * g.amount);
      rem_[i] += static_cast<int64_t>(c);
      if (found) return true;
      if (hit_) return false;
    }
    return false;
  }

  std::vector<Group> groups_;
  std::vector<Wide> targets_;
  int64_t budget_;
  bool hit_ = false;
  std::vector<int64_t> rem_;
  std::vector<std::vector<Wide>> pos_;  // per level
  std::vector<std::vector<Wide>> neg_;
};

}  // namespace

SearchResult find_sum_chain(const std::vector<SumItem>& items, const std::vector<Wide>& targets,
                            int64_t node_budget) {
  // Equal items are interchangeable: one group per (amount, level), larger amounts first
  // (they prune most). Amounts of 0 change no sum.
  std::vector<SumItem> sorted;
  for (const SumItem& it : items) {
    if (it.amount != 0) sorted.push_back(it);
  }
  const auto magnitude = [](Money m) { return m < 0 ? -Wide{m} : Wide{m}; };
  std::sort(sorted.begin(), sorted.end(), [&](const SumItem& a, const SumItem& b) {
    if (magnitude(a.amount) != magnitude(b.amount)) {
      return magnitude(a.amount) > magnitude(b.amount);
    }
    return std::tie(a.amount, a.level) < std::tie(b.amount, b.level);
  });
  std::vector<Group> groups;
  for (const SumItem& it : sorted) {
    if (!groups.empty() && groups.back().amount == it.amount && groups.back().level == it.level) {
      ++groups.back().count;
    } else {
      groups.push_back(Group{it.amount, it.level, 1});
    }
  }
  return ChainSearch(std::move(groups), targets, node_budget).run();
}

// --- the judge ----------------------------------------------------------------------------

namespace {

std::string wide_text(Wide v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  while (v != 0) {
    const int d = static_cast<int>(v % 10);
    digits += static_cast<char>('0' + (d < 0 ? -d : d));
    v /= 10;
  }
  if (negative) digits += '-';
  std::reverse(digits.begin(), digits.end());
  return digits;
}

class Judge {
 public:
  Judge(const Scenario& s, const ClientObservations& obs, const JudgeLimits& limits)
      : s_(s), obs_(obs), limits_(limits) {
    assert(obs.events.size() == s.customers.size());
    for (size_t c = 0; c < s.customers.size(); ++c) {
      assert(obs.events[c].size() == s.customers[c].events.size());
    }
  }

  std::vector<PropertyVerdict> run() {
    std::vector<PropertyVerdict> out;
    for (int i = 0; i < kJudgedPropertyCount; ++i) {
      out.push_back(PropertyVerdict{static_cast<JudgedProperty>(i), Verdict::kHeld, {}, {}});
    }
    liveness(out[0]);
    final_queries(out[1], out[2]);
    reads_and_withdraws(out[3], out[5]);
    monotonic_reads(out[4]);
    consecutive_queries(out[6]);
    for (PropertyVerdict& v : out) {
      if (!v.violations.empty()) v.verdict = Verdict::kViolated;
    }
    return out;
  }

 private:
  const Event& ev(size_t c, size_t e) const { return s_.customers[c].events[e]; }
  const SeenEvent& seen(size_t c, size_t e) const { return obs_.events[c][e]; }
  int64_t branch_id(int32_t b) const { return s_.branches[static_cast<size_t>(b)].id; }
  Money initial(int32_t b) const { return s_.branches[static_cast<size_t>(b)].balance; }
  static Money delta(const Event& e) {
    return e.iface == Interface::kDeposit    ? e.money
           : e.iface == Interface::kWithdraw ? -e.money
                                             : 0;
  }

  std::string event_name(size_t c, size_t e) const {
    const Event& x = ev(c, e);
    if (x.iface == Interface::kQuery) {
      return fmt::format("customer {} event {} (query)", s_.customers[c].id, x.id);
    }
    return fmt::format("customer {} event {} ({} {})", s_.customers[c].id, x.id,
                       interface_name(x.iface), x.money);
  }

  // Whether an answered write succeeded: shown, or a deposit (deposits cannot fail).
  std::optional<bool> result(size_t c, size_t e) const {
    const SeenEvent& x = seen(c, e);
    if (x.success) return x.success;
    if (x.answer == Answer::kYes && ev(c, e).iface == Interface::kDeposit) return true;
    return std::nullopt;
  }

  // Whether write (c, e) may have been applied somewhere, by the time `before_us` (timed
  // outputs; -1: any time): not failed, and issued (an unanswered write may have been
  // applied; a customer issues nothing after one).
  bool may_apply(size_t c, size_t e, int64_t before_us) const {
    if (!is_write(ev(c, e).iface) || result(c, e) == false) return false;
    const SeenEvent& x = seen(c, e);
    if (obs_.timed) return x.issued_us >= 0 && (before_us < 0 || x.issued_us <= before_us);
    if (x.answer == Answer::kNo) return e == 0 || seen(c, e - 1).answer == Answer::kYes;
    return true;
  }

  // Admissible balances of event (c, e): base + any subset of items. `loose`: c's own
  // successful earlier writes become optional too (to tell a missed own write apart).
  struct Admissible {
    Wide base = 0;
    std::vector<SumItem> items;
  };
  Admissible admissible(size_t c, size_t e, bool loose) const {
    const Event& x = ev(c, e);
    Admissible a{initial(x.branch), {}};
    for (size_t k = 0; k < e; ++k) {
      if (!is_write(ev(c, k).iface)) continue;
      const std::optional<bool> r = result(c, k);
      if (r == true && !loose) a.base += delta(ev(c, k));
      if (r == true && loose) a.items.push_back(SumItem{delta(ev(c, k)), 0});
      if (!r.has_value()) a.items.push_back(SumItem{delta(ev(c, k)), 0});
    }
    add_others(c, seen(c, e).replied_us, 0, &a.items);
    return a;
  }

  void add_others(size_t c, int64_t before_us, int32_t level, std::vector<SumItem>* items) const {
    for (size_t o = 0; o < s_.customers.size(); ++o) {
      if (o == c) continue;
      for (size_t k = 0; k < s_.customers[o].events.size(); ++k) {
        if (may_apply(o, k, obs_.timed ? before_us : -1)) {
          items->push_back(SumItem{delta(ev(o, k)), level});
        }
      }
    }
  }

  SearchResult equals(const Admissible& a, Money balance) const {
    return find_sum_chain(a.items, {Wide{balance} - a.base}, limits_.search_nodes);
  }
  static Wide lowest(const Admissible& a) {
    Wide v = a.base;
    for (const SumItem& it : a.items) v += std::min<Money>(it.amount, 0);
    return v;
  }
  static Wide highest(const Admissible& a) {
    Wide v = a.base;
    for (const SumItem& it : a.items) v += std::max<Money>(it.amount, 0);
    return v;
  }

  static void undecided(PropertyVerdict& v, std::string why) {
    if (v.verdict != Verdict::kUndecided) v.reason = std::move(why);
    v.verdict = Verdict::kUndecided;
  }
  static void not_judged(PropertyVerdict& v, std::string why) {
    v.verdict = Verdict::kNotJudged;
    v.reason = std::move(why);
  }
  std::string bound_reason(size_t c, size_t e, size_t items) const {
    return fmt::format("{}: the search bound ({} nodes) was hit over {} possible writes",
                       event_name(c, e), limits_.search_nodes, items);
  }

  void liveness(PropertyVerdict& v) const {
    if (!obs_.liveness_unknown.empty()) return not_judged(v, obs_.liveness_unknown);
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        if (seen(c, e).answer == Answer::kYes) continue;
        v.violations.push_back({fmt::format("{} was never answered", event_name(c, e)),
                                {EventRef{static_cast<int32_t>(c), static_cast<int32_t>(e)}}});
        break;
      }
    }
  }

  bool answered_query(size_t c, size_t e) const {
    return ev(c, e).iface == Interface::kQuery && seen(c, e).answer == Answer::kYes &&
           seen(c, e).balance.has_value();
  }

  void final_queries(PropertyVerdict& conv, PropertyVerdict& cons) const {
    std::vector<EventRef> finals;
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      size_t after = 0;  // first event after the customer's last write
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        if (is_write(ev(c, e).iface)) after = e + 1;
      }
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        if (!answered_query(c, e)) continue;
        const bool final = obs_.timed ? obs_.settled_at && seen(c, e).served_at > *obs_.settled_at
                                      : obs_.settled_claimed && e >= after;
        if (final) finals.push_back(EventRef{static_cast<int32_t>(c), static_cast<int32_t>(e)});
      }
    }
    if (!obs_.timed && !obs_.settled_claimed) {
      const char* why =
          "the output has no times, so no query is known to follow every write (--settled: "
          "each customer's queries after its last write came after propagation settled)";
      not_judged(conv, why);
      not_judged(cons, why);
      return;
    }
    if (finals.empty()) {
      const char* why = obs_.timed ? "no query was served after the history's last apply of a write"
                                   : "no customer has an answered query after its last write";
      not_judged(conv, why);
      not_judged(cons, why);
      return;
    }
    const auto at = [](EventRef r) {
      return std::pair{static_cast<size_t>(r.customer), static_cast<size_t>(r.event)};
    };
    // Conservation: initial + every successful write + any subset of the writes whose
    // result the output does not show.
    for (const EventRef r : finals) {
      const auto [c, e] = at(r);
      Admissible a{initial(ev(c, e).branch), {}};
      for (size_t o = 0; o < s_.customers.size(); ++o) {
        for (size_t k = 0; k < s_.customers[o].events.size(); ++k) {
          if (!is_write(ev(o, k).iface)) continue;
          if (result(o, k) == true) {
            a.base += delta(ev(o, k));
          } else if (may_apply(o, k, -1)) {
            a.items.push_back(SumItem{delta(ev(o, k)), 0});
          }
        }
      }
      const Money b = *seen(c, e).balance;
      const SearchResult found = equals(a, b);
      if (found == SearchResult::kBoundHit) undecided(cons, bound_reason(c, e, a.items.size()));
      if (found != SearchResult::kNotFound) continue;
      cons.violations.push_back(
          {fmt::format("{} at branch {} saw final balance {} but initial {} plus the successful "
                       "writes is {}{}",
                       event_name(c, e), branch_id(ev(c, e).branch), b, initial(ev(c, e).branch),
                       wide_text(a.base),
                       a.items.empty() ? "" : " (with any of the writes of unknown result)"),
           {r}});
    }
    // Convergence: every final query saw the same balance.
    const auto [c0, e0] = at(finals[0]);
    bool several_branches = false;
    for (const EventRef r : finals) {
      const auto [c, e] = at(r);
      several_branches = several_branches || ev(c, e).branch != ev(c0, e0).branch;
      if (*seen(c, e).balance == *seen(c0, e0).balance) continue;
      conv.violations.push_back(
          {fmt::format("final queries disagree: {} at branch {} saw {}, {} at branch {} saw {}",
                       event_name(c0, e0), branch_id(ev(c0, e0).branch), *seen(c0, e0).balance,
                       event_name(c, e), branch_id(ev(c, e).branch), *seen(c, e).balance),
           {finals[0], r}});
    }
    if (!several_branches && conv.violations.empty()) {
      not_judged(conv, fmt::format("the final queries all went to branch {}",
                                   branch_id(ev(c0, e0).branch)));
    }
  }

  void reads_and_withdraws(PropertyVerdict& ryw, PropertyVerdict& wd) const {
    int64_t queries = 0;
    int64_t withdraws = 0;
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        if (seen(c, e).answer != Answer::kYes) continue;
        if (ev(c, e).iface == Interface::kQuery && seen(c, e).balance) {
          ++queries;
          query(c, e, ryw);
        }
        if (ev(c, e).iface == Interface::kWithdraw && result(c, e)) {
          ++withdraws;
          withdraw(c, e, ryw, wd);
        }
      }
    }
    // Nothing looked at is not "held".
    if (withdraws == 0) not_judged(wd, "the output shows no withdraw's result");
    if (queries + withdraws == 0) {
      not_judged(ryw, "the output shows no query's balance and no withdraw's result");
    }
  }

  void query(size_t c, size_t e, PropertyVerdict& ryw) const {
    const Money b = *seen(c, e).balance;
    const Admissible strict = admissible(c, e, false);
    const SearchResult found = equals(strict, b);
    if (found == SearchResult::kBoundHit) undecided(ryw, bound_reason(c, e, strict.items.size()));
    if (found != SearchResult::kNotFound) return;
    const EventRef self{static_cast<int32_t>(c), static_cast<int32_t>(e)};
    const std::string head = fmt::format("{} at branch {} saw balance {}", event_name(c, e),
                                         branch_id(ev(c, e).branch), b);
    // Name the customer's own write the balance misses, when leaving out one explains it.
    constexpr int kMaxTries = 8;
    int tries = 0;
    for (size_t k = 0; k < e && tries < kMaxTries; ++k) {
      if (!is_write(ev(c, k).iface) || result(c, k) != true) continue;
      ++tries;
      Admissible without = strict;
      without.base -= delta(ev(c, k));
      if (equals(without, b) != SearchResult::kFound) continue;
      ryw.violations.push_back(
          {fmt::format("{} without {}, which the customer had completed before issuing the query",
                       head, event_name(c, k)),
           {self, EventRef{static_cast<int32_t>(c), static_cast<int32_t>(k)}}});
      return;
    }
    const bool own_missing = equals(admissible(c, e, true), b) == SearchResult::kFound;
    ryw.violations.push_back(
        {own_missing ? head + " without some of the writes the customer had completed before it"
                     : fmt::format("{}, which no admissible balance gives (initial {} plus the "
                                   "customer's completed writes is {}, plus any subset of {} "
                                   "other writes that could precede it)",
                                   head, initial(ev(c, e).branch), wide_text(strict.base),
                                   strict.items.size()),
         {self}});
  }

  void withdraw(size_t c, size_t e, PropertyVerdict& ryw, PropertyVerdict& wd) const {
    const Money m = ev(c, e).money;
    const bool success = *result(c, e);
    const Admissible strict = admissible(c, e, false);
    const Admissible loose = admissible(c, e, true);
    const EventRef self{static_cast<int32_t>(c), static_cast<int32_t>(e)};
    const std::string head =
        fmt::format("{} {} at branch {}", event_name(c, e), success ? "succeeded" : "failed",
                    branch_id(ev(c, e).branch));
    if (!success && lowest(strict) >= m) {
      if (lowest(loose) < m) {
        ryw.violations.push_back(
            {fmt::format("{} though every balance with the customer's completed writes covers "
                         "it (at least {})",
                         head, wide_text(lowest(strict))),
             {self}});
      } else {
        wd.violations.push_back(
            {fmt::format("{} though every admissible balance covers it (at least {})", head,
                         wide_text(lowest(strict))),
             {self}});
      }
    }
    if (success && highest(strict) < m) {
      if (highest(loose) >= m) {
        ryw.violations.push_back(
            {fmt::format("{} though no balance with the customer's completed writes covers it "
                         "(at most {})",
                         head, wide_text(highest(strict))),
             {self}});
      } else {
        wd.violations.push_back(
            {fmt::format("{} though no admissible balance covers it (at most {})", head,
                         wide_text(highest(strict))),
             {self}});
      }
    }
  }

  // Each query must reflect every write an earlier query of its customer reflected: one
  // chain of write sets, growing along the customer's queries, must explain them all.
  // Queries whose balance is not admissible at all are read-your-writes violations and
  // are left out here.
  void monotonic_reads(PropertyVerdict& v) const {
    int64_t chains = 0;
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      std::vector<size_t> queries;
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        if (!answered_query(c, e)) continue;
        if (equals(admissible(c, e, false), *seen(c, e).balance) == SearchResult::kFound) {
          queries.push_back(e);
        }
      }
      if (queries.size() < 2) continue;
      ++chains;
      std::vector<Wide> targets;
      for (const size_t e : queries) {
        targets.push_back(Wide{*seen(c, e).balance} - admissible(c, e, false).base);
      }
      const std::vector<SumItem> items = chain_items(c, queries);
      const auto chain = [&](size_t n) {
        const std::vector<Wide> prefix(targets.begin(), targets.begin() + static_cast<long>(n));
        return find_sum_chain(items, prefix, limits_.search_nodes);
      };
      SearchResult r = chain(queries.size());
      if (r == SearchResult::kFound) continue;
      if (r == SearchResult::kBoundHit) {
        undecided(v, bound_reason(c, queries.back(), items.size()));
        continue;
      }
      // The shortest failing prefix names the query that breaks the chain (a prefix of a
      // chain is a chain, so the failing prefixes are the long ones: bisect).
      size_t good = 1;  // one admissible query is a chain
      size_t bad = queries.size();
      while (bad - good > 1) {
        const size_t mid = good + (bad - good) / 2;
        r = chain(mid);
        if (r == SearchResult::kBoundHit) break;
        (r == SearchResult::kFound ? good : bad) = mid;
      }
      if (r == SearchResult::kBoundHit) {
        undecided(v, bound_reason(c, queries.back(), items.size()));
        continue;
      }
      const size_t e = queries[bad - 1];
      const size_t p = queries[bad - 2];
      v.violations.push_back(
          {fmt::format("{} at branch {} saw balance {}, which no set of writes containing what "
                       "the customer's earlier queries saw gives (before it: {} at branch {} "
                       "saw {})",
                       event_name(c, e), branch_id(ev(c, e).branch), *seen(c, e).balance,
                       event_name(c, p), branch_id(ev(c, p).branch), *seen(c, p).balance),
           {EventRef{static_cast<int32_t>(c), static_cast<int32_t>(e)},
            EventRef{static_cast<int32_t>(c), static_cast<int32_t>(p)}}});
    }
    if (chains == 0 && v.violations.empty() && v.verdict != Verdict::kUndecided) {
      not_judged(v, "no customer has two answered queries with admissible balances");
    }
  }

  // The chain's items: other customers' writes from the first query that may see them
  // on; the customer's own writes of unknown result from the first query after them.
  std::vector<SumItem> chain_items(size_t c, const std::vector<size_t>& queries) const {
    std::vector<SumItem> items;
    for (size_t j = 0; j < queries.size(); ++j) {
      const size_t from = j == 0 ? 0 : queries[j - 1];
      for (size_t k = from; k < queries[j]; ++k) {
        if (is_write(ev(c, k).iface) && !result(c, k).has_value()) {
          items.push_back(SumItem{delta(ev(c, k)), static_cast<int32_t>(j)});
        }
      }
    }
    for (size_t o = 0; o < s_.customers.size(); ++o) {
      if (o == c) continue;
      for (size_t k = 0; k < s_.customers[o].events.size(); ++k) {
        for (size_t j = 0; j < queries.size(); ++j) {
          const int64_t before = obs_.timed ? seen(c, queries[j]).replied_us : -1;
          if (!may_apply(o, k, before)) continue;
          items.push_back(SumItem{delta(ev(o, k)), static_cast<int32_t>(j)});
          break;
        }
      }
    }
    return items;
  }

  // Seed 004's checker: two consecutive queries of one customer at different branches see
  // the same balance. Judged only where no other customer's write may fall between them.
  void consecutive_queries(PropertyVerdict& v) const {
    int64_t judged = 0;
    int64_t skipped = 0;
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      for (size_t e = 0; e + 1 < s_.customers[c].events.size(); ++e) {
        if (!answered_query(c, e) || !answered_query(c, e + 1)) continue;
        if (ev(c, e).branch == ev(c, e + 1).branch) continue;
        std::vector<SumItem> others;
        add_others(c, seen(c, e + 1).replied_us, 0, &others);
        const bool concurrent = std::any_of(others.begin(), others.end(),
                                            [](const SumItem& it) { return it.amount != 0; });
        if (concurrent) {
          ++skipped;
          continue;
        }
        ++judged;
        if (*seen(c, e).balance == *seen(c, e + 1).balance) continue;
        v.violations.push_back(
            {fmt::format("{} at branch {} saw {} but the next, {} at branch {}, saw {}",
                         event_name(c, e), branch_id(ev(c, e).branch), *seen(c, e).balance,
                         event_name(c, e + 1), branch_id(ev(c, e + 1).branch),
                         *seen(c, e + 1).balance),
             {EventRef{static_cast<int32_t>(c), static_cast<int32_t>(e)},
              EventRef{static_cast<int32_t>(c), static_cast<int32_t>(e + 1)}}});
      }
    }
    if (skipped > 0) {
      v.reason = fmt::format(
          "{} of {} pairs not judged: other customers' writes may fall "
          "between the two queries",
          skipped, skipped + judged);
    }
    if (judged == 0 && skipped == 0) {
      not_judged(v, "no customer has two consecutive answered queries at different branches");
    } else if (judged == 0) {
      v.verdict = Verdict::kNotJudged;
    }
  }

  const Scenario& s_;
  const ClientObservations& obs_;
  JudgeLimits limits_;
};

}  // namespace

std::vector<PropertyVerdict> judge_output(const Scenario& s, const ClientObservations& obs,
                                          const JudgeLimits& limits) {
  return Judge(s, obs, limits).run();
}

}  // namespace banksim
