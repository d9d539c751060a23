// Basic vocabulary of the bank: money, actor addressing, interfaces, protocols.
// Everything here is plain data; nothing reads a clock, a random number or a file.
#pragma once

#include <cstdint>
#include <string_view>
#include <optional>

namespace banksim {

// Money is an exact integer amount. Never a float.
using Money = int64_t;

// Dense actor index: branches are 0..branch_count-1 in scenario order, customers
// follow at branch_count..branch_count+customer_count-1.
using ActorIndex = int32_t;

enum class Interface : uint8_t { kQuery = 0, kDeposit = 1, kWithdraw = 2 };

constexpr bool is_write(Interface i) { return i != Interface::kQuery; }
std::string_view interface_name(Interface i);
std::optional<Interface> parse_interface(std::string_view s);

enum class ProtocolKind : uint8_t {
  kSync = 0,     // apply, propagate to every peer, wait for every ack, reply (seeds 000/001)
  kAsync = 1,    // apply, reply, propagate in the background
  kSession = 2,  // client-centric: hold a request until the customer's writes are applied
  kRobust = 3,   // session plus retransmission, deduplication and durable replies (faults)
};
constexpr int kProtocolCount = 4;

std::string_view protocol_name(ProtocolKind p);
std::optional<ProtocolKind> parse_protocol(std::string_view s);

// One customer event, resolved against the scenario: `branch` is a branch index.
struct Event {
  int64_t id = 0;
  Interface iface = Interface::kQuery;
  Money money = 0;
  int32_t branch = 0;
  int64_t think_us = 0;  // virtual time the customer waits before issuing it
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace banksim
