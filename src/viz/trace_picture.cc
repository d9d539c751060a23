#include "viz/trace_picture.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace banksim {

std::string_view property_sentence(Property p) {
  switch (p) {
    case Property::kConvergence:
      return "every replica holds the same balance once nothing is in flight";
    case Property::kConservation:
      return "each final balance equals the initial balance plus the successful deposits "
             "minus the successful withdraws";
    case Property::kMonotonicWrites:
      return "every branch applies a customer's writes in the order the customer made them";
    case Property::kReadYourWrites:
      return "a query or a withdraw decision sees every write its customer completed before "
             "issuing it";
    case Property::kNoOverdraft:
      return "no replica's balance ever goes below zero";
    case Property::kLiveness:
      return "every request is answered once nothing is in flight";
  }
  assert(false && "unknown property");
  return "";
}

namespace {

// Reads the picture off the World as the trace is replayed.
class PictureBuilder {
 public:
  PictureBuilder(const Trace& t, TracePicture* p) : t_(t), p_(p) {
    const Scenario& s = *t.scenario;
    branches_ = s.branch_count();
    customers_ = s.customer_count();
    for (const CustomerSpec& c : s.customers) {
      p_->lanes.push_back(
          PictureLane{.is_branch = false, .id = c.id, .initial = 0, .final_balance = 0});
    }
    for (const BranchSpec& b : s.branches) {
      p_->lanes.push_back(
          PictureLane{.is_branch = true, .id = b.id, .initial = b.balance, .final_balance = 0});
    }
  }

  int32_t lane(ActorIndex a) const { return a < branches_ ? customers_ + a : a - branches_; }
  int32_t branch_lane(int32_t b) const { return customers_ + b; }

  std::string event_name(int32_t c, int32_t e) const {
    const CustomerSpec& cs = t_.scenario->customers[static_cast<size_t>(c)];
    const Event& ev = cs.events[static_cast<size_t>(e)];
    if (ev.iface == Interface::kQuery)
      return fmt::format("customer {} event {} (query)", cs.id, ev.id);
    return fmt::format("customer {} event {} ({} {})", cs.id, ev.id, interface_name(ev.iface),
                       ev.money);
  }
  PictureEvent about(int32_t c, int32_t e) const {
    const CustomerSpec& cs = t_.scenario->customers[static_cast<size_t>(c)];
    return PictureEvent{.customer = c,
                        .event = e,
                        .customer_id = cs.id,
                        .event_id = cs.events[static_cast<size_t>(e)].id};
  }
  std::string actor_name(ActorIndex a) const {
    if (a < branches_)
      return fmt::format("branch {}", t_.scenario->branches[static_cast<size_t>(a)].id);
    return fmt::format("customer {}",
                       t_.scenario->customers[static_cast<size_t>(a - branches_)].id);
  }
  std::string when(int64_t step) const {
    if (!p_->timed) return fmt::format("step {}", step);
    return fmt::format("step {} (t={} us)", step, p_->step_times_us[static_cast<size_t>(step)]);
  }

  // Records the messages the last start() or apply() sent.
  bool take_sends(const World& w, int64_t step, Error* error) {
    for (const InFlight& f : w.last_sent()) {
      if (p_->messages.size() >= kMaxPictureMessages) {
        *error = Error{fmt::format("{}: the trace sends more than {} messages, too many to draw",
                                   source_, kMaxPictureMessages)};
        return false;
      }
      assert(p_->messages.empty() || p_->messages.back().id < f.id);
      index_[f.id] = p_->messages.size();
      p_->messages.push_back(describe(f, step));
    }
    return true;
  }

