#include "sim/timed_run.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "sim/event_queue.h"

namespace banksim {

namespace {
// Child seed streams: the network's draws do not shift when another subsystem draws.
constexpr uint64_t kNetworkStream = 0x6e6574776f726b31ULL;  // "network1"
}  // namespace

TimedResult run_timed(std::shared_ptr<const Scenario> scenario, const WorldOptions& world_options,
                      const TimedOptions& options) {
  const int32_t actors = scenario->actor_count();
  TimedResult r{World(std::move(scenario), world_options), 0, false, {}};
  World& world = r.world;
  Network network(options.network, actors, Prng(options.seed ^ kNetworkStream));
  EventQueue queue;
  std::vector<uint64_t> parked;  // queries waiting for write traffic to end
  int64_t now = 0;

  const auto schedule_sent = [&] {
    for (const InFlight& f : world.last_sent()) {
      queue.push(network.delivery_time(now + f.msg.delay_us, f.msg.from, f.msg.to), f.id);
    }
  };

  world.start(now);
  if (options.on_start) options.on_start(world);
  schedule_sent();
  int64_t steps = 0;
  while (!queue.empty()) {
    if (steps >= options.max_steps) {
      r.hit_step_bound = true;
      break;
    }
    const QueuedDelivery d = queue.pop();
    assert(d.time_us >= now);
    now = d.time_us;
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
    // The gate (World::can_deliver) alone says when the held queries may go.
    if (!parked.empty() && world.can_deliver(world.find(parked.front())->msg)) {
      if (options.on_hold) options.on_hold(world, now, nullptr, parked.size());
      for (uint64_t id : parked) queue.push(now, id);
      parked.clear();
    }
  }
  r.end_time_us = now;
  if (!r.hit_step_bound) {
    assert(parked.empty());
    assert(world.quiescent());
    world.finish(now);
  }
  return r;
}

}  // namespace banksim
