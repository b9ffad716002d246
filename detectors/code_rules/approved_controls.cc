#include "detectors/code_rules/approved_controls.h"

#include <algorithm>
#include <string_view>

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"

namespace privmon::code_rules {

void ApprovedControls::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                AccountState& st, const TenantSettings& tenant) {
  if (!st.privileged()) return;
  const SignInFields& si = e.signin;
  std::string_view violation;
  if (!tenant.approved_countries.empty() && si.country[0] != 0 &&
      !tenant.approved_countries.contains(
          TenantSettings::PackCountry(si.country[0], si.country[1]))) {
    violation = "country not approved";
  } else if (!tenant.approved_ip_ranges.empty() && si.ip_family != 0 &&
             std::none_of(tenant.approved_ip_ranges.begin(), tenant.approved_ip_ranges.end(),
                          [&](const CidrRange& r) { return r.Contains(si.ip); })) {
    violation = "IP address not in approved ranges";
  } else if (tenant.require_managed_device && !si.device_compliant && !si.device_managed &&
             !FirstFactorOnly(si) && !si.device_unstated) {
    // AD FS states no device (its Entra sign-in is judged), nor does a Graph summarizedSignIn (an
    // aggregate of sign-ins; breaker round 106: one false alert per admin per summary).
    violation = "device neither compliant nor managed";
  }
  if (violation.empty()) return;
  Alert a = AlertEmitter::Begin(RuleId::kSI09, e, who);
  a.AddDetail("violation", violation);
  AddPlace(a, e);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
