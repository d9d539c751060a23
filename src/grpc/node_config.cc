#include "grpc/node_config.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace banksim {

void to_proto(const NodeConfiguration& c, wire::Configuration* out) {
  out->Clear();
  out->set_driver(c.driver);
  for (size_t b = 0; b < c.peers.size(); ++b) {
    if (c.peers[b].empty()) continue;
    wire::Peer* p = out->add_peers();
    p->set_branch(static_cast<int32_t>(b));
    p->set_address(c.peers[b]);
  }
  out->set_conducted(c.conducted);
  out->set_rpc_timeout_ms(c.rpc_timeout_ms);
  out->set_retransmit_ms(c.retransmit_ms);
}

NodeConfiguration from_proto(const wire::Configuration& c, int32_t branch_count) {
  NodeConfiguration out;
  out.driver = c.driver();
  out.peers.assign(static_cast<size_t>(branch_count), "");
  for (const wire::Peer& p : c.peers()) {
    // Out-of-range indices are reported by validate(): keep a marker it recognizes.
    if (p.branch() < 0 || p.branch() >= branch_count) {
      out.peers.assign(static_cast<size_t>(branch_count) + 1, "");
      return out;
    }
    out.peers[static_cast<size_t>(p.branch())] = p.address();
  }
  out.conducted = c.conducted();
  out.rpc_timeout_ms = c.rpc_timeout_ms() == 0 ? kDefaultRpcTimeoutMs : c.rpc_timeout_ms();
  out.retransmit_ms = c.retransmit_ms() == 0 ? kDefaultRetransmitMs : c.retransmit_ms();
  return out;
}

std::string validate(const NodeConfiguration& c, const BankLayout& layout, int32_t self) {
  if (c.driver.empty() && !c.conducted) return "no driver address";
  if (c.rpc_timeout_ms <= 0 || c.rpc_timeout_ms > kMaxRpcTimeoutMs) {
    return fmt::format("rpc timeout {} ms is not in 1..{}", c.rpc_timeout_ms, kMaxRpcTimeoutMs);
  }
  if (c.retransmit_ms <= 0 || c.retransmit_ms > kMaxRpcTimeoutMs) {
    return fmt::format("retransmission delay {} ms is not in 1..{}", c.retransmit_ms,
                       kMaxRpcTimeoutMs);
  }
  if (c.peers.size() != static_cast<size_t>(layout.branch_count())) {
    return "a peer names a branch index outside the scenario";
  }
  if (c.conducted) return {};
  for (int32_t b = 0; b < layout.branch_count(); ++b) {
    if (b != self && c.peers[static_cast<size_t>(b)].empty()) {
      return fmt::format("no address for peer {}", layout.actor_name(b));
    }
  }
  return {};
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  return host.starts_with("127.") && ::inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool split_host_port(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  *host = address.substr(0, colon);
  const std::string p = address.substr(colon + 1);
  int value = -1;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value < 0 || value > 65535) return false;
  *port = value;
  return true;
}

}  // namespace banksim
