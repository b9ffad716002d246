#include "parsers/activity_names.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/hash.h"
#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

// Exact names (lower-cased, sorted). Role-assignment families are matched by the prefix rules in
// LookupActivity, after this table.
constexpr std::array<std::pair<std::string_view, Activity>, 46> kExactActivities = {{
    {"add member to role", Activity::kAddMemberToRole},
    {"add user", Activity::kAddUser},
    {"admin deleted security info", Activity::kAdminDeletedSecurityInfo},
    {"admin registered security info", Activity::kAdminRegisteredSecurityInfo},
    {"admin updated security info", Activity::kAdminUpdatedSecurityInfo},
    {"authentication methods policy update", Activity::kUpdateAuthMethodsPolicy},
    {"change password (self-service)", Activity::kChangePasswordSelfService},
    {"change user password", Activity::kChangeUserPassword},
    // PIM's security alerts are turned off under two names (the audit activity reference's
    // RoleManagement and ResourceManagement rows): "Disable PIM alert" and "Deactivate PIM alert".
    // Its "Enable PIM alert", "Triggered PIM alert" (PIM's own) and "Resolve PIM alert" turn none
    // off.
    {"deactivate pim alert", Activity::kDisablePimAlert},
    {"delete conditional access policy", Activity::kDeleteConditionalAccessPolicy},
    {"delete named location", Activity::kDeleteNamedLocation},
    {"delete user", Activity::kDeleteUser},
    // Access Reviews' denial of every pending request of a business flow at once (the reference's
    // row): "Request denied" for each requester (breaker round 73).
    {"deny all requests in business flow", Activity::kRequestDenied},
    {"disable pim alert", Activity::kDisablePimAlert},
    {"disable strong authentication", Activity::kDisableStrongAuthentication},
    {"fraud reported - no action taken", Activity::kFraudReportedNoAction},
    {"fraud reported - user is blocked for mfa", Activity::kFraudReportedBlocked},
    {"hard delete user", Activity::kHardDeleteUser},
    {"invite external user", Activity::kInviteExternalUser},
    // The Invited Users service's re-invitation of an existing guest (the activity reference's
    // name): a new invitation whose redemption can bind the guest account to another identity.
    {"invite external user with reset invitation status", Activity::kInviteExternalUser},
    // The Invited Users service's invitation of an internal user to B2B collaboration: the account
    // then signs in with external credentials the inviter chose (breaker round 73).
    {"invite internal user to b2b collaboration", Activity::kInviteExternalUser},
    {"offboarded resource from pim", Activity::kPimPolicyRemoved},
    {"pim policy removed", Activity::kPimPolicyRemoved},
    {"request denied", Activity::kRequestDenied},
    // Core Directory's admin reset as the audit activity reference names it ("Reset user password"
    // in older records): the same password action.
    {"reset password", Activity::kResetUserPassword},
    {"reset password (by admin)", Activity::kResetPasswordByAdmin},
    {"reset password (self-service)", Activity::kResetPasswordSelfService},
    {"reset user password", Activity::kResetUserPassword},
    {"restore user", Activity::kRestoreUser},
    // Self-service Password Management's save of the methods a password reset trusts (the audit
    // activity reference's name): security info changed as "User registered security info" is.
    {"security info saved for self-service password reset", Activity::kSecurityInfoSavedForSspr},
    {"suspicious activity reported", Activity::kSuspiciousActivityReported},
    {"tenant offboarded from pim", Activity::kPimPolicyRemoved},
    {"update authentication methods policy", Activity::kUpdateAuthMethodsPolicy},
    {"update conditional access policy", Activity::kUpdateConditionalAccessPolicy},
    {"update named location", Activity::kUpdateNamedLocation},
    // Core Directory's write of a user's passwordProfile (the password and "ForceChangePassword",
    // a Graph PATCH of passwordProfile): a password set by an admin, as "Reset user password" is
    // (PRIV-BG-02 / SI-12; breaker round 51). Missing from the audit activity reference, seen in
    // real directoryAudits.
    {"update passwordprofile", Activity::kResetUserPassword},
    {"update per-user multifactor authentication state", Activity::kUpdatePerUserMfaState},
    {"update policy", Activity::kUpdatePolicy},
    {"update role setting in pim", Activity::kUpdateRoleSettingInPim},
    {"update user", Activity::kUpdateUser},
    {"user changed default security info", Activity::kUserChangedDefaultSecurityInfo},
    {"user deleted security info", Activity::kUserDeletedSecurityInfo},
    {"user registered all required security info",
     Activity::kUserRegisteredAllRequiredSecurityInfo},
    {"user registered security info", Activity::kUserRegisteredSecurityInfo},
    // The guide's name for it ("Changes to authentication methods": Activity type = User
    // registered security information; breaker round 49).
    {"user registered security information", Activity::kUserRegisteredSecurityInfo},
    {"user updated security info", Activity::kUserUpdatedSecurityInfo},
}};

