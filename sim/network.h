// The simulated network: how long each message takes, and whether a link keeps its
// messages in order. Delivery times are virtual microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/types.h"
#include "sim/prng.h"

namespace banksim {

struct LatencyModel {
  enum class Kind : uint8_t { kConstant, kUniform, kExponential };
  Kind kind = Kind::kUniform;
  int64_t a_us = 500;   // constant: the value; uniform: min; exponential: mean
  int64_t b_us = 5000;  // uniform: max

  // The spec form users write: const:N, uniform:MIN:MAX, exp:MEAN (microseconds).
  std::string spec() const;
  friend bool operator==(const LatencyModel&, const LatencyModel&) = default;
};

// Largest latency parameter accepted (one hour of virtual time): bounds every delay.
constexpr int64_t kLatencyMaxUs = 3'600'000'000;

// Parses a latency spec; on failure returns nullopt and sets *error to the rule broken.
std::optional<LatencyModel> parse_latency(std::string_view spec, std::string* error);

struct NetworkConfig {
  LatencyModel latency;
  bool fifo = true;  // per-link FIFO: a later message never overtakes an earlier one
  friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

// Assigns delivery times. Deterministic given its PRNG and the order of calls.
class Network {
 public:
  Network(const NetworkConfig& config, int32_t actor_count, Prng prng);

  // Delivery time of a message handed to the network at `now_us` on link from -> to.
  int64_t delivery_time(int64_t now_us, ActorIndex from, ActorIndex to);
  const NetworkConfig& config() const { return config_; }

 private:
  int64_t draw_latency();

  // FIFO state of the link pair between actor `owner` and a lower-indexed `peer`: the
  // last delivery time each way. Kept only for pairs that carried a message.
  struct LinkPair {
    ActorIndex peer = 0;
    int64_t to_peer_us = 0;    // last delivery on owner -> peer
    int64_t from_peer_us = 0;  // last delivery on peer -> owner
  };
  int64_t& last_delivery(ActorIndex from, ActorIndex to);

  NetworkConfig config_;
  int32_t actor_count_;
  Prng prng_;
  // Per actor (FIFO only), the link pairs it owns: those with lower-indexed peers, sorted
  // by peer. Branches come first, so a customer owns the pairs with the few branches it
  // talks to and no list is longer than the branch count: memory follows the links that
  // carry traffic, not (branches + customers)^2.
  std::vector<std::vector<LinkPair>> links_;
};

}  // namespace banksim
