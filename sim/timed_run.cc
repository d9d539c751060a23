#include "sim/timed_run.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "sim/event_queue.h"

namespace banksim {

namespace {
// Child seed streams: the network's draws do not shift when another subsystem draws.
constexpr uint64_t kNetworkStream = 0x6e6574776f726b31ULL;  // "network1"
constexpr uint64_t kFaultStream = 0x6661756c74733031ULL;    // "faults01"
}  // namespace

TimedResult run_timed(std::shared_ptr<const Scenario> scenario, const WorldOptions& world_options,
                      const TimedOptions& options) {
  const int32_t actors = scenario->actor_count();
  TimedResult r{World(std::move(scenario), world_options), 0, false, false, {}};
  World& world = r.world;
  Network network(options.network, actors, Prng(options.seed ^ kNetworkStream));
  EventQueue queue;
  std::vector<uint64_t> parked;  // queries waiting for write traffic to end
  int64_t now = 0;

  const LatencyModel& lat = options.network.latency;
  const int64_t retransmit_us =
      options.retransmit_us > 0 ? options.retransmit_us : 4 * std::max(lat.a_us, lat.b_us) + 1000;
  size_t queued_timers = 0;  // queue entries that are timers
  const auto schedule_sent = [&] {
    for (const InFlight& f : world.last_sent()) {
      queue.push(network.delivery_time(now + f.msg.delay_us, f.msg.from, f.msg.to), f.id);
    }
    for (uint64_t id : world.last_timers_set()) {
      queue.push(now + retransmit_us, pack_choice(Choice{id, ChoiceKind::kTimer}));
      queued_timers += 1;
    }
  };
  // Whether some armed timer could fire now.
  const auto any_timer_enabled = [&] {
    for (const ArmedTimer& t : world.timers()) {
      if (world.timer_enabled(t)) return true;
    }
    return false;
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
      queue.push(now + retransmit_us, d.message_id);
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
  }
  return r;
}

}  // namespace banksim