static_assert(std::is_sorted(kExactActivities.begin(), kExactActivities.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

// Operations logged under two display names (folded as FoldActivityName folds them; case does not
// matter), each with the name it is known by now (the audit activity reference's):
constexpr std::pair<std::string_view, std::string_view> kRenamedActivities[] = {
    // The authentication methods policy's change: the activity reference and operationName say
    // "Authentication Methods Policy Update", activityDisplayName of the same record (Panther's
    // samples, SCHEMA-detail 2.3) "Update authentication methods policy".
    {"Update authentication methods policy", "Authentication Methods Policy Update"},
    // Core Directory's admin reset: "Reset user password" in older records, "Reset password" in
    // the activity reference.
    {"Reset user password", "Reset password"},
    // The guide's spelling of the security info registration (its "Changes to authentication
    // methods" row).
    {"User registered security information", "User registered security info"},
    // PIM's decisions on an activation request: its own audit history writes them without the
    // suffix the activity reference (and the directory audit log) gives them (field case 02).
    {"Add member to role request denied", "Add member to role request denied (PIM activation)"},
    {"Add member to role request approved", "Add member to role request approved (PIM activation)"},
    // An activation's expiry: the activity reference's "Remove member from role (PIM activation
    // expired)", "... completed (PIM activation expired)" in RULES.md and other records.
    {"Remove member from role completed (PIM activation expired)",
     "Remove member from role (PIM activation expired)"},
    // PIM's names of 2019 (the audit activity reference of January 2019, its "Privileged
    // Identity Management" table; logs of that period, breaker round 58, case 02's kind):
    // ActivityOfFoldedName reads each as the activity its current name is.
    {"ActivationRequested", "Add member to role requested (PIM activation)"},
    {"ActivationCanceled", "Add member to role canceled (PIM activation)"},
    {"ActivationDenied", "Add member to role request denied (PIM activation)"},
    {"ActivationApproved", "Add member to role request approved (PIM activation)"},
    {"AddedOutsidePIM", "Add member to role outside of PIM (permanent)"},
    {"Elevate", "Add member to role completed (PIM activation)"},
    {"Unelevate", "Remove member from role completed (PIM deactivate)"},
    {"Role Setting changes", "Update role setting in PIM"},
    {"UpdateAlertSettings", "Update PIM alert setting"},
    // Per-user MFA: "multi-factor" in older records (also folded by FoldActivityName; kept here
    // for keys learned before that fold).
    {"Update per-user multi-factor authentication state",
     "Update per-user multifactor authentication state"},
};

constexpr auto kRenameKeys = [] {
  std::array<ActivityRename, std::size(kRenamedActivities)> keys{};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i] = {HashLower(kRenamedActivities[i].first), HashLower(kRenamedActivities[i].second)};
  }
  std::sort(keys.begin(), keys.end(), [](const ActivityRename& a, const ActivityRename& b) {
    return a.spelling < b.spelling;
  });
  return keys;
}();

