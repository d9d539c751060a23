#include "cli/report.h"

#include "sim/trace.h"

#include <cassert>
#include <map>

#include <fmt/format.h>

namespace banksim {

using ojson = nlohmann::ordered_json;

std::string printable(std::string_view s, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  for (; i < s.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool c1 = c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(s[i + 1]) <= 0x9f;
    if (c1) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i + 1]));
      i += 1;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < s.size()) out += fmt::format("... ({} more bytes)", s.size() - i);
  return out;
}

std::optional<OutputFormat> parse_format(std::string_view s) {
  if (s == "auto") return OutputFormat::kAuto;
  if (s == "recv") return OutputFormat::kRecv;
  if (s == "balance") return OutputFormat::kBalance;
  if (s == "events") return OutputFormat::kEvents;
  if (s == "json") return OutputFormat::kJson;
  return std::nullopt;
}

std::string_view format_name(OutputFormat f) {
  switch (f) {
    case OutputFormat::kAuto:
      return "auto";
    case OutputFormat::kRecv:
      return "recv";
    case OutputFormat::kBalance:
      return "balance";
    case OutputFormat::kEvents:
      return "events";
    case OutputFormat::kJson:
      return "json";
  }
  return "?";
}

OutputFormat resolve_format(OutputFormat requested, InputForm form) {
  if (requested != OutputFormat::kAuto) return requested;
  switch (form) {
    case InputForm::kPlain:
      return OutputFormat::kRecv;
    case InputForm::kDest:
      return OutputFormat::kBalance;
    case InputForm::kBranchKey:
      return OutputFormat::kEvents;
  }
  return OutputFormat::kRecv;
}

std::vector<std::vector<EventOutcome>> event_outcomes(const History& h) {
  return ExecutionRecord(h).outcomes();
}

