#include "sim/output_reader.h"

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/json_input.h"

namespace banksim {

using nlohmann::json;

std::optional<OutputForm> parse_output_form(std::string_view s) {
  if (s == "recv") return OutputForm::kRecv;
  if (s == "balance") return OutputForm::kBalance;
  if (s == "events") return OutputForm::kEvents;
  if (s == "history") return OutputForm::kHistory;
  return std::nullopt;
}

const char* output_form_name(OutputForm f) {
  switch (f) {
    case OutputForm::kRecv:
      return "recv";
    case OutputForm::kBalance:
      return "balance";
    case OutputForm::kEvents:
      return "events";
    case OutputForm::kHistory:
      return "history";
  }
  return "?";
}

namespace {

// Thrown inside the reader only; converted to an Error at the boundary.
struct OutputFault {
  std::string path;
  std::string rule;
};

[[noreturn]] void fail(const std::string& path, std::string rule) {
  throw OutputFault{path, std::move(rule)};
}

std::string at(const std::string& path, size_t i) {
  return fmt::format("{}[{}]", path, i);
}
std::string at(const std::string& path, std::string_view key) {
  return json_path_child(path, key);
}

const json& array_at(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, fmt::format("must be an array, not {}", json_kind_name(v)));
  return v;
}

const json& object_at(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, fmt::format("must be an object, not {}", json_kind_name(v)));
  return v;
}

const json& member(const json& obj, const std::string& path, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end()) fail(path, fmt::format("missing \"{}\"", key));
  return *it;
}

// An amount or id: a JSON integer in int64, or a number with no fractional part (the
// seed projects print balances as floats, "500.0"). The double only classifies.
int64_t integer(const json& v, const std::string& path) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      fail(path, "must be an integer that fits in 64 bits");
    }
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) {
      fail(path, fmt::format("must be a whole amount, not {}", v.dump()));
    }
    if (std::fabs(d) >= 9007199254740992.0) {
      fail(path, "must be an integer (a number this large is not exact as a float)");
    }
    return static_cast<int64_t>(d);
  }
  fail(path, fmt::format("must be an integer, not {}", json_kind_name(v)));
}

const std::string& text(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, fmt::format("must be a string, not {}", json_kind_name(v)));
  return v.get_ref<const std::string&>();
}

bool result_word(const json& v, const std::string& path) {
  const std::string& r = text(v, path);
  if (r == "success") return true;
  if (r == "fail") return false;
  fail(path, fmt::format("must be \"success\" or \"fail\", not {}", quote_for_error(r)));
}

class Reader {
 public:
  Reader(const Scenario& s) : s_(s) {
    for (size_t c = 0; c < s.customers.size(); ++c) customer_index_[s.customers[c].id] = c;
    for (size_t b = 0; b < s.branches.size(); ++b) branch_index_[s.branches[b].id] = b;
    obs_.events.resize(s.customers.size());
    for (size_t c = 0; c < s.customers.size(); ++c) {
      obs_.events[c].resize(s.customers[c].events.size());
    }
  }

  ClientObservations take() { return std::move(obs_); }

  size_t customer(const json& v, const std::string& path) const {
    const int64_t id = integer(v, path);
    const auto it = customer_index_.find(id);
    if (it == customer_index_.end()) fail(path, fmt::format("no customer {} in the input", id));
    return it->second;
  }

  // Checks an output's interface against the input's event (c, e).
  void same_interface(size_t c, size_t e, const json& v, const std::string& path) const {
    const std::string& got = text(v, path);
    const Event& x = s_.customers[c].events[e];
    if (got != interface_name(x.iface)) {
      fail(path,
           fmt::format("must be \"{}\" (customer {} event {} in the input), not {}",
                       interface_name(x.iface), s_.customers[c].id, x.id, quote_for_error(got)));
    }
  }

  size_t next_event(size_t c, size_t e, const std::string& path) const {
    if (e >= s_.customers[c].events.size()) {
      fail(path, fmt::format("customer {} has only {} events in the input", s_.customers[c].id,
                             s_.customers[c].events.size()));
    }
    return e;
  }

  // The customer a per-customer element ($[i], at path p) names; each may be listed once.
  size_t listed_once(const json& elem, const std::string& p, std::vector<bool>* listed) {
    const size_t c = customer(member(elem, p, "id"), at(p, "id"));
    if ((*listed)[c]) fail(at(p, "id"), fmt::format("customer {} listed twice", s_.customers[c].id));
    (*listed)[c] = true;
    return c;
  }

  // Seeds 000/001: per customer, the replies in order.
  void recv(const json& doc) {
    array_at(doc, "$");
    std::vector<bool> listed(s_.customers.size(), false);
    for (size_t i = 0; i < doc.size(); ++i) {
      const std::string p = at("$", i);
      const json& elem = object_at(doc[i], p);
      const size_t c = listed_once(elem, p, &listed);
      const std::string rp = at(p, "recv");
      const json& replies = array_at(member(elem, p, "recv"), rp);
      for (size_t e = 0; e < replies.size(); ++e) {
        const std::string ep = at(rp, e);
        const json& r = object_at(replies[e], ep);
        next_event(c, e, ep);
        same_interface(c, e, member(r, ep, "interface"), at(ep, "interface"));
        reply(c, e, result_word(member(r, ep, "result"), at(ep, "result")), r, ep, "money");
      }
    }
    unanswered_rest();
  }

