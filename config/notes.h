// Advice for `privmon check` that is not an error: which enabled rules of a tenant can never fire
// because the tenant list they need (RuleInfo::needs) is not configured. Pure; load time only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace privmon::config {

// One text per silent rule: "PRIV-EL-06 silent: no paw_devices".
std::vector<std::string> SilentRuleNotes(const TenantSettings& tenant);

// The same as one text, for the defaults, which would otherwise repeat on every config:
// "9 rules silent for want of a list: PRIV-BG-01 (no break_glass), ...".
std::string SilentRuleSummary(const TenantSettings& tenant);

// "tenant Contoso (1111...)", "tenant 1111..." without a name, or "defaults (unlisted tenants)".
std::string TenantLabel(const TenantSettings& tenant);

}  // namespace privmon::config