namespace {

const char* result_word(bool success) { return success ? "success" : "fail"; }

int64_t branch_id(const Scenario& s, int32_t b) { return s.branches[static_cast<size_t>(b)].id; }

// `counts`: per property, the number of violations when f.violations holds only the
// first of each; empty: count f.violations.
ojson property_json(const RunFacts& f, const std::vector<uint64_t>& counts) {
  ojson props = ojson::array();
  const PropertySet promised = promised_properties(f.protocol);
  for (int i = 0; i < kPropertyCount; ++i) {
    const Property p = static_cast<Property>(i);
    if (!f.checked.has(p)) continue;
    ojson entry = {{"property", std::string(property_name(p))},
                   {"promised", promised.has(p)}};
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
    const bool at_quiescence = p == Property::kConvergence || p == Property::kConservation ||
                               p == Property::kLiveness;
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
    props.push_back(std::move(entry));
  }
  return props;
}

std::string property_table_text(const RunFacts& f, const std::vector<uint64_t>& counts) {
  const ojson props = property_json(f, counts);
  std::string out =
      fmt::format("{:<18} {:<9} {:<11} {}\n", "property", "promised", "verdict", "first violation");
  for (const ojson& p : props) {
    out += fmt::format("{:<18} {:<9} {:<11} {}\n", p["property"].get<std::string>(),
                       p["promised"].get<bool>() ? "yes" : "no", p["verdict"].get<std::string>(),
                       p.contains("first") ? p["first"].get<std::string>() : "");
  }
  return out;
}

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

ojson history_json(const History& h) {
  const Scenario& s = *h.scenario;
  ojson out = ojson::array();
  for (const HistoryEvent& e : h.events) {
    const Observation& o = e.obs;
    const CustomerSpec& c = s.customers[static_cast<size_t>(o.customer)];
    const Event& ev = c.events[static_cast<size_t>(o.event)];
    static constexpr const char* kKinds[] = {"issue", "serve", "apply", "reply"};
    ojson j = {{"time_us", e.time_us},
               {"kind", kKinds[static_cast<int>(o.kind)]},
               {"customer", c.id},
               {"event", ev.id},
               {"interface", std::string(interface_name(o.iface))},
               {"branch", branch_id(s, o.branch)}};
    if (is_write(o.iface)) j["money"] = o.money;
    switch (o.kind) {
      case ObservationKind::kIssue:
        break;
      case ObservationKind::kServe:
        j["result"] = result_word(o.success);
        j["balance"] = o.balance;
        break;
      case ObservationKind::kReply:
        j["result"] = result_word(o.success);
        if (o.iface == Interface::kQuery) j["balance"] = o.balance;
        break;
      case ObservationKind::kApply:
        j["origin"] = o.success;
        j["balance"] = o.balance;
        break;
    }
    out.push_back(std::move(j));
  }
  return out;
}

ojson write_sets_json(const History& h) {
  const Scenario& s = *h.scenario;
  // branch index -> customer index -> event ids, in application order.
  std::vector<std::map<int32_t, std::vector<int64_t>>> sets(s.branches.size());
  for (const HistoryEvent& e : h.events) {
    if (e.obs.kind != ObservationKind::kApply) continue;
    const int64_t event_id =
        s.customers[static_cast<size_t>(e.obs.customer)].events[static_cast<size_t>(e.obs.event)].id;
    sets[static_cast<size_t>(e.obs.branch)][e.obs.customer].push_back(event_id);
  }
  ojson out = ojson::array();
  for (size_t b = 0; b < s.branches.size(); ++b) {
    ojson per_customer = ojson::object();
    for (const auto& [c, ids] : sets[b]) {
      per_customer[std::to_string(s.customers[static_cast<size_t>(c)].id)] = ids;
    }
    out.push_back({{fmt::format("branch_{}", s.branches[b].id), std::move(per_customer)}});
  }
  return out;
}

ojson events_per_branch_json(const History& h) {
  const Scenario& s = *h.scenario;
  // branch index -> customer index -> the events it served or applied, in that order.
  std::vector<std::map<int32_t, ojson>> events(s.branches.size());
  for (const HistoryEvent& e : h.events) {
    const Observation& o = e.obs;
    // A served request (a write's serve is followed by its own apply: count it once),
    // or a write propagated from another branch.
    const bool served = o.kind == ObservationKind::kServe;
    const bool propagated = o.kind == ObservationKind::kApply && !o.success;
    if (!served && !propagated) continue;
    const int64_t event_id =
        s.customers[static_cast<size_t>(o.customer)].events[static_cast<size_t>(o.event)].id;
    ojson& per_customer = events[static_cast<size_t>(o.branch)][o.customer];
    if (per_customer.is_null()) per_customer = ojson::object();
    per_customer[std::to_string(event_id)] = {{"interface", std::string(interface_name(o.iface))},
                                              {"money", is_write(o.iface) ? o.money : 0},
                                              {"event_id", event_id}};
  }
  ojson out = ojson::array();
  for (size_t b = 0; b < s.branches.size(); ++b) {
    ojson per_customer = ojson::object();
    for (auto& [c, evs] : events[b]) {
      per_customer[std::to_string(s.customers[static_cast<size_t>(c)].id)] = std::move(evs);
    }
    out.push_back({{fmt::format("branch_{}", s.branches[b].id), std::move(per_customer)}});
  }
  return out;
}

ojson results_json(const History& h, const RunFacts& f, OutputFormat format) {
  return results_json(ExecutionRecord(h), f, format);
}

namespace {

// The elements of the list formats (recv, balance, events), in order, one at a time.
template <class Emit>
void each_result(const ExecutionRecord& r, OutputFormat format, Emit&& emit) {
  const Scenario& s = r.scenario();
  const auto& outcomes = r.outcomes();
  switch (format) {
    case OutputFormat::kAuto:
    case OutputFormat::kRecv:
      for (size_t c = 0; c < s.customers.size(); ++c) {
        ojson recv = ojson::array();
        for (size_t e = 0; e < s.customers[c].events.size(); ++e) {
          const EventOutcome& o = outcomes[c][e];
          if (!o.answered) continue;
          const Interface iface = s.customers[c].events[e].iface;
          ojson r = {{"interface", std::string(interface_name(iface))},
                     {"result", result_word(o.success)}};
          if (iface == Interface::kQuery) r["money"] = o.balance;
          recv.push_back(std::move(r));
        }
        emit(ojson{{"id", s.customers[c].id}, {"recv", std::move(recv)}});
      }
      return;
    case OutputFormat::kBalance:
      for (size_t c = 0; c < s.customers.size(); ++c) {
        std::optional<Money> last_query;
        for (size_t e = 0; e < s.customers[c].events.size(); ++e) {
          if (s.customers[c].events[e].iface == Interface::kQuery && outcomes[c][e].answered) {
            last_query = outcomes[c][e].balance;
          }
        }
        if (last_query) emit(ojson{{"id", s.customers[c].id}, {"balance", *last_query}});
      }
      return;
    case OutputFormat::kEvents:
      for (size_t c = 0; c < s.customers.size(); ++c) {
        for (size_t e = 0; e < s.customers[c].events.size(); ++e) {
          const EventOutcome& o = outcomes[c][e];
          if (!o.answered) continue;
          const Interface iface = s.customers[c].events[e].iface;
          ojson r = {{"interface", std::string(interface_name(iface))},
                     {"branch", branch_id(s, o.branch)}};
          if (iface == Interface::kQuery) {
            r["balance"] = o.balance;
          } else {
            r["result"] = result_word(o.success);
          }
          emit(ojson{{"id", s.customers[c].id}, {"recv", ojson::array({std::move(r)})}});
        }
      }
      return;
    case OutputFormat::kJson:
      assert(false && "not a list format");
      return;
  }
}

}  // namespace

std::string results_text(const ExecutionRecord& r, const RunFacts& f, OutputFormat format) {
  if (format == OutputFormat::kJson) return results_json(r, f, format).dump(2) + "\n";
  // As dump(2) lays out an array: each element on its own lines, indented one level.
  std::string out;
  bool first = true;
  each_result(r, format, [&](const ojson& element) {
    out += first ? "[\n  " : ",\n  ";
    first = false;
    for (const char c : element.dump(2)) {
      out += c;
      if (c == '\n') out += "  ";  // strings in a dump never hold a raw newline
    }
  });
  out += first ? "[]\n" : "\n]\n";
  return out;
}

ojson results_json(const ExecutionRecord& r, const RunFacts& f, OutputFormat format) {
  const Scenario& s = r.scenario();
  const auto& outcomes = r.outcomes();
  if (format != OutputFormat::kJson) {
    ojson out = ojson::array();
    each_result(r, format, [&](ojson element) { out.push_back(std::move(element)); });
    return out;
  }
  ojson doc = ojson::object();
  doc["scenario"] = f.source;
  doc["protocol"] = std::string(protocol_name(f.protocol));
  if (f.step_times) {
    doc["schedule"] = "a delivery order from banksim explore; times are step numbers";
  } else if (f.backend.empty()) {
    doc["seed"] = f.seed;
    doc["network"] = {{"latency", f.network.latency.spec()}, {"fifo", f.network.fifo}};
  } else {
    doc["backend"] = f.backend;
  }
  doc["quiescent_queries"] = f.quiescent_queries;
  ojson branches = ojson::array();
  for (size_t b = 0; b < s.branches.size(); ++b) {
    branches.push_back({{"id", s.branches[b].id},
                        {"initial", s.branches[b].balance},
                        {"final", f.final_balances.at(b)}});
  }
  doc["branches"] = std::move(branches);
  ojson customers = ojson::array();
  for (size_t c = 0; c < s.customers.size(); ++c) {
    ojson events = ojson::array();
    for (size_t e = 0; e < s.customers[c].events.size(); ++e) {
      const Event& ev = s.customers[c].events[e];
      const EventOutcome& o = outcomes[c][e];
      ojson j = {{"id", ev.id},
                 {"interface", std::string(interface_name(ev.iface))},
                 {"branch", branch_id(s, ev.branch)}};
      if (is_write(ev.iface)) j["money"] = ev.money;
      if (o.answered) {
        j["result"] = result_word(o.success);
        j["balance"] = o.balance;
        j["issued_us"] = o.issued_us;
        j["replied_us"] = o.replied_us;
      } else {
        j["result"] = !o.issued ? "not issued" : o.served ? "served, not answered" : "unanswered";
      }
      events.push_back(std::move(j));
    }
    customers.push_back({{"id", s.customers[c].id}, {"events", std::move(events)}});
  }
  doc["customers"] = std::move(customers);
  doc["stats"] = {{"messages_delivered", f.delivered},
                  {"messages_sent", f.sent},
                  {f.step_times ? "steps" : "virtual_time_us", f.end_time_us},
                  {"quiescent", r.quiescent()},
                  {"hit_step_bound", f.hit_step_bound}};
  doc["properties"] = property_json(f, r.violation_counts());
  assert(r.has_history());
  doc["write_sets"] = write_sets_json(r.history());
  doc["history"] = history_json(r.history());
  return doc;
}

std::string summary_text(const History& h, const RunFacts& f, uint64_t max_events) {
  return summary_text(ExecutionRecord(h), f, max_events);
}

namespace {

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
std::string unanswered_text(const RunFacts& f, const EventOutcome& o, bool quiescent, size_t c,
                            size_t e) {
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
                           branch_id(s, ev.branch), unanswered_text(f, o, quiescent, c, e));
        continue;
      }
      out += fmt::format("    event {}: {} at branch {}: {}, balance {} ({})\n", ev.id, what,
                         branch_id(s, o.branch), result_word(o.success), o.balance,
                         f.step_times ? fmt::format("step {}", o.replied_us)
                                      : fmt::format("t={} us", o.replied_us));
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

std::string timeline_fault(const World& world, int64_t now_us, bool step_times) {
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

}  // namespace banksim
