// Property 6: money is never created or lost in flight. After every single step of
// every protocol, along arbitrary interleavings (the network may deliver any in-flight
// message next), the replicas plus the writes still travelling or buffered equal the
// initial money plus every successful write once per replica (World::money_conserved);
// at quiescence the conservation property holds (every protocol promises it).
#include <fmt/format.h>

#include "prop/harness.h"

using namespace banksim;

TEST_CASE("prop: conservation holds after every step of every protocol") {
  prop_check("conservation after every step", [] {
    const auto scenario = std::make_shared<const Scenario>(*gen_scenario(kTimedShape));
    const bool quiescent_queries = *rc::gen::weightedElement<bool>({{1, true}, {3, false}});
    const auto picks =
        *rc::gen::container<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(0, 64));
    for (const ProtocolKind protocol :
         {ProtocolKind::kSync, ProtocolKind::kAsync, ProtocolKind::kSession}) {
      World world(scenario, WorldOptions{.protocol = protocol,
                                         .wire = false,
                                         .record_history = false,
                                         .quiescent_queries = quiescent_queries,
                                         .properties = PropertySet::all()});
      int64_t broken_at = -1;
      const WalkResult walked = walk(world, picks, 100'000, [&](const World& w, int64_t step) {
        if (w.money_conserved()) return true;
        broken_at = step;
        return false;
      });
      std::string problem;
      if (broken_at >= 0) {
        problem = fmt::format("money is not conserved after step {} (delivery of message {})",
                              broken_at, broken_at == 0 ? 0 : walked.schedule.back());
      } else if (!walked.quiescent) {
        problem = "the walk never reached quiescence";
      } else {
        for (const Violation& v : world.violations()) {
          if (v.property == Property::kConservation) problem = v.detail;
        }
      }
      if (!problem.empty()) {
        RC_FAIL(
            fmt::format("{}: {}\n{}", protocol_name(protocol), problem,
                        save_failure("conservation", *scenario,
                                     trace_of_schedule(scenario, protocol, walked.schedule,
                                                       quiescent_queries, world.violations()))));
      }
    }
  });
}
