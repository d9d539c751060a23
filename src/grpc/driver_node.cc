#include "grpc/driver_node.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "grpc/wire_convert.h"
#include "protocol/codec.h"

namespace banksim {

// Every method on the engine's thread (see link_engine.h).
void DriverNode::listen() {
  using Service = wire::DriverService::AsyncService;
  Service* svc = &service_;
  LinkEngine* e = &engine_;
  UnaryMethod<wire::Packet, wire::DeliverReply>::listen(
      e, svc, &Service::RequestDeliver,
      [this](const wire::Packet& p, wire::DeliverReply*) { return on_deliver(p); });
  UnaryMethod<wire::FaultReport, wire::Empty>::listen(
      e, svc, &Service::RequestFault, [this](const wire::FaultReport& f, wire::Empty*) {
        on_fault(f.message());
        return grpc::Status::OK;
      });
  UnaryMethod<wire::Batch, wire::Empty>::listen(
      e, svc, &Service::RequestReport,
      [this](const wire::Batch& b, wire::Empty*) { return on_report(b); });
  InboundStreams::listen(e, svc, &Service::RequestStream,
                         [this](const wire::Batch& b) { return on_batch(b); });
}

DriverNode::DriverNode(std::shared_ptr<const BankLayout> layout, DriverNodeOptions options)
    : layout_(std::move(layout)),
      options_(options),
      start_(std::chrono::steady_clock::now()),
      last_progress_(start_),
      timers_(options.retransmit_ms) {
  received_.resize(static_cast<size_t>(layout_->branch_count()));
  next_step_.assign(static_cast<size_t>(layout_->branch_count()), 1);
  issued_us_.assign(static_cast<size_t>(layout_->customer_count()), 0);
  customers_.reserve(static_cast<size_t>(layout_->customer_count()));
  for (int32_t c = 0; c < layout_->customer_count(); ++c) {
    customers_.emplace_back(c, layout_->branch_count(), layout_->events[static_cast<size_t>(c)],
                            /*retransmit=*/options_.robust);
  }
}

DriverNode::~DriverNode() {
  shutdown();
}

bool DriverNode::start(const std::string& address, int* port, std::string* error) {
  assert(server_ == nullptr);
  server_ = engine_.serve(address, &service_, port);
  if (server_ == nullptr) {
    *error = fmt::format("driver: cannot listen on {}", address);
    return false;
  }
  listen();
  engine_.run();
  return true;
}

void DriverNode::shutdown() {
  std::vector<std::unique_ptr<Outbox>> outboxes;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    outboxes.swap(outboxes_);
  }
  cv_.notify_all();
  timers_.wake();
  if (timer_.joinable()) timer_.join();
  for (auto& o : outboxes) o->stop();
  // The branches' streams never end by themselves: cancel them now.
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  engine_.stop();
}

int64_t DriverNode::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

int64_t DriverNode::elapsed_us() const {
  return now_us();
}

DriverNode::MessageKey DriverNode::key_of(const Message& m) {
  return MessageKey{static_cast<int32_t>(m.kind), m.from, m.to, m.customer, m.event};
}

void DriverNode::start_customers(const std::vector<std::string>& branch_addresses) {
  assert(branch_addresses.size() == static_cast<size_t>(layout_->branch_count()));
  std::lock_guard lock(mu_);
  assert(!started_);
  started_ = true;
  const auto on_fault = [this](const std::string& m) { this->on_fault(m); };
  for (int32_t b = 0; b < layout_->branch_count(); ++b) {
    const std::string& address = branch_addresses[static_cast<size_t>(b)];
    outboxes_.push_back(
        std::make_unique<Outbox>(fmt::format("{} at {}", layout_->actor_name(b), address), &engine_,
                                 link_stream<wire::BranchService>(address), on_fault,
                                 /*reconnect=*/options_.robust));
  }
  if (options_.robust) {
    timer_ = std::thread([this] {
      try {
        timer_loop();
      } catch (const std::exception& e) {
        exit_on_thread_failure(e);
      }
    });
  }
  start_ = std::chrono::steady_clock::now();
  last_progress_ = start_;
  // Every customer starts under one lock: the quiescent-query gate sees all first events.
  effects_.clear();
  for (Customer& c : customers_) c.start(effects_);
  record_locked(effects_.observations());
  timers_.apply(effects_.timers());
  for (const Message& m : effects_.sends()) route_locked(m);
  pump_gate_locked();
  flush_locked();
  cv_.notify_all();
}

