#include "grpc/wire_convert.h"

#include <fmt/format.h>

#include "protocol/codec.h"

namespace banksim {

void to_proto(const Observation& o, wire::Observation* out) {
  out->set_kind(static_cast<int32_t>(o.kind));
  out->set_interface(static_cast<int32_t>(o.iface));
  out->set_success(o.success);
  out->set_customer(o.customer);
  out->set_event(o.event);
  out->set_branch(o.branch);
  out->set_money(o.money);
  out->set_balance(o.balance);
}

std::optional<Observation> from_proto(const wire::Observation& o, const BankLayout& layout) {
  if (o.kind() < 0 || o.kind() > static_cast<int32_t>(ObservationKind::kReply)) return {};
  if (o.interface() < 0 || o.interface() > static_cast<int32_t>(Interface::kWithdraw)) return {};
  if (o.customer() < 0 || o.customer() >= layout.customer_count()) return {};
  const auto& events = layout.events[static_cast<size_t>(o.customer())];
  if (o.event() < 0 || o.event() >= static_cast<int32_t>(events.size())) return {};
  if (!layout.is_branch(o.branch())) return {};
  return Observation{.kind = static_cast<ObservationKind>(o.kind()),
                     .iface = static_cast<Interface>(o.interface()),
                     .success = o.success(),
                     .customer = o.customer(),
                     .event = o.event(),
                     .branch = o.branch(),
                     .money = o.money(),
                     .balance = o.balance()};
}

void to_proto(const TimerKey& k, bool set, wire::Timer* out) {
  out->set_kind(static_cast<int32_t>(k.kind));
  out->set_owner(k.owner);
  out->set_customer(k.customer);
  out->set_event(k.event);
  out->set_peer(k.peer);
  out->set_set(set);
}

std::optional<TimerKey> from_proto(const wire::Timer& t, const BankLayout& layout) {
  const bool request = t.kind() == static_cast<int32_t>(MessageKind::kRequest);
  if (!request && t.kind() != static_cast<int32_t>(MessageKind::kPropagate)) return {};
  if (t.owner() < 0 || t.owner() >= layout.actor_count()) return {};
  if (layout.is_branch(t.owner()) == request) return {};  // customers wait for replies
  if (t.customer() < 0 || t.customer() >= layout.customer_count()) return {};
  const auto& events = layout.events[static_cast<size_t>(t.customer())];
  if (t.event() < 0 || t.event() >= static_cast<int32_t>(events.size())) return {};
  if (!layout.is_branch(t.peer())) return {};
  return TimerKey{.kind = static_cast<MessageKind>(t.kind()),
                  .owner = t.owner(),
                  .customer = t.customer(),
                  .event = t.event(),
                  .peer = t.peer()};
}

void to_proto(int32_t branch, uint64_t step, const std::string& delivered_bytes,
              const Effects& effects, wire::StepEffects* out, const TimerKey* fired) {
  out->Clear();
  out->set_branch(branch);
  out->set_step(step);
  out->set_delivered(delivered_bytes);
  for (const Message& m : effects.sends()) encode_message(m, out->add_sends());
  for (const Observation& o : effects.observations()) to_proto(o, out->add_observations());
  for (const TimerEffect& t : effects.timers()) to_proto(t.key, t.set, out->add_timers());
  if (fired != nullptr) to_proto(*fired, true, out->mutable_fired());
}

std::string describe_message(const Message& m, const BankLayout& layout) {
  const int64_t event_id =
      layout.events[static_cast<size_t>(m.customer)][static_cast<size_t>(m.event)].id;
  return fmt::format("{} of customer {} event {} from {}", message_kind_name(m.kind),
                     layout.customer_ids[static_cast<size_t>(m.customer)], event_id,
                     layout.actor_name(m.from));
}

namespace {

std::optional<Message> decode_checked(const std::string& bytes, const BankLayout& layout) {
  auto m = decode_message(bytes);
  if (!m) return {};
  if (m->from < 0 || m->from >= layout.actor_count()) return {};
  if (m->to < 0 || m->to >= layout.actor_count()) return {};
  if (m->customer < 0 || m->customer >= layout.customer_count()) return {};
  const auto& events = layout.events[static_cast<size_t>(m->customer)];
  if (m->event < 0 || m->event >= static_cast<int32_t>(events.size())) return {};
  return m;
}

}  // namespace

std::optional<DecodedStep> decode_step(const wire::StepEffects& s, const BankLayout& layout,
                                       std::string* error) {
  const std::string who = layout.is_branch(s.branch())
                              ? layout.actor_name(s.branch())
                              : fmt::format("unknown branch index {}", s.branch());
  if (!layout.is_branch(s.branch())) {
    *error = fmt::format("step report from {}", who);
    return {};
  }
  DecodedStep out;
  if (s.has_fired()) {
    auto fired = from_proto(s.fired(), layout);
    if (!fired || fired->owner != s.branch() || !s.delivered().empty()) {
      *error = fmt::format(
          "step {} of {}: the fired timer is out of range, not that branch's, or comes with a "
          "delivered message",
          s.step(), who);
      return {};
    }
    out.fired = *fired;
  }
  auto delivered =
      s.has_fired() ? std::optional<Message>(Message{}) : decode_checked(s.delivered(), layout);
  if (!delivered) {
    *error = fmt::format(
        "step {} of {}: the delivered message does not parse or names an "
        "unknown actor or event",
        s.step(), who);
    return {};
  }
  out.delivered = *delivered;
  for (int i = 0; i < s.sends_size(); ++i) {
    auto m = decode_checked(s.sends(i), layout);
    if (!m || m->from != s.branch()) {
      *error = fmt::format(
          "step {} of {}: sent message {} does not parse, names an unknown "
          "actor or event, or is not from that branch",
          s.step(), who, i);
      return {};
    }
    out.sends.push_back(*m);
    out.send_bytes.push_back(s.sends(i));
  }
  for (int i = 0; i < s.observations_size(); ++i) {
    auto o = from_proto(s.observations(i), layout);
    if (!o) {
      *error = fmt::format("step {} of {}: observation {} is out of range", s.step(), who, i);
      return {};
    }
    out.observations.push_back(*o);
  }
  for (int i = 0; i < s.timers_size(); ++i) {
    auto k = from_proto(s.timers(i), layout);
    if (!k || k->owner != s.branch()) {
      *error = fmt::format("step {} of {}: timer {} is out of range or not that branch's", s.step(),
                           who, i);
      return {};
    }
    out.timers.push_back(TimerEffect{*k, s.timers(i).set()});
  }
  return out;
}

}  // namespace banksim
