#include "app/rules_command.h"

#include <cstdio>

#include "app/config_loader.h"
#include "core/rule_params.h"

namespace privmon {
namespace {

constexpr std::string_view kKinds[] = {"match",   "threshold", "sequence",
                                       "novelty", "schedule",  "absence"};

std::string_view ListName(TenantList l) {
  switch (l) {
    case TenantList::kNone:
      return "-";
    case TenantList::kBreakGlass:
      return "break_glass";
    case TenantList::kNamingPolicy:
      return "naming_policy";
    case TenantList::kApprovedControls:
      return "approved";
    case TenantList::kInviters:
      return "approved.inviters";
    case TenantList::kPawDevices:
      return "paw_devices";
    case TenantList::kHighValueApps:
      return "high_value_apps";
  }
  return "-";
}

bool HasList(TenantList l, const TenantSettings& t) {
  switch (l) {
    case TenantList::kNone:
      return true;
    case TenantList::kBreakGlass:
      return !t.break_glass.empty();
    case TenantList::kNamingPolicy:
      return static_cast<bool>(t.naming_policy);
    case TenantList::kApprovedControls:
      return !t.approved_countries.empty() || !t.approved_ip_ranges.empty() ||
             t.require_managed_device;
    case TenantList::kInviters:
      return !t.approved_inviters.empty();
    case TenantList::kPawDevices:
      return !t.paw_devices.empty();
    case TenantList::kHighValueApps:
      return !t.high_value_apps.empty();
  }
  return true;
}

std::string Duration(int64_t s) {
  if (s % kDay == 0) return std::to_string(s / kDay) + "d";
  if (s % kHour == 0) return std::to_string(s / kHour) + "h";
  if (s % kMinute == 0) return std::to_string(s / kMinute) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

int RunRules(const std::string& config_path, std::ostream& out, std::ostream& err) {
  std::shared_ptr<const CompiledConfig> config = BuiltinDefaultConfig();
  if (!config_path.empty()) {
    ConfigLoadResult r = LoadConfigFile(config_path);
    if (!r.errors.empty()) {
      for (const ConfigError& e : r.errors) err << e.message << '\n';
      return 2;
    }
    config = r.config;
  }
  const TenantSettings& d = *config->defaults;
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %-9s %-8s %-24s %-17s %-22s %s\n", "RULE", "KIND",
                "SEVERITY", "PARAMETERS", "NEEDS", "ATT&CK",
                config_path.empty() ? "NAME" : "TENANTS");
  out << line;
  for (const RuleInfo& info : kRuleCatalog) {
    const RuleSettings& rs = d.rule(info.id);
    const RuleParams p = ParamsOf(info.id);
    std::string params;
    if (p.accepts & kParamThreshold) params += "threshold=" + std::to_string(rs.threshold);
    if (p.accepts & kParamWindow) {
      params += (params.empty() ? "" : " ") + std::string("window=") + Duration(rs.window_s);
    }
    if (params.empty()) params = "-";
    std::string attack;
    for (std::string_view t : GetRuleAttack(info.id).techniques) {
      if (!t.empty()) attack += (attack.empty() ? "" : ",") + std::string(t);
    }
    std::string tail(info.name);
    if (!config_path.empty()) {
      std::size_t enabled = 0, lacking = 0;
      for (const auto& [hash, tenant] : config->tenants) {
        if (!tenant->rule(info.id).enabled) continue;
        ++enabled;
        lacking += HasList(info.needs, *tenant) ? 0 : 1;
      }
      tail = std::to_string(enabled) + "/" + std::to_string(config->tenants.size()) + " enabled";
      if (lacking > 0)
        tail += ", " + std::to_string(lacking) + " silent (no " +
                std::string(ListName(info.needs)) + ")";
      if (!rs.enabled) tail += "; off by default";
    }
    std::snprintf(line, sizeof line, "%-11s %-9s %-8s %-24s %-17s %-22s %s\n",
                  std::string(info.code).c_str(),
                  std::string(kKinds[static_cast<int>(info.kind)]).c_str(),
                  std::string(SeverityName(rs.severity)).c_str(), params.c_str(),
                  std::string(ListName(info.needs)).c_str(), attack.c_str(), tail.c_str());
    out << line;
  }
  return 0;
}

}  // namespace privmon
