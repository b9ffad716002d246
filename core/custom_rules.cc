#include "core/custom_rules.h"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

namespace privmon {
namespace {

struct Entry {
  std::string code, name, guide_row;
  std::array<std::string, 2> techniques;
  RuleInfo info{};
  RuleAttack attack{};
};

AttackTactic TacticOf(std::string_view id) {
  for (const AttackTactic& t : {kInitialAccess, kPersistence, kPrivilegeEscalation, kDefenseEvasion,
                                kCredentialAccess, kImpact}) {
    if (t.id == id) return t;
  }
  return {"", ""};
}

constexpr std::size_t kCustomCapacity = kMaxRules - kRuleCount;
std::array<Entry, kCustomCapacity> g_entries;
std::atomic<std::size_t> g_count{0};
std::mutex g_register;  // registrations only (config loads); readers never lock
const RuleAttack kNoAttack{RuleId::kCount, {"", ""}, {"", ""}};

const RuleInfo kUnknown{RuleId::kCount,
                        "PRIV-CUSTOM",
                        "unregistered custom rule",
                        "",
                        RuleKind::kMatch,
                        Severity::kHigh,
                        1,
                        0,
                        TenantList::kNone};

}  // namespace

const RuleInfo& CustomRuleInfo(RuleId id) {
  const std::size_t i = static_cast<std::size_t>(id) - kRuleCount;
  return i < g_count.load(std::memory_order_acquire) ? g_entries[i].info : kUnknown;
}

const RuleAttack& CustomRuleAttack(RuleId id) {
  const std::size_t i = static_cast<std::size_t>(id) - kRuleCount;
  return i < g_count.load(std::memory_order_acquire) ? g_entries[i].attack : kNoAttack;
}

std::optional<RuleId> FindCustomRule(std::string_view code) {
  const std::size_t n = g_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    if (g_entries[i].code == code) return static_cast<RuleId>(kRuleCount + i);
  }
  return std::nullopt;
}

std::optional<RuleId> RegisterCustomRule(const CustomRuleMeta& meta) {
  std::lock_guard lock(g_register);
  if (auto id = FindCustomRule(meta.code)) return id;
  const std::size_t n = g_count.load(std::memory_order_relaxed);
  if (n == kCustomCapacity) return std::nullopt;
  Entry& e = g_entries[n];
  e.code = meta.code;
  e.name = meta.name;
  e.guide_row = meta.guide_row;
  const auto id = static_cast<RuleId>(kRuleCount + n);
  e.info = RuleInfo{id,
                    e.code,
                    e.name,
                    e.guide_row,
                    meta.kind,
                    meta.severity,
                    meta.threshold,
                    meta.window_s,
                    TenantList::kNone};
  for (std::size_t t = 0; t < e.techniques.size(); ++t) {
    e.techniques[t] = meta.techniques[t];
    e.attack.techniques[t] = e.techniques[t];
  }
  e.attack.id = id;
  e.attack.tactic = TacticOf(meta.tactic);
  g_count.store(n + 1, std::memory_order_release);
  return id;
}

std::size_t CustomRuleCount() { return g_count.load(std::memory_order_acquire); }

}  // namespace privmon