  PictureMessage describe(const InFlight& f, int64_t step) const {
    const Message& m = f.msg;
    PictureMessage pm{.id = f.id,
                      .from = lane(m.from),
                      .to = lane(m.to),
                      .sent = step,
                      .end = -1,
                      .fate = MessageFate::kInFlight,
                      .kind = m.kind,
                      .label = {},
                      .detail = {},
                      .about = about(m.customer, m.event),
                      .highlighted = false};
    const std::string name = event_name(m.customer, m.event);
    std::string what;
    switch (m.kind) {
      case MessageKind::kRequest:
        pm.label = m.iface == Interface::kQuery
                       ? "query"
                       : fmt::format("{} {}", interface_name(m.iface), m.money);
        what = fmt::format("request of {}", name);
        if (t_.protocol == ProtocolKind::kSession) {
          what += fmt::format(", after {} completed write{}", m.seq, m.seq == 1 ? "" : "s");
        }
        break;
      case MessageKind::kReply:
        if (m.iface == Interface::kQuery) {
          pm.label = fmt::format("reply: balance {}", m.money);
        } else {
          pm.label = m.success ? "reply: ok" : "reply: failed";
        }
        what = fmt::format("reply to {}", name);
        break;
      case MessageKind::kPropagate:
        pm.label = fmt::format("propagate {:+}", m.money);
        what = fmt::format("propagation of {}", name);
        break;
      case MessageKind::kAck:
        pm.label = "ack";
        what = fmt::format("acknowledgement of {}", name);
        break;
    }
    pm.detail = fmt::format("message #{}: {}, {} -> {}, sent at {}", f.id, what, actor_name(m.from),
                            actor_name(m.to), when(step));
    return pm;
  }

  void start(const World& w, Error* error) { ok_ = take_sends(w, 0, error) && ok_; }

  // A fault step: the messages it lost end there; a duplicate's copy starts there.
  void fault(const World& w, uint64_t packed, int64_t step, Error* error) {
    const Choice c = unpack_choice(packed);
    const auto lose = [&](std::map<uint64_t, size_t>::iterator it, const char* why) {
      PictureMessage& d = p_->messages[it->second];
      d.end = step;
      d.fate = MessageFate::kDropped;
      d.detail += fmt::format(", {} at {}", why, when(step));
      return index_.erase(it);
    };
    if (c.kind == ChoiceKind::kDrop) {
      auto it = index_.find(c.message_id);
      assert(it != index_.end());
      lose(it, "dropped by the network");
    } else if (c.kind == ChoiceKind::kCrash) {
      const int32_t lane_of = lane(c.branch);
      for (auto it = index_.begin(); it != index_.end();) {
        it = p_->messages[it->second].to == lane_of && w.find(it->first) == nullptr
                 ? lose(it, "lost in a crash of its receiver")
                 : std::next(it);
      }
    }
    ok_ = take_sends(w, step, error);
  }

  void step(const World& w, uint64_t delivered_id, int64_t step, Error* error) {
    if (!ok_) return;
    if (is_fault_step(delivered_id)) {
      fault(w, delivered_id, step, error);
      return;
    }
    auto it = index_.find(delivered_id);
    assert(it != index_.end());
    PictureMessage& d = p_->messages[it->second];
    index_.erase(it);
    d.end = step;
    d.fate = MessageFate::kDelivered;
    d.detail += fmt::format(", delivered at {}", when(step));
    const Message& m = w.last_delivered();
    if (m.kind == MessageKind::kRequest) {
      requests_[{m.customer, m.event}] = Delivery{step, d.to};
    }
    for (const Observation& o : w.last_observations()) observe(o, step);
    for (size_t i = seen_violations_; i < w.violations().size(); ++i) {
      violation_steps_.push_back(step);
      violation_branches_.push_back(violation_branch(w.violations()[i], w));
    }
    seen_violations_ = w.violations().size();
    ok_ = take_sends(w, step, error);
  }

