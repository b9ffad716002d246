// The one engine test rig: DetectionEngines on one config (one alert queue each, as `run` builds
// them), fed hand-built Events on shard 0, collecting what they emit; and the builders of those
// Events. Used by tests/detectors and the checkpoint restore tests. Not thread-safe: one test
// thread drives it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"
#include "parsers/activity_names.h"
#include "pipeline/event_consumer.h"
#include "pipeline/spsc_queue.h"

namespace privmon::testing {

inline EventTime At(const char* iso) { return *ParseIsoTime(iso); }

inline AccountRef Account(std::string_view tenant, std::string_view upn, std::string_view id = {}) {
  AccountRef r;
  r.upn.assign(upn);
  r.id.assign(id);
  r.upn_hash = HashLower(upn);
  r.id_hash = id.empty() ? 0 : HashLower(id);
  r.key = HashCombine(HashLower(tenant), r.id_hash != 0 ? r.id_hash : r.upn_hash);
  return r;
}

inline Event SignIn(std::string_view tenant, std::string_view upn, const char* time,
                    int32_t error = 0) {
  Event e;
  e.kind = EventKind::kSignIn;
  e.tenant_id.assign(tenant);
  e.tenant_hash = HashLower(tenant);
  e.time = At(time);
  e.account = Account(tenant, upn);
  e.signin.error_code = error;
  char id[80];  // the prefix and a 64-byte time buffer's text: no truncation to warn of
  std::snprintf(id, sizeof id, "si-%s", time);
  e.record_id.assign(id);
  return e;
}

inline Event Audit(std::string_view tenant, Activity activity, std::string_view name,
                   std::string_view target_upn, const char* time, std::string_view role = {}) {
  Event e;
  e.kind = EventKind::kAudit;
  e.tenant_id.assign(tenant);
  e.tenant_hash = HashLower(tenant);
  e.time = At(time);
  if (!target_upn.empty()) e.account = Account(tenant, target_upn);
  e.audit.activity = activity;
  // Which name an eligible assignment used, as the parser resolves it with the activity.
  if (activity == Activity::kAddEligibleMemberToRole) {
    e.audit.eligible_name = parsers::ResolveActivity(name).eligible_name;
  }
  e.audit.unit_scoped = parsers::ResolveActivity(name).unit_scoped;
  e.audit.activity_name.assign(name);
  e.audit.activity_hash = HashLower(name);
  e.audit.flags = kAuditSuccess;
  e.audit.category = AuditCategory::kRoleManagement;
  e.audit.service = AuditService::kCoreDirectory;
  if (!role.empty()) {
    e.audit.role_name.assign(role);
    e.audit.role_hash = HashLower(role);
  }
  char id[80];  // the prefix and a 64-byte time buffer's text: no truncation to warn of
  std::snprintf(id, sizeof id, "au-%s", time);
  e.record_id.assign(id);
  return e;
}

// A sign-in of `upn` from the device `device` (its id and hash).
inline Event SignInFromDevice(std::string_view tenant, std::string_view upn, const char* time,
                              std::string_view device) {
  Event e = SignIn(tenant, upn, time);
  e.signin.device_id.assign(device);
  e.signin.device_hash = HashLower(device);
  return e;
}

// A PIM activation of `upn` into `role`.
inline Event PimActivation(std::string_view tenant, std::string_view upn, const char* time,
                           std::string_view role = "Global Administrator") {
  return Audit(tenant, Activity::kAddMemberToRolePimActivation,
               "Add member to role completed (PIM activation)", upn, time, role);
}

class EngineHarness {
 public:
  // `rules`: a rule set with custom rules (rules/rule_loader.h); null = the builtin catalogue.
  // `pipeline`: pipeline settings (eviction...); null = the defaults.
  explicit EngineHarness(std::shared_ptr<TenantSettings> tenant = nullptr,
                         std::shared_ptr<const CompiledRuleSet> rules = nullptr,
                         const PipelineSettings* pipeline = nullptr);
  // `shards` engines on a compiled config (e.g. from config/loader.h's LoadConfigText).
  explicit EngineHarness(std::shared_ptr<const CompiledConfig> config, uint32_t shards = 1);
  // A tenant starting from the defaults, to customise before constructing the harness.
  static std::shared_ptr<TenantSettings> Tenant(std::string_view id);

  // Feeds shard 0's engine and advances its watermark to the latest time fed minus 5 minutes.
  void Feed(const Event& e);
  void Finish() { engines_[0]->OnFinish(max_time_); }

  // Shard 0's alerts.
  std::vector<Alert> Drain();
  // Empties shard 0's alert queue without allocating; returns how many alerts it held.
  std::size_t DrainCount() {
    return queues_[0]->consume_all([](const Alert&) {});
  }
  std::vector<RuleId> Rules();

  DetectionEngine& engine(uint32_t shard = 0) { return *engines_[shard]; }
  // Every shard's engine, in shard order (pipeline/checkpoint_store.h's RestoreCheckpoint).
  std::vector<EventConsumer*> consumers();
  uint32_t shards() const { return static_cast<uint32_t>(engines_.size()); }
  const CompiledConfig& config() const { return *config_; }
  PipelineStats& stats() { return stats_; }

 private:
  PipelineStats stats_;
  std::shared_ptr<const CompiledConfig> config_;
  std::vector<std::unique_ptr<SpscQueue<Alert>>> queues_;
  std::vector<std::unique_ptr<DetectionEngine>> engines_;
  EventTime max_time_ = kMinTime;
  EventTime lateness_ = 300 * kMicrosPerSecond;
};

}  // namespace privmon::testing
