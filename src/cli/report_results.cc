#include "cli/report.h"

#include "cli/report_detail.h"
#include "sim/trace.h"

#include <cassert>
#include <optional>

#include <fmt/format.h>

namespace banksim {

using ojson = nlohmann::ordered_json;
using report_detail::branch_id;
using report_detail::property_json;
using report_detail::result_word;

std::string schedule_length_text(const std::vector<uint64_t>& schedule) {
  const size_t faults = fault_steps(schedule);
  const size_t deliveries = schedule.size() - faults;
  std::string out = fmt::format("{} deliver{}", deliveries, deliveries == 1 ? "y" : "ies");
  if (faults > 0) out += fmt::format(" and {} fault{}", faults, faults == 1 ? "" : "s");
  return out;
}

std::string grouped(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

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
    const int64_t event_id = s.customers[static_cast<size_t>(e.obs.customer)]
                                 .events[static_cast<size_t>(e.obs.event)]
                                 .id;
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
      if (const GaveUp* g = find_give_up(f, c, e); g != nullptr) {
        if (!o.answered) j["result"] = "gave up";
        j["request_sent_us"] = g->sent_us;
        j["gave_up_us"] = g->at_us;
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

}  // namespace banksim
