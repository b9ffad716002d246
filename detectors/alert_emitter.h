// AlertEmitter: the last step of every rule. Checks that the rule is enabled for the tenant and
// not suppressed for the account, stamps the deterministic alert id, counts it, and hands the
// alert to the shard's alert queue (waiting, never dropping, when the sink falls behind). Repeats
// in a suppression bucket leave as one update line once the tenant's watermark passes the bucket.
// Owned by one shard's DetectionEngine; single-threaded.
#pragma once

#include <cstdint>

#include "core/alert.h"
#include "core/config.h"
#include "core/stats.h"
#include "pipeline/event_count.h"
#include "pipeline/spsc_queue.h"
#include "state/suppressor.h"

namespace privmon {

class AlertEmitter {
 public:
  AlertEmitter(SpscQueue<Alert>& queue, ShardStats& stats, TenantCounters& tenants)
      : queue_(queue), stats_(stats), tenants_(tenants) {}

  // The dispatcher's wake (sinks/alert_dispatcher.h DispatcherOptions::wake), notified after each
  // push (one atomic RMW; a futex wake only when the dispatcher is parked). Null: none.
  void set_wake(EventCount* wake) { wake_ = wake; }

  // Starts an alert for `rule` about `account` (names copied), timed by `e`, with `e` as evidence.
  static Alert Begin(RuleId rule, const Event& e, const AccountRef& account);

  // Returns true when the alert was emitted, false when disabled or suppressed.
  bool Emit(Alert& alert, uint64_t account_key, const TenantSettings& tenant);

  // The deterministic id (docs/operations.md "Alert ids"): rule code, tenant, account, and the
  // suppression bucket, or (unsuppressed rules) the verdict's time and evidence.
  static uint64_t AlertId(const Alert& a, uint64_t account_key, int64_t suppress_s);

  // Sends the update line of every bucket of the tenant with repeats that the watermark passed.
  void Settle(uint64_t tenant_hash, EventTime watermark) {
    suppressor_.Settle(tenant_hash, watermark, [&](const Alert& a) { PushUpdate(a); });
  }
  void SettleAll() {
    suppressor_.SettleAll([&](const Alert& a) { PushUpdate(a); });
  }
  template <class WatermarkOf>
  void Sweep(WatermarkOf&& watermark_of) {
    suppressor_.Sweep(watermark_of);
  }

  std::size_t MemoryBytes() const { return suppressor_.MemoryBytes(); }
  // Checkpoint support (detectors/engine_checkpoint.cc).
  Suppressor& suppressor() { return suppressor_; }

 private:
  void Push(const Alert& a);
  void PushUpdate(const Alert& a) {
    Bump(stats_.updates[static_cast<std::size_t>(a.rule)]);
    Push(a);
  }
  void PushTimeless(const Alert& a);
  void PushQueued(const Alert& a);

  SpscQueue<Alert>& queue_;
  ShardStats& stats_;
  TenantCounters& tenants_;
  Suppressor suppressor_;
  EventCount* wake_ = nullptr;
};

}  // namespace privmon
