#include "cli/report.h"

#include "cli/report_detail.h"

#include <cassert>

#include <fmt/format.h>

namespace banksim {

using ojson = nlohmann::ordered_json;
using report_detail::actor_name;
using report_detail::branch_id;
using report_detail::message_text;
using report_detail::result_word;

ojson property_entry(Property p, ProtocolKind protocol) {
  return ojson{{"property", std::string(property_name(p))},
               {"promised", promised_properties(protocol).has(p)}};
}

bool judged_at_quiescence(Property p) {
  return p == Property::kConvergence || p == Property::kConservation || p == Property::kLiveness;
}

const GaveUp* find_give_up(const RunFacts& f, size_t customer, size_t event) {
  for (const GaveUp& g : f.gave_up) {
    if (static_cast<size_t>(g.customer) == customer && static_cast<size_t>(g.event) == event) {
      return &g;
    }
  }
  return nullptr;
}

std::string duration_text(int64_t us) {
  return us % 1000 == 0 ? fmt::format("{} ms", us / 1000) : fmt::format("{} us", us);
}

namespace {

// What a give-up says, e.g. "gave up after 20 ms (request sent at t=10 us, never
// answered)". A robust customer retransmits until the run ends; it stops only then.
std::string give_up_text(const RunFacts& f, const GaveUp& g) {
  if (f.protocol == ProtocolKind::kRobust) {
    return fmt::format(
        "gave up at the end of the run (t={} us, retransmitting since t={} us): the run ended "
        "inside a fault window",
        g.at_us, g.sent_us);
  }
  return fmt::format("gave up after {} (request sent at t={} us, unanswered at t={} us)",
                     duration_text(f.give_up_us), g.sent_us, g.at_us);
}

}  // namespace

std::string give_up_note(const RunFacts& f, const Scenario& s) {
  if (f.gave_up.empty()) return {};
  const GaveUp& g = f.gave_up.front();
  const auto& customer = s.customers.at(static_cast<size_t>(g.customer));
  const std::string who = fmt::format("customer {} event {}", customer.id,
                                      customer.events.at(static_cast<size_t>(g.event)).id);
  return fmt::format("{} request{} given up (first: {}, {})", f.gave_up.size(),
                     f.gave_up.size() == 1 ? "" : "s", who, give_up_text(f, g));
}

namespace report_detail {

// `counts`: per property, the number of violations when f.violations holds only the
// first of each; empty: count f.violations.
ojson property_json(const RunFacts& f, const std::vector<uint64_t>& counts) {
  ojson props = ojson::array();
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    if (!f.checked.has(p)) continue;
    ojson entry = property_entry(p, f.protocol);
    const Violation* first = nullptr;
    size_t count = 0;
    for (const Violation& v : f.violations) {
      if (v.property != p) continue;
      if (first == nullptr) first = &v;
      ++count;
    }
    if (!counts.empty()) {
      assert(counts.at(static_cast<size_t>(i)) >= count);
      count = static_cast<size_t>(counts[static_cast<size_t>(i)]);
    }
    const bool at_quiescence = judged_at_quiescence(p);
    if (first != nullptr) {
      entry["verdict"] = "violated";
      entry["violations"] = count;
      entry["first"] = first->detail;
      entry["first_time_us"] = first->time_us;
    } else if (at_quiescence && f.hit_step_bound) {
      entry["verdict"] = "not judged";
    } else {
      entry["verdict"] = "held";
    }
    if (p == Property::kLiveness && !f.gave_up.empty()) {
      entry["gave_up"] = f.gave_up.size();
      entry["give_up_after_us"] = f.give_up_us;
      entry["gave_up_note"] = f.give_up_note;
    }
    props.push_back(std::move(entry));
  }
  return props;
}

}  // namespace report_detail

using report_detail::property_json;