void DriverNode::record_locked(const std::vector<Observation>& obs) {
  const int64_t t = now_us();
  for (const Observation& o : obs) observations_.push_back(TimedObservation{t, o});
}

void DriverNode::route_locked(const Message& m) {
  sent_ += 1;
  if (options_.robust) {  // repeats are expected: no in-flight accounting (see the header)
    if (m.kind == MessageKind::kRequest) {
      issued_us_[static_cast<size_t>(m.customer)] = now_us();
    }
    send_locked(m);
    return;
  }
  if (!in_flight_.emplace(key_of(m), m).second) {
    set_fault_locked(fmt::format("driver: customer {} sent {} twice", layout_->actor_name(m.from),
                                 describe_message(m, *layout_)));
  }
  gate_.sent(m);
  if (m.kind == MessageKind::kRequest) {
    issued_us_[static_cast<size_t>(m.customer)] = now_us();
  }
  if (options_.quiescent_queries) {
    if (m.iface == Interface::kQuery) {
      parked_queries_.push_back(m);
      return;
    }
    if (released_queries_ > 0) {
      parked_writes_.push_back(m);
      return;
    }
  }
  send_locked(m);
}

void DriverNode::send_locked(const Message& m) {
  assert(layout_->is_branch(m.to));
  if (outboxes_.empty()) return;  // shut down
  std::string bytes;
  encode_message(m, &bytes);
  outboxes_[static_cast<size_t>(m.to)]->push(std::move(bytes));
}

void DriverNode::pump_gate_locked() {
  if (!options_.quiescent_queries) return;
  if (!parked_queries_.empty() && !gate_.holds(parked_queries_.front())) {
    for (const Message& q : parked_queries_) {
      released_queries_ += 1;
      send_locked(q);
    }
    parked_queries_.clear();
  }
  if (released_queries_ == 0 && !parked_writes_.empty()) {
    for (const Message& w : parked_writes_) send_locked(w);
    parked_writes_.clear();
  }
}

std::string DriverNode::check_reply_locked(const Message& m) const {
  if (!layout_->is_customer(m.to)) {
    return fmt::format("message for {} delivered to the driver, which hosts only customers",
                       layout_->actor_name(m.to));
  }
  const Customer& c = customers_[static_cast<size_t>(m.to - layout_->branch_count())];
  return c.refuse(m, *layout_).value_or("");
}

void DriverNode::flush_locked() {
  for (auto& o : outboxes_) o->flush();
}

void DriverNode::set_fault_locked(const std::string& message) {
  if (!fault_) fault_ = message;
  cv_.notify_all();
}

std::string DriverNode::receive_step_locked(ReceivedStep step) {
  const size_t b = static_cast<size_t>(step.branch);
  if (step.step < next_step_[b] || received_[b].contains(step.step)) {
    return fmt::format("step {} of {} reported twice", step.step, layout_->actor_name(step.branch));
  }
  if (received_[b].size() >= kOutboxMax) {
    return fmt::format("more than {} steps of {} waiting for their causes", kOutboxMax,
                       layout_->actor_name(step.branch));
  }
  const uint64_t n = step.step;
  received_[b].emplace(n, std::move(step));
  return {};
}

std::string DriverNode::receive_reply_locked(const Message& m, bool on_stream) {
  if (const std::string why = check_reply_locked(m); !why.empty()) return why;
  const auto it = in_flight_.find(key_of(m));
  if (it != in_flight_.end()) {
    if (!it->second.same_wire(m)) {
      return fmt::format("{} differs from the message its step sent",
                         describe_message(m, *layout_));
    }
    waiting_replies_.push_back(m);
    return {};
  }
  // Not sent by a taken step; on a stream, the step that sent it may still be waiting.
  if (on_stream && layout_->is_branch(m.from)) {
    for (const auto& [n, s] : received_[static_cast<size_t>(m.from)]) {
      for (const Message& sent : s.effects.sends) {
        if (sent.same_wire(m)) {
          waiting_replies_.push_back(m);
          return {};
        }
      }
    }
  }
  return fmt::format("{} was not sent by any reported step", describe_message(m, *layout_));
}