  void observe(const Observation& o, int64_t step) {
    const std::string name = event_name(o.customer, o.event);
    switch (o.kind) {
      case ObservationKind::kIssue:
        return;
      case ObservationKind::kServe: {
        auto req = requests_.find({o.customer, o.event});
        assert(req != requests_.end());
        if (req->second.step < step) {
          p_->holds.push_back(PictureHold{
              .lane = req->second.lane,
              .from = req->second.step,
              .to = step,
              .detail = fmt::format("{} held from {} until {} (waiting for the customer's "
                                    "earlier writes)",
                                    name, when(req->second.step), when(step)),
              .about = about(o.customer, o.event),
              .highlighted = false});
        }
        requests_.erase(req);
        if (o.iface == Interface::kQuery) {
          add_mark(branch_lane(o.branch), step, MarkKind::kServe,
                   fmt::format("served query: saw {}", o.balance),
                   fmt::format("{} served at {}: saw balance {}", name, when(step), o.balance), o);
        } else if (!o.success) {
          add_mark(branch_lane(o.branch), step, MarkKind::kServe,
                   fmt::format("refused {} {} on balance {}", interface_name(o.iface), o.money,
                               o.balance),
                   fmt::format("{} refused at {}: balance {} too low", name, when(step), o.balance),
                   o);
        }
        return;
      }
      case ObservationKind::kApply:
        add_mark(branch_lane(o.branch), step, MarkKind::kApply,
                 fmt::format("{}{} \u2192 {}", o.iface == Interface::kDeposit ? "+" : "-", o.money,
                             o.balance),
                 fmt::format("applied {} ({}) at {}: balance {}", name,
                             o.success ? "served here" : "propagated", when(step), o.balance),
                 o);
        return;
      case ObservationKind::kReply: {
        const std::string result = o.iface == Interface::kQuery
                                       ? fmt::format("balance {}", o.balance)
                                       : (o.success ? "ok" : "failed");
        add_mark(lane(branches_ + o.customer), step, MarkKind::kReply,
                 fmt::format("{}: {}", interface_name(o.iface), result),
                 fmt::format("{} answered at {}: {}", name, when(step), result), o);
        return;
      }
    }
  }

  void add_mark(int32_t lane, int64_t step, MarkKind kind, std::string label, std::string detail,
                const Observation& o) {
    p_->marks.push_back(PictureMark{.lane = lane,
                                    .step = step,
                                    .kind = kind,
                                    .label = std::move(label),
                                    .detail = std::move(detail),
                                    .about = about(o.customer, o.event),
                                    .highlighted = false});
  }

  // Requests still held at the end; messages still in flight; final balances; verdict.
  void finish(const World& w, int64_t last_step) {
    for (const auto& [key, d] : requests_) {
      p_->holds.push_back(
          PictureHold{.lane = d.lane,
                      .from = d.step,
                      .to = -1,
                      .detail = fmt::format("{} held from {}, still waiting when the trace ends",
                                            event_name(key.first, key.second), when(d.step)),
                      .about = about(key.first, key.second),
                      .highlighted = false});
    }
    for (const InFlight& f : w.in_flight()) {
      assert(index_.count(f.id) == 1);
      p_->messages[index_[f.id]].detail += ", still in flight when the trace ends";
    }
    for (size_t i = seen_violations_; i < w.violations().size(); ++i) {
      violation_steps_.push_back(last_step);
      violation_branches_.push_back(-1);  // judged at the end: no one branch shows it
    }
    for (size_t b = 0; b < w.branches().size(); ++b) {
      p_->lanes[static_cast<size_t>(branch_lane(static_cast<int32_t>(b)))].final_balance =
          w.branches()[b].balance();
    }
  }

  // The branch where a violation found in the last step became visible: where its first
  // event (the read that missed a write, the write applied too early or too low) was
  // served or applied in that step; -1 if none was.
  int32_t violation_branch(const Violation& v, const World& w) const {
    if (v.events.empty()) return -1;
    for (const Observation& o : w.last_observations()) {
      if ((o.kind == ObservationKind::kServe || o.kind == ObservationKind::kApply) &&
          o.customer == v.events[0].customer && o.event == v.events[0].event) {
        return o.branch;
      }
    }
    return -1;
  }

