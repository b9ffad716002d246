#include "config/notes.h"

namespace privmon::config {
namespace {

// `privileged_roles: []`: no role assignment makes an account privileged (breaker round 32: the
// empty list silenced them without a word).
constexpr std::string_view kNoPrivilegedRoles =
    "privileged_roles is empty: no role makes an account privileged (PRIV-EL-01, EL-02, PA-01, "
    "PA-04 and the rules about privileged accounts see only those listed); remove the key for "
    "the built-in list";

// Why the list a rule needs counts as missing, or empty when it is configured.
std::string_view MissingList(TenantList needs, const TenantSettings& t) {
  switch (needs) {
    case TenantList::kNone:
      return {};
    case TenantList::kBreakGlass:
      return t.break_glass.empty() ? "no break_glass" : "";
    case TenantList::kNamingPolicy:
      return t.naming_policy ? "" : "no naming_policy";
    case TenantList::kApprovedControls:
      return t.approved_countries.empty() && t.approved_ip_ranges.empty() &&
                     !t.require_managed_device
                 ? "no approved countries, ip_ranges or require_managed_device"
                 : "";
    case TenantList::kInviters:
      return t.approved_inviters.empty() ? "no approved inviters" : "";
    case TenantList::kPawDevices:
      return t.paw_devices.empty() ? "no paw_devices" : "";
    case TenantList::kHighValueApps:
      return t.high_value_apps.empty() ? "no high_value_apps" : "";
  }
  return {};
}

}  // namespace

std::vector<std::string> SilentRuleNotes(const TenantSettings& tenant) {
  std::vector<std::string> notes;
  for (const RuleInfo& info : kRuleCatalog) {
    if (!tenant.rule(info.id).enabled) continue;
    const std::string_view missing = MissingList(info.needs, tenant);
    if (missing.empty()) continue;
    notes.push_back(std::string(info.code) + " silent: " + std::string(missing));
  }
  if (tenant.privileged_roles.empty()) notes.emplace_back(kNoPrivilegedRoles);
  return notes;
}

std::string SilentRuleSummary(const TenantSettings& tenant) {
  std::string list;
  int count = 0;
  std::string_view previous;
  for (const RuleInfo& info : kRuleCatalog) {
    if (!tenant.rule(info.id).enabled) continue;
    const std::string_view missing = MissingList(info.needs, tenant);
    if (missing.empty()) continue;
    ++count;
    if (!list.empty()) list += missing == previous ? ", " : "; ";
    list.append(info.code);
    if (missing != previous) list.append(" (").append(missing).append(")");
    previous = missing;
  }
  if (tenant.privileged_roles.empty()) {
    if (count == 0) return std::string(kNoPrivilegedRoles);
    return std::to_string(count) + " rules silent for want of a list: " + list + "; " +
           std::string(kNoPrivilegedRoles);
  }
  if (count == 0) return {};
  return std::to_string(count) + " rules silent for want of a list: " + list;
}

std::string TenantLabel(const TenantSettings& tenant) {
  if (tenant.tenant_id.empty()) return "defaults (unlisted tenants)";
  if (tenant.name.empty()) return "tenant " + tenant.tenant_id;
  return "tenant " + tenant.name + " (" + tenant.tenant_id + ")";
}

}  // namespace privmon::config