bool DriverNode::step_ready_locked(const ReceivedStep& s) {
  const Message& d = s.effects.delivered;
  const auto it = in_flight_.find(key_of(d));
  if (it == in_flight_.end()) return false;  // its sender's step is not taken yet
  if (!it->second.same_wire(d)) {
    set_fault_locked(
        fmt::format("driver: step {} of {} consumed {}, which differs from the "
                    "message that was sent",
                    s.step, layout_->actor_name(s.branch), describe_message(d, *layout_)));
    return false;
  }
  if (d.to != s.branch) {
    set_fault_locked(fmt::format("driver: step {} of {} consumed a message for {}", s.step,
                                 layout_->actor_name(s.branch), layout_->actor_name(d.to)));
    return false;
  }
  return true;
}

void DriverNode::take_step_locked(const ReceivedStep& s) {
  const Message& d = s.effects.delivered;
  in_flight_.erase(key_of(d));
  delivered_ += 1;
  gate_.consumed(d);
  if (options_.quiescent_queries && d.kind == MessageKind::kRequest &&
      d.iface == Interface::kQuery) {
    released_queries_ -= 1;
  }
  record_locked(s.effects.observations);
  for (const Message& m : s.effects.sends) {
    sent_ += 1;
    if (!in_flight_.emplace(key_of(m), m).second) {
      set_fault_locked(fmt::format("driver: step {} of {} sent {} a second time", s.step,
                                   layout_->actor_name(s.branch), describe_message(m, *layout_)));
    }
    gate_.sent(m);
  }
  if (gate_.write_traffic() < 0 || released_queries_ < 0) {
    set_fault_locked(fmt::format("driver: message accounting went negative after step {} of {}",
                                 s.step, layout_->actor_name(s.branch)));
  }
}

void DriverNode::take_reply_locked(const Message& m) {
  in_flight_.erase(key_of(m));
  delivered_ += 1;
  gate_.consumed(m);
  const size_t c = static_cast<size_t>(m.to - layout_->branch_count());
  latencies_us_.push_back(now_us() - issued_us_[c]);
  effects_.clear();
  customers_[c].on_message(m, effects_);
  record_locked(effects_.observations());
  for (const Message& s : effects_.sends()) route_locked(s);
  if (gate_.write_traffic() < 0) {
    set_fault_locked("driver: message accounting went negative (a duplicate reply?)");
  }
}

void DriverNode::advance_locked() {
  bool progress = true;
  bool any = false;
  while (progress && !fault_) {
    progress = false;
    for (size_t b = 0; b < received_.size(); ++b) {
      auto& steps = received_[b];
      for (auto it = steps.find(next_step_[b]); it != steps.end() && step_ready_locked(it->second);
           it = steps.find(next_step_[b])) {
        take_step_locked(it->second);
        steps.erase(it);
        next_step_[b] += 1;
        progress = true;
      }
    }
    size_t kept = 0;
    for (size_t i = 0; i < waiting_replies_.size(); ++i) {
      if (in_flight_.contains(key_of(waiting_replies_[i]))) {
        take_reply_locked(waiting_replies_[i]);
        progress = true;
      } else {
        waiting_replies_[kept++] = waiting_replies_[i];
      }
    }
    waiting_replies_.resize(kept);
    any = any || progress;
  }
  if (any) {
    last_progress_ = std::chrono::steady_clock::now();
    pump_gate_locked();
  }
  flush_locked();
  // wait() needs waking only for quiescence (faults wake it themselves; stalls it polls).
  if (in_flight_.empty()) cv_.notify_all();
}

grpc::Status DriverNode::on_deliver(const wire::Packet& p) {
  const auto m = decode_message(p.envelope());
  if (!m) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        fmt::format("driver rejected a message: {} bytes that do not parse as a "
                                    "banksim.wire.Envelope",
                                    p.envelope().size()));
  }
  std::lock_guard lock(mu_);
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "driver is shutting down");
  if (!started_) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "driver not started");
  if (const std::string why = receive_reply_locked(*m, /*on_stream=*/false); !why.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "driver rejected a message: " + why);
  }
  advance_locked();
  return grpc::Status::OK;
}

