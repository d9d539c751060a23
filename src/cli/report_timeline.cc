#include "cli/report.h"

#include "cli/report_detail.h"
#include "sim/trace.h"

#include <fmt/format.h>

namespace banksim {

using ojson = nlohmann::ordered_json;
using report_detail::branch_id;
using report_detail::result_word;

namespace report_detail {

std::string actor_name(const Scenario& s, ActorIndex a) {
  if (a < s.branch_count()) return fmt::format("branch {}", branch_id(s, a));
  return fmt::format("customer {}", s.customers[static_cast<size_t>(a - s.branch_count())].id);
}

std::string message_text(const Scenario& s, const Message& m) {
  const CustomerSpec& c = s.customers[static_cast<size_t>(m.customer)];
  const int64_t event_id = c.events[static_cast<size_t>(m.event)].id;
  const std::string_view iface = interface_name(m.iface);
  switch (m.kind) {
    case MessageKind::kRequest:
      if (m.iface == Interface::kQuery) return fmt::format("request query (event {})", event_id);
      return fmt::format("request {} {} (event {})", iface, m.money, event_id);
    case MessageKind::kReply:
      if (m.iface != Interface::kQuery) {
        return fmt::format("reply {} {} (event {})", iface, result_word(m.success), event_id);
      }
      return fmt::format("reply query {}, balance {} (event {})", result_word(m.success), m.money,
                         event_id);
    case MessageKind::kPropagate:
      return fmt::format("propagate {} {} (customer {} event {})", iface,
                         m.money < 0 ? -m.money : m.money, c.id, event_id);
    case MessageKind::kAck:
      return fmt::format("ack {} (customer {} event {})", iface, c.id, event_id);
  }
  return "?";
}

}  // namespace report_detail

namespace {

using report_detail::actor_name;
using report_detail::message_text;

std::string observation_text(const Scenario& s, const Observation& o) {
  const CustomerSpec& c = s.customers[static_cast<size_t>(o.customer)];
  const int64_t event_id = c.events[static_cast<size_t>(o.event)].id;
  switch (o.kind) {
    case ObservationKind::kIssue:
      return fmt::format("customer {} issues event {} to branch {}", c.id, event_id,
                         branch_id(s, o.branch));
    case ObservationKind::kServe:
      if (o.iface == Interface::kQuery) {
        return fmt::format("branch {} serves query of customer {}: balance is {}",
                           branch_id(s, o.branch), c.id, o.balance);
      }
      return fmt::format("branch {} serves {} {} of customer {}: {}", branch_id(s, o.branch),
                         interface_name(o.iface), o.money, c.id,
                         o.success ? "success" : "fail (insufficient balance)");
    case ObservationKind::kApply:
      return fmt::format("branch {} applies {} {} (customer {} event {}): balance {}",
                         branch_id(s, o.branch), interface_name(o.iface), o.money, c.id, event_id,
                         o.balance);
    case ObservationKind::kReply:
      if (o.iface != Interface::kQuery) {
        return fmt::format("customer {} confirms event {}: {}", c.id, event_id,
                           result_word(o.success));
      }
      return fmt::format("customer {} confirms event {}: {}, balance {}", c.id, event_id,
                         result_word(o.success), o.balance);
  }
  return "?";
}

std::string sends_text(const Scenario& s, std::span<const InFlight> sent) {
  std::string out;
  for (const InFlight& f : sent) {
    out += fmt::format("{:>14}  {} -> {}: #{} {}\n", "", actor_name(s, f.msg.from),
                       actor_name(s, f.msg.to), f.id, message_text(s, f.msg));
  }
  return out;
}

std::string time_text(int64_t now, bool step_times) {
  return step_times ? fmt::format("step {}", now) : fmt::format("t={}us", now);
}

// The request `m` was delivered and not served in the same step: under session the
// branch holds it until the customer's m.seq-th completed write is applied there. A
// serve of any other request is a held request being released (only session serves a
// request on another message's delivery).
std::string holds_text(const Scenario& s, const Message& m, std::span<const Observation> observed) {
  std::string out;
  bool delivered_served = false;
  for (const Observation& o : observed) {
    if (o.kind != ObservationKind::kServe) continue;
    if (m.kind == MessageKind::kRequest && o.customer == m.customer && o.event == m.event) {
      delivered_served = true;
    }
  }
  if (m.kind == MessageKind::kRequest && !delivered_served) {
    out += fmt::format("{:>14}  held: waiting for write {} of customer {}\n", "", m.seq,
                       s.customers[static_cast<size_t>(m.customer)].id);
  }
  return out;
}

std::string observed_text(const Scenario& s, const Message* delivered,
                          std::span<const Observation> observed) {
  std::string out;
  for (const Observation& o : observed) {
    const bool released = o.kind == ObservationKind::kServe &&
                          (delivered == nullptr || delivered->kind != MessageKind::kRequest ||
                           delivered->customer != o.customer || delivered->event != o.event);
    if (released) {
      const CustomerSpec& c = s.customers[static_cast<size_t>(o.customer)];
      out += fmt::format(
          "{:>14}  released: branch {} now has the writes the held request of "
          "customer {} (event {}) waited for\n",
          "", branch_id(s, o.branch), c.id, c.events[static_cast<size_t>(o.event)].id);
    }
    out += fmt::format("{:>14}  {}\n", "", observation_text(s, o));
  }
  if (delivered != nullptr) out += holds_text(s, *delivered, observed);
  return out;
}

}  // namespace

std::string timeline_start(const Scenario& s, std::span<const Observation> observed,
                           std::span<const InFlight> sent, bool step_times) {
  std::string out = fmt::format("{:>14}  {}\n", time_text(0, step_times),
                                "start: every customer issues its first event");
  out += observed_text(s, nullptr, observed);
  return out + sends_text(s, sent);
}

std::string timeline_step(const Scenario& s, int64_t now_us, const InFlight& delivered,
                          std::span<const Observation> observed, std::span<const InFlight> sent,
                          bool step_times) {
  const Message& m = delivered.msg;
  std::string out =
      fmt::format("{:>14}  {} <- {}: #{} {}\n", time_text(now_us, step_times), actor_name(s, m.to),
                  actor_name(s, m.from), delivered.id, message_text(s, m));
  out += observed_text(s, &m, observed);
  return out + sends_text(s, sent);
}

std::string timeline_start(const World& world, bool step_times) {
  return timeline_start(world.scenario(), world.last_observations(), world.last_sent(), step_times);
}

// A fault choice's line: what the World did instead of delivering.
static std::string timeline_fault(const World& world, int64_t now_us, bool step_times) {
  const Scenario& s = world.scenario();
  const Choice& c = world.last_choice();
  const auto branch = [&](int32_t b) { return actor_name(s, b); };
  const InFlight& m = world.last_fault_message();
  std::string what;
  switch (c.kind) {
    case ChoiceKind::kDeliver:
      break;
    case ChoiceKind::kDrop:
      what = fmt::format("fault: drop #{} {} -> {}: {}", m.id, actor_name(s, m.msg.from),
                         actor_name(s, m.msg.to), message_text(s, m.msg));
      break;
    case ChoiceKind::kDuplicate:
      what = fmt::format("fault: duplicate #{} {} -> {}: {}", m.id, actor_name(s, m.msg.from),
                         actor_name(s, m.msg.to), message_text(s, m.msg));
      break;
    case ChoiceKind::kCrash:
      what = fmt::format("fault: crash {}: its volatile state and messages to it are lost",
                         branch(c.branch));
      break;
    case ChoiceKind::kRestart:
      what = fmt::format("fault: restart {} from its durable state", branch(c.branch));
      break;
    case ChoiceKind::kPartition:
      what = fmt::format("fault: partition {} (branch links across it are cut)",
                         partition_text(s, c.side));
      break;
    case ChoiceKind::kHeal:
      what = "fault: heal the partition";
      break;
    case ChoiceKind::kTimer: {
      const TimerKey& k = world.last_timer();
      const auto& customer = s.customers[static_cast<size_t>(k.customer)];
      what = fmt::format("timer: {} retransmits its {} of customer {} event {} to {}",
                         actor_name(s, k.owner),
                         k.kind == MessageKind::kRequest ? "request" : "propagation", customer.id,
                         customer.events[static_cast<size_t>(k.event)].id, actor_name(s, k.peer));
      break;
    }
  }
  std::string out = fmt::format("{:>14}  {}\n", time_text(now_us, step_times), what);
  return out + sends_text(s, world.last_sent());
}

std::string timeline_step(const World& world, int64_t now_us, bool step_times) {
  if (world.last_choice().kind != ChoiceKind::kDeliver) {
    return timeline_fault(world, now_us, step_times);
  }
  return timeline_step(world.scenario(), now_us,
                       InFlight{world.last_delivered_id(), world.last_delivered()},
                       world.last_observations(), world.last_sent(), step_times);
}

std::string timeline_query_held(const World& world, int64_t now_us, const InFlight& held) {
  const Scenario& s = world.scenario();
  return fmt::format(
      "{:>14}  {} -> {}: #{} {}: held by --quiescent-queries: {} write "
      "message(s) in flight\n",
      time_text(now_us, false), actor_name(s, held.msg.from), actor_name(s, held.msg.to), held.id,
      message_text(s, held.msg), world.write_traffic());
}

std::string timeline_queries_released(int64_t now_us, size_t count) {
  return fmt::format(
      "{:>14}  released: no write in flight any more: {} held quer{} "
      "delivered next\n",
      time_text(now_us, false), count, count == 1 ? "y is" : "ies are");
}

std::string timeline_give_up(const World& world, const GaveUp& g, int64_t give_up_us) {
  const auto& customer = world.scenario().customers.at(static_cast<size_t>(g.customer));
  const int64_t event = customer.events.at(static_cast<size_t>(g.event)).id;
  if (world.options().protocol == ProtocolKind::kRobust) {
    return fmt::format(
        "{:>14}  customer {} gives up on event {}: the run ends inside a fault window "
        "(retransmitting since t={}us)\n",
        time_text(g.at_us, false), customer.id, event, g.sent_us);
  }
  return fmt::format(
      "{:>14}  customer {} gives up on event {}: its request sent at t={}us is unanswered "
      "after {}\n",
      time_text(g.at_us, false), customer.id, event, g.sent_us, duration_text(give_up_us));
}

}  // namespace banksim
