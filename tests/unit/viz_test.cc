// The trace picture (src/viz): one message per send with the steps it was sent and
// delivered at, applies with balances, requests held by the session protocol, messages
// still in flight at the end, the violation's events highlighted, and a page whose bytes
// depend on the trace alone. The browser side is tests/e2e/viz_test.sh.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "shipped_scenarios.h"
#include "sim/explorer.h"
#include "sim/trace.h"
#include "viz/trace_picture.h"
#include "viz/viz_html.h"

using namespace banksim;

namespace {

// The shortest read-your-writes counterexample exploration finds of `s` under async.
Trace ryw_counterexample(const std::shared_ptr<const Scenario>& s) {
  ExploreOptions o;
  o.protocol = ProtocolKind::kAsync;
  o.checked = PropertySet().with(Property::kReadYourWrites);
  ExploreResult r = explore(s, o);
  REQUIRE(r.counterexamples.size() == 1);
  const Counterexample& c = r.counterexamples[0];
  Trace t;
  t.origin = "explore";
  t.scenario = s;
  t.protocol = ProtocolKind::kAsync;
  t.checked = o.checked;
  t.schedule = c.schedule;
  t.violation = TraceViolation{c.property, c.detail};
  return t;
}

Trace ryw_counterexample() {
  return ryw_counterexample(testing::load_shipped("moving-customer-3-branches.json"));
}

TracePicture picture_of(const Trace& t) {
  auto p = picture_trace(t, "t.json");
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
  return p.value();
}

const PictureMark* find_mark(const TracePicture& p, MarkKind kind, int64_t event_id) {
  for (const PictureMark& m : p.marks) {
    if (m.kind == kind && m.about.event_id == event_id) return &m;
  }
  return nullptr;
}

// One arrow per delivery, in schedule order.
void check_one_arrow_per_delivery(const Trace& t, const TracePicture& p) {
  CHECK(p.steps == static_cast<int64_t>(t.schedule.size()));
  int64_t delivered = 0;
  for (const PictureMessage& m : p.messages) {
    if (m.fate != MessageFate::kDelivered) continue;
    ++delivered;
    CHECK(m.sent < m.end);
    CHECK(t.schedule[static_cast<size_t>(m.end - 1)] == m.id);
  }
  CHECK(delivered == p.steps);
}

}  // namespace

TEST_CASE("viz: the read-your-writes counterexample shows the propagation still in flight") {
  // Customer 1 deposits 100 at branch 1 (event 1), then withdraws 30 at branch 2 (event 2):
  // branch 2 refuses it on balance 0 while the deposit's propagation to it is in flight.
  const Trace t = ryw_counterexample();
  REQUIRE(t.schedule.size() == 3);
  const TracePicture p = picture_of(t);
  check_one_arrow_per_delivery(t, p);
  // Lanes: customer 1, then branches 1..3.
  REQUIRE(p.lanes.size() == 4);
  CHECK(!p.lanes[0].is_branch);
  CHECK(p.lanes[3].is_branch);
  CHECK(p.lanes[3].id == 3);

  REQUIRE(p.violation.has_value());
  CHECK(p.violation->property == Property::kReadYourWrites);
  CHECK(p.violation->detail == t.violation->detail);
  CHECK(p.violation->sentence ==
        "a query or a withdraw decision sees every write its customer completed before "
        "issuing it");

  // The withdraw (event 2) was refused at branch 2 on balance 0; the deposit's (event 1)
  // propagation to branch 2 was sent before and had not arrived: highlighted, both.
  const PictureMark* served = find_mark(p, MarkKind::kServe, 2);
  REQUIRE(served != nullptr);
  CHECK(served->lane == 2);
  CHECK(served->label == "refused withdraw 30 on balance 0");
  CHECK(served->highlighted);
  CHECK(p.violation->step == served->step);
  CHECK(p.violation->step == 3);
  const auto propagation = [&](int32_t to) {
    const auto it =
        std::find_if(p.messages.begin(), p.messages.end(), [&](const PictureMessage& m) {
          return m.kind == MessageKind::kPropagate && m.about.event_id == 1 && m.to == to;
        });
    REQUIRE(it != p.messages.end());
    return *it;
  };
  const PictureMessage late = propagation(2);
  CHECK(late.highlighted);
  CHECK(late.label == "propagate +100");
  CHECK(late.sent < served->step);
  CHECK(late.fate == MessageFate::kInFlight);
  CHECK(late.end == -1);
  // Red is what shows the violation: the deposit's request and reply (the customer
  // completed it), the withdraw's request and reply, the propagation to branch 2; not
  // the propagation to branch 3, which has nothing to do with it.
  CHECK(!propagation(3).highlighted);
  int in_flight = 0;
  for (const PictureMessage& m : p.messages) {
    CHECK(m.highlighted == !(m.kind == MessageKind::kPropagate && m.to == 3));
    if (m.fate == MessageFate::kInFlight) ++in_flight;
  }
  CHECK(in_flight == 3);  // both propagations and the withdraw's reply

  // Applies carry the balance after them; the deposit's, where it was served, is red.
  const PictureMark* applied = find_mark(p, MarkKind::kApply, 1);
  REQUIRE(applied != nullptr);
  CHECK(applied->lane == 1);
  CHECK(applied->label == "+100 \u2192 100");
  CHECK(applied->highlighted);
}