// The activity of a name folded and lower-cased as ResolveActivity does.
Activity ActivityOfFoldedName(std::string_view n) {
  // Most specific first: the PIM activation family shares prefixes with the plain names.
  if (n == "add member to role completed (pim activation)") {
    return Activity::kAddMemberToRolePimActivation;
  }
  if (n == "add member to role request denied (pim activation)") {
    return Activity::kAddMemberToRoleRequestDenied;
  }
  if (n == "remove member from role completed (pim activation expired)") {
    return Activity::kRemoveMemberFromRolePimExpired;
  }
  // PIM's names as the guide's rows give them (Security operations for privileged accounts,
  // "Activity type", Service = PIM; breaker round 49): "Add member to role (permanent)" (its
  // "Roles assigned out of PIM"), "Add member to role completed (eligible)" (its "Added to
  // eligible privileged role"), "Add eligible member (permanent|eligible)" (its "Alert on changes
  // to privileged account permissions", the vendor's Sentinel rule UserAddedtoAdminRole reads the
  // same pair), and their removals "Remove eligible member (...)".
  if (n == "add member to role (permanent)") return Activity::kAddMemberToRoleOutsidePim;
  // PIM's names of 2019 (kRenamedActivities above).
  if (n == "activationdenied") return Activity::kAddMemberToRoleRequestDenied;
  if (n == "activationapproved") return Activity::kRequestApproved;
  if (n == "addedoutsidepim") return Activity::kAddMemberToRoleOutsidePim;
  if (n == "elevate") return Activity::kAddMemberToRolePimActivation;
  if (n == "unelevate") return Activity::kRemoveMemberFromRolePimDeactivate;
  if (n == "role setting changes") return Activity::kUpdateRoleSettingInPim;
  if (n == "add member to role completed (eligible)" || n.starts_with("add eligible member (")) {
    return Activity::kAddEligibleMemberToRole;
  }
  if (n.starts_with("remove eligible member (")) return Activity::kRemoveEligibleMemberFromRole;
  const auto it = std::lower_bound(kExactActivities.begin(), kExactActivities.end(), n,
                                   [](const auto& e, std::string_view x) { return e.first < x; });
  if (it != kExactActivities.end() && it->first == n) return it->second;
  // A refused request for a role, under any of PIM's names for it: the activity reference's "Add
  // member to role request denied (PIM activation)", PIM's own audit history's "Add member to role
  // request denied" (no suffix, beside its "... request approved"), other suffixes. Not a grant.
  if ((n.starts_with("add member to role") || n.starts_with("add eligible member to role")) &&
      n.find("denied") != std::string_view::npos) {
    return Activity::kAddMemberToRoleRequestDenied;
  }
  // A PIM request ("... requested (...)", "... canceled ...") is not yet a role granted: only its
  // completion is (the request may still be denied or withdrawn).
  const bool pim_request =
      n.find("requested") != std::string_view::npos || n.find("cancel") != std::string_view::npos;
  if (n.starts_with("add eligible member to role")) {
    return pim_request ? Activity::kOther : Activity::kAddEligibleMemberToRole;
  }
  if (n.starts_with("add member to role in pim")) {
    return pim_request ? Activity::kOther : Activity::kAddMemberToRoleInPim;
  }
  if (n.starts_with("add member to role outside of pim")) {
    return Activity::kAddMemberToRoleOutsidePim;
  }
  // Core Directory's direct assignments scoped to an administrative unit ("Add scoped member to
  // role", "Add member to role scoped over Restricted Management Administrative Unit") are direct
  // assignments as "Add member to role" is; so are their removals.
  if (n == "add scoped member to role" || n.starts_with("add member to role scoped over")) {
    return Activity::kAddMemberToRole;
  }
  if (n == "remove scoped member from role" || n == "remove permanent direct role assignment") {
    return Activity::kRemoveMemberFromRole;
  }
  if (n == "remove permanent eligible role assignment") {
    return Activity::kRemoveEligibleMemberFromRole;
  }
  // PIM's restore of a removed assignment (the activity reference's RoleManagement,
  // ResourceManagement and GroupManagement names): the account holds the role again, as after its
  // assignment.
  if (n.starts_with("restore eligible member from role") ||
      n == "restore permanent eligible role assignment") {
    return pim_request ? Activity::kOther : Activity::kAddEligibleMemberToRole;
  }
  if (n.starts_with("restore member from role") ||
      n == "restore permanent direct role assignment") {
    return pim_request ? Activity::kOther : Activity::kAddMemberToRoleInPim;
  }
  if (n.starts_with("remove member from role")) {
    // A PIM request to remove ("... in PIM requested (permanent)", "... requested (PIM
    // deactivate)") removes nothing yet: only its completion does (a requested deactivation that
    // never completed ended the activation for PRIV-EL-08: breaker round 120).
    if (pim_request) return Activity::kOther;
    // PIM writes an expiry as "Remove member from role (PIM activation expired)" (the activity
    // reference's spelling, initiated by its app "Azure AD PIM"), without "completed".
    if (n.find("(pim activation expired)") != std::string_view::npos) {
      return Activity::kRemoveMemberFromRolePimExpired;
    }
    if (n.find("(pim activation)") != std::string_view::npos ||
        n.find("deactivat") != std::string_view::npos) {
      return Activity::kRemoveMemberFromRolePimDeactivate;
    }
    return Activity::kRemoveMemberFromRole;
  }
  if (n.starts_with("remove eligible member from role")) {
    return pim_request ? Activity::kOther : Activity::kRemoveEligibleMemberFromRole;
  }
  // PIM's denial of a request to extend or renew an assignment ("Update member in PIM denied by
  // admin (extend/renew)", the activity reference's name in all three PIM categories) is a denied
  // PIM request as "Request denied" is; its "approved by admin" sibling is an approval below.
  if ((n.starts_with("update member in pim") || n.starts_with("update eligible member in pim")) &&
      n.find("denied") != std::string_view::npos) {
    return Activity::kRequestDenied;
  }
  if (n.find("approved") != std::string_view::npos) return Activity::kRequestApproved;
  return Activity::kOther;
}

}  // namespace