namespace {

std::string property_table_text(const RunFacts& f, const std::vector<uint64_t>& counts) {
  const ojson props = property_json(f, counts);
  std::string out =
      fmt::format("{:<18} {:<9} {:<11} {}\n", "property", "promised", "verdict", "first violation");
  for (const ojson& p : props) {
    out += fmt::format("{:<18} {:<9} {:<11} {}\n", p["property"].get<std::string>(),
                       p["promised"].get<bool>() ? "yes" : "no", p["verdict"].get<std::string>(),
                       p.contains("first")          ? p["first"].get<std::string>()
                       : p.contains("gave_up_note") ? p["gave_up_note"].get<std::string>()
                                                    : "");
  }
  return out;
}

// Whether a message of `kind` for (customer, event) is among `in_flight`.
bool in_flight_for(const std::vector<InFlight>& in_flight, MessageKind kind, size_t customer,
                   size_t event) {
  for (const InFlight& m : in_flight) {
    if (m.msg.kind == kind && static_cast<size_t>(m.msg.customer) == customer &&
        static_cast<size_t>(m.msg.event) == event) {
      return true;
    }
  }
  return false;
}

// An event without a reply. At quiescence it was never answered; an execution that
// ended earlier (a trace stops at its violation) says where it stood.
std::string unanswered_text(const Scenario& s, const RunFacts& f, const EventOutcome& o,
                            bool quiescent, size_t c, size_t e) {
  if (const GaveUp* g = find_give_up(f, c, e); g != nullptr) return give_up_text(f, *g);
  if (!o.issued) {
    // A customer waits for each answer before its next event.
    for (const GaveUp& g : f.gave_up) {
      if (static_cast<size_t>(g.customer) == c && static_cast<size_t>(g.event) < e) {
        return fmt::format("not issued (the customer gave up on event {} before it)",
                           s.customers[c].events.at(static_cast<size_t>(g.event)).id);
      }
    }
  }
  if (quiescent) return o.issued ? "never answered" : "not issued";
  if (!o.issued) return "not issued by the end";
  if (o.served) {
    return fmt::format("served: {}, balance {}, {}", result_word(o.success), o.balance,
                       in_flight_for(f.in_flight_at_end, MessageKind::kReply, c, e)
                           ? "reply in flight at the end"
                           : "no reply sent by the end");
  }
  return in_flight_for(f.in_flight_at_end, MessageKind::kRequest, c, e)
             ? "issued, request in flight at the end"
             : "issued, request held at its branch at the end";
}

constexpr size_t kInFlightListed = 100;

}  // namespace

std::string summary_text(const History& h, const RunFacts& f, uint64_t max_events) {
  return summary_text(ExecutionRecord(h), f, max_events);
}

