#include "sim/timed_run.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <queue>
#include <tuple>

#include "sim/event_queue.h"

namespace banksim {

namespace {
// Child seed streams: the network's draws do not shift when another subsystem draws.
constexpr uint64_t kNetworkStream = 0x6e6574776f726b31ULL;  // "network1"
constexpr uint64_t kFaultStream = 0x6661756c74733031ULL;    // "faults01"

int64_t retransmit_period_us(const TimedOptions& o) {
  const LatencyModel& lat = o.network.latency;
  return o.retransmit_us > 0 ? o.retransmit_us : 4 * std::max(lat.a_us, lat.b_us) + 1000;
}
}  // namespace

int64_t effective_give_up_us(const TimedOptions& options) {
  return options.give_up_us > 0 ? options.give_up_us : 2 * retransmit_period_us(options);
}

TimedResult run_timed(std::shared_ptr<const Scenario> scenario, const WorldOptions& world_options,
                      const TimedOptions& options) {
  const int32_t actors = scenario->actor_count();
  TimedResult r{World(std::move(scenario), world_options), 0, false, false, {}, 0, {}, 0};
  World& world = r.world;
  Network network(options.network, actors, Prng(options.seed ^ kNetworkStream));
  EventQueue queue;
  std::vector<uint64_t> parked;  // queries waiting for write traffic to end
  int64_t now = 0;

  const int64_t retransmit_us = retransmit_period_us(options);
  size_t queued_timers = 0;  // queue entries that are timers

  // Give-up: each customer's outstanding request, when it was first sent, and (unless the
  // customer retransmits) a deadline in a heap of its own, apart from the delivery queue,
  // so judging give-ups never changes the schedule.
  const int64_t give_up_us = effective_give_up_us(options);
  r.give_up_us = give_up_us;
  const bool retransmits = world_options.protocol == ProtocolKind::kRobust;
  const auto branch_count = static_cast<ActorIndex>(world.branches().size());
  std::vector<int32_t> watched(world.customers().size(), -1);  // event whose request was sent
  std::vector<int64_t> sent_at(world.customers().size(), 0);
  using Deadline = std::tuple<int64_t, int32_t, int32_t>;  // (time, customer, event)
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines;
  const auto give_up_due = [&](int64_t until) {
    while (!deadlines.empty() && std::get<0>(deadlines.top()) <= until) {
      const auto [at, c, e] = deadlines.top();
      deadlines.pop();
      const Customer& customer = world.customers()[static_cast<size_t>(c)];
      if (!customer.waiting() || customer.next_event() != e) continue;  // answered in time
      r.gave_up.push_back(GaveUp{c, e, sent_at[static_cast<size_t>(c)], at});
      if (options.on_give_up) options.on_give_up(world, r.gave_up.back());
    }
  };

  const auto schedule_sent = [&] {
    for (const InFlight& f : world.last_sent()) {
      const int64_t leaves = now + f.msg.delay_us;
      queue.push(network.delivery_time(leaves, f.msg.from, f.msg.to), f.id);
      if (f.msg.kind == MessageKind::kRequest && f.msg.from >= branch_count) {
        const auto c = static_cast<size_t>(f.msg.customer);
        if (watched[c] != f.msg.event) {  // not a copy or a retransmission
          watched[c] = f.msg.event;
          sent_at[c] = leaves;
          // A query held for --quiescent-queries waits by the harness's choice: exempt.
          const bool held_query =
              world_options.quiescent_queries && f.msg.iface == Interface::kQuery;
          if (!retransmits && !held_query) {
            deadlines.emplace(leaves + give_up_us, f.msg.customer, f.msg.event);
          }
        }
      }
    }
    for (uint64_t id : world.last_timers_set()) {
      queue.push_fifo(now + retransmit_us, pack_choice(Choice{id, ChoiceKind::kTimer}));
      queued_timers += 1;
    }
  };
  // Whether some armed timer could fire now.
  const auto any_timer_enabled = [&] {
    return world.timers().any_of([&](const ArmedTimer& t) { return world.timer_enabled(t); });
  };

  const FaultSpec& faults = options.faults;
  Prng fault_prng(options.seed ^ kFaultStream);
  // A crash removes messages whose deliveries are queued: those are skipped.
  const bool stale_possible = faults.crashes();
  // Timed faults go into the queue first, as fault steps: at equal times they come
  // before any delivery.
  for (const TimedFault& t : faults.timed) queue.push(t.at_us, pack_choice(t.choice));

  world.start(now);
  if (options.on_start) options.on_start(world);
  schedule_sent();
  // The gate (World::can_deliver) alone says when the held queries may go. A crash may
  // have taken some of them (lost with everything addressed to the crashed branch).
  const auto release_parked = [&] {
    std::erase_if(parked, [&](uint64_t id) { return world.find(id) == nullptr; });
    if (!parked.empty() && world.can_deliver(world.find(parked.front())->msg)) {
      if (options.on_hold) options.on_hold(world, now, nullptr, parked.size());
      for (uint64_t id : parked) queue.push(now, id);
      parked.clear();
    }
  };
  // Applies a fault choice (timed or drawn) as a step of the run.
  const auto take_fault = [&](const Choice& c) {
    world.apply(c, now);
    if (options.record_schedule) r.schedule.push_back(pack_choice(c));
    if (!world.money_conserved()) {
      std::fprintf(stderr, "banksim: internal error: money not conserved after a fault\n");
      std::abort();
    }
    if (options.on_step) options.on_step(world, now);
    schedule_sent();
    // A dropped write may have been the last one: waiting queries go.
    release_parked();
  };
  int64_t steps = 0;
  while (!queue.empty()) {
    if (steps >= options.max_steps) {
      r.hit_step_bound = true;
      break;
    }
    const QueuedDelivery d = queue.pop();
    assert(d.time_us >= now);
    now = d.time_us;
    give_up_due(now);
    if (is_fault_step(d.message_id) && unpack_choice(d.message_id).kind == ChoiceKind::kTimer) {
      queued_timers -= 1;
      const Choice c = unpack_choice(d.message_id);
      const ArmedTimer* t = world.find_timer(c.message_id);
      if (t == nullptr) continue;  // cancelled, or re-armed under a new id
      if (world.timer_enabled(*t)) {
        take_fault(c);
        continue;
      }
      // What it waits for may still arrive: wait another period, unless nothing but timers
      // is left and none of them can ever fire (a branch down for good): then give up.
      if (queue.size() == queued_timers && !any_timer_enabled()) continue;
      queue.push_fifo(now + retransmit_us, d.message_id);
      queued_timers += 1;
      continue;
    }
    if (faults.any()) {
      if (is_fault_step(d.message_id)) {
        const Choice c = unpack_choice(d.message_id);
        // parse_fault_spec() checked the order: a timed fault is always allowed here.
        assert(world.fault_allowed(c));
        take_fault(c);
        continue;
      }
      if (stale_possible && world.find(d.message_id) == nullptr) continue;  // lost in a crash
      if (faults.drop_per_million > 0 &&
          fault_prng.below(kFaultRateScale) < faults.drop_per_million) {
        take_fault(Choice{d.message_id, ChoiceKind::kDrop});
        continue;
      }
      if (faults.dup_per_million > 0 &&
          fault_prng.below(kFaultRateScale) < faults.dup_per_million) {
        take_fault(Choice{d.message_id, ChoiceKind::kDuplicate});
      }
    }
    // Only held queries can be undeliverable; otherwise skip the lookup (apply() finds
    // the message itself and asserts that it is in flight).
    if (world_options.quiescent_queries) {
      const InFlight* f = world.find(d.message_id);
      assert(f != nullptr);
      if (!world.can_deliver(f->msg)) {
        if (options.on_hold) options.on_hold(world, now, f, 0);
        parked.push_back(d.message_id);
        continue;
      }
    }
    world.apply(Choice{d.message_id}, now);
    steps += 1;
    if (options.record_schedule) r.schedule.push_back(d.message_id);
    if (!world.money_conserved()) {
      // Always on: a failure here is a bug in the engine or a protocol, never bad input.
      std::fprintf(stderr, "banksim: internal error: money not conserved after step %lld\n",
                   static_cast<long long>(steps));
      std::abort();
    }
    if (options.on_step) options.on_step(world, now);
    schedule_sent();
    release_parked();
  }
  r.end_time_us = now;
  r.timers_left = world.timers().size();
  if (!r.hit_step_bound) {
    assert(parked.empty());
    if (world.quiescent()) {
      world.finish(now);
    } else {
      assert(faults.any());  // a crashed branch was never restarted
      r.ended_in_fault_window = true;
    }
    // Nothing more will arrive: every request still waiting is given up at its deadline,
    // and a retransmitting customer stops now (its timer can never fire).
    give_up_due(std::numeric_limits<int64_t>::max());
    if (retransmits) {
      for (size_t c = 0; c < world.customers().size(); ++c) {
        const Customer& customer = world.customers()[c];
        if (!customer.waiting()) continue;
        r.gave_up.push_back(
            GaveUp{static_cast<int32_t>(c), customer.next_event(), sent_at[c], now});
        if (options.on_give_up) options.on_give_up(world, r.gave_up.back());
      }
    }
  }
  return r;
}

}  // namespace banksim
