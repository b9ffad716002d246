#include "app/rules_command.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "config/loader.h"
#include "core/rule_params.h"
#include "rules/builtin_rules.h"

namespace privmon {
namespace {

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

// "match", "threshold", or "code/<catalogue kind>" for a rule written in C++.
std::string KindLabel(const RuleDefinition& d) {
  if (d.kind != LangKind::kCode) return std::string(LangKindName(d.kind));
  return "code/" + std::string(CatalogueKindName(d.catalogue_kind));
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
  const CompiledRuleSet& rules = config->rules ? *config->rules : *BuiltinRuleSet();
  const TenantSettings& d = *config->defaults;
  char line[640];
  const char* kFormat = "%-13s %-15s %-8s %-24s %-17s %-22s %-34s %s\n";
  std::snprintf(line, sizeof line, kFormat, "RULE", "KIND", "SEVERITY", "PARAMETERS", "NEEDS",
                "ATT&CK", "FILE", config_path.empty() ? "NAME" : "TENANTS");
  out << line;
  // Catalogue order (builtin ids), then custom rules in their files' order.
  std::vector<const RuleDefinition*> order;
  for (const RuleDefinition& def : rules.definitions) order.push_back(&def);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->id) < static_cast<int>(b->id);
  });
  for (const RuleDefinition* p : order) {
    const RuleDefinition& def = *p;
    const RuleSettings& rs = d.rule(def.id);
    std::string params;
    if (def.threshold.set) params += "threshold=" + std::to_string(rs.threshold);
    if (def.window.set) {
      params += (params.empty() ? "" : " ") + std::string("window=") + Duration(rs.window_s);
    }
    if (params.empty()) params = "-";
    std::string attack;
    for (const std::string& t : def.attack) attack += (attack.empty() ? "" : ",") + t;
    if (attack.empty()) attack = "-";
    std::string tail(def.name);
    if (!config_path.empty()) {
      std::size_t enabled = 0, lacking = 0;
      for (const auto& [hash, tenant] : config->tenants) {
        if (!tenant->rule(def.id).enabled) continue;
        ++enabled;
        lacking += HasList(def.needs, *tenant) ? 0 : 1;
      }
      tail = std::to_string(enabled) + "/" + std::to_string(config->tenants.size()) + " enabled";
      if (lacking > 0)
        tail += ", " + std::to_string(lacking) + " silent (no " +
                std::string(TenantListName(def.needs)) + ")";
      if (!rs.enabled) tail += "; off by default";
    }
    const std::string where = def.file + ":" + std::to_string(def.line);
    std::snprintf(line, sizeof line, kFormat, def.code.c_str(), KindLabel(def).c_str(),
                  std::string(SeverityName(rs.severity)).c_str(), params.c_str(),
                  std::string(TenantListName(def.needs)).c_str(), attack.c_str(), where.c_str(),
                  tail.c_str());
    out << line;
  }
  return 0;
}

}  // namespace privmon
