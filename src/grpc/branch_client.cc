#include "grpc/branch_client.h"

#include <chrono>

#include <fmt/format.h>

#include "grpc/outbox.h"

namespace banksim {

BranchClient::BranchClient(std::string name, const std::string& address, int64_t rpc_timeout_ms)
    : name_(std::move(name)),
      rpc_timeout_ms_(rpc_timeout_ms),
      stub_(wire::BranchService::NewStub(make_channel(address))) {}

void BranchClient::arm(grpc::ClientContext* ctx) const {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(rpc_timeout_ms_));
}

bool BranchClient::configure(const NodeConfiguration& c, std::string* error) {
  wire::Configuration request;
  to_proto(c, &request);
  wire::ConfigureReply reply;
  grpc::ClientContext ctx;
  arm(&ctx);
  const grpc::Status s = stub_->Configure(&ctx, request, &reply);
  if (!s.ok()) *error = fmt::format("configuring {} failed: {}", name_, status_text(s));
  return s.ok();
}

bool BranchClient::status(wire::BranchStatus* out, std::string* error) {
  grpc::ClientContext ctx;
  arm(&ctx);
  const grpc::Status s = stub_->Status(&ctx, wire::StatusRequest(), out);
  if (!s.ok()) *error = fmt::format("asking {} for its state failed: {}", name_, status_text(s));
  return s.ok();
}

bool BranchClient::deliver(const std::string& envelope, wire::DeliverReply* reply,
                           std::string* error, bool repeats_possible) {
  wire::Packet p;
  p.set_envelope(envelope);
  p.set_repeats_possible(repeats_possible);
  grpc::ClientContext ctx;
  arm(&ctx);
  const grpc::Status s = stub_->Deliver(&ctx, p, reply);
  if (!s.ok()) *error = fmt::format("delivering to {} failed: {}", name_, status_text(s));
  return s.ok();
}

bool BranchClient::fire_timer(const wire::Timer& t, wire::DeliverReply* reply, std::string* error) {
  grpc::ClientContext ctx;
  arm(&ctx);
  const grpc::Status s = stub_->FireTimer(&ctx, t, reply);
  if (!s.ok()) *error = fmt::format("firing a timer of {} failed: {}", name_, status_text(s));
  return s.ok();
}

}  // namespace banksim