uint64_t CanonicalActivityKey(uint64_t activity_hash) {
  const auto* it =
      std::lower_bound(kRenameKeys.begin(), kRenameKeys.end(), activity_hash,
                       [](const ActivityRename& r, uint64_t key) { return r.spelling < key; });
  return it != kRenameKeys.end() && it->spelling == activity_hash ? it->current : activity_hash;
}

std::span<const ActivityRename> ActivityRenames() { return kRenameKeys; }

std::size_t FormerActivityKeys(uint64_t activity_hash, std::span<uint64_t> out) {
  const uint64_t key = CanonicalActivityKey(activity_hash);
  std::size_t n = 0;
  if (key != activity_hash && n < out.size()) out[n++] = activity_hash;
  for (const ActivityRename& r : kRenameKeys) {
    if (r.current == key && r.spelling != activity_hash && n < out.size()) out[n++] = r.spelling;
  }
  return n;
}

ActivityLookup ResolveActivity(std::string_view raw) {
  const std::string_view name = TrimSpaces(raw);
  char lower[128];
  if (name.empty() || name.size() > sizeof(lower)) return {};
  // Real names drift in typography (SCHEMA-detail 2.4): an en or em dash for the hyphen ("Fraud
  // reported \u2013 user is blocked for MFA"), no-break or doubled spaces. Folded here: lower
  // case, dashes to '-', each run of spaces to one, "multi-factor" to "multifactor".
  std::size_t len = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = AsciiLower(name[i]);
    const std::string_view rest = name.substr(i);
    if (rest.starts_with("\xE2\x80\x93") || rest.starts_with("\xE2\x80\x94")) {
      c = '-', i += 2;
    } else if (rest.starts_with("\xC2\xA0")) {
      c = ' ', i += 1;
    }
    // A no-break space at either end is a surrounding space too.
    if (c == ' ' && (len == 0 || lower[len - 1] == ' ')) continue;
    // Microsoft's spelling moved from "multi-factor" to "multifactor": both name one activity.
    if (c == '-' && std::string_view(lower, len).ends_with("multi") &&
        StartsWithIgnoreCase(name.substr(i + 1), "factor")) {
      continue;
    }
    lower[len++] = c;
  }
  if (len > 0 && lower[len - 1] == ' ') --len;
  const std::string_view n(lower, len);
  const Activity activity = ActivityOfFoldedName(n);
  if (activity == Activity::kAddMemberToRole || activity == Activity::kRemoveMemberFromRole) {
    // Core Directory's names of an assignment scoped to an administrative unit, and of its
    // removal: the activity reference's "Add scoped member to role", "Remove scoped member from
    // role", and the Restricted Management ones ("... scoped over Restricted Management
    // Administrative Unit").
    const bool unit_scoped = n == "add scoped member to role" ||
                             n.starts_with("add member to role scoped over") ||
                             n == "remove scoped member from role" ||
                             n.starts_with("remove member from role scoped over");
    return {activity, EligibleName::kOther, unit_scoped};
  }
  if (activity != Activity::kAddEligibleMemberToRole) return {activity, EligibleName::kOther};
  // PRIV-EL-01's two records of one grant (detectors/role_gain.h): PIM's own name, and Core
  // Directory's mirror (AssignEligibleRole), that name alone. A restore is neither.
  if (n == "add eligible member to role") return {activity, EligibleName::kDirectoryMirror};
  if (n.starts_with("add eligible member to role in pim completed") ||
      n == "add member to role completed (eligible)" || n.starts_with("add eligible member (")) {
    return {activity, EligibleName::kPimCompleted};
  }
  return {activity, EligibleName::kOther};
}

