#include "grpc/driver_node.h"

#include <cassert>

#include <fmt/format.h>

#include "grpc/message_guard.h"
#include "grpc/wire_convert.h"
#include "protocol/codec.h"

namespace banksim {

class DriverNode::Service final : public wire::DriverService::Service {
 public:
  explicit Service(DriverNode* node) : node_(node) {}
  grpc::Status Deliver(grpc::ServerContext*, const wire::Packet* p, wire::DeliverReply*) override {
    return node_->on_deliver(*p);
  }
  grpc::Status Report(grpc::ServerContext*, const wire::StepEffects* s, wire::Empty*) override {
    return node_->on_report(*s);
  }
  grpc::Status Fault(grpc::ServerContext*, const wire::FaultReport* f, wire::Empty*) override {
    node_->on_fault(f->message());
    return grpc::Status::OK;
  }

 private:
  DriverNode* node_;
};

DriverNode::DriverNode(std::shared_ptr<const BankLayout> layout, DriverNodeOptions options)
    : layout_(std::move(layout)),
      options_(options),
      service_(std::make_unique<Service>(this)),
      start_(std::chrono::steady_clock::now()),
      last_progress_(start_) {
  customers_.reserve(static_cast<size_t>(layout_->customer_count()));
  for (int32_t c = 0; c < layout_->customer_count(); ++c) {
    customers_.emplace_back(c, layout_->branch_count(), layout_->events[static_cast<size_t>(c)]);
  }
}

DriverNode::~DriverNode() {
  shutdown();
}

bool DriverNode::start(const std::string& address, int* port, std::string* error) {
  assert(server_ == nullptr);
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || *port == 0) {
    server_.reset();
    *error = fmt::format("driver: cannot listen on {}", address);
    return false;
  }
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
  for (auto& o : outboxes) o->stop();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  }
}

int64_t DriverNode::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

int64_t DriverNode::elapsed_us() const {
  return now_us();
}

bool DriverNode::is_write_traffic(const Message& m) {
  switch (m.kind) {
    case MessageKind::kRequest:
    case MessageKind::kReply:
      return is_write(m.iface);
    case MessageKind::kPropagate:
    case MessageKind::kAck:
      return true;
  }
  return true;
}

void DriverNode::start_customers(const std::vector<std::string>& branch_addresses) {
  assert(branch_addresses.size() == static_cast<size_t>(layout_->branch_count()));
  std::lock_guard lock(mu_);
  assert(!started_);
  started_ = true;
  const auto on_fault = [this](const std::string& m) { this->on_fault(m); };
  for (int32_t b = 0; b < layout_->branch_count(); ++b) {
    const std::string& address = branch_addresses[static_cast<size_t>(b)];
    auto stub = std::shared_ptr<wire::BranchService::Stub>(
        wire::BranchService::NewStub(make_channel(address)));
    outboxes_.push_back(std::make_unique<Outbox>(
        fmt::format("{} at {}", layout_->actor_name(b), address),
        [stub](grpc::ClientContext* ctx, const wire::Packet& p) {
          wire::DeliverReply r;
          return stub->Deliver(ctx, p, &r);
        },
        options_.rpc_timeout_ms, on_fault));
  }
  start_ = std::chrono::steady_clock::now();
  last_progress_ = start_;
  // Every customer starts under one lock: the quiescent-query gate sees all first events.
  effects_.clear();
  for (Customer& c : customers_) c.start(effects_);
  record_locked(effects_.observations());
  for (const Message& m : effects_.sends()) route_locked(m);
  pump_gate_locked();
  cv_.notify_all();
}

void DriverNode::record_locked(const std::vector<Observation>& obs) {
  const int64_t t = now_us();
  for (const Observation& o : obs) observations_.push_back(TimedObservation{t, o});
}

void DriverNode::route_locked(const Message& m) {
  sent_ += 1;
  in_flight_ += 1;
  if (is_write_traffic(m)) write_traffic_ += 1;
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
  outboxes_[static_cast<size_t>(m.to)]->push(std::move(bytes), describe_message(m, *layout_));
}

void DriverNode::pump_gate_locked() {
  if (!options_.quiescent_queries) return;
  if (write_traffic_ == 0 && !parked_queries_.empty()) {
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
  return check_customer_message(*layout_, c, m);
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
  if (const std::string why = check_reply_locked(*m); !why.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "driver rejected a message: " + why);
  }
  delivered_ += 1;
  in_flight_ -= 1;
  if (is_write_traffic(*m)) write_traffic_ -= 1;
  effects_.clear();
  customers_[static_cast<size_t>(m->to - layout_->branch_count())].on_message(*m, effects_);
  record_locked(effects_.observations());
  for (const Message& s : effects_.sends()) route_locked(s);
  last_progress_ = std::chrono::steady_clock::now();
  if (in_flight_ < 0 || write_traffic_ < 0) {
    fault_ = fault_.value_or("driver: message accounting went negative (a duplicate reply?)");
  }
  pump_gate_locked();
  cv_.notify_all();
  return grpc::Status::OK;
}

grpc::Status DriverNode::on_report(const wire::StepEffects& s) {
  std::string error;
  auto step = decode_step(s, *layout_, &error);
  std::lock_guard lock(mu_);
  if (!step) {
    fault_ = fault_.value_or("driver: malformed step report: " + error);
    cv_.notify_all();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error);
  }
  if (shut_down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "driver is shutting down");
  delivered_ += 1;
  in_flight_ -= 1;
  const Message& d = step->delivered;
  if (is_write_traffic(d)) write_traffic_ -= 1;
  if (options_.quiescent_queries && d.kind == MessageKind::kRequest &&
      d.iface == Interface::kQuery) {
    released_queries_ -= 1;
  }
  record_locked(step->observations);
  for (const Message& m : step->sends) {
    sent_ += 1;
    in_flight_ += 1;
    if (is_write_traffic(m)) write_traffic_ += 1;
  }
  last_progress_ = std::chrono::steady_clock::now();
  if (in_flight_ < 0 || write_traffic_ < 0 || released_queries_ < 0) {
    fault_ =
        fault_.value_or(fmt::format("driver: message accounting went negative after step {} of {}",
                                    s.step(), layout_->actor_name(s.branch())));
  }
  pump_gate_locked();
  cv_.notify_all();
  return grpc::Status::OK;
}

void DriverNode::on_fault(const std::string& message) {
  {
    std::lock_guard lock(mu_);
    if (!fault_) fault_ = message;
  }
  cv_.notify_all();
}

std::string DriverNode::stall_text_locked(int64_t idle_ms) const {
  std::string out =
      fmt::format("no progress for {} ms with {} message(s) in flight", idle_ms, in_flight_);
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
                                        const std::function<std::optional<std::string>()>& cancel) {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(20));
      if (fault_) return WaitResult{Outcome::kFault, *fault_};
      if (started_ && in_flight_ == 0) return WaitResult{Outcome::kQuiescent, {}};
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

uint64_t DriverNode::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

}  // namespace banksim
