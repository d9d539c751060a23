#include "sim/network.h"

#include <algorithm>
#include <cassert>
#include <charconv>

#include <fmt/format.h>

namespace banksim {

std::string LatencyModel::spec() const {
  switch (kind) {
    case Kind::kConstant:
      return fmt::format("const:{}", a_us);
    case Kind::kUniform:
      return fmt::format("uniform:{}:{}", a_us, b_us);
    case Kind::kExponential:
      return fmt::format("exp:{}", a_us);
  }
  return "?";
}

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

std::optional<int64_t> parse_us(std::string_view s) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0 || v > kLatencyMaxUs) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<LatencyModel> parse_latency(std::string_view spec, std::string* error) {
  const auto parts = split(spec, ':');
  const std::string rule = fmt::format(
      "must be const:US, uniform:MIN_US:MAX_US or exp:MEAN_US with whole microseconds "
      "from 0 to {}",
      kLatencyMaxUs);
  LatencyModel m;
  std::vector<int64_t> values;
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto v = parse_us(parts[i]);
    if (!v) {
      *error = rule;
      return std::nullopt;
    }
    values.push_back(*v);
  }
  if (parts[0] == "const" && values.size() == 1) {
    m.kind = LatencyModel::Kind::kConstant;
    m.a_us = values[0];
    m.b_us = values[0];
  } else if (parts[0] == "uniform" && values.size() == 2) {
    m.kind = LatencyModel::Kind::kUniform;
    m.a_us = values[0];
    m.b_us = values[1];
    if (m.a_us > m.b_us) {
      *error = "uniform latency needs MIN_US <= MAX_US";
      return std::nullopt;
    }
  } else if (parts[0] == "exp" && values.size() == 1) {
    m.kind = LatencyModel::Kind::kExponential;
    m.a_us = values[0];
    m.b_us = 0;
  } else {
    *error = rule;
    return std::nullopt;
  }
  return m;
}

Network::Network(const NetworkConfig& config, int32_t actor_count, Prng prng)
    : config_(config), actor_count_(actor_count), prng_(prng) {
  assert(actor_count > 0);
  if (config_.fifo) links_.resize(static_cast<size_t>(actor_count));
}

int64_t& Network::last_delivery(ActorIndex from, ActorIndex to) {
  const bool out = from > to;
  const ActorIndex owner = out ? from : to;
  const ActorIndex peer = out ? to : from;
  std::vector<LinkPair>& pairs = links_[static_cast<size_t>(owner)];
  auto at = std::lower_bound(pairs.begin(), pairs.end(), peer,
                             [](const LinkPair& p, ActorIndex x) { return p.peer < x; });
  if (at == pairs.end() || at->peer != peer) at = pairs.insert(at, LinkPair{.peer = peer});
  return out ? at->to_peer_us : at->from_peer_us;
}

int64_t Network::draw_latency() {
  const LatencyModel& l = config_.latency;
  switch (l.kind) {
    case LatencyModel::Kind::kConstant:
      return l.a_us;
    case LatencyModel::Kind::kUniform:
      return prng_.between(l.a_us, l.b_us);
    case LatencyModel::Kind::kExponential:
      return prng_.exponential(l.a_us);
  }
  return 0;
}

int64_t Network::delivery_time(int64_t now_us, ActorIndex from, ActorIndex to) {
  assert(from >= 0 && from < actor_count_);
  assert(to >= 0 && to < actor_count_);
  int64_t at = now_us + draw_latency();
  if (config_.fifo) {
    int64_t& last = last_delivery(from, to);
    // Equal times keep send order: the event queue breaks ties by sequence number.
    if (at < last) at = last;
    last = at;
  }
  return at;
}

}  // namespace banksim
