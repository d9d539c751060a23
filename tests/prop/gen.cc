#include "prop/gen.h"

#include <algorithm>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace banksim {

namespace {

using rc::Gen;
namespace gen = rc::gen;

// gen::inRange scales its range with rapidcheck's size (0 .. 100 over a run): at small
// sizes every draw is the minimum. Counts and amounts here are drawn over their whole
// range at every size (shrinking still moves them toward the minimum).
template <typename T>
Gen<T> in_range(T min, T max_exclusive) {
  return gen::resize(100, gen::inRange<T>(min, max_exclusive));
}

// A withdraw of this much fails at every branch: no generated balance gets near it.
constexpr Money kHugeWithdraw = 1'000'000'000'000'000;

Gen<int64_t> gen_id() {
  return gen::weightedOneOf<int64_t>({
      {8, in_range<int64_t>(0, 10)},
      {2, in_range<int64_t>(0, 1'000'000)},
      {1, gen::just<int64_t>(INT64_MAX)},  // ids at the limit of int64 are ordinary ids
      {1, in_range<int64_t>(INT64_MAX - 8, INT64_MAX)},
  });
}

// `n` distinct ids: 1..n as in the seed inputs, or drawn (collisions bumped upward).
std::vector<int64_t> distinct_ids(int32_t n) {
  std::vector<int64_t> ids;
  if (*gen::weightedElement<bool>({{3, true}, {2, false}})) {
    for (int32_t i = 0; i < n; ++i) ids.push_back(i + 1);
    return ids;
  }
  std::set<int64_t> used;
  for (int32_t i = 0; i < n; ++i) {
    int64_t id = *gen_id();
    while (used.count(id) != 0) id = id == INT64_MAX ? 0 : id + 1;
    used.insert(id);
    ids.push_back(id);
  }
  return ids;
}

Gen<Money> gen_balance() {
  return gen::weightedOneOf<Money>({
      {2, gen::just<Money>(0)},
      {6, in_range<Money>(0, 201)},
      {1, in_range<Money>(0, 1'000'000'000)},
  });
}

Gen<Money> gen_deposit() {
  return gen::weightedOneOf<Money>({
      {1, gen::just<Money>(0)},
      {6, in_range<Money>(1, 201)},
      {1, in_range<Money>(0, 1'000'000)},
  });
}

Gen<Money> gen_withdraw() {
  return gen::weightedOneOf<Money>({
      {1, gen::just<Money>(0)},
      {6, in_range<Money>(1, 301)},  // often more than the branch holds
      {1, gen::just<Money>(Money{kHugeWithdraw})},
  });
}

Gen<int64_t> gen_think_us() {
  return gen::weightedOneOf<int64_t>({
      {8, gen::just<int64_t>(0)},
      {2, in_range<int64_t>(1, 20'000)},
  });
}

}  // namespace

Gen<Scenario> gen_scenario(ScenarioShape shape) {
  return gen::exec([shape] {
    Scenario s;
    const int32_t branches = *in_range<int32_t>(1, shape.branches_max + 1);
    const Money common = shape.equal_balances ? *gen_balance() : 0;
    for (int64_t id : distinct_ids(branches)) {
      s.branches.push_back(BranchSpec{id, shape.equal_balances ? common : *gen_balance()});
    }

    InputForm form = *gen::weightedElement<InputForm>(
        {{2, InputForm::kDest}, {2, InputForm::kBranchKey}, {1, InputForm::kPlain}});
    int32_t customers = *in_range<int32_t>(1, shape.customers_max + 1);
    std::vector<int64_t> customer_ids;
    if (form == InputForm::kPlain) {
      // Customer N talks to branch N: customer c takes the id of branch c.
      customers = std::min(customers, branches);
      for (int32_t c = 0; c < customers; ++c) customer_ids.push_back(s.branches[c].id);
    } else {
      customer_ids = distinct_ids(customers);
    }

    int64_t events_total = 0;
    for (int32_t c = 0; c < customers; ++c) {
      CustomerSpec cs{customer_ids[static_cast<size_t>(c)], {}};
      const int32_t n = std::min(*in_range<int32_t>(0, shape.events_max + 1),
                                 shape.events_total_max - static_cast<int32_t>(events_total));
      const std::vector<int64_t> event_ids = distinct_ids(n);
      for (int32_t e = 0; e < n; ++e) {
        Event ev;
        ev.id = event_ids[static_cast<size_t>(e)];
        ev.iface = *gen::weightedElement<Interface>(
            {{2, Interface::kQuery}, {3, Interface::kDeposit}, {2, Interface::kWithdraw}});
        if (ev.iface == Interface::kDeposit) ev.money = *gen_deposit();
        if (ev.iface == Interface::kWithdraw) ev.money = *gen_withdraw();
        // Plain form: the customer's own branch; otherwise anywhere (customers move).
        ev.branch = form == InputForm::kPlain ? c : *in_range<int32_t>(0, branches);
        ev.think_us = *gen_think_us();
        cs.events.push_back(ev);
      }
      events_total += n;
      s.customers.push_back(std::move(cs));
    }
    // Without events there is no "dest"/"branch" key to name the form: loading says plain.
    if (events_total == 0)
      s.form = InputForm::kPlain;
    else
      s.form = form;

    if (shape.settings) {
      if (*gen::arbitrary<bool>()) s.protocol = *gen_protocol();
      if (*gen::arbitrary<bool>()) s.latency = *gen_latency();
      if (*gen::arbitrary<bool>()) s.fifo = *gen::arbitrary<bool>();
    }
    s.finalize();
    return s;
  });
}

Gen<LatencyModel> gen_latency() {
  return gen::exec([] {
    LatencyModel m;
    m.kind = *gen::element(LatencyModel::Kind::kConstant, LatencyModel::Kind::kUniform,
                           LatencyModel::Kind::kExponential);
    // Zero latency makes many deliveries tie: a good test of tie breaking.
    const auto value = [] {
      return *gen::weightedOneOf<int64_t>({{1, gen::just<int64_t>(0)},
                                           {6, in_range<int64_t>(0, 5001)},
                                           {1, in_range<int64_t>(0, kLatencyMaxUs + 1)}});
    };
    switch (m.kind) {
      case LatencyModel::Kind::kConstant:
        m.a_us = value();
        m.b_us = m.a_us;  // what parse_latency produces for const:N
        break;
      case LatencyModel::Kind::kUniform: {
        const int64_t a = value();
        const int64_t b = value();
        m.a_us = std::min(a, b);
        m.b_us = std::max(a, b);
        break;
      }
      case LatencyModel::Kind::kExponential:
        m.a_us = value();
        m.b_us = 0;
        break;
    }
    return m;
  });
}

Gen<NetworkConfig> gen_network() {
  return gen::exec([] {
    NetworkConfig n;
    n.latency = *gen_latency();
    n.fifo = *gen::arbitrary<bool>();
    return n;
  });
}

Gen<ProtocolKind> gen_protocol() {
  return gen::element(ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession);
}

Gen<RunCase> gen_run_case(ScenarioShape shape, bool quiescent_queries,
                          std::optional<ProtocolKind> protocol) {
  return gen::exec([shape, quiescent_queries, protocol] {
    RunCase c;
    c.scenario = *gen_scenario(shape);
    c.protocol = protocol ? *protocol : *gen_protocol();
    c.network = *gen_network();
    c.seed = *gen::resize(100, gen::arbitrary<uint64_t>());
    if (quiescent_queries)
      c.quiescent_queries = *gen::weightedElement<bool>({{1, true}, {3, false}});
    return c;
  });
}

void showValue(const Scenario& s, std::ostream& os) {
  os << scenario_to_json(s).dump();
}

void showValue(ProtocolKind p, std::ostream& os) {
  os << protocol_name(p);
}

void showValue(const NetworkConfig& n, std::ostream& os) {
  os << "--latency " << n.latency.spec() << (n.fifo ? " --fifo" : " --no-fifo");
}

void showValue(const RunCase& c, std::ostream& os) {
  os << "scenario ";
  showValue(c.scenario, os);
  os << "\nsettings: --protocol " << protocol_name(c.protocol) << " ";
  showValue(c.network, os);
  os << " --seed " << c.seed << (c.quiescent_queries ? " --quiescent-queries" : "");
}

}  // namespace banksim
