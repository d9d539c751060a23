#include "sim/scenario.h"

#include <nlohmann/json.hpp>

namespace banksim {

using nlohmann::json;

json scenario_to_json(const Scenario& s) {
  json processes = json::array();
  for (const CustomerSpec& c : s.customers) {
    json events = json::array();
    for (const Event& e : c.events) {
      json ev = {{"id", e.id}, {"interface", std::string(interface_name(e.iface))}};
      if (is_write(e.iface)) ev["money"] = e.money;
      const int64_t branch_id = s.branches[static_cast<size_t>(e.branch)].id;
      switch (s.form) {
        case InputForm::kPlain:
          break;
        case InputForm::kDest:
          ev["dest"] = branch_id;
          break;
        case InputForm::kBranchKey:
          ev["branch"] = branch_id;
          break;
      }
      if (e.think_us != 0) ev["think_us"] = e.think_us;
      events.push_back(std::move(ev));
    }
    processes.push_back({{"id", c.id}, {"type", "customer"}, {"events", std::move(events)}});
  }
  for (const BranchSpec& b : s.branches) {
    processes.push_back({{"id", b.id}, {"type", "branch"}, {"balance", b.balance}});
  }
  json doc = json::object();
  if (s.protocol) doc["protocol"] = std::string(protocol_name(*s.protocol));
  if (s.latency || s.fifo) {
    json net = json::object();
    if (s.latency) net["latency"] = s.latency->spec();
    if (s.fifo) net["fifo"] = *s.fifo;
    doc["network"] = std::move(net);
  }
  if (s.faults) doc["faults"] = *s.faults;
  doc["processes"] = std::move(processes);
  return doc;
}

}  // namespace banksim
