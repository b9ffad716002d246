#include "core/config.h"

#include "core/hash.h"

namespace privmon {

bool CidrRange::Contains(const std::array<uint8_t, 16>& ip) const {
  const unsigned full = prefix_bits / 8, rest = prefix_bits % 8;
  for (unsigned i = 0; i < full; ++i) {
    if (ip[i] != addr[i]) return false;
  }
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (ip[full] & mask) == (addr[full] & mask);
}

bool WorkingHours::Contains(int64_t unix_seconds) const {
  const absl::CivilSecond local = absl::ToCivilSecond(absl::FromUnixSeconds(unix_seconds), zone);
  const absl::Weekday wd = absl::GetWeekday(local);
  const int day = static_cast<int>(wd);  // absl: Monday = 0 ... Sunday = 6
  return InShift(day_mask, day, local.hour() * 60 + local.minute(), start_minute, end_minute);
}

RuleSettings DefaultRuleSettings(RuleId id) {
  const RuleInfo& info = GetRuleInfo(id);
  RuleSettings s;
  s.enabled = true;
  s.severity = info.severity;
  s.threshold = info.threshold;
  s.window_s = info.window_s;
  s.suppress_s = kHour;
  return s;
}

const std::vector<std::string>& DefaultPrivilegedRoles() {
  static const std::vector<std::string> kRoles = {"Global Administrator",
                                                  "Privileged Role Administrator",
                                                  "Privileged Authentication Administrator",
                                                  "Security Administrator",
                                                  "User Administrator",
                                                  "Exchange Administrator",
                                                  "SharePoint Administrator",
                                                  "Application Administrator",
                                                  "Cloud Application Administrator",
                                                  "Conditional Access Administrator",
                                                  "Authentication Administrator",
                                                  "Helpdesk Administrator",
                                                  "Billing Administrator",
                                                  "Intune Administrator",
                                                  "Hybrid Identity Administrator",
                                                  "Azure AD Joined Device Local Administrator",
                                                  "Compliance Administrator",
                                                  "Security Operator",
                                                  "Global Reader"};
  return kRoles;
}

std::shared_ptr<const CompiledConfig> BuiltinDefaultConfig() {
  auto tenant = std::make_shared<TenantSettings>();
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    tenant->rules[i] = DefaultRuleSettings(static_cast<RuleId>(i));
  }
  // Custom rule slots are off until a config's rule_files defines them.
  for (std::size_t i = kRuleCount; i < kMaxRules; ++i) tenant->rules[i].enabled = false;
  for (const auto& role : DefaultPrivilegedRoles())
    tenant->privileged_roles.insert(HashLower(role));
  auto config = std::make_shared<CompiledConfig>();
  config->sources.push_back(SourceSettings{});
  config->sinks.push_back(SinkSettings{});
  config->defaults = std::move(tenant);
  return config;
}

}  // namespace privmon
