// NodeConfiguration: what a branch process learns after it started listening (the
// Configure RPC, or `banksim serve --peers/--driver`): where its peers and the driver are,
// and whether it runs conducted (replay) or free (run).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "banksim_service.pb.h"
#include "protocol/bank_layout.h"

namespace banksim {

constexpr int64_t kDefaultRpcTimeoutMs = 2000;
constexpr int64_t kMaxRpcTimeoutMs = 600'000;
// Robust over a free gRPC run (`run --retransmit-ms`): a request or propagation unanswered
// for this long is sent again. Far above a loopback round trip (well under 1 ms unloaded),
// so an unfaulty run retransmits rarely; short enough that a killed branch's lost traffic
// is resent soon after it is back.
constexpr int64_t kDefaultRetransmitMs = 200;

struct NodeConfiguration {
  std::string driver;              // DriverService address (unused when conducted)
  std::vector<std::string> peers;  // by branch index; empty for self (and when conducted)
  bool conducted = false;
  int64_t rpc_timeout_ms = kDefaultRpcTimeoutMs;
  // Robust, free mode: a retransmission timer fires this long after it is set.
  int64_t retransmit_ms = kDefaultRetransmitMs;
};

void to_proto(const NodeConfiguration& c, wire::Configuration* out);
NodeConfiguration from_proto(const wire::Configuration& c, int32_t branch_count);
// Empty when `c` is complete for branch `self`; otherwise what is missing.
std::string validate(const NodeConfiguration& c, const BankLayout& layout, int32_t self);

// True for 127.0.0.1 (any 127.x), localhost and ::1: addresses only this machine reaches.
bool is_loopback_host(const std::string& host);
// Splits "HOST:PORT" ("[::1]:PORT" too). Returns false when malformed or the port is
// not 0..65535.
bool split_host_port(const std::string& address, std::string* host, int* port);

}  // namespace banksim
