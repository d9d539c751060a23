#include "orchestration/remote_executor.h"

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
  auto step = decode_step(reply.effects(), layout, &error);
  if (!step || !step->delivered.same_wire(m) || reply.effects().branch() != m.to) {
    return fail(fmt::format("step {} (message {}): {} returned a bad step{}{}", d.step,
                            d.message_id, layout.actor_name(m.to), error.empty() ? "" : ": ",
                            error));
  }
  for (const Message& s : step->sends) out.send(s);
  for (const Observation& o : step->observations) out.observe(o);
  return true;
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

bool RemoteExecutor::crash(Actors, int32_t branch, Money* lost) {
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
  cluster_.kill_branch(branch);
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
