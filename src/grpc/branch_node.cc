#include "grpc/branch_node.h"

#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "grpc/wire_convert.h"
#include "protocol/codec.h"

namespace banksim {

// Every method on the engine's thread (see link_engine.h).
void BranchNode::listen() {
  using Service = wire::BranchService::AsyncService;
  Service* svc = &service_;
  LinkEngine* e = &engine_;
  UnaryMethod<wire::Configuration, wire::ConfigureReply>::listen(
      e, svc, &Service::RequestConfigure,
      [this](const wire::Configuration& c, wire::ConfigureReply*) { return on_configure(c); });
  UnaryMethod<wire::Packet, wire::DeliverReply>::listen(
      e, svc, &Service::RequestDeliver,
      [this](const wire::Packet& p, wire::DeliverReply* reply) { return on_deliver(p, reply); });
  UnaryMethod<wire::StatusRequest, wire::BranchStatus>::listen(
      e, svc, &Service::RequestStatus,
      [this](const wire::StatusRequest&, wire::BranchStatus* out) { return on_status(out); });
  UnaryMethod<wire::Timer, wire::DeliverReply>::listen(
      e, svc, &Service::RequestFireTimer,
      [this](const wire::Timer& t, wire::DeliverReply* reply) { return on_fire_timer(t, reply); });
  InboundStreams::listen(e, svc, &Service::RequestStream,
                         [this](const wire::Batch& b) { return on_batch(b); });
}

namespace {
BranchConfig branch_config(const BankLayout& l, int32_t self) {
  return BranchConfig{.protocol = l.protocol,
                      .self = self,
                      .branch_count = l.branch_count(),
                      .customer_count = l.customer_count(),
                      .bank = &l};
}
}  // namespace

BranchNode::BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self)
    : layout_(std::move(layout)),
      self_(self),
      branch_(branch_config(*layout_, self), layout_->balances.at(static_cast<size_t>(self))) {}

BranchNode::BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self,
                       std::unique_ptr<DurableStore> store,
                       const std::optional<BranchDurable>& restored)
    : BranchNode(std::move(layout), self) {
  if (restored) branch_ = Branch(branch_config(*layout_, self_), *restored);
  store_ = std::move(store);
  if (store_ != nullptr) reported_ = store_->report().number;
}

BranchNode::~BranchNode() {
  shutdown();
}

bool BranchNode::start(const std::string& address, int* port, std::string* error) {
  assert(server_ == nullptr);
  server_ = engine_.serve(address, &service_, port);
  if (server_ == nullptr) {
    *error = fmt::format("{}: cannot listen on {}", name(), address);
    return false;
  }
  listen();
  engine_.run();
  return true;
}

void BranchNode::shutdown() {
  std::vector<std::unique_ptr<Outbox>> outboxes;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    outboxes.swap(outboxes_);
  }
  timer_cv_.notify_all();
  timers_.wake();
  if (timer_.joinable()) timer_.join();
  for (auto& o : outboxes) {
    if (o != nullptr) o->stop();
  }
  // Link streams never end by themselves: cancel them now rather than waiting for them.
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  engine_.stop();
}

void BranchNode::fault(const std::string& message) {
  const std::string text = fmt::format("{}: {}", name(), message);
  wire::DriverService::Stub* driver = nullptr;
  int64_t timeout_ms = kDefaultRpcTimeoutMs;
  {
    std::lock_guard lock(mu_);
    driver = driver_.get();
    timeout_ms = config_.rpc_timeout_ms;
  }
  if (driver != nullptr) {
    wire::FaultReport report;
    report.set_branch(self_);
    report.set_message(text);
    wire::Empty empty;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    if (driver->Fault(&ctx, report, &empty).ok()) return;
  }
  // Nobody to tell: leave a trace for whoever reads our stderr.
  std::fprintf(stderr, "banksim serve: %s\n", text.c_str());
}