std::string_view FoldActivityName(std::string_view raw, char* buffer, std::size_t capacity) {
  const std::string_view name = TrimSpaces(raw);
  if (name.size() > capacity) return name;
  std::size_t len = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    const std::string_view rest = name.substr(i);
    if (rest.starts_with("\xE2\x80\x93") || rest.starts_with("\xE2\x80\x94")) {
      c = '-', i += 2;
    } else if (rest.starts_with("\xC2\xA0")) {
      c = ' ', i += 1;
    }
    if (c == ' ' && len > 0 && buffer[len - 1] == ' ') continue;
    if (c == '-' && len >= 5 && EqualsIgnoreCase(std::string_view(buffer + len - 5, 5), "multi") &&
        StartsWithIgnoreCase(name.substr(i + 1), "factor")) {
      continue;
    }
    buffer[len++] = c;
  }
  return std::string_view(buffer, len);
}

AuditCategory LookupAuditCategory(std::string_view c) {
  c = TrimSpaces(c);
  // Spaces do not matter: the audit activity reference writes "Application Management" for
  // Application Proxy's records beside "ApplicationManagement" (breaker round 68).
  char buffer[48];
  std::size_t n = 0;
  for (const char ch : c) {
    if (ch == ' ') continue;
    if (n == sizeof(buffer)) return AuditCategory::kOther;
    buffer[n++] = ch;
  }
  c = std::string_view(buffer, n);
  if (EqualsIgnoreCase(c, "RoleManagement")) return AuditCategory::kRoleManagement;
  if (EqualsIgnoreCase(c, "UserManagement")) return AuditCategory::kUserManagement;
  if (EqualsIgnoreCase(c, "ApplicationManagement")) return AuditCategory::kApplicationManagement;
  if (EqualsIgnoreCase(c, "AzureRBACRoleManagementElevateAccess")) {
    return AuditCategory::kAzureRbacElevateAccess;
  }
  return AuditCategory::kOther;
}

bool IsEntraAuditCategory(std::string_view c) {
  if (LookupAuditCategory(c) != AuditCategory::kOther) return true;
  c = TrimSpaces(c);
  for (const std::string_view known : {"Policy",
                                       "DirectoryManagement",
                                       "GroupManagement",
                                       "Device",
                                       "DeviceConfiguration",
                                       "Authentication",
                                       "Authorization",
                                       "AuthorizationPolicy",
                                       "AdministrativeUnit",
                                       "Contact",
                                       "EntitlementManagement",
                                       "KeyManagement",
                                       "Label",
                                       "PermissionGrantPolicy",
                                       "ResourceManagement",
                                       "Agreement",
                                       "IdentityProtection",
                                       "AuthenticationMethods",
                                       "Other",
                                       "KerberosDomain",
                                       "CrossTenantAccessSettings",
                                       "CrossTenantIdentitySyncSettings",
                                       "MultiTenantOrganization",
                                       "DeviceTemplate",
                                       "AttributeManagement",
                                       "Lifecycle"}) {
    if (EqualsIgnoreCase(c, known)) return true;
  }
  return false;
}

AuditService LookupAuditService(std::string_view s) {
  s = TrimSpaces(s);
  if (EqualsIgnoreCase(s, "Core Directory")) return AuditService::kCoreDirectory;
  // PIM's records name it "PIM"; the Graph directoryAudit documentation writes the service out,
  // "Privileged Identity Management", as exports that expand it do.
  if (EqualsIgnoreCase(s, "PIM") || EqualsIgnoreCase(s, "Privileged Identity Management")) {
    return AuditService::kPim;
  }
  if (EqualsIgnoreCase(s, "Access Reviews")) return AuditService::kAccessReviews;
  return AuditService::kOther;
}

}  // namespace privmon::parsers
