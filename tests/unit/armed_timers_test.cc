// ArmedTimers against the plain list it replaced: random arms, disarms and firings over a
// few keys (so the table collides, wraps and shifts back), the list and lookups compared
// after every operation.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "sim/armed_timers.h"
#include "sim/prng.h"

namespace banksim {
namespace {

TimerKey key_of(uint64_t n) {
  TimerKey k;
  k.kind = n % 2 == 0 ? MessageKind::kRequest : MessageKind::kPropagate;
  k.owner = static_cast<ActorIndex>(n % 5);
  k.customer = static_cast<int32_t>(n % 7);
  k.event = static_cast<int32_t>(n / 7);
  k.peer = static_cast<int32_t>(n % 3);
  return k;
}

bool same(const ArmedTimers& timers, const std::vector<ArmedTimer>& b) {
  std::vector<ArmedTimer> a;
  timers.for_each([&](const ArmedTimer& t) { a.push_back(t); });
  return timers.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), b.end(),
                                                 [](const ArmedTimer& x, const ArmedTimer& y) {
                                                   return x.id == y.id && x.key == y.key;
                                                 });
}

TEST_CASE("ArmedTimers: the indexed list behaves as the flat list with erase by key") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Prng prng(seed);
    const uint64_t keys = 1 + prng.below(60);
    ArmedTimers timers;
    std::vector<ArmedTimer> model;  // sorted by id
    uint64_t next_id = 0;
    for (int op = 0; op < 3000; ++op) {
      const TimerKey k = key_of(prng.below(keys));
      const uint64_t what = prng.below(3);
      if (what == 0) {  // arm (re-arm)
        std::erase_if(model, [&](const ArmedTimer& a) { return a.key == k; });
        model.push_back(ArmedTimer{next_id, k});
        timers.arm(k, next_id++);
      } else if (what == 1) {  // cancel
        std::erase_if(model, [&](const ArmedTimer& a) { return a.key == k; });
        timers.disarm(k);
      } else if (!model.empty()) {  // fire one
        const ArmedTimer t = model[prng.below(model.size())];
        std::erase_if(model, [&](const ArmedTimer& a) { return a.id == t.id; });
        timers.remove(t.id);
      }
      REQUIRE(same(timers, model));
      const uint64_t probe = prng.below(next_id + 1);
      const bool armed = std::any_of(model.begin(), model.end(),
                                     [&](const ArmedTimer& a) { return a.id == probe; });
      REQUIRE((timers.find(probe) != nullptr) == armed);
    }
    // A copy is independent of the original.
    ArmedTimers copy = timers;
    if (!model.empty()) {
      copy.disarm(model.front().key);
      CHECK(same(timers, model));
      CHECK(copy.size() + 1 == timers.size());
    }
  }
}

}  // namespace
}  // namespace banksim
