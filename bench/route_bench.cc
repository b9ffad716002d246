// Routing cost: RouteEvent (hash of the account, and of the actor for audits, to a shard) per
// event, for a sign-in (one account) and an audit (target and actor), at 2 and 16 shards.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/event.h"
#include "core/hash.h"
#include "pipeline/router.h"

namespace privmon::bench {
namespace {

constexpr int kEvents = 4096;

std::vector<Event> Events(bool audit) {
  std::vector<Event> out(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    out[i].kind = audit ? EventKind::kAudit : EventKind::kSignIn;
    out[i].account.key = Mix64(static_cast<uint64_t>(i) + 1);
    if (audit) out[i].actor.key = Mix64(static_cast<uint64_t>(i) * 7 + 3);
  }
  return out;
}

void Run(benchmark::State& state, bool audit) {
  const std::vector<Event> events = Events(audit);
  const auto shards = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    for (const Event& e : events) {
      const Route r = RouteEvent(e, shards);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}

void BM_Route_SignIn(benchmark::State& state) { Run(state, false); }
void BM_Route_Audit(benchmark::State& state) { Run(state, true); }

BENCHMARK(BM_Route_SignIn)->Arg(2)->Arg(16);
BENCHMARK(BM_Route_Audit)->Arg(2)->Arg(16);

}  // namespace
}  // namespace privmon::bench
