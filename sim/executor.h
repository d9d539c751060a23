// Executor: the one seam where an execution's actors take their steps. A scheduler (the
// timed simulator, the explorer, the trace player) drives a World; the World keeps the
// messages in flight, their ids, the quiescent gate, the monitor and the history, and asks
// its executor to deliver each chosen message to its receiver and hand back the step's
// effects (sends and observations, in order). Everything above this seam is written once.
//
//   InProcessExecutor  every actor is a state machine in this process (Branch::on_message,
//                      Customer::on_message), the World's own copies. Checks each delivery
//                      with the receiver's refuse() first: a protocol that ever sends what
//                      its receiver refuses is an internal error (always on, also in Release).
//   RemoteExecutor     (src/orchestration/remote_executor.h) each branch is a real `banksim
//                      serve` process configured "conducted": it performs the step on the
//                      Deliver RPC and returns its effects; customers stay in process.
//
// Where branch state lives: with the executor. A remote executor's branches live in their
// processes; the World's own Branch copies mirror them (the remote executor takes each step
// on the copy too and checks the process took the same one), so the World's predicates
// (World::timer_enabled) read the copies, while whatever reports branch state (final
// balances) asks the executor: balances().
//
// Fault hooks: drops, duplicates and partitions act on the World's in-flight set and need
// nothing here but Delivery::repeats_possible (the remote executor carries it in each
// Deliver). Crashes and restarts act on the branch itself, wherever it lives: the World
// asks crash(branch) and restart(branch) (World::apply_fault). In process a crash rebuilds
// the branch from its durable part at once (Branch(config, durable())); remotely it kills
// the branch process (SIGKILL), and a restart starts it again from its durable file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bank_layout.h"
#include "protocol/branch.h"
#include "protocol/customer.h"
#include "protocol/effects.h"
#include "protocol/message.h"

namespace banksim {

// A World's actors, as its executor sees them.
struct Actors {
  const BankLayout& bank;
  std::span<Branch> branches;
  std::span<Customer> customers;
};

// One delivery the World has chosen.
struct Delivery {
  uint64_t step = 0;        // 1 for an execution's first delivery
  uint64_t message_id = 0;  // the World's id of the message
  const Message& message;   // as the receiver sees it (decoded from `bytes`, if any)
  std::string_view bytes;   // its protobuf encoding, or empty when the World keeps none
  // The World has taken a fault: a duplicate or stale message is then a real delivery
  // (see Branch::refuse), not a protocol bug.
  bool repeats_possible = false;
};

class Executor {
 public:
  virtual ~Executor() = default;

  // Delivers d.message to its receiver and appends what the step sent and observed to
  // `out`, in order. False when the step could not be performed (a backend failed): the
  // execution cannot go on, and failure() says why.
  virtual bool deliver(Actors actors, const Delivery& d, Effects& out) = 0;
  // The branches' balances now, by branch index, read from wherever the branches live.
  // False when they cannot be read (failure() says why).
  virtual bool balances(std::span<const Branch> in_world, std::vector<Money>* out) = 0;
  // Crashes branch `branch` (a branch index): it loses its volatile state, keeps only its
  // durable part (Branch::durable()) and consumes nothing until restart(). Sets *lost to
  // the money the branch held in volatile buffers (Branch::buffered_delta() just before the
  // crash, read from wherever the branch lives): it leaves the bank with the crash. False
  // when the crash could not be performed (failure() says why).
  virtual bool crash(Actors actors, int32_t branch, Money* lost) = 0;
  // Brings crashed branch `branch` back from its durable state. False on failure.
  virtual bool restart(Actors actors, int32_t branch) = 0;
  // Fires retransmission timer `k` (robust; the World chose it, World::timer_enabled) at
  // its owner, wherever that lives, and appends the step's effects to `out`. False when the
  // step could not be performed (failure() says why).
  virtual bool fire_timer(Actors actors, const TimerKey& k, Effects& out) = 0;
  // Why the last failed call failed; empty while nothing failed.
  virtual const std::string& failure() const = 0;
};

class InProcessExecutor final : public Executor {
 public:
  // Stateless: one instance serves every World (and every copy of one).
  static InProcessExecutor& instance();

  bool deliver(Actors actors, const Delivery& d, Effects& out) override;
  bool balances(std::span<const Branch> in_world, std::vector<Money>* out) override;
  // The World's own copy: rebuilt from its durable part now; a restart changes nothing.
  bool crash(Actors actors, int32_t branch, Money* lost) override;
  bool restart(Actors actors, int32_t branch) override;
  bool fire_timer(Actors actors, const TimerKey& k, Effects& out) override;
  const std::string& failure() const override;
};

}  // namespace banksim
