#include "tests/support/engine_helpers.h"

#include <algorithm>

namespace privmon::testing {
namespace {

std::shared_ptr<const CompiledConfig> ConfigOf(std::shared_ptr<TenantSettings> tenant,
                                               std::shared_ptr<const CompiledRuleSet> rules,
                                               const PipelineSettings* pipeline) {
  auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
  if (tenant) config->tenants[HashLower(tenant->tenant_id)] = tenant;
  config->rules = std::move(rules);
  if (pipeline != nullptr) config->pipeline = *pipeline;
  return config;
}

}  // namespace

EngineHarness::EngineHarness(std::shared_ptr<TenantSettings> tenant,
                             std::shared_ptr<const CompiledRuleSet> rules,
                             const PipelineSettings* pipeline)
    : EngineHarness(ConfigOf(std::move(tenant), std::move(rules), pipeline)) {}

EngineHarness::EngineHarness(std::shared_ptr<const CompiledConfig> config, uint32_t shards)
    : stats_(shards, 1, 16), config_(std::move(config)) {
  for (uint32_t s = 0; s < shards; ++s) {
    queues_.push_back(std::make_unique<SpscQueue<Alert>>(4096));
    engines_.push_back(std::make_unique<DetectionEngine>(config_, *queues_.back(), stats_.shards[s],
                                                         stats_.tenants));
  }
}

std::shared_ptr<TenantSettings> EngineHarness::Tenant(std::string_view id) {
  auto t = std::make_shared<TenantSettings>(*BuiltinDefaultConfig()->defaults);
  t->tenant_id = std::string(id);
  return t;
}

void EngineHarness::Feed(const Event& e) {
  const uint8_t roles =
      (e.account.present() ? kRouteAccount : 0) | (e.actor.present() ? kRouteActor : 0);
  engines_[0]->OnEvent(e, roles);
  max_time_ = std::max(max_time_, e.time);
  engines_[0]->OnWatermark(max_time_ - lateness_);
}

std::vector<Alert> EngineHarness::Drain() {
  std::vector<Alert> out;
  queues_[0]->consume_all([&](const Alert& a) { out.push_back(a); });
  return out;
}

std::vector<RuleId> EngineHarness::Rules() {
  std::vector<RuleId> ids;
  for (const auto& a : Drain()) ids.push_back(a.rule);
  return ids;
}

std::vector<EventConsumer*> EngineHarness::consumers() {
  std::vector<EventConsumer*> out;
  for (auto& e : engines_) out.push_back(e.get());
  return out;
}

}  // namespace privmon::testing
