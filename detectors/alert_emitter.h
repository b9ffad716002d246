// AlertEmitter: the last step of every rule. Checks that the rule is enabled for the tenant and
// not suppressed for the account, stamps the deterministic alert id, counts it, and hands the
// alert to the shard's alert queue (waiting, never dropping, when the sink falls behind).
// Owned by one shard's DetectionEngine; single-threaded.
#pragma once

#include <cstdint>

#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "pipeline/spsc_queue.h"
#include "state/suppressor.h"

namespace privmon {

class AlertEmitter {
 public:
  AlertEmitter(SpscQueue<Alert>& queue, ShardStats& stats, TenantCounters& tenants)
      : queue_(queue), stats_(stats), tenants_(tenants) {}

  // Starts an alert for `rule` about `account` (names copied), timed by `e`, with `e` as evidence.
  static Alert Begin(RuleId rule, const Event& e, const AccountRef& account);

  // Returns true when the alert was emitted, false when disabled or suppressed.
  bool Emit(Alert& alert, uint64_t account_key, const TenantSettings& tenant);

  std::size_t MemoryBytes() const { return suppressor_.MemoryBytes(); }

 private:
  SpscQueue<Alert>& queue_;
  ShardStats& stats_;
  TenantCounters& tenants_;
  Suppressor suppressor_;
};

}  // namespace privmon