grpc::Status DriverNode::on_batch(const wire::Batch& b) {
  // Decode outside the lock: the other branches' streams keep going meanwhile.
  std::string error;
  std::vector<ReceivedStep> steps;
  steps.reserve(static_cast<size_t>(b.reports_size()));
  for (const wire::StepEffects& s : b.reports()) {
    auto step = decode_step(s, *layout_, &error);
    if (!step) break;
    if (!options_.robust && (step->fired || !step->timers.empty())) {
      // Timers run only under a conductor (replay); a free run has none (robust is refused).
      error = fmt::format("step {} of {}: a timer step or timer in a free-running report", s.step(),
                          layout_->actor_name(s.branch()));
      break;
    }
    steps.push_back(ReceivedStep{s.branch(), s.step(), std::move(*step)});
  }
  std::vector<Message> replies;
  replies.reserve(static_cast<size_t>(b.envelopes_size()));
  if (error.empty()) {
    for (const std::string& e : b.envelopes()) {
      auto m = decode_message(e);
      if (!m) {
        error = fmt::format("{} bytes that do not parse as a banksim.wire.Envelope", e.size());
        break;
      }
      replies.push_back(*m);
    }
  }
  std::lock_guard lock(mu_);
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "driver is shutting down");
  if (!started_) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "driver not started");
  for (ReceivedStep& s : steps) {
    if (!error.empty()) break;
    error = options_.robust ? take_report_locked(std::move(s)) : receive_step_locked(std::move(s));
  }
  for (const Message& m : replies) {
    if (!error.empty()) break;
    if (options_.robust) {
      if (!layout_->is_customer(m.to)) {
        error = check_reply_locked(m);
        break;
      }
      const Customer& c = customers_[static_cast<size_t>(m.to - layout_->branch_count())];
      if (auto why = c.refuse(m, *layout_, /*repeats_possible=*/true)) {
        error = *why;
        break;
      }
      take_reply_robust_locked(m);
      continue;
    }
    error = receive_reply_locked(m, /*on_stream=*/true);
  }
  if (!error.empty()) {
    set_fault_locked("driver rejected a branch's stream: " + error);
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "driver rejected a message: " + error);
  }
  if (!options_.robust) advance_locked();  // robust: taken above
  return grpc::Status::OK;
}

grpc::Status DriverNode::on_report(const wire::Batch& b) {
  std::string error;
  if (!options_.robust) {
    error = "step reports on the Report RPC (only robust branches report there)";
  } else if (b.envelopes_size() > 0) {
    error = "envelopes on the Report RPC (it carries step reports only)";
  }
  std::vector<ReceivedStep> steps;
  for (const wire::StepEffects& s : b.reports()) {
    if (!error.empty()) break;
    auto step = decode_step(s, *layout_, &error);
    if (step) steps.push_back(ReceivedStep{s.branch(), s.step(), std::move(*step)});
  }
  std::lock_guard lock(mu_);
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "driver is shutting down");
  if (!started_) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "driver not started");
  for (ReceivedStep& s : steps) {
    if (!error.empty()) break;
    error = take_report_locked(std::move(s));
  }
  if (!error.empty()) {
    set_fault_locked("driver rejected a branch's report: " + error);
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "driver rejected a report: " + error);
  }
  return grpc::Status::OK;
}

std::string DriverNode::take_report_locked(ReceivedStep step) {
  const size_t b = static_cast<size_t>(step.branch);
  if (step.step < next_step_[b] || received_[b].contains(step.step)) {
    repeated_reports_ += 1;  // sent again by a restarted branch: taken already
    return {};
  }
  if (std::string why = receive_step_locked(std::move(step)); !why.empty()) return why;
  bool any = false;
  for (auto it = received_[b].find(next_step_[b]); it != received_[b].end();
       it = received_[b].find(next_step_[b])) {
    record_locked(it->second.effects.observations);
    received_[b].erase(it);
    next_step_[b] += 1;
    any = true;
  }
  if (any) last_progress_ = std::chrono::steady_clock::now();
  return {};
}

void DriverNode::take_reply_robust_locked(const Message& m) {
  delivered_ += 1;
  const size_t c = static_cast<size_t>(m.to - layout_->branch_count());
  effects_.clear();
  customers_[c].on_message(m, effects_);
  if (effects_.observations().empty()) return;  // a repeat: the customer took the first one
  latencies_us_.push_back(now_us() - issued_us_[c]);
  last_progress_ = std::chrono::steady_clock::now();
  record_locked(effects_.observations());
  timers_.apply(effects_.timers());
  for (const Message& s : effects_.sends()) route_locked(s);
  flush_locked();
  if (latencies_us_.size() == watch_answered_ || customers_[c].done()) cv_.notify_all();
}

