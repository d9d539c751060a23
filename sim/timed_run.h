// The timed scheduler behind `banksim run`: each sent message gets a delivery time from
// the seeded network model; the earliest (time, sequence) delivery happens next.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "sim/fault_spec.h"
#include "sim/network.h"
#include "sim/world.h"

namespace banksim {

struct TimedOptions {
  NetworkConfig network;
  uint64_t seed = 1;
  int64_t max_steps = 100'000'000;  // deliveries; the run stops there and says so
  bool record_schedule = false;     // keep the delivered message ids (for traces)
  // Faults to inject (run --faults): random drops and duplicates from their own seeded
  // stream, drawn only when their rate is not 0, and faults at fixed virtual times. A
  // recorded schedule holds them as fault steps. Empty: the run without faults.
  FaultSpec faults;
  // Retransmission timers (robust): an armed timer comes due this long after it was
  // armed; 0 = four times the latency model's largest parameter, plus 1 ms. Due, it fires
  // if World::timer_enabled() (what it waits for was lost), else it waits another period.
  int64_t retransmit_us = 0;
  // Called once after the customers issued their first events, and after every
  // delivery, e.g. to print a timeline.
  std::function<void(const World&)> on_start;
  std::function<void(const World&, int64_t now_us)> on_step;
  // WorldOptions::quiescent_queries: called when the query `held` reaches its delivery
  // time while writes are in flight (it waits), and with `released` the number of waiting
  // queries put back once none is (then `held` is null).
  std::function<void(const World&, int64_t now_us, const InFlight* held, size_t released)> on_hold;
};

struct TimedResult {
  World world;
  int64_t end_time_us = 0;
  bool hit_step_bound = false;
  // Nothing left to deliver, but a branch is still down or a partition still on: the
  // quiescence properties are not judged (World::finish() was not called).
  bool ended_in_fault_window = false;
  std::vector<uint64_t> schedule;  // delivered message ids in order, if recorded
  // Timers still armed when the run ended with nothing left that could fire them (a
  // branch never restarted): their owners gave up waiting.
  size_t timers_left = 0;
};

TimedResult run_timed(std::shared_ptr<const Scenario> scenario, const WorldOptions& world_options,
                      const TimedOptions& options);

}  // namespace banksim