std::string summary_text(const ExecutionRecord& r, const RunFacts& f, uint64_t max_events) {
  const Scenario& s = r.scenario();
  std::string out;
  out += fmt::format("banksim {}: {}\n", f.command, f.source);
  const std::string protocol =
      f.protocol_note.empty()
          ? std::string(protocol_name(f.protocol))
          : fmt::format("{} ({})", protocol_name(f.protocol), f.protocol_note);
  if (!f.backend.empty()) {
    out += fmt::format("protocol {}, backend {} (one process per branch), quiescent queries {}\n",
                       protocol, f.backend, f.quiescent_queries ? "on" : "off");
  } else if (f.step_times) {
    out += fmt::format(
        "protocol {}, schedule: a delivery order from banksim explore, times are step numbers "
        "(no latency, no seed), {}, quiescent queries {}\n",
        protocol, f.network.fifo ? "per-link FIFO" : "no FIFO (reordering)",
        f.quiescent_queries ? "on" : "off");
  } else {
    out += fmt::format("protocol {}, seed {}, latency {} us, {}, quiescent queries {}\n",
                       protocol, f.seed, f.network.latency.spec(),
                       f.network.fifo ? "per-link FIFO" : "no FIFO (reordering)",
                       f.quiescent_queries ? "on" : "off");
  }
  out += "branches (initial -> final balance):\n";
  for (size_t b = 0; b < s.branches.size(); ++b) {
    out += fmt::format("  branch {}: {} -> {}\n", s.branches[b].id, s.branches[b].balance,
                       f.final_balances.at(b));
  }
  const auto& outcomes = r.outcomes();
  const bool quiescent = r.quiescent();
  uint64_t listed = 0;
  uint64_t left_out = 0;
  out += "customers:\n";
  for (size_t c = 0; c < s.customers.size(); ++c) {
    if (max_events != 0 && listed >= max_events) {
      left_out += s.customers[c].events.size();
      continue;
    }
    out += fmt::format("  customer {}:\n", s.customers[c].id);
    for (size_t e = 0; e < s.customers[c].events.size(); ++e) {
      if (max_events != 0 && listed >= max_events) {
        left_out += s.customers[c].events.size() - e;
        break;
      }
      listed += 1;
      const Event& ev = s.customers[c].events[e];
      const EventOutcome& o = outcomes[c][e];
      std::string what = ev.iface == Interface::kQuery
                             ? std::string("query")
                             : fmt::format("{} {}", interface_name(ev.iface), ev.money);
      if (!o.answered) {
        out += fmt::format("    event {}: {} at branch {}: {}\n", ev.id, what,
                           branch_id(s, ev.branch), unanswered_text(s, f, o, quiescent, c, e));
        continue;
      }
      const GaveUp* late = find_give_up(f, c, e);
      out += fmt::format("    event {}: {} at branch {}: {}, balance {} ({}{})\n", ev.id, what,
                         branch_id(s, o.branch), result_word(o.success), o.balance,
                         f.step_times ? fmt::format("step {}", o.replied_us)
                                      : fmt::format("t={} us", o.replied_us),
                         late == nullptr
                             ? ""
                             : fmt::format(", too late: the customer {}", give_up_text(f, *late)));
    }
  }
  if (left_out > 0) {
    out += fmt::format(
        "  ... {} more events not listed (--summary-max 0 lists them all; the "
        "results list every answered event)\n",
        left_out);
  }
  if (f.step_times) {
    out += fmt::format("messages delivered: {} (one per step){}\n", f.delivered,
                       f.hit_step_bound ? " (ended before quiescence)" : "");
  } else {
    out += fmt::format("messages delivered: {}, {} time: {} us{}\n", f.delivered,
                       f.backend.empty() ? "virtual" : "wall-clock", f.end_time_us,
                       f.hit_step_bound ? " (ended before quiescence)" : "");
  }
  if (!f.gave_up.empty()) {
    out += fmt::format("customers gave up on {} request{} ({})\n", f.gave_up.size(),
                       f.gave_up.size() == 1 ? "" : "s",
                       f.protocol == ProtocolKind::kRobust
                           ? "robust customers retransmit until the run ends; it ended inside a "
                             "fault window"
                           : fmt::format("unanswered within {}; --give-up-after",
                                         duration_text(f.give_up_us)));
  }
  if (!f.in_flight_at_end.empty()) {
    out += fmt::format("in flight at the end: {} message{}\n", f.in_flight_at_end.size(),
                       f.in_flight_at_end.size() == 1 ? "" : "s");
    for (size_t i = 0; i < f.in_flight_at_end.size() && i < kInFlightListed; ++i) {
      const InFlight& m = f.in_flight_at_end[i];
      out += fmt::format("  #{} {} -> {}: {}\n", m.id, actor_name(s, m.msg.from),
                         actor_name(s, m.msg.to), message_text(s, m.msg));
    }
    if (f.in_flight_at_end.size() > kInFlightListed) {
      out += fmt::format("  ... {} more\n", f.in_flight_at_end.size() - kInFlightListed);
    }
  }
  return out;
}

std::string property_table(const ExecutionRecord& r, const RunFacts& f) {
  return property_table_text(f, r.violation_counts());
}

std::string property_table(const RunFacts& f) {
  return property_table_text(f, {});
}

}  // namespace banksim