  // Seed 004: one record per event, each customer's in its order.
  void events(const json& doc) {
    array_at(doc, "$");
    std::vector<size_t> next(s_.customers.size(), 0);
    for (size_t i = 0; i < doc.size(); ++i) {
      const std::string p = at("$", i);
      const json& elem = object_at(doc[i], p);
      const size_t c = customer(member(elem, p, "id"), at(p, "id"));
      const std::string rp = at(p, "recv");
      const json& replies = array_at(member(elem, p, "recv"), rp);
      for (size_t k = 0; k < replies.size(); ++k) {
        const std::string ep = at(rp, k);
        const json& r = object_at(replies[k], ep);
        const size_t e = next_event(c, next[c]++, ep);
        const Event& x = s_.customers[c].events[e];
        same_interface(c, e, member(r, ep, "interface"), at(ep, "interface"));
        const int64_t branch = integer(member(r, ep, "branch"), at(ep, "branch"));
        const int64_t want = s_.branches[static_cast<size_t>(x.branch)].id;
        if (branch != want) {
          fail(at(ep, "branch"),
               fmt::format("must be {} (customer {} event {} in the input), not {}", want,
                           s_.customers[c].id, x.id, branch));
        }
        const bool ok = x.iface == Interface::kQuery
                            ? true
                            : result_word(member(r, ep, "result"), at(ep, "result"));
        reply(c, e, ok, r, ep, "balance");
      }
    }
    unanswered_rest();
  }

  // Seed 002: the balance of each customer's last query; nothing else is shown.
  void balance(const json& doc) {
    array_at(doc, "$");
    obs_.liveness_unknown =
        "the balance form shows one balance per customer, not which events were answered";
    std::vector<bool> listed(s_.customers.size(), false);
    for (size_t i = 0; i < doc.size(); ++i) {
      const std::string p = at("$", i);
      const json& elem = object_at(doc[i], p);
      const size_t c = listed_once(elem, p, &listed);
      const auto& evs = s_.customers[c].events;
      size_t q = evs.size();
      for (size_t e = 0; e < evs.size(); ++e) {
        if (evs[e].iface == Interface::kQuery) q = e;
      }
      if (q == evs.size()) {
        fail(at(p, "id"), fmt::format("customer {} has no query in the input", s_.customers[c].id));
      }
      // A customer issues one event at a time: everything before its last query was
      // answered, with results the output does not show.
      for (size_t e = 0; e < q; ++e) obs_.events[c][e].answer = Answer::kYes;
      obs_.events[c][q].answer = Answer::kYes;
      obs_.events[c][q].balance = integer(member(elem, p, "balance"), at(p, "balance"));
    }
  }