void DriverNode::timer_loop() {
  std::unique_lock lock(mu_);
  timers_.run(
      lock, [&] { return shut_down_; },
      [&](const std::vector<TimerKey>& due) {
        for (const TimerKey& k : due) {
          effects_.clear();
          customers_[static_cast<size_t>(k.customer)].on_timer(k, effects_);
          retransmissions_ += effects_.sends().size();
          timers_.apply(effects_.timers());
          for (const Message& m : effects_.sends()) route_locked(m);
        }
        flush_locked();
      });
}

uint64_t DriverNode::answered() const {
  std::lock_guard lock(mu_);
  return latencies_us_.size();
}

void DriverNode::watch_answered(uint64_t n) {
  std::lock_guard lock(mu_);
  watch_answered_ = n;
}

void DriverNode::note_progress() {
  std::lock_guard lock(mu_);
  last_progress_ = std::chrono::steady_clock::now();
}

uint64_t DriverNode::repeated_reports() const {
  std::lock_guard lock(mu_);
  return repeated_reports_;
}

uint64_t DriverNode::reports_taken(int32_t b) const {
  std::lock_guard lock(mu_);
  return next_step_[static_cast<size_t>(b)] - 1;
}

uint64_t DriverNode::retransmissions() const {
  std::lock_guard lock(mu_);
  return retransmissions_;
}

void DriverNode::on_fault(const std::string& message) {
  std::lock_guard lock(mu_);
  set_fault_locked(message);
}

std::string DriverNode::stall_text_locked(int64_t idle_ms) const {
  // Robust counts nothing in flight (see the header).
  std::string out = options_.robust
                        ? fmt::format("no progress for {} ms", idle_ms)
                        : fmt::format("no progress for {} ms with {} message(s) in flight", idle_ms,
                                      in_flight_.size());
  int listed = 0;
  for (size_t c = 0; c < customers_.size(); ++c) {
    if (!customers_[c].waiting()) continue;
    const Event& e = layout_->events[c][static_cast<size_t>(customers_[c].next_event())];
    if (listed == 0) out += "; unanswered:";
    if (listed == 3) {
      out += " ...";
      break;
    }
    out += fmt::format(" customer {} event {} at {};", layout_->customer_ids[c], e.id,
                       layout_->actor_name(e.branch));
    ++listed;
  }
  if (!out.empty() && out.back() == ';') out.pop_back();
  return out;
}

DriverNode::WaitResult DriverNode::wait(int64_t idle_timeout_ms,
                                        const std::function<std::optional<std::string>()>& cancel,
                                        const std::function<bool()>& settled) {
  for (;;) {
    bool check_settled = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(20));
      if (fault_) return WaitResult{Outcome::kFault, *fault_};
      if (options_.robust) {
        check_settled = started_ && std::all_of(customers_.begin(), customers_.end(),
                                                [](const Customer& c) { return c.done(); });
        for (const auto& q : received_) check_settled = check_settled && q.empty();
      } else if (started_ && in_flight_.empty()) {
        // Nothing in flight, so a step or reply still waiting consumed or is a message that
        // no step sent (see the header): it will never be taken.
        size_t waiting = waiting_replies_.size();
        for (const auto& q : received_) waiting += q.size();
        if (waiting > 0) {
          return WaitResult{Outcome::kFault,
                            fmt::format("driver: {} reported step(s) or replies consumed or "
                                        "are messages that no step sent",
                                        waiting)};
        }
        return WaitResult{Outcome::kQuiescent, {}};
      }
      const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - last_progress_)
                            .count();
      if (idle >= idle_timeout_ms) {
        return WaitResult{Outcome::kStalled, stall_text_locked(idle)};
      }
    }
    if (cancel) {
      if (auto why = cancel()) return WaitResult{Outcome::kCancelled, *why};
    }
    if (check_settled && (!settled || settled())) return WaitResult{Outcome::kQuiescent, {}};
  }
}

std::vector<TimedObservation> DriverNode::observations() const {
  std::lock_guard lock(mu_);
  return observations_;
}

uint64_t DriverNode::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

std::vector<int64_t> DriverNode::latencies_us() const {
  std::lock_guard lock(mu_);
  return latencies_us_;
}

uint64_t DriverNode::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

}  // namespace banksim
