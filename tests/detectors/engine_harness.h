// Test harness: one DetectionEngine fed hand-built Events, collecting what it emits.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/stats.h"
#include "detectors/detection_engine.h"

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
  char id[64];
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
  e.audit.activity_name.assign(name);
  e.audit.activity_hash = HashLower(name);
  e.audit.flags = kAuditSuccess;
  e.audit.category = AuditCategory::kRoleManagement;
  e.audit.service = AuditService::kCoreDirectory;
  if (!role.empty()) {
    e.audit.role_name.assign(role);
    e.audit.role_hash = HashLower(role);
  }
  char id[64];
  std::snprintf(id, sizeof id, "au-%s", time);
  e.record_id.assign(id);
  return e;
}

class EngineHarness {
 public:
  // `rules`: a rule set with custom rules (rules/rule_loader.h); null = the builtin catalogue.
  // `pipeline`: pipeline settings (eviction...); null = the defaults.
  explicit EngineHarness(std::shared_ptr<TenantSettings> tenant = nullptr,
                         std::shared_ptr<const CompiledRuleSet> rules = nullptr,
                         const PipelineSettings* pipeline = nullptr)
      : stats_(1, 1, 16), queue_(4096) {
    auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
    if (tenant) {
      config->tenants[HashLower(tenant->tenant_id)] = tenant;
    }
    config->rules = std::move(rules);
    if (pipeline != nullptr) config->pipeline = *pipeline;
    config_ = config;
    engine_ = std::make_unique<DetectionEngine>(config_, queue_, stats_.shards[0], stats_.tenants);
  }
  // A tenant starting from the defaults, to customise before constructing the harness.
  static std::shared_ptr<TenantSettings> Tenant(std::string_view id) {
    auto t = std::make_shared<TenantSettings>(*BuiltinDefaultConfig()->defaults);
    t->tenant_id = std::string(id);
    return t;
  }

  void Feed(const Event& e) {
    const uint8_t roles =
        (e.account.present() ? kRouteAccount : 0) | (e.actor.present() ? kRouteActor : 0);
    engine_->OnEvent(e, roles);
    max_time_ = std::max(max_time_, e.time);
    engine_->OnWatermark(max_time_ - lateness_);
  }
  void Finish() { engine_->OnFinish(max_time_); }

  std::vector<Alert> Drain() {
    std::vector<Alert> out;
    queue_.consume_all([&](const Alert& a) { out.push_back(a); });
    return out;
  }
  // Empties the alert queue without allocating; returns how many alerts it held.
  std::size_t DrainCount() {
    return queue_.consume_all([](const Alert&) {});
  }
  std::vector<RuleId> Rules() {
    std::vector<RuleId> ids;
    for (const auto& a : Drain()) ids.push_back(a.rule);
    return ids;
  }
  DetectionEngine& engine() { return *engine_; }
  PipelineStats& stats() { return stats_; }

 private:
  PipelineStats stats_;
  SpscQueue<Alert> queue_;
  std::shared_ptr<const CompiledConfig> config_;
  std::unique_ptr<DetectionEngine> engine_;
  EventTime max_time_ = kMinTime;
  EventTime lateness_ = 300 * kMicrosPerSecond;
};

}  // namespace privmon::testing
