// The process-wide registry of custom rules (config `rule_files`): each custom rule code gets a
// RuleId past the builtin ones (kRuleCount .. kMaxRules-1) the first time a config names it, and
// keeps it for the life of the process, so per-rule arrays, counters and alert ids stay valid
// across reloads. Registration happens on the config-loading thread; entries are immutable once
// published (release/acquire on the count), so any thread may read GetRuleInfo of an id it was
// given. A reload that changes a custom rule's name or severity keeps the first registration's
// (restart to change them); its predicate and parameters come from the new config.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "core/rule_catalog.h"

namespace privmon {

struct CustomRuleMeta {
  std::string_view code, name, guide_row;
  RuleKind kind = RuleKind::kMatch;
  Severity severity = Severity::kHigh;
  uint32_t threshold = 1;
  int64_t window_s = 0;
  std::array<std::string_view, 2> techniques{};  // ATT&CK, "" = none
  std::string_view tactic;                       // "TA0001"...; required with a technique
};

// The id of `meta.code`, registering it when new; nullopt when kMaxRules is reached.
std::optional<RuleId> RegisterCustomRule(const CustomRuleMeta& meta);
// How many custom rules are registered; rule ids below kRuleCount + this are in use.
std::size_t CustomRuleCount();
inline std::size_t RulesInUse() { return kRuleCount + CustomRuleCount(); }

}  // namespace privmon
