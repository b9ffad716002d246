#include "detectors/code_rules/eligible_assignment.h"

#include <string_view>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "detectors/role_gain.h"

namespace privmon::code_rules {
namespace {

bool StartsWithLower(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if (AsciiLower(s[i]) != lower_prefix[i]) return false;
  }
  return true;
}

}  // namespace

void EligibleAssignment::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                       AccountState& /*st*/, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  // The name is PIM's alone ("... in PIM completed"; Core Directory's copy is "Add eligible member
  // to role"): a record naming no service (a projection or $select without loggedByService) is
  // PIM's, as PA-04 and EL-02 read theirs (t15); Core Directory and Access Reviews write no such
  // record.
  if (au.service == AuditService::kCoreDirectory || au.service == AuditService::kAccessReviews ||
      au.activity != Activity::kAddEligibleMemberToRole || !GainsPrivilegedRole(au, tenant) ||
      !StartsWithLower(au.activity_name.view(), "add eligible member to role in pim completed")) {
    return;
  }
  Alert a = AlertEmitter::Begin(RuleId::kEL01, e, who);
  AddAuditDetails(a, e, /*names_actor=*/false);
  ctx.Emit(a, who.key, tenant);
}

}  // namespace privmon::code_rules
