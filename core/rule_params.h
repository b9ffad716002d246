// Which per-rule parameters each rule reads, and what they mean for it: a `threshold` or `window`
// set on a rule that reads none is a config error (`privmon check`), not a silently ignored key.
// `enabled`, `suppress` and `severity` apply to every rule. Compile-time data beside the
// catalogue (core/rule_catalog.h), checked to cover every rule once. Read-only, any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/rule_catalog.h"

namespace privmon {

enum RuleParam : uint8_t { kParamThreshold = 1 << 0, kParamWindow = 1 << 1 };

struct RuleParams {
  RuleId id;
  uint8_t accepts;                   // RuleParam bits
  std::string_view threshold_means;  // empty when the rule takes no threshold
  std::string_view window_means;     // empty when the rule takes no window
};

// clang-format off: one row per rule that takes a parameter; every other rule takes none
inline constexpr std::array<RuleParams, 10> kRuleParamsTable = {{
    {RuleId::kSI01, kParamThreshold | kParamWindow, "bad passwords", "within this time"},
    {RuleId::kSI04, kParamThreshold | kParamWindow, "strong-auth failures (500121)",
     "within this time; also how long an interrupt (50074) waits for a success"},
    {RuleId::kSI06, kParamThreshold | kParamWindow, "lockouts", "within this time"},
    {RuleId::kSI10, kParamThreshold, "successful sign-ins learned before hours are judged", ""},
    {RuleId::kPA01, kParamWindow, "", "between the account's creation and its privileged role"},
    {RuleId::kPA02, kParamWindow, "", "between the account's deletion and its re-creation"},
    {RuleId::kPA05, kParamWindow, "", "without a successful sign-in (the absence period)"},
    {RuleId::kEL06, kParamWindow, "", "look-back for sign-ins before an activation"},
    {RuleId::kEL08, kParamWindow, "", "the policy length of an activation (plus grace)"},
    // PRIV-SI-13 and PRIV-SI-14 learn for the tenant's `learning_period`, not a rule window.
    {RuleId::kSI13, 0, "", ""},
}};
// clang-format on

// The parameters of `id`; a rule without a row takes none.
constexpr RuleParams ParamsOf(RuleId id) {
  for (const RuleParams& p : kRuleParamsTable) {
    if (p.id == id) return p;
  }
  return {id, 0, "", ""};
}

}  // namespace privmon