bool BranchNode::configure(const NodeConfiguration& c, std::string* error) {
  std::lock_guard lock(mu_);
  if (shut_down_) {
    *error = fmt::format("{} is shutting down", name());
    return false;
  }
  if (configured_) {
    *error = fmt::format("{} is already configured", name());
    return false;
  }
  if (const std::string why = validate(c, *layout_, self_); !why.empty()) {
    *error = fmt::format("{}: bad configuration: {}", name(), why);
    return false;
  }
  if (!c.conducted) {
    const bool robust = layout_->protocol == ProtocolKind::kRobust;
    // Out of threads or memory here is an answer to the Configure call, not an abort.
    try {
      driver_ = wire::DriverService::NewStub(make_channel(c.driver));  // faults, with deadlines
      const auto on_fault = [this](const std::string& m) { fault(m); };
      outboxes_.resize(static_cast<size_t>(layout_->branch_count()) + 1);
      for (int32_t b = 0; b < layout_->branch_count(); ++b) {
        if (b == self_) continue;
        const std::string& peer = c.peers[static_cast<size_t>(b)];
        outboxes_[static_cast<size_t>(b)] =
            std::make_unique<Outbox>(fmt::format("{} at {}", layout_->actor_name(b), peer),
                                     &engine_, link_stream<wire::BranchService>(peer), on_fault,
                                     /*reconnect=*/robust);
      }
      outboxes_.back() = std::make_unique<Outbox>(
          fmt::format("the driver at {}", c.driver), &engine_,
          link_stream<wire::DriverService>(c.driver), on_fault, /*reconnect=*/robust);
      timer_ = std::thread([this, robust] {
        try {
          if (robust) {
            robust_timer_loop();
          } else {
            timer_loop();
          }
        } catch (const std::exception& e) {
          exit_on_thread_failure(e);
        }
      });
    } catch (const std::exception& e) {
      outboxes_.clear();  // none has opened its stream yet
      driver_.reset();
      *error = fmt::format("{}: out of resources while configuring: {}", name(), e.what());
      return false;
    }
  }
  config_ = c;
  timers_.set_delay_ms(c.retransmit_ms);
  configured_ = true;
  if (!c.conducted && layout_->protocol == ProtocolKind::kRobust) {
    robust_free_ = true;
    // Back from a crash: the last report again (the driver may not have it), and the timers
    // of the propagations still unacknowledged.
    if (store_ != nullptr && store_->report().number > 0) {
      wire::Batch last;
      if (!last.ParseFromString(store_->report().step) || !send_reports_locked(last)) {
        *error = fmt::format("{}: could not report its last saved step to the driver", name());
        return false;
      }
    }
    for (const Unacked& u : branch_.unacked()) {
      timers_.set(TimerKey{.kind = MessageKind::kPropagate,
                           .owner = self_,
                           .customer = u.customer,
                           .event = u.event,
                           .peer = u.peer});
    }
  }
  return true;
}

void BranchNode::robust_timer_loop() {
  std::unique_lock lock(mu_);
  timers_.run(
      lock, [&] { return shut_down_; },
      [&](const std::vector<TimerKey>& due) {
        for (const TimerKey& k : due) {
          effects_.clear();
          branch_.on_timer(k, effects_);  // not a delivery: steps_ counts those (Status)
          finish_robust_step_locked(std::string(), &k);
        }
        flush_locked(/*to_driver=*/false);
      });
}

bool BranchNode::send_reports_locked(const wire::Batch& reports) {
  wire::Empty empty;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(config_.rpc_timeout_ms));
  const grpc::Status s = driver_->Report(&ctx, reports, &empty);
  if (s.ok()) return true;
  // fault() takes mu_: from the side thread.
  engine_.post([this, m = fmt::format("could not report {} step(s) to the driver: {}",
                                      reports.reports_size(), status_text(s))] { fault(m); });
  return false;
}

void BranchNode::commit_group_locked() {
  if (store_ == nullptr) return;
  if (group_reports_.reports_size() > 0) {
    std::string error;
    if (!store_->save(branch_.durable(),
                      DurableReport{reported_, group_reports_.SerializeAsString()}, &error)) {
      std::fprintf(stderr, "banksim serve: %s: cannot write its durable state: %s; stopping\n",
                   name().c_str(), error.c_str());
      std::fflush(stderr);
      std::_Exit(kExitDurableWriteFailed);
    }
    const bool reported = send_reports_locked(group_reports_);
    group_reports_.Clear();
    if (!reported) {
      group_sends_.clear();  // the run has failed: nothing more goes out
      return;
    }
  } else {
    save_durable_locked();
  }
  for (auto& [box, bytes] : group_sends_) {
    if (box < outboxes_.size() && outboxes_[box] != nullptr) outboxes_[box]->push(std::move(bytes));
  }
  group_sends_.clear();
}