  // Highlights the events of violation `v` (found at `step`, visible at `branch`, -1 if
  // at no one branch). With a branch, only what shows the violation is red: the named
  // events' requests, replies and marks at the customers, at the branches that served
  // them and at `branch`, and their messages between those lanes (the propagation to
  // `branch` that had not arrived), not their propagations to the other branches.
  void highlight(const Violation& v, int64_t step, int32_t branch) {
    p_->violation = PictureViolation{.property = v.property,
                                     .sentence = std::string(property_sentence(v.property)),
                                     .detail = v.detail,
                                     .step = step};
    const auto named = [&](const PictureEvent& a) {
      return std::any_of(v.events.begin(), v.events.end(), [&](const EventRef& r) {
        return r.customer == a.customer && r.event == a.event;
      });
    };
    std::vector<bool> shows(p_->lanes.size(), branch < 0);
    if (branch >= 0) {
      for (int32_t c = 0; c < customers_; ++c) shows[static_cast<size_t>(c)] = true;
      shows[static_cast<size_t>(branch_lane(branch))] = true;
      for (const PictureMessage& m : p_->messages) {
        if (m.kind == MessageKind::kRequest && named(m.about))
          shows[static_cast<size_t>(m.to)] = true;
      }
    }
    const auto at = [&](int32_t lane) { return shows[static_cast<size_t>(lane)]; };
    for (PictureMessage& m : p_->messages) m.highlighted = named(m.about) && at(m.from) && at(m.to);
    for (PictureMark& m : p_->marks) m.highlighted = named(m.about) && at(m.lane);
    for (PictureHold& h : p_->holds) h.highlighted = named(h.about) && at(h.lane);
  }

  const std::vector<int64_t>& violation_steps() const { return violation_steps_; }
  const std::vector<int32_t>& violation_branches() const { return violation_branches_; }
  bool ok() const { return ok_; }
  std::string source_;

 private:
  struct Delivery {
    int64_t step;
    int32_t lane;
  };
  const Trace& t_;
  TracePicture* p_;
  int32_t branches_ = 0;
  int32_t customers_ = 0;
  bool ok_ = true;
  std::map<uint64_t, size_t> index_;  // in-flight message id -> messages index
  std::map<std::pair<int32_t, int32_t>, Delivery> requests_;  // delivered, not yet served
  size_t seen_violations_ = 0;
  std::vector<int64_t> violation_steps_;     // parallel to the World's violations
  std::vector<int32_t> violation_branches_;  // likewise: branch index, or -1
};

}  // namespace

Result<TracePicture> picture_trace(const Trace& t, const std::string& source) {
  TracePicture p;
  p.source = source;
  p.origin = t.origin;
  p.protocol = std::string(protocol_name(t.protocol));
  p.timed = !t.times_us.empty();
  p.steps = static_cast<int64_t>(t.schedule.size());
  if (p.timed) {
    p.step_times_us.push_back(0);
    p.step_times_us.insert(p.step_times_us.end(), t.times_us.begin(), t.times_us.end());
  }
  PictureBuilder b(t, &p);
  b.source_ = source;
  Error error;
  int64_t step = 0;
  ReplayOptions ro;
  ro.on_start = [&](const World& w) { b.start(w, &error); };
  ro.on_step = [&](const World& w, int64_t) {
    ++step;
    b.step(w, t.schedule[static_cast<size_t>(step - 1)], step, &error);
  };
  auto replayed = replay_trace(t, source, ro);
  if (!replayed.ok()) return replayed.error();
  if (!b.ok()) return error;
  const World& w = replayed.value().world;
  assert(step == p.steps);
  b.finish(w, p.steps);
  p.quiescent = w.quiescent();

  const std::vector<Violation>& found = w.violations();
  assert(found.size() == b.violation_steps().size());
  std::optional<size_t> shown;
  for (size_t i = 0; i < found.size() && !shown; ++i) {
    if (!t.violation ||
        (found[i].property == t.violation->property && found[i].detail == t.violation->detail)) {
      shown = i;
    }
  }
  if (t.violation && !shown) {
    return Error{fmt::format("{}: the recorded {} violation was not reproduced", source,
                             property_name(t.violation->property))};
  }
  if (shown) {
    b.highlight(found[*shown], b.violation_steps()[*shown], b.violation_branches()[*shown]);
  } else if (p.quiescent) {
    p.verdict = "no checked property is violated in this execution";
  } else {
    p.verdict =
        "no checked property is violated before the trace ends; the trace ends with "
        "messages in flight, so convergence, conservation and liveness are not judged";
  }
  return p;
}

}  // namespace banksim
