#include "orchestration/remote_executor.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "grpc/wire_convert.h"
#include "protocol/codec.h"

namespace banksim {

RemoteExecutor::RemoteExecutor(GrpcCluster& cluster) : cluster_(cluster) {
  for (int32_t b = 0; b < cluster_.layout()->branch_count(); ++b) branches_.push_back(client(b));
}

std::unique_ptr<BranchClient> RemoteExecutor::client(int32_t b) const {
  const std::string& address = cluster_.addresses()[static_cast<size_t>(b)];
  return std::make_unique<BranchClient>(
      fmt::format("{} at {}", cluster_.layout()->actor_name(b), address), address,
      cluster_.timeouts().rpc_ms);
}

bool RemoteExecutor::interrupted() const {
  return InterruptWatch::caught() != 0;
}

bool RemoteExecutor::fail(const std::string& message) {
  failure_ = message;
  for (int i = 0; i < 20; ++i) {
    if (auto dead = cluster_.failure()) {
      failure_ = *dead + " (" + message + ")";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool RemoteExecutor::deliver(Actors actors, const Delivery& d, Effects& out) {
  if (auto why = cluster_.failure()) {
    failure_ = *why;
    return false;
  }
  const BankLayout& layout = *cluster_.layout();
  const Message& m = d.message;
  if (!layout.is_branch(m.to)) {
    Customer& c = actors.customers[static_cast<size_t>(m.to - layout.branch_count())];
    if (auto why = c.refuse(m, layout, d.repeats_possible)) {
      return fail(fmt::format("step {} (message {}): {}", d.step, d.message_id, *why));
    }
    c.on_message(m, out);
    return true;
  }
  std::string bytes(d.bytes);
  if (bytes.empty()) encode_message(m, &bytes);
  wire::DeliverReply reply;
  std::string error;
  if (!branches_[static_cast<size_t>(m.to)]->deliver(bytes, &reply, &error, d.repeats_possible)) {
    return fail(fmt::format("step {} (message {}): {}", d.step, d.message_id, error));
  }
  const std::string what = fmt::format("step {} (message {})", d.step, d.message_id);
  auto step = decode_step(reply.effects(), layout, &error);
  if (!step || step->fired || !step->delivered.same_wire(m) || reply.effects().branch() != m.to) {
    return fail(fmt::format("{}: {} returned a bad step{}{}", what, layout.actor_name(m.to),
                            error.empty() ? "" : ": ", error));
  }
  Effects mirror;
  actors.branches[static_cast<size_t>(m.to)].on_message(m, mirror);
  return take_step(reply, m.to, mirror, what, out);
}

bool RemoteExecutor::take_step(const wire::DeliverReply& reply, int32_t branch,
                               const Effects& mirror, const std::string& what, Effects& out) {
  const BankLayout& layout = *cluster_.layout();
  std::string error;
  auto step = decode_step(reply.effects(), layout, &error);
  if (!step) return fail(fmt::format("{}: {} returned a bad step: {}", what,
                                     layout.actor_name(branch), error));
  const bool same =
      std::equal(step->sends.begin(), step->sends.end(), mirror.sends().begin(),
                 mirror.sends().end(),
                 [](const Message& a, const Message& b) { return a.same_wire(b); }) &&
      step->observations == mirror.observations() && step->timers == mirror.timers();
  if (!same) {
    return fail(fmt::format("{}: {} took a different step than the same state machine in the "
                            "conductor ({} sends, {} observations, {} timers; expected {}, {}, {})",
                            what, layout.actor_name(branch), step->sends.size(),
                            step->observations.size(), step->timers.size(), mirror.sends().size(),
                            mirror.observations().size(), mirror.timers().size()));
  }
  for (const Message& s : step->sends) out.send(s);
  for (const Observation& o : step->observations) out.observe(o);
  for (const TimerEffect& t : step->timers) {
    if (t.set) {
      out.set_timer(t.key);
    } else {
      out.cancel_timer(t.key);
    }
  }
  return true;
}

bool RemoteExecutor::fire_timer(Actors actors, const TimerKey& k, Effects& out) {
  const BankLayout& layout = *cluster_.layout();
  if (!layout.is_branch(k.owner)) {
    actors.customers[static_cast<size_t>(k.owner - layout.branch_count())].on_timer(k, out);
    return true;
  }
  if (auto why = cluster_.failure()) {
    failure_ = *why;
    return false;
  }
  wire::Timer t;
  to_proto(k, true, &t);
  wire::DeliverReply reply;
  std::string error;
  const std::string what = fmt::format("timer of {} for {}", layout.actor_name(k.owner),
                                       layout.actor_name(k.peer));
  if (!branches_[static_cast<size_t>(k.owner)]->fire_timer(t, &reply, &error)) {
    return fail(fmt::format("{}: {}", what, error));
  }
  if (!reply.effects().has_fired() || reply.effects().branch() != k.owner) {
    return fail(fmt::format("{}: {} returned a bad step", what, layout.actor_name(k.owner)));
  }
  Effects mirror;
  actors.branches[static_cast<size_t>(k.owner)].on_timer(k, mirror);
  return take_step(reply, k.owner, mirror, what, out);
}

bool RemoteExecutor::balances(std::span<const Branch>, std::vector<Money>* out) {
  out->clear();
  for (const auto& b : branches_) {
    wire::BranchStatus status;
    std::string error;
    if (!b->status(&status, &error)) return fail(error);
    out->push_back(status.balance());
  }
  return true;
}

bool RemoteExecutor::crash(Actors actors, int32_t branch, Money* lost) {
  if (cluster_.data_dir().empty()) {
    return fail("a crash needs branch processes with a data directory");
  }
  if (auto why = cluster_.failure()) {
    failure_ = *why;
    return false;
  }
  // What the process holds in volatile buffers is lost with it: read it first.
  wire::BranchStatus status;
  std::string error;
  if (!branches_[static_cast<size_t>(branch)]->status(&status, &error)) return fail(error);
  *lost = status.buffered_delta();
  Branch& mirror = actors.branches[static_cast<size_t>(branch)];
  if (*lost != mirror.buffered_delta()) {
    return fail(fmt::format("{} holds {} in buffered writes; the conductor's copy {}",
                            cluster_.layout()->actor_name(branch), *lost,
                            mirror.buffered_delta()));
  }
  cluster_.kill_branch(branch);
  mirror = Branch(mirror.config(), mirror.durable());
  return true;
}

bool RemoteExecutor::restart(Actors, int32_t branch) {
  std::string error;
  if (!cluster_.restart_branch(branch, &error)) {
    return fail(
        fmt::format("restarting {} failed: {}", cluster_.layout()->actor_name(branch), error));
  }
  // A fresh channel: the old one saw its peer die and may be waiting out a reconnect backoff.
  branches_[static_cast<size_t>(branch)] = client(branch);
  return true;
}

}  // namespace banksim