void BranchNode::finish_robust_step_locked(const std::string& delivered, const TimerKey* fired) {
  if (!effects_.observations().empty()) {
    reported_ += 1;
    wire::StepEffects report;
    to_proto(self_, reported_, delivered, effects_, &report, fired);
    if (store_ != nullptr) {
      *group_reports_.add_reports() = std::move(report);
    } else if (!outboxes_.empty()) {
      // Nothing survives a crash here anyway: the report rides ahead of the step's sends on
      // the driver's stream (a reply to the driver comes after it on the same stream).
      outboxes_.back()->push_report(std::move(report));
    }
  }
  timers_.apply(effects_.timers());
  std::string bytes;
  for (const Message& m : effects_.sends()) {
    const size_t box = layout_->is_branch(m.to) ? static_cast<size_t>(m.to) : outboxes_.size() - 1;
    if (outboxes_.empty() || outboxes_[box] == nullptr) continue;  // shut down
    bytes.clear();
    encode_message(m, &bytes);
    if (store_ != nullptr) {
      group_sends_.emplace_back(box, bytes);
    } else {
      outboxes_[box]->push(bytes);
    }
  }
  if (!grouping_) commit_group_locked();
}

void BranchNode::timer_loop() {
  std::unique_lock lock(mu_);
  while (!shut_down_) {
    if (held_reports_.empty()) {
      // Nothing to watch: sleep until something is held (hold_locked wakes us). A ticking
      // timer in every idle process of a 256-branch run kept 2 cores busy by itself.
      timer_idle_ = true;
      timer_cv_.wait(lock, [&] { return shut_down_ || !held_reports_.empty(); });
      timer_idle_ = false;
      continue;
    }
    timer_cv_.wait_for(lock, std::chrono::milliseconds(kReportHoldMs));
    if (shut_down_) return;
    // Reports held for a tick found no traffic to ride with: send them. (Measured from when
    // the oldest was held: under steady traffic the set is rarely empty, but it turns over.)
    if (!held_reports_.empty() && std::chrono::steady_clock::now() - held_since_ >=
                                      std::chrono::milliseconds(kReportHoldMs)) {
      flush_locked(/*to_driver=*/true);
    }
  }
}

void BranchNode::hold_locked(wire::StepEffects report) {
  if (held_reports_.empty()) {
    held_since_ = std::chrono::steady_clock::now();
    // At most one wake-up per tick under traffic: the timer is idle only after a tick
    // found nothing held.
    if (timer_idle_) timer_cv_.notify_one();
  }
  held_reports_.push_back(std::move(report));
}

void BranchNode::flush_locked(bool to_driver) {
  if (outboxes_.empty()) return;  // shut down
  if (!held_reports_.empty()) {
    Outbox* carrier = outboxes_.back().get();  // the driver
    if (!to_driver && !carrier->has_pending()) {
      carrier = nullptr;
      for (size_t b = 0; b + 1 < outboxes_.size(); ++b) {
        if (outboxes_[b] != nullptr && outboxes_[b]->has_pending()) {
          carrier = outboxes_[b].get();
          break;
        }
      }
    }
    if (carrier != nullptr) {
      for (wire::StepEffects& r : held_reports_) carrier->push_report(std::move(r));
      held_reports_.clear();
    }
  }
  for (auto& o : outboxes_) {
    if (o != nullptr) o->flush();
  }
}

grpc::Status BranchNode::on_configure(const wire::Configuration& c) {
  std::string error;
  if (!configure(from_proto(c, layout_->branch_count()), &error)) {
    const bool exhausted = error.find("out of resources") != std::string::npos;
    return grpc::Status(
        exhausted ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::FAILED_PRECONDITION,
        error);
  }
  return grpc::Status::OK;
}

grpc::Status BranchNode::on_status(wire::BranchStatus* out) {
  std::lock_guard lock(mu_);
  out->set_branch(self_);
  out->set_balance(branch_.balance());
  out->set_held_requests(branch_.held_requests());
  out->set_steps(steps_);
  out->set_buffered_delta(branch_.buffered_delta());
  out->set_unacked(static_cast<int32_t>(branch_.unacked().size()));
  out->set_reported(reported_);
  return grpc::Status::OK;
}

grpc::Status BranchNode::on_deliver(const wire::Packet& p, wire::DeliverReply* reply) {
  std::lock_guard lock(mu_);
  if (p.repeats_possible() && configured_ && !config_.conducted) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        name() +
                            " is not conducted: repeats_possible applies only to a "
                            "conductor's deliveries");
  }
  const grpc::Status s = step_locked(p.envelope(), reply, p.repeats_possible() || robust_free_);
  if (configured_ && !config_.conducted) flush_locked(/*to_driver=*/false);
  return s;
}

