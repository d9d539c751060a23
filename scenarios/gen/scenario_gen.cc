#include "scenarios/gen/scenario_gen.h"

#include <cassert>
#include <charconv>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/prng.h"

namespace banksim {

std::string EventMix::spec() const {
  return fmt::format("deposit={},withdraw={},query={},moving={}", deposit, withdraw, query,
                     moving_percent);
}

Result<EventMix> parse_event_mix(std::string_view spec) {
  const std::string rule =
      "must be a comma-separated list of deposit=N, withdraw=N, query=N (integer weights, "
      "at least one above 0) and moving=P (percent of customers, 0 to 100)";
  EventMix mix{0, 0, 0, 0};
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view item = spec.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Error{rule};
    const std::string_view key = item.substr(0, eq);
    const std::string_view num = item.substr(eq + 1);
    uint32_t v = 0;
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || ptr != num.data() + num.size() || v > 1'000'000) return Error{rule};
    if (key == "deposit") {
      mix.deposit = v;
    } else if (key == "withdraw") {
      mix.withdraw = v;
    } else if (key == "query") {
      mix.query = v;
    } else if (key == "moving") {
      if (v > 100) return Error{rule};
      mix.moving_percent = v;
    } else {
      return Error{rule};
    }
    start = end + 1;
  }
  if (mix.deposit + mix.withdraw + mix.query == 0) return Error{rule};
  return mix;
}

std::optional<Error> check_gen_options(const GenOptions& o) {
  if (o.branches < 1 || o.branches > kMaxBranches) {
    return Error{fmt::format("--branches: must be from 1 to {}", kMaxBranches)};
  }
  if (o.customers < 0 || o.customers > kMaxCustomers) {
    return Error{fmt::format("--customers: must be from 0 to {}", kMaxCustomers)};
  }
  if (o.events < 0 || static_cast<int64_t>(o.events) * o.customers > kMaxEvents) {
    return Error{fmt::format("--events: customers * events must be from 0 to {}", kMaxEvents)};
  }
  if (o.mix.deposit + o.mix.withdraw + o.mix.query == 0 || o.mix.moving_percent > 100) {
    return Error{"--mix: needs a positive weight and moving from 0 to 100"};
  }
  if (o.balance < 0 || o.money_max < 1) {
    return Error{"--balance must be >= 0 and --money-max >= 1"};
  }
  // Every reachable balance must fit in int64 (the loader refuses otherwise).
  const __int128 most = static_cast<__int128>(o.balance) +
                        static_cast<__int128>(o.money_max) * o.customers * o.events;
  if (most > INT64_MAX) return Error{"--balance/--money-max: balances could overflow int64"};
  return std::nullopt;
}

Scenario generate_scenario(const GenOptions& o) {
  assert(!check_gen_options(o));
  Scenario s;
  s.form = InputForm::kDest;
  s.protocol = o.protocol;
  for (int32_t b = 0; b < o.branches; ++b) s.branches.push_back(BranchSpec{b + 1, o.balance});
  const uint64_t weight_total =
      uint64_t{o.mix.deposit} + uint64_t{o.mix.withdraw} + uint64_t{o.mix.query};
  Prng root(o.seed);
  int64_t next_event_id = 1;
  for (int32_t c = 0; c < o.customers; ++c) {
    Prng prng = root.fork();  // customer c's own stream
    CustomerSpec cs{c + 1, {}};
    cs.events.reserve(static_cast<size_t>(o.events));
    const int32_t home = c % o.branches;
    const bool moving = prng.chance(o.mix.moving_percent, 100);
    for (int32_t e = 0; e < o.events; ++e) {
      Event ev;
      ev.id = next_event_id++;
      const uint64_t pick = prng.below(weight_total);
      if (pick < o.mix.deposit) {
        ev.iface = Interface::kDeposit;
      } else if (pick < uint64_t{o.mix.deposit} + o.mix.withdraw) {
        ev.iface = Interface::kWithdraw;
      } else {
        ev.iface = Interface::kQuery;
      }
      if (is_write(ev.iface)) ev.money = prng.between(1, o.money_max);
      ev.branch = moving ? static_cast<int32_t>(prng.below(static_cast<uint64_t>(o.branches)))
                         : home;
      cs.events.push_back(ev);
    }
    s.customers.push_back(std::move(cs));
  }
  s.finalize();
  return s;
}

std::string scenario_text(const Scenario& s) {
  const nlohmann::json doc = scenario_to_json(s);
  std::string out = "{";
  // nlohmann::json objects iterate in key order: a fixed order.
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "processes") continue;
    out += fmt::format("\"{}\": {},\n ", it.key(), it.value().dump());
  }
  out += "\"processes\": [\n";
  const nlohmann::json& processes = doc.at("processes");
  for (size_t i = 0; i < processes.size(); ++i) {
    out += "  ";
    out += processes[i].dump();
    out += i + 1 < processes.size() ? ",\n" : "\n";
  }
  out += "]}\n";
  return out;
}

}  // namespace banksim