  // banksim's history: every issue, serve, apply and reply with its virtual time.
  void history(const json& doc, const std::string& root) {
    array_at(doc, root);
    obs_.timed = true;
    int64_t settled = -1;
    int64_t last = 0;
    std::vector<std::map<int64_t, size_t>> event_index(s_.customers.size());
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        event_index[c][s_.customers[c].events[e].id] = e;
      }
    }
    std::vector<std::vector<std::string>> reply_path(s_.customers.size());
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      reply_path[c].resize(s_.customers[c].events.size());
    }
    for (size_t i = 0; i < doc.size(); ++i) {
      const std::string p = at(root, i);
      const json& rec = object_at(doc[i], p);
      const int64_t time = integer(member(rec, p, "time_us"), at(p, "time_us"));
      if (time < last) {
        fail(at(p, "time_us"), fmt::format("must not go back in time ({} after {})", time, last));
      }
      last = time;
      const std::string& kind = text(member(rec, p, "kind"), at(p, "kind"));
      const size_t c = customer(member(rec, p, "customer"), at(p, "customer"));
      const int64_t event_id = integer(member(rec, p, "event"), at(p, "event"));
      const auto found = event_index[c].find(event_id);
      if (found == event_index[c].end()) {
        fail(at(p, "event"),
             fmt::format("customer {} has no event {} in the input", s_.customers[c].id, event_id));
      }
      const size_t e = found->second;
      same_interface(c, e, member(rec, p, "interface"), at(p, "interface"));
      const int64_t branch = integer(member(rec, p, "branch"), at(p, "branch"));
      if (branch_index_.find(branch) == branch_index_.end()) {
        fail(at(p, "branch"), fmt::format("no branch {} in the input", branch));
      }
      SeenEvent& seen = obs_.events[c][e];
      if (kind == "issue") {
        if (seen.issued_us >= 0) fail(at(p, "kind"), "the event was issued twice");
        seen.issued_us = time;
      } else if (kind == "reply") {
        if (seen.issued_us < 0) fail(at(p, "kind"), "a reply to an event never issued");
        if (seen.answer == Answer::kYes) fail(at(p, "kind"), "the event was answered twice");
        reply(c, e, result_word(member(rec, p, "result"), at(p, "result")), rec, p, "balance");
        seen.replied_us = time;
        reply_path[c][e] = p;
      } else if (kind == "apply") {
        settled = static_cast<int64_t>(i);
      } else if (kind == "serve") {
        seen.served_at = static_cast<int64_t>(i);
      } else {
        fail(at(p, "kind"),
             fmt::format("must be issue, serve, apply or reply, not {}", quote_for_error(kind)));
      }
    }
    obs_.settled_at = settled;
    for (size_t c = 0; c < s_.customers.size(); ++c) {
      bool gap = false;
      for (size_t e = 0; e < s_.customers[c].events.size(); ++e) {
        SeenEvent& seen = obs_.events[c][e];
        if (seen.answer != Answer::kYes) {
          seen.answer = Answer::kNo;
          gap = true;
        } else if (gap) {
          fail(reply_path[c][e], fmt::format("customer {} event {} is answered, an earlier event "
                                             "is not (a customer issues one event at a time)",
                                             s_.customers[c].id, s_.customers[c].events[e].id));
        }
      }
    }
  }

 private:
  void reply(size_t c, size_t e, bool success, const json& r, const std::string& path,
             std::string_view balance_key) {
    SeenEvent& seen = obs_.events[c][e];
    seen.answer = Answer::kYes;
    if (s_.customers[c].events[e].iface == Interface::kQuery) {
      if (!success) fail(at(path, "result"), "a query cannot fail");
      seen.balance = integer(member(r, path, balance_key), at(path, balance_key));
    } else {
      seen.success = success;
    }
  }

  void unanswered_rest() {
    for (auto& events : obs_.events) {
      for (SeenEvent& seen : events) {
        if (seen.answer == Answer::kUnknown) seen.answer = Answer::kNo;
      }
    }
  }

  const Scenario& s_;
  ClientObservations obs_;
  std::map<int64_t, size_t> customer_index_;
  std::map<int64_t, size_t> branch_index_;
};

// The form the content shows; nullopt for an empty list.
std::optional<OutputForm> recognise(const json& doc) {
  if (!doc.is_array() || doc.empty()) return std::nullopt;
  const json& first = doc[0];
  if (!first.is_object()) fail("$[0]", fmt::format("must be an object, not {}", json_kind_name(first)));
  if (first.contains("kind")) return OutputForm::kHistory;
  if (first.contains("recv")) {
    const json& r = first["recv"];
    const bool branch = r.is_array() && !r.empty() && r[0].is_object() && r[0].contains("branch");
    return branch ? OutputForm::kEvents : OutputForm::kRecv;
  }
  if (first.contains("balance")) return OutputForm::kBalance;
  fail("$[0]",
       "must have \"recv\" (recv or events form), \"balance\" (balance form) or "
       "\"kind\" (a banksim history)");
}

OutputForm implied_by(InputForm f) {
  switch (f) {
    case InputForm::kPlain:
      return OutputForm::kRecv;
    case InputForm::kDest:
      return OutputForm::kBalance;
    case InputForm::kBranchKey:
      return OutputForm::kEvents;
  }
  return OutputForm::kRecv;
}

}  // namespace

Result<OutputRead> read_output(const json& doc, const Scenario& s, std::optional<OutputForm> form,
                               const std::string& source) {
  try {
    Reader reader(s);
    OutputRead out;
    if (doc.is_object()) {
      // banksim's --format json: the history inside it.
      if (form && *form != OutputForm::kHistory) {
        fail("$",
             fmt::format("must be a list (the {} form), not an object", output_form_name(*form)));
      }
      const auto it = doc.find("history");
      if (it == doc.end()) {
        fail("$", "must be a list (an output form) or banksim's JSON results with \"history\"");
      }
      out.form = OutputForm::kHistory;
      reader.history(*it, "$.history");
      out.observations = reader.take();
      return out;
    }
    array_at(doc, "$");
    out.form = form ? *form : recognise(doc).value_or(implied_by(s.form));
    switch (out.form) {
      case OutputForm::kRecv:
        reader.recv(doc);
        break;
      case OutputForm::kBalance:
        reader.balance(doc);
        break;
      case OutputForm::kEvents:
        reader.events(doc);
        break;
      case OutputForm::kHistory:
        reader.history(doc, "$");
        break;
    }
    out.observations = reader.take();
    return out;
  } catch (const OutputFault& f) {
    return Error{fmt::format("{}: {}: {}", source, f.path, f.rule)};
  }
}

Result<OutputRead> load_output_file(const std::string& path, const Scenario& s,
                                    std::optional<OutputForm> form) {
  auto text = read_input_file(path, kMaxOutputBytes, "output file");
  if (!text.ok()) return text.error();
  auto doc = parse_json_input(text.value(), path, kMaxOutputBytes, kMaxJsonDepth);
  if (!doc.ok()) return doc.error();
  return read_output(doc.value(), s, form, path);
}

}  // namespace banksim
