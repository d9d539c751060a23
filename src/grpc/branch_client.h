// BranchClient: the driver's and the remote executor's calls to one branch process (Configure,
// Status, and Deliver in conducted mode). Every call has a deadline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "banksim_service.grpc.pb.h"
#include "grpc/node_config.h"

namespace banksim {

class BranchClient {
 public:
  // `name` says who this is in errors ("branch 2 at 127.0.0.1:40123").
  BranchClient(std::string name, const std::string& address, int64_t rpc_timeout_ms);

  bool configure(const NodeConfiguration& c, std::string* error);
  bool status(wire::BranchStatus* out, std::string* error);
  // Delivers one serialized Envelope; in conducted mode the reply holds the step's effects.
  // repeats_possible: as Branch::refuse (the conductor's World took a fault).
  bool deliver(const std::string& envelope, wire::DeliverReply* reply, std::string* error,
               bool repeats_possible = false);

  // Conducted mode: fires this branch's retransmission timer `t`; the reply holds the step.
  bool fire_timer(const wire::Timer& t, wire::DeliverReply* reply, std::string* error);

  const std::string& name() const { return name_; }

 private:
  void arm(grpc::ClientContext* ctx) const;

  std::string name_;
  int64_t rpc_timeout_ms_;
  std::unique_ptr<wire::BranchService::Stub> stub_;
};

}  // namespace banksim
