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

// A customer gave up on its request for `event` at `at_us`: sent at `sent_us`, still
// unanswered. The timed scheduler's judgement, not a World step.
struct GaveUp {
  int32_t customer = 0;
  int32_t event = 0;
  int64_t sent_us = 0;
  int64_t at_us = 0;
};

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
  // Give-up (run --give-up-after): a customer of sync, async or session whose request is
  // still unanswered this long after it was sent gives up on it (reported, nothing else
  // changes: the World never hears of it). 0 = twice the retransmission period above.
  // Robust customers retransmit instead: they give up only when the run ends inside a
  // fault window (nothing left could answer them), at the end time.
  int64_t give_up_us = 0;
  // Called once after the customers issued their first events, and after every
  // delivery, e.g. to print a timeline.
  std::function<void(const World&)> on_start;
  std::function<void(const World&, int64_t now_us)> on_step;
  // WorldOptions::quiescent_queries: called when the query `held` reaches its delivery
  // time while writes are in flight (it waits), and with `released` the number of waiting
  // queries put back once none is (then `held` is null).
  std::function<void(const World&, int64_t now_us, const InFlight* held, size_t released)> on_hold;
  // Called when a customer gives up, in time order with the steps (before a step at the
  // same time; after the last step for give-ups past the end of the run).
  std::function<void(const World&, const GaveUp&)> on_give_up;
};

// The give-up timeout the run uses for `options` (resolves the default of 0).
int64_t effective_give_up_us(const TimedOptions& options);

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
  // Requests given up on, in time order (TimedOptions::give_up_us).
  std::vector<GaveUp> gave_up;
  int64_t give_up_us = 0;  // the timeout used
};

TimedResult run_timed(std::shared_ptr<const Scenario> scenario, const WorldOptions& world_options,
                      const TimedOptions& options);

}  // namespace banksim
