#include "sim/fault_spec.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "sim/trace.h"

namespace banksim {

bool FaultSpec::crashes() const {
  return std::any_of(timed.begin(), timed.end(),
                     [](const TimedFault& t) { return t.choice.kind == ChoiceKind::kCrash; });
}

namespace {

// "0.01" -> 10000 per million; nullopt unless a decimal in [0, 1], <= 6 fraction digits.
std::optional<uint32_t> parse_rate(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 1 || frac.size() > 6) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(ch - '0');
  }
  uint64_t scale = kFaultRateScale;
  value *= scale;
  for (char ch : frac) {
    if (ch < '0' || ch > '9') return std::nullopt;
    scale /= 10;
    value += scale * static_cast<uint64_t>(ch - '0');
  }
  if (value > kFaultRateScale) return std::nullopt;
  return static_cast<uint32_t>(value);
}

std::optional<int64_t> parse_time(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

}  // namespace

Result<FaultSpec> parse_fault_spec(std::string_view text, const Scenario& s,
                                   const std::string& where) {
  FaultSpec spec;
  const auto bad = [&](std::string_view item, const std::string& rule) {
    return Error{fmt::format("{}: {}: {}", where, quote_for_error(item, 80), rule)};
  };
  if (text.empty()) return Error{fmt::format("{}: must not be empty", where)};
  const auto branch_of = [&](std::string_view id_text) -> std::optional<int32_t> {
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || ec != std::errc{} || end != id_text.data() + id_text.size()) {
      return std::nullopt;
    }
    for (int32_t b = 0; b < s.branch_count() && b < kMaxFaultBranches; ++b) {
      if (s.branches[static_cast<size_t>(b)].id == id) return b;
    }
    return std::nullopt;
  };
  bool seen_drop = false, seen_dup = false;
  std::vector<TimedFault> timed;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return bad(item, "expected KIND=VALUE (drop, dup, partition, crash, restart)");
    }
    const std::string_view kind = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (kind == "drop" || kind == "dup") {
      bool& seen = kind == "drop" ? seen_drop : seen_dup;
      if (seen) return bad(item, "given twice");
      seen = true;
      const auto rate = parse_rate(value);
      if (!rate) return bad(item, "the rate must be a decimal from 0 to 1, like 0.01");
      (kind == "drop" ? spec.drop_per_million : spec.dup_per_million) = *rate;
      continue;
    }
    if (kind != "crash" && kind != "restart" && kind != "partition") {
      return bad(item, "unknown fault (expected drop, dup, partition, crash, restart)");
    }
    const size_t at = value.find('@');
    if (at == std::string_view::npos) return bad(item, "expected a time: KIND=WHAT@TIME");
    const std::string_view what = value.substr(0, at);
    const std::string_view when = value.substr(at + 1);
    if (kind == "crash" || kind == "restart") {
      const auto b = branch_of(what);
      if (!b)
        return bad(item,
                   fmt::format("{} is not a branch id of the scenario", quote_for_error(what, 40)));
      const auto t = parse_time(when);
      if (!t) return bad(item, "the time must be a non-negative integer of microseconds");
      timed.push_back(TimedFault{
          *t, Choice{0, kind == "crash" ? ChoiceKind::kCrash : ChoiceKind::kRestart, *b}});
    } else if (kind == "partition") {
      std::string error;
      const auto side = parse_partition(what, s, &error);
      if (!side) return bad(item, error);
      const size_t dots = when.find("..");
      if (dots == std::string_view::npos) {
        return bad(item, "expected a window: partition=A|B@START..END");
      }
      const auto from = parse_time(when.substr(0, dots));
      const auto to = parse_time(when.substr(dots + 2));
      if (!from || !to) return bad(item, "the window's ends must be integers of microseconds");
      if (*to <= *from) return bad(item, "the window ends before it starts");
      timed.push_back(TimedFault{*from, Choice{0, ChoiceKind::kPartition, 0, *side}});
      timed.push_back(TimedFault{*to, Choice{0, ChoiceKind::kHeal}});
    } else {
      return bad(item, "unknown fault (expected drop, dup, partition, crash, restart)");
    }
  }
  // By time; faults at the same time in the order written.
  std::stable_sort(timed.begin(), timed.end(),
                   [](const TimedFault& a, const TimedFault& b) { return a.at_us < b.at_us; });
  // Walk them as the run will: a restart needs its branch down, a crash needs it up, a
  // partition needs the network whole.
  uint64_t down = 0;
  bool cut = false;
  for (const TimedFault& t : timed) {
    const uint64_t bit = uint64_t{1} << t.choice.branch;
    const std::string id = std::to_string(s.branches[static_cast<size_t>(t.choice.branch)].id);
    switch (t.choice.kind) {
      case ChoiceKind::kCrash:
        if ((down & bit) != 0) {
          return Error{fmt::format("{}: crash of branch {} at {} us: it is already down", where, id,
                                   t.at_us)};
        }
        down |= bit;
        break;
      case ChoiceKind::kRestart:
        if ((down & bit) == 0) {
          return Error{fmt::format("{}: restart of branch {} at {} us without a crash before it",
                                   where, id, t.at_us)};
        }
        down &= ~bit;
        break;
      case ChoiceKind::kPartition:
        if (cut) {
          return Error{fmt::format("{}: the partition at {} us overlaps another", where, t.at_us)};
        }
        cut = true;
        break;
      case ChoiceKind::kHeal:
        cut = false;
        break;
      default:
        break;
    }
  }
  spec.timed = std::move(timed);
  return spec;
}

}  // namespace banksim