TEST_CASE("viz: a query that misses its customer's write shows the propagation still in flight") {
  // The moving customer without the withdraw: deposit 100 at branch 1 (event 1), then
  // query at branch 3 (event 3), which sees 0 with the propagation to branch 3 in flight.
  Scenario s = *testing::load_shipped("moving-customer-3-branches.json");
  auto& events = s.customers[0].events;
  REQUIRE(events[1].iface == Interface::kWithdraw);
  events.erase(events.begin() + 1);
  s.finalize();
  const Trace t = ryw_counterexample(std::make_shared<const Scenario>(std::move(s)));
  REQUIRE(t.schedule.size() == 3);
  const TracePicture p = picture_of(t);
  check_one_arrow_per_delivery(t, p);
  REQUIRE(p.violation.has_value());
  CHECK(p.violation->property == Property::kReadYourWrites);
  CHECK(p.violation->detail.find("(query) at branch 3 saw balance 0 without customer 1 event 1") !=
        std::string::npos);

  const PictureMark* served = find_mark(p, MarkKind::kServe, 3);
  REQUIRE(served != nullptr);
  CHECK(served->lane == 3);
  CHECK(served->label == "served query: saw 0");
  CHECK(served->highlighted);
  CHECK(p.violation->step == served->step);
  int in_flight = 0;
  for (const PictureMessage& m : p.messages) {
    const bool late = m.kind == MessageKind::kPropagate && m.about.event_id == 1 && m.to == 3;
    if (late) {
      CHECK(m.fate == MessageFate::kInFlight);
      CHECK(m.sent < served->step);
    }
    // Everything but the propagation to branch 2 is part of the violation.
    CHECK(m.highlighted == !(m.kind == MessageKind::kPropagate && m.to == 2));
    if (m.fate == MessageFate::kInFlight) ++in_flight;
  }
  CHECK(in_flight == 3);  // both propagations and the query's reply
}

TEST_CASE("viz: a request the session protocol holds is drawn held until served") {
  // Session, moving customer: the deposit (message 0) is served at branch 1, which
  // replies (1) and propagates to branches 2 and 3 (2, 3). The withdraw to branch 2 (4)
  // arrives before the propagation and waits for it; delivering it (2) serves the withdraw.
  auto s = testing::load_shipped("moving-customer-3-branches.json");
  Trace t;
  t.origin = "explore";
  t.scenario = s;
  t.protocol = ProtocolKind::kSession;
  t.schedule = {0, 1, 4, 2};
  const TracePicture p = picture_of(t);
  REQUIRE(p.holds.size() == 1);
  CHECK(p.holds[0].lane == 2);  // branch 2
  CHECK(p.holds[0].from == 3);
  CHECK(p.holds[0].to == 4);
  CHECK(p.holds[0].about.event_id == 2);
  // Ends before quiescence: the propagation to branch 3 and the steps' sends are open.
  CHECK(!p.quiescent);
  CHECK(!p.violation.has_value());
  CHECK(p.verdict.find("not judged") != std::string::npos);
  int in_flight = 0;
  for (const PictureMessage& m : p.messages) {
    if (m.fate == MessageFate::kInFlight) {
      ++in_flight;
      CHECK(m.end == -1);
      CHECK(m.detail.find("still in flight") != std::string::npos);
    }
  }
  CHECK(in_flight == static_cast<int>(p.messages.size()) - 4);
  CHECK(in_flight > 0);
}

TEST_CASE("viz: a request still held at the end is drawn held to the end") {
  auto s = testing::load_shipped("moving-customer-3-branches.json");
  Trace t;
  t.origin = "explore";
  t.scenario = s;
  t.protocol = ProtocolKind::kSession;
  t.schedule = {0, 1, 4};
  const TracePicture p = picture_of(t);
  REQUIRE(p.holds.size() == 1);
  CHECK(p.holds[0].to == -1);
  CHECK(p.holds[0].detail.find("still waiting") != std::string::npos);
}

TEST_CASE(
    "viz: the page is the same bytes for the same trace, and its data cannot end the script") {
  Trace t = ryw_counterexample();
  auto p = picture_trace(t, "dir/</script><b>x.json");
  REQUIRE(p.ok());
  const std::string a = picture_html(p.value(), VizOptions{});
  const std::string b =
      picture_html(picture_trace(t, "dir/</script><b>x.json").value(), VizOptions{});
  CHECK(a == b);
  CHECK(a.find("</script><b>") == std::string::npos);
  CHECK(a.find("dir/\\u003c/script>\\u003cb>x.json") != std::string::npos);
  // The page loads nothing.
  CHECK(a.find("src=") == std::string::npos);
  CHECK(a.find("http://www.w3.org/2000/svg") != std::string::npos);  // the SVG namespace only
  CHECK(a.find("https://") == std::string::npos);
  // The window is the page's: another window, other bytes.
  CHECK(picture_html(p.value(), VizOptions{.window_steps = 3}) != a);
}

TEST_CASE("viz: a trace whose recorded violation does not happen is refused") {
  Trace t = ryw_counterexample();
  t.violation->detail = "something else";
  auto p = picture_trace(t, "t.json");
  REQUIRE(!p.ok());
  CHECK(p.error().message == "t.json: the recorded read-your-writes violation was not reproduced");
  t = ryw_counterexample();
  t.schedule.push_back(4242);
  p = picture_trace(t, "t.json");
  REQUIRE(!p.ok());
  CHECK(p.error().message.find("t.json: $.schedule[") == 0);
}

TEST_CASE("viz: the page's path for a trace") {
  CHECK(html_path_for_trace("a/t.json") == "a/t.html");
  CHECK(html_path_for_trace("t") == "t.html");
  CHECK(html_path_for_trace(".json") == ".json.html");
}