grpc::Status BranchNode::on_batch(const wire::Batch& b) {
  std::lock_guard lock(mu_);
  if (config_.conducted) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        name() + " is conducted: messages come one at a time from the conductor");
  }
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, name() + " is shutting down");
  if (held_reports_.size() + static_cast<size_t>(b.reports_size()) > kOutboxMax) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        fmt::format("{} holds more than {} step reports", name(), kOutboxMax));
  }
  // Other branches' reports, riding along: the driver checks them, this branch only carries.
  for (const wire::StepEffects& r : b.reports()) hold_locked(r);
  grpc::Status s = grpc::Status::OK;
  grouping_ = robust_free_ && store_ != nullptr;  // robust: one save for the batch's steps
  for (const std::string& e : b.envelopes()) {
    // Robust, free: retransmissions repeat messages (see the header).
    s = step_locked(e, nullptr, /*repeats_possible=*/robust_free_);
    if (!s.ok()) break;
  }
  if (grouping_) {
    grouping_ = false;
    commit_group_locked();
  }
  if (configured_) flush_locked(/*to_driver=*/false);
  return s;
}

void BranchNode::save_durable_locked() {
  if (store_ == nullptr) return;
  BranchDurable now = branch_.durable();
  std::string error;
  if (!(now == store_->saved()) && !store_->save(now, &error)) {
    std::fprintf(stderr, "banksim serve: %s: cannot write its durable state: %s; stopping\n",
                 name().c_str(), error.c_str());
    std::fflush(stderr);
    std::_Exit(kExitDurableWriteFailed);
  }
}

grpc::Status BranchNode::on_fire_timer(const wire::Timer& t, wire::DeliverReply* reply) {
  std::lock_guard lock(mu_);
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, name() + " is shutting down");
  if (!configured_ || !config_.conducted) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        name() + " is not conducted: its timers are fired only by a conductor");
  }
  if (layout_->protocol != ProtocolKind::kRobust) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        name() + " runs a protocol without timers");
  }
  const auto k = from_proto(t, *layout_);
  if (!k || k->owner != self_ || k->kind != MessageKind::kPropagate) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        name() + " rejected a timer: out of range or not one of its own");
  }
  effects_.clear();
  branch_.on_timer(*k, effects_);
  steps_ += 1;
  save_durable_locked();
  to_proto(self_, steps_, std::string(), effects_, reply->mutable_effects(), &*k);
  return grpc::Status::OK;
}

grpc::Status BranchNode::step_locked(const std::string& envelope, wire::DeliverReply* reply,
                                     bool repeats_possible) {
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, name() + " is shutting down");
  if (!configured_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, name() + " is not configured yet");
  }
  const auto m = decode_message(envelope);
  if (!m) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        fmt::format("{} rejected a message: {} bytes that do not parse as a banksim.wire.Envelope",
                    name(), envelope.size()));
  }
  if (const auto why = branch_.refuse(*m, repeats_possible)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        fmt::format("{} rejected a message: {}", name(), *why));
  }
  effects_.clear();
  branch_.on_message(*m, effects_);
  steps_ += 1;
  if (robust_free_) {
    finish_robust_step_locked(envelope, nullptr);
    return grpc::Status::OK;
  }
  save_durable_locked();  // before anything that depends on the step leaves this process
  if (config_.conducted) {
    if (reply != nullptr) to_proto(self_, steps_, envelope, effects_, reply->mutable_effects());
    return grpc::Status::OK;
  }
  wire::StepEffects report;
  to_proto(self_, steps_, envelope, effects_, &report);
  std::vector<std::pair<size_t, std::string>> sends;
  bool to_driver = false;
  for (int i = 0; i < report.sends_size(); ++i) {
    const Message& s = effects_.sends()[static_cast<size_t>(i)];
    const size_t box = layout_->is_branch(s.to) ? static_cast<size_t>(s.to) : outboxes_.size() - 1;
    assert(outboxes_[box] != nullptr);
    to_driver = to_driver || box == outboxes_.size() - 1;
    sends.emplace_back(box, report.sends(i));
  }
  hold_locked(std::move(report));
  if (to_driver) {
    // A reply must not leave before the report of the step that sent it (the driver
    // refuses a reply no reported step sent), and the driver's outbox may write at any
    // moment: queue every held report, this step's last, ahead of the reply now.
    Outbox* driver_box = outboxes_.back().get();
    for (wire::StepEffects& r : held_reports_) driver_box->push_report(std::move(r));
    held_reports_.clear();
  }
  for (auto& [box, bytes] : sends) outboxes_[box]->push(std::move(bytes));
  return grpc::Status::OK;
}

}  // namespace banksim
