#include "grpc/branch_node.h"

#include <cassert>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "grpc/batch_reader.h"

#include "grpc/wire_convert.h"
#include "protocol/codec.h"

namespace banksim {

class BranchNode::Service final
    : public wire::BranchService::WithCallbackMethod_Stream<wire::BranchService::Service> {
 public:
  explicit Service(BranchNode* node) : node_(node) {}
  grpc::Status Configure(grpc::ServerContext*, const wire::Configuration* c,
                         wire::ConfigureReply*) override {
    return node_->on_configure(*c);
  }
  grpc::Status Deliver(grpc::ServerContext*, const wire::Packet* p,
                       wire::DeliverReply* reply) override {
    return node_->on_deliver(*p, reply);
  }
  grpc::Status Status(grpc::ServerContext*, const wire::StatusRequest*,
                      wire::BranchStatus* out) override {
    return node_->on_status(out);
  }
  grpc::ServerReadReactor<wire::Batch>* Stream(grpc::CallbackServerContext*,
                                               wire::Empty*) override {
    return new BatchReader([node = node_](const wire::Batch& b) { return node->on_batch(b); });
  }

 private:
  BranchNode* node_;
};

namespace {
BranchConfig branch_config(const BankLayout& l, int32_t self) {
  return BranchConfig{.protocol = l.protocol,
                      .self = self,
                      .branch_count = l.branch_count(),
                      .customer_count = l.customer_count()};
}
}  // namespace

BranchNode::BranchNode(std::shared_ptr<const BankLayout> layout, int32_t self)
    : layout_(std::move(layout)),
      self_(self),
      service_(std::make_unique<Service>(this)),
      branch_(branch_config(*layout_, self), layout_->balances.at(static_cast<size_t>(self))),
      guard_(layout_.get(), self) {}

BranchNode::~BranchNode() {
  shutdown();
}

bool BranchNode::start(const std::string& address, int* port, std::string* error) {
  assert(server_ == nullptr);
  grpc::ServerBuilder builder;
  // A fixed port must not be shared silently with another process (gRPC's default allows it).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || *port == 0) {
    server_.reset();
    *error = fmt::format("{}: cannot listen on {}", name(), address);
    return false;
  }
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
  for (auto& o : outboxes) {
    if (o != nullptr) o->stop();
  }
  // Link streams never end by themselves: cancel them now rather than waiting for them.
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
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
  config_ = c;
  if (!c.conducted) {
    auto driver_channel = make_channel(c.driver);
    driver_ = wire::DriverService::NewStub(driver_channel);
    const auto on_fault = [this](const std::string& m) { fault(m); };
    outboxes_.resize(static_cast<size_t>(layout_->branch_count()) + 1);
    for (int32_t b = 0; b < layout_->branch_count(); ++b) {
      if (b == self_) continue;
      auto stub = std::shared_ptr<wire::BranchService::Stub>(
          wire::BranchService::NewStub(make_channel(c.peers[static_cast<size_t>(b)])));
      outboxes_[static_cast<size_t>(b)] = std::make_unique<Outbox>(
          fmt::format("{} at {}", layout_->actor_name(b), c.peers[static_cast<size_t>(b)]),
          [stub](grpc::ClientContext* ctx, wire::Empty* e, Outbox::Reactor* r) {
            stub->async()->Stream(ctx, e, r);
          },
          on_fault);
    }
    auto stub =
        std::shared_ptr<wire::DriverService::Stub>(wire::DriverService::NewStub(driver_channel));
    outboxes_.back() = std::make_unique<Outbox>(
        fmt::format("the driver at {}", c.driver),
        [stub](grpc::ClientContext* ctx, wire::Empty* e, Outbox::Reactor* r) {
          stub->async()->Stream(ctx, e, r);
        },
        on_fault);
  }
  configured_ = true;
  return true;
}

grpc::Status BranchNode::on_configure(const wire::Configuration& c) {
  std::string error;
  if (!configure(from_proto(c, layout_->branch_count()), &error)) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, error);
  }
  return grpc::Status::OK;
}

grpc::Status BranchNode::on_status(wire::BranchStatus* out) {
  std::lock_guard lock(mu_);
  out->set_branch(self_);
  out->set_balance(branch_.balance());
  out->set_held_requests(branch_.held_requests());
  out->set_steps(steps_);
  return grpc::Status::OK;
}

grpc::Status BranchNode::on_deliver(const wire::Packet& p, wire::DeliverReply* reply) {
  std::lock_guard lock(mu_);
  return step_locked(p.envelope(), reply);
}

grpc::Status BranchNode::on_batch(const wire::Batch& b) {
  std::lock_guard lock(mu_);
  if (b.reports_size() > 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        name() + " rejected a batch: step reports go to the driver");
  }
  if (config_.conducted) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        name() + " is conducted: messages come one at a time from the conductor");
  }
  for (const std::string& e : b.envelopes()) {
    const grpc::Status s = step_locked(e, nullptr);
    if (!s.ok()) return s;
  }
  return grpc::Status::OK;
}

grpc::Status BranchNode::step_locked(const std::string& envelope, wire::DeliverReply* reply) {
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
  if (const std::string why = guard_.check(*m, branch_); !why.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        fmt::format("{} rejected a message: {}", name(), why));
  }
  effects_.clear();
  branch_.on_message(*m, effects_);
  guard_.record(*m, effects_);
  steps_ += 1;
  if (config_.conducted) {
    if (reply != nullptr) to_proto(self_, steps_, envelope, effects_, reply->mutable_effects());
    return grpc::Status::OK;
  }
  // Report first, on the driver's link, so the report precedes this step's replies there.
  to_proto(self_, steps_, envelope, effects_, &report_);
  Outbox* driver_box = outboxes_.back().get();
  assert(driver_box != nullptr);
  driver_box->push_report(report_);
  for (int i = 0; i < report_.sends_size(); ++i) {
    const Message& s = effects_.sends()[static_cast<size_t>(i)];
    const size_t box = layout_->is_branch(s.to) ? static_cast<size_t>(s.to) : outboxes_.size() - 1;
    assert(outboxes_[box] != nullptr);
    outboxes_[box]->push(report_.sends(i));
  }
  return grpc::Status::OK;
}

}  // namespace banksim
