// The in-memory form of a wire message (proto/banksim.proto Envelope). Actors consume
// and produce these; codec.h converts them to and from protobuf bytes.
#pragma once

#include <compare>
#include <cstdint>

#include "protocol/types.h"

namespace banksim {

enum class MessageKind : uint8_t { kRequest = 0, kReply = 1, kPropagate = 2, kAck = 3 };
constexpr int kMessageKindCount = 4;

struct Message {
  MessageKind kind = MessageKind::kRequest;
  Interface iface = Interface::kQuery;
  bool success = false;  // kReply: the event succeeded
  ActorIndex from = 0;
  ActorIndex to = 0;
  int32_t customer = 0;  // customer index the message is about
  int32_t event = 0;     // event index within that customer
  int32_t seq = 0;       // kRequest: customer's completed writes; kPropagate: write number
  Money money = 0;       // kRequest: amount; kPropagate: signed delta; kReply: balance
  // Not on the wire: extra virtual delay before the network takes the message (think
  // time). Schedulers without time ignore it.
  int64_t delay_us = 0;

  // Wire equality (delay_us is local scheduling data, not part of the message).
  bool same_wire(const Message& o) const {
    return kind == o.kind && iface == o.iface && success == o.success && from == o.from &&
           to == o.to && customer == o.customer && event == o.event && seq == o.seq &&
           money == o.money;
  }
};

std::string_view message_kind_name(MessageKind k);

// Write traffic: a write's request or reply, a propagate, an ack. What the quiescent-query
// gate counts, in every scheduler (World, the gRPC driver).
constexpr bool is_write_traffic(const Message& m) {
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

// The quiescent-query gate (--quiescent-queries, the seeds' "sleep before querying"): a
// query request is delivered only while no write traffic is in flight. True when `m` must
// wait, `write_traffic` being the count of write traffic in flight.
constexpr bool held_by_quiescent_gate(const Message& m, int64_t write_traffic) {
  return m.kind == MessageKind::kRequest && m.iface == Interface::kQuery && write_traffic > 0;
}

// The gate's bookkeeping, for a scheduler that keeps messages in flight: the write traffic
// in flight, counted as messages are sent and consumed. World and the gRPC driver each keep
// one; neither counts write traffic itself.
class QuiescentGate {
 public:
  void sent(const Message& m) { write_traffic_ += is_write_traffic(m) ? 1 : 0; }
  void consumed(const Message& m) { write_traffic_ -= is_write_traffic(m) ? 1 : 0; }
  // True when `m` must wait (see held_by_quiescent_gate).
  bool holds(const Message& m) const { return held_by_quiescent_gate(m, write_traffic_); }
  int64_t write_traffic() const { return write_traffic_; }

 private:
  int64_t write_traffic_ = 0;
};

}  // namespace banksim
