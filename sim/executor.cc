#include "sim/executor.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>

namespace banksim {

namespace {

// Always on: a refused delivery means the protocol sent something its own receiver would
// reject over the network, a bug no input can cause.
[[noreturn]] void refused(const Actors& a, const Delivery& d, const std::string& why) {
  std::fprintf(stderr, "banksim: internal error: step %llu: %s refused message %llu from %s: %s\n",
               static_cast<unsigned long long>(d.step), a.bank.actor_name(d.message.to).c_str(),
               static_cast<unsigned long long>(d.message_id),
               a.bank.actor_name(d.message.from).c_str(), why.c_str());
  std::abort();
}

}  // namespace

InProcessExecutor& InProcessExecutor::instance() {
  static InProcessExecutor executor;
  return executor;
}

bool InProcessExecutor::deliver(Actors a, const Delivery& d, Effects& out) {
  const Message& m = d.message;
  assert(m.to >= 0 && m.to < a.bank.actor_count());
  if (a.bank.is_branch(m.to)) {
    Branch& b = a.branches[static_cast<size_t>(m.to)];
    if (auto why = b.refuse(m, d.repeats_possible)) refused(a, d, *why);
    b.on_message(m, out);
  } else {
    Customer& c = a.customers[static_cast<size_t>(m.to - a.bank.branch_count())];
    if (auto why = c.refuse(m, a.bank, d.repeats_possible)) refused(a, d, *why);
    c.on_message(m, out);
  }
  return true;
}

bool InProcessExecutor::balances(std::span<const Branch> in_world, std::vector<Money>* out) {
  out->clear();
  for (const Branch& b : in_world) out->push_back(b.balance());
  return true;
}

bool InProcessExecutor::crash(Actors a, int32_t branch, Money* lost) {
  assert(branch >= 0 && branch < a.bank.branch_count());
  Branch& b = a.branches[static_cast<size_t>(branch)];
  *lost = b.buffered_delta();  // buffered writes are volatile
  b = Branch(b.config(), b.durable());
  return true;
}

bool InProcessExecutor::restart(Actors, int32_t) {
  return true;  // the crash already left only the durable part
}

bool InProcessExecutor::fire_timer(Actors a, const TimerKey& k, Effects& out) {
  assert(k.owner >= 0 && k.owner < a.bank.actor_count());
  if (a.bank.is_branch(k.owner)) {
    a.branches[static_cast<size_t>(k.owner)].on_timer(k, out);
  } else {
    a.customers[static_cast<size_t>(k.owner - a.bank.branch_count())].on_timer(k, out);
  }
  return true;
}

const std::string& InProcessExecutor::failure() const {
  static const std::string kNone;
  return kNone;
}

}  // namespace banksim
