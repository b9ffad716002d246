// Audit specific fields of an Event (AuditFields, actor and target accounts) from RecordFields.
#include <cstdint>
#include <optional>

#include "core/hash.h"
#include "core/role_templates.h"
#include "parsers/activity_names.h"
#include "parsers/event_builder.h"
#include "parsers/hash_memo.h"
#include "parsers/outcome.h"
#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

// A read logged as an activity: Self-service Group Management names its calls "<Controller>_
// <Action>" (the audit activity reference's rows: "GroupsODataV4_Get", "Group_GetMembers",
// "Features_GetFeaturesAsync", "Features_IsFeatureEnabledAsync", "Group_ValidateDynamicMembership",
// "GroupsODataV4_evaluateDynamicMembership"), operationType "Update" for each, though "this
// activity doesn't indicate if the user made any changes" (the reference): an action that gets,
// asks or validates changes nothing (breaker round 103: each raised PRIV-CH-01).
bool IsControllerRead(std::string_view name) {
  name = TrimSpaces(name);
  const std::size_t underscore = name.find('_');
  if (underscore == 0 || underscore == std::string_view::npos ||
      name.find(' ') != std::string_view::npos) {
    return false;
  }
  const std::string_view action = name.substr(underscore + 1);
  if (action.size() > 2 && action.starts_with("Is") && action[2] >= 'A' && action[2] <= 'Z') {
    return true;  // "IsFeatureEnabledAsync", not "Issue..."
  }
  for (const std::string_view read : {"Get", "Validate", "BatchValidate", "evaluate"}) {
    if (StartsWithIgnoreCase(action, read)) return true;
  }
  return false;
}

// The 4 hex digits at s[i], or -1.
int32_t Hex4(std::string_view s, std::size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t code = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char h = s[k];
    const int v = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
    if (v < 0) return -1;
    code = code * 16 + v;
  }
  return code;
}

// The body of a JSON string (between its quotes) unescaped into `buffer`, as UTF-8: a name written
// "g\u00e9n\u00e9ral" (serializers that escape every non-ASCII character) is the same name as
// "général" written as it is. A lone surrogate becomes U+FFFD. Stops at `capacity`.
std::string_view UnescapeJsonString(std::string_view s, char* buffer, std::size_t capacity) {
  std::size_t n = 0;
  auto put = [&](char c) {
    if (n < capacity) buffer[n++] = c;
  };
  auto put_code_point = [&](uint32_t cp) {
    if (cp < 0x80) {
      put(static_cast<char>(cp));
    } else if (cp < 0x800) {
      put(static_cast<char>(0xC0 | cp >> 6));
      put(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      put(static_cast<char>(0xE0 | cp >> 12));
      put(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      put(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      put(static_cast<char>(0xF0 | cp >> 18));
      put(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
      put(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      put(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  for (std::size_t i = 0; i < s.size() && n < capacity; ++i) {
    const char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      put(c);
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n':
        put('\n');
        break;
      case 't':
        put('\t');
        break;
      case 'r':
        put('\r');
        break;
      case 'b':
        put('\b');
        break;
      case 'f':
        put('\f');
        break;
      case 'u': {
        const int32_t code = Hex4(s, i + 1);
        if (code < 0) {
          put('?');
          break;
        }
        i += 4;
        uint32_t cp = static_cast<uint32_t>(code);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const int32_t low =
              i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' ? Hex4(s, i + 3) : -1;
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        put_code_point(cp);
        break;
      }
      default:
        put(e);  // \" \\ \/
        break;
    }
  }
  return std::string_view(buffer, n);
}

// The first JSON string of `s` (from its opening quote at `open`): its body, still escaped, or
// nullopt when it does not end.
std::optional<std::string_view> QuotedBody(std::string_view s, std::size_t open) {
  std::size_t close = open + 1;  // the string ends at its first unescaped quote
  while (close < s.size() && s[close] != '"') close += s[close] == '\\' ? 2 : 1;
  if (close >= s.size()) return std::nullopt;
  return s.substr(open + 1, close - open - 1);
}

// A modifiedProperties value is JSON text inside the string: "\"Global Administrator\"" ->
// Global Administrator, or an array of one such string ("[\"Global Administrator\"]", the shape
// of the other properties: its first string), unescaped into `buffer` (UnescapeJsonString).
// A value encoded twice (a shipper that JSON-encodes the already encoded text:
// "\"\\\"Security Administrator\\\"\"") is decoded again, up to kMaxEncodings levels (in place:
// unescaping only shortens).
constexpr int kMaxEncodings = 3;

// A consent's audit activity: a delegated permission grant or an app role assignment to a
// service principal (an application permission), added or removed.
bool IsConsentActivity(std::string_view name) {
  return EqualsIgnoreCase(name, "Add delegated permission grant") ||
         EqualsIgnoreCase(name, "Remove delegated permission grant") ||
         EqualsIgnoreCase(name, "Add app role assignment to service principal") ||
         EqualsIgnoreCase(name, "Remove app role assignment from service principal");
}

std::string_view UnquoteJsonText(std::string_view s, char* buffer, std::size_t capacity) {
  for (int level = 0; level < kMaxEncodings; ++level) {
    s = TrimJsonText(s);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
      s = TrimJsonText(s.substr(1, s.size() - 2));
      if (s.empty() || s.front() != '"') return {};  // [] or [null]: no name here
      const auto body = QuotedBody(s, 0);
      if (!body) return {};
      s = UnescapeJsonString(*body, buffer, capacity);
    } else if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
      s = UnescapeJsonString(s.substr(1, s.size() - 2), buffer, capacity);
    } else {
      return s;
    }
  }
  return s;
}

// A modifiedProperties value holding one UPN as JSON text: ["x@y"] or "x@y" -> x@y (unescaped into
// `buffer`); empty when the value is empty, null or not a UPN.
std::string_view UpnFromPropertyValue(std::string_view v, char* buffer, std::size_t capacity) {
  std::string_view upn = TrimJsonText(v);  // unquoted: a decoded array's string
  for (int level = 0; level < kMaxEncodings; ++level) {
    const std::size_t open = upn.find('"');
    if (open == std::string_view::npos) break;
    const auto body = QuotedBody(upn, open);
    if (!body) return {};
    upn = TrimJsonText(UnescapeJsonString(*body, buffer, capacity));  // in place from level 1
  }
  if (upn.find_first_of("[]{}, \"") != std::string_view::npos) return {};
  return upn.find('@') == std::string_view::npos ? std::string_view() : upn;
}

// The two activities of the elevate-access category (AzureRBACRoleManagementElevateAccess): the
// elevation and its end.
bool IsElevateAccessActivity(std::string_view name) {
  return EqualsIgnoreCase(
             name,
             "User has elevated their access to User Access Administrator for their Azure "
             "Resources") ||
         EqualsIgnoreCase(
             name,
             "The role assignment of User Access Administrator has been removed from the user");
}

// The role assignment family (Core Directory's and PIM's grants, removals, requests denied, the
// end of an activation): RoleManagement where the record names no category.
bool IsRoleAssignmentActivity(Activity a) {
  switch (a) {
    case Activity::kAddMemberToRole:
    case Activity::kAddMemberToRoleOutsidePim:
    case Activity::kAddEligibleMemberToRole:
    case Activity::kAddMemberToRoleInPim:
    case Activity::kAddMemberToRolePimActivation:
    case Activity::kAddMemberToRoleRequestDenied:
    case Activity::kRemoveMemberFromRolePimExpired:
    case Activity::kRemoveMemberFromRolePimDeactivate:
    case Activity::kRemoveMemberFromRole:
    case Activity::kRemoveEligibleMemberFromRole:
      return true;
    default:
      return false;
  }
}

// Core Directory's changes of an app (category ApplicationManagement): "Add / Update / Delete /
// Hard delete / Restore application", "Update application – Certificates and secrets management",
// "Add / Update / Delete service principal", "Add / Remove service principal credentials", "Add
// owner to application / service principal", "Consent to application", "Add / Remove delegated
// permission grant", "Add app role assignment to service principal". Where a record names no
// category, the activity names its category (with an app target: PRIV-CH-03).
bool IsAppManagementActivity(std::string_view name) {
  return ContainsIgnoreCase(name, "application") || ContainsIgnoreCase(name, "service principal") ||
         ContainsIgnoreCase(name, "delegated permission grant");
}

// A request to activate a role in PIM, not the activation itself: "Add member to role requested
// (PIM activation)", "... request approved (PIM activation)", "... request denied (PIM
// activation)", "... canceled (PIM activation)" (the activity reference), and PIM's own audit
// history's "Add member to role request denied" / "... request approved" without the suffix; and
// their names of 2019 (the audit activity reference's PIM rows: "ActivationRequested",
// "ActivationApproved", "ActivationDenied", "ActivationCanceled"; breaker round 116).
// Requests to assign a role ("... in PIM requested (permanent)") name an account that may not be
// eligible yet: not these.
bool IsPimActivationRequest(Activity a, std::string_view name) {
  const std::string_view trimmed = TrimSpaces(name);
  for (std::string_view old_name :
       {"ActivationRequested", "ActivationApproved", "ActivationDenied", "ActivationCanceled"}) {
    if (EqualsIgnoreCase(trimmed, old_name)) return true;
  }
  if (a == Activity::kAddMemberToRolePimActivation ||
      !StartsWithIgnoreCase(name, "Add member to role ") ||
      StartsWithIgnoreCase(name, "Add member to role in PIM") ||
      StartsWithIgnoreCase(name, "Add member to role outside")) {
    return false;
  }
  return ContainsIgnoreCase(name, "(PIM activation)") ||
         EqualsIgnoreCase(name, "Add member to role request denied") ||
         EqualsIgnoreCase(name, "Add member to role request approved");
}

// PIM's own first-party app by its application (client) id, which no other app can hold.
bool IsPimAppId(std::string_view app_id) {
  return EqualsIgnoreCase(app_id, "01fc33a7-78ba-4d2f-a4b7-768e336e890e");
}

// PIM's app's display name (commercial and US Government clouds): any app registration may take
// it, so it only names an initiator that may be PIM (its copy is paired with PIM's own record).
bool IsPimAppName(std::string_view display_name) {
  return EqualsIgnoreCase(display_name, "MS-PIM") ||
         EqualsIgnoreCase(display_name, "MS-PIM-Fairfax");
}

}  // namespace

void FillAuditFields(const RecordFields& f, Event& ev) {
  AuditFields& a = ev.audit;
  // Folded as the lookup folds it (no-break and doubled spaces, en dashes): every check below and
  // the rules' own read the same name the activity (and EL-01's eligible_name) was resolved from.
  char name_buffer[256];
  std::string_view name =
      FoldActivityName(f.activity_display_name.empty() ? f.operation_name : f.activity_display_name,
                       name_buffer, sizeof(name_buffer));
  // The 2018 schema ends some activity names with a period ("Update service principal.").
  if (f.legacy_audit && name.ends_with('.')) name.remove_suffix(1);
  const ActivityLookup resolved = ResolveActivity(name);
  a.activity = resolved.activity;
  // "Update PasswordProfile" is a password set only when its properties name "Password" (or name
  // none: a projection without them); "ForceChangePassword" alone asks for a change at the next
  // sign-in and sets none (breaker round 54).
  if (a.activity == Activity::kResetUserPassword && f.property_named && !f.password_property &&
      EqualsIgnoreCase(name, "Update PasswordProfile")) {
    a.activity = Activity::kOther;
  }
  a.eligible_name = resolved.eligible_name;
  a.unit_scoped = resolved.unit_scoped;
  a.activity_hash = name.empty() ? 0 : MemoHashLower(name);
  a.activity_name.assign(name);
  // A diagnostic record's category is in its properties; one whose envelope names the audit
  // category instead (IsEntraAuditCategory: Panther's Azure.Audit records) states it there.
  const std::string_view stated_category =
      ev.format != RecordFormat::kAzureMonitor                                   ? f.category
      : TrimSpaces(f.props_category).empty() && IsEntraAuditCategory(f.category) ? f.category
                                                                                 : f.props_category;
  // A category outside the audit log's own (IsEntraAuditCategory) says none: Event Hubs AuditLogs
  // records of 2018 carried the service there ("category": "Core Directory", "Authentication
  // Methods", ..., "loggedByService": null; MicrosoftDocs/azure-docs#13794). The record is read
  // as one naming no category (its activity's documented category, below), and a known service
  // there names the service when the record names none elsewhere (breaker rounds 98, 102).
  const AuditService category_service = LookupAuditService(stated_category);
  const std::string_view category =
      IsEntraAuditCategory(stated_category) ? stated_category : std::string_view{};
  a.category = LookupAuditCategory(category);
  // An elevation of access named by its own activity where the record names no category (a
  // diagnostic record without properties.category, a projection without Category): the
  // elevate-access documentation's and the vendor's Sigma rule's activity names are that
  // category's alone (PRIV-EL-07's audit form, the account keyed by its UPN, no CH-01).
  if (TrimSpaces(category).empty() && IsElevateAccessActivity(name)) {
    a.category = AuditCategory::kAzureRbacElevateAccess;
  }
  a.service = LookupAuditService(f.logged_by_service);
  if (TrimSpaces(f.logged_by_service).empty() && category_service != AuditService::kOther) {
    a.service = category_service;
  }
  // PIM names an Azure resource role's activation and a group's as a directory role's: the
  // category tells them apart (a record naming none is a directory role's, as before).
  if (EqualsIgnoreCase(TrimSpaces(category), "ResourceManagement") ||
      EqualsIgnoreCase(TrimSpaces(category), "GroupManagement")) {
    a.flags |= kPimOtherProvider;
  }

  // Graph's operationResult enum puts success at 0, which one documented diag example prints. A
  // record that states no result (a KQL projection without `Result`, a Graph `$select` without
  // `result`) reads as its envelope `resultType` / `ResultType` says, and as a success when that
  // says nothing either: nothing says it failed, as a sign-in without a status and an Azure
  // Activity record without a status are read. A stated failure, timeout or other value is none.
  if (AuditSucceeded(f.result, f.result_type)) a.flags |= kAuditSuccess;
  // A Temporary Access Pass: the result reason says so ("Admin registered temporary access pass
  // method for user"), or, where the record carries none (an AuditLogs projection or a Graph
  // $select without it), the pass's own modified properties ("TemporaryAccessPass.Id", ...).
  // Some exports leave resultReason "" and put the reason in resultDescription (the diagnostic
  // envelope's, corpus test-auditlogs-result-description.log; LA ResultDescription, which public
  // queries match for this very text): either says it.
  if (ContainsIgnoreCase(f.result_reason, "temporary access pass") ||
      ContainsIgnoreCase(f.result_description, "temporary access pass") ||
      f.temporary_access_pass_modified) {
    a.flags |= kTemporaryAccessPass;
  }
  if (a.activity == Activity::kUpdateUser && f.strong_auth_method_modified) {
    a.flags |= kStrongAuthMethodModified;
  }
  if (a.activity == Activity::kUpdateUser && f.per_user_mfa_lowered) {
    a.more_flags |= kPerUserMfaLowered;
  }
  if (a.activity == Activity::kUpdateUser && f.account_enabled_changed) {
    a.more_flags |= kAccountEnabledChanged;
  }
  if (f.guest_to_member) a.flags |= kGuestPromotedToMember;
  // PIM's 2019 "AddedOutsidePIM" is "Add member to role outside of PIM (permanent)".
  if (EndsWithIgnoreCase(name, "(permanent)") || EqualsIgnoreCase(name, "AddedOutsidePIM")) {
    a.flags |= kPermanentAssignment;
  }
  if (a.activity == Activity::kUpdateRoleSettingInPim &&
      (f.mfa_or_approval_disabled || SentenceDisablesMfaOrApproval(f.result_reason) ||
       SentenceDisablesMfaOrApproval(f.result_description))) {
    a.flags |= kPimSettingDisablesMfa;
  }
  if (f.trusted_location && EqualsIgnoreCase(TrimSpaces(name), "Add named location")) {
    a.more_flags |= kTrustedLocationAdded;
  }
  if (ContainsIgnoreCase(name, "security info")) a.flags |= kActivityContainsSecurityInfo;
  // A record naming no category (a projection without Category, a Graph $select without
  // category, a diagnostic record without properties.category) is in its activity's documented
  // one, as the rules that read no category already take it: "Update user" and the security info
  // family are UserManagement (PRIV-BG-04), the role assignments RoleManagement (PRIV-BG-03), and
  // the changes of an application or service principal ApplicationManagement (PRIV-CH-03).
  if (TrimSpaces(category).empty() && a.category == AuditCategory::kOther) {
    if (a.activity == Activity::kUpdateUser || (a.flags & kActivityContainsSecurityInfo) != 0) {
      a.category = AuditCategory::kUserManagement;
    } else if (IsRoleAssignmentActivity(a.activity)) {
      a.category = AuditCategory::kRoleManagement;
    } else if (f.app_key_count > 0 && IsAppManagementActivity(name)) {
      a.category = AuditCategory::kApplicationManagement;
    }
  }
  if (ContainsIgnoreCase(name, "reviewed security info") || IsControllerRead(name)) {
    a.flags |= kViewOnly;
  }
  if (IsPimActivationRequest(a.activity, name)) a.flags |= kPimActivationRequest;
  // The elevate-access category also holds the end of the elevation ("The role assignment of User
  // Access Administrator has been removed from the user").
  if (a.category == AuditCategory::kAzureRbacElevateAccess && ContainsIgnoreCase(name, "remove")) {
    a.flags |= kElevateAccessRemoved;
  }

  // A custom role's display name may be 256 characters long, each up to 4 bytes in UTF-8: a name
  // that does not fit would come out empty, and the role unnamed (breaker round 27).
  char role_buffer[1024];
  std::string_view role = UnquoteJsonText(f.role_from_property, role_buffer, sizeof(role_buffer));
  if (TrimSpaces(role).empty()) role = f.role_target_name;
  char template_buffer[64], template_id_buffer[36];
  // The role's template id from its target, else from additionalDetails (PIM's "TemplateId" /
  // "RoleDefinitionOriginId": a Role target with no name and no modified properties); without
  // its dashes, the dashed id (CanonicalId).
  const std::string_view template_id =
      CanonicalId(UnquoteJsonText(TrimSpaces(f.role_template).empty() ? f.details_role_template
                                                                      : f.role_template,
                                  template_buffer, sizeof(template_buffer)),
                  template_id_buffer);
  const std::string_view builtin = BuiltinRoleName(template_id);
  if (!builtin.empty()) {
    // A built-in role's template id is the same in every tenant and under every name the role has
    // had: it reads as the catalogue's name ("Microsoft Entra Joined Device Local Administrator",
    // the renamed "Azure AD Joined Device Local Administrator", is still that role).
    role = builtin;
  } else if (!template_id.empty()) {
    // A custom role's id, kept beside its name so the shard learns they are one role.
    a.role_id_hash = HashLower(template_id);
    // Named only by its template id: a custom role is keyed by the id, which a config may list.
    if (TrimSpaces(role).empty()) role = template_id;
  }
  // A built-in role's other names (former or current) read as the catalogue's name.
  role = CanonicalRoleName(TrimSpaces(role));
  a.role_hash = role.empty() ? 0 : MemoHashLower(role);
  a.role_name.assign(role);

  // The app targets' keys (id, appId, display name), each once, and the application id Core
  // Directory names in additionalDetails "AppId" of a record that changed an app: how an admin
  // lists an app in high_value_apps, and no target carries it (PRIV-CH-03).
  a.app_hash_count = 0;
  auto add_app_key = [&a](std::string_view key) {
    char app_key_buffer[36];  // an app id without its dashes is the dashed one (CanonicalId)
    key = CanonicalId(key, app_key_buffer);
    if (key.empty()) return;
    const uint64_t h = HashLower(key);
    for (uint8_t i = 0; i < a.app_hash_count; ++i) {
      if (a.app_hashes[i] == h) return;
    }
    if (a.app_hash_count < a.app_hashes.size()) a.app_hashes[a.app_hash_count++] = h;
  };
  // A consent ("Add delegated permission grant", "Add app role assignment to service principal",
  // and their removals) names first the API it grants access to (Microsoft Graph: the grant is
  // kept on the API's service principal) and then the client it grants it to, which its first
  // target's "ServicePrincipal.*" properties name too. The app whose access changed is the
  // client: a high-value API is not changed by every app's consent to it (docs/RULES.md).
  if (IsConsentActivity(name)) [[unlikely]] {
    for (uint8_t i = f.first_app_target_keys; i < f.app_key_count; ++i) add_app_key(f.app_keys[i]);
    add_app_key(f.consent_client_id);
    add_app_key(f.consent_client_app_id);
    char client_name_buffer[256];
    const std::string_view client_name =
        UnquoteJsonText(f.consent_client_name, client_name_buffer, sizeof(client_name_buffer));
    add_app_key(client_name);
    std::string_view shown = TrimSpaces(client_name);
    if (shown.empty() && f.first_app_target_keys < f.app_key_count) {
      shown = TrimSpaces(f.app_keys[f.app_key_count - 1]);
    }
    if (shown.empty()) shown = NormalizeId(f.consent_client_id);
    a.app_name.assign(shown);
  } else {
    for (uint8_t i = 0; i < f.app_key_count; ++i) add_app_key(f.app_keys[i]);
    if (f.app_key_count > 0) add_app_key(f.details_app_id);
    a.app_name.assign(TrimSpaces(f.app_name));
  }

  if (f.has_target_user) {
    // A rename (or the creation) states the account's current UPN in the modified properties; the
    // target's own userPrincipalName may still be the old one.
    char new_upn_buffer[256], old_upn_buffer[256];
    const std::string_view new_upn =
        UpnFromPropertyValue(f.target_user_new_upn, new_upn_buffer, sizeof(new_upn_buffer));
    FillAccount(ev.tenant_hash, f.target_user_id, new_upn.empty() ? f.target_user_upn : new_upn,
                ev.account);
    // A rename is still the account a config lists by its former UPN: the record names it by its
    // new UPN and matches lists (break_glass, privileged_accounts) by the former one. Keyed as
    // before (by its id; by the former UPN, as its earlier records were, when it has none).
    const std::string_view old_upn = StripDeletedUserPrefix(
        NormalizeId(f.target_user_id),
        UpnFromPropertyValue(f.target_user_old_upn, old_upn_buffer, sizeof(old_upn_buffer)));
    if (!new_upn.empty() && !old_upn.empty() && !EqualsIgnoreCase(old_upn, ev.account.upn.view())) {
      ev.account.upn_hash = HashLower(old_upn);
      // A guest converted to a member (its #EXT# UPN renamed to one of the tenant's): lists name a
      // guest by the address it signs in with, which its #EXT# UPN spells, and a list naming the
      // #EXT# UPN holds that address too (config/tenant.cc). Matched by the address, a listing
      // survives the conversion even when the rename is the account's first record (breaker
      // round 105: a listed guest admin's PRIV-SI-01 lost). Keyed by its id, so only the listing
      // reads this hash.
      char home_buffer[256];
      if (const std::string_view home = GuestHomeUpn(old_upn, home_buffer, sizeof(home_buffer));
          !home.empty() && ev.account.id_hash != 0) {
        ev.account.upn_hash = HashLower(home);
      }
      if (ev.account.id_hash == 0) {
        ev.account.key = HashCombine(ev.tenant_hash, ev.account.upn_hash);
        if (ev.account.key == 0) ev.account.key = 1;
      }
    }
  }
  const bool role_gain = a.activity == Activity::kAddMemberToRole ||
                         a.activity == Activity::kAddMemberToRoleOutsidePim ||
                         a.activity == Activity::kAddEligibleMemberToRole ||
                         a.activity == Activity::kAddMemberToRoleInPim ||
                         a.activity == Activity::kAddMemberToRolePimActivation;
  if (!f.has_target_user && role_gain &&
      (!TrimSpaces(f.target_principal_id).empty() ||
       !TrimSpaces(f.target_principal_name).empty())) {
    // A role given to a service principal or to a role-assignable group is still a role assigned
    // (outside PIM, permanently, eligibly): the principal is the target, named by its display name.
    FillAccount(ev.tenant_hash, f.target_principal_id, f.target_principal_name, ev.account);
    a.flags |= kTargetNotUser;
  }
  // The 2018 schema names a user initiator by the envelope `identity` alone, its UPN where
  // properties.identityType says "UPN".
  std::string_view actor_upn = f.actor_user_upn;
  if (f.legacy_audit && TrimSpaces(actor_upn).empty() && TrimSpaces(f.actor_user_id).empty() &&
      EqualsIgnoreCase(TrimSpaces(f.legacy_identity_type), "UPN")) {
    actor_upn = f.identity_name;
  }
  if (!TrimSpaces(f.actor_user_id).empty() || !TrimSpaces(actor_upn).empty()) {
    FillAccount(ev.tenant_hash, f.actor_user_id, actor_upn, ev.actor);
    // The elevating account, keyed as its Azure Activity record keys it (KeyAccountByUpn).
    if (a.category == AuditCategory::kAzureRbacElevateAccess)
      KeyAccountByUpn(ev.tenant_hash, ev.actor);
  } else {
    // An app initiator is keyed by its service principal id and named by its display name.
    // The display name, else the service principal name (an export may fill only that one), else
    // the envelope identity, the initiator's display name (diagnostic `identity`, Log Analytics
    // `Identity`) when the app names itself by ids alone ("displayName": null, as Graph often
    // writes it): Core Directory's copy of a PIM activation so named is PIM's ("MS-PIM").
    std::string_view app_name = TrimSpaces(f.actor_app_name);
    if (app_name.empty()) app_name = TrimSpaces(f.actor_app_sp_name);
    std::string_view app_id = TrimSpaces(f.actor_app_sp_id);
    if (app_id.empty()) app_id = TrimSpaces(f.actor_app_id);
    if (app_name.empty() && !app_id.empty()) app_name = TrimSpaces(f.identity_name);
    // The 2018 schema names an app initiator by the envelope `identity` alone, its display name
    // where properties.identityType says "Application" (the schema's other documented kind):
    // Core Directory's copy of a PIM grant so named is PIM's ("MS-PIM"), as in today's records.
    // No loggedByService in that schema: PIM's own records are known by their activity names.
    if (f.legacy_audit && app_name.empty() && app_id.empty() &&
        EqualsIgnoreCase(TrimSpaces(f.legacy_identity_type), "Application") &&
        !EqualsIgnoreCase(TrimSpaces(f.identity_name), "NA")) {
      app_name = TrimSpaces(f.identity_name);
    }
    if (app_id.empty()) app_id = app_name;
    if (!app_id.empty()) {
      FillAccount(ev.tenant_hash, app_id, app_name, ev.actor);
      // An account list (approved.inviters: an app that invites guests) names an app by its
      // application (client) id, the id its owners know it by, or by its service principal's
      // object id: the initiator matches by either. The display name, which any app
      // registration may copy, names it only where the record gives no appId.
      char client_id_buffer[36];
      const std::string_view client_id = CanonicalId(f.actor_app_id, client_id_buffer);
      // Also where the appId is the record's only id (no servicePrincipalId): the display name
      // then still named it.
      if (!client_id.empty()) ev.actor.upn_hash = HashLower(client_id);
      a.flags |= kActorIsApp;
    }
    // PIM's app by its appId, or by its name ("MS-PIM", display or service principal name) where
    // the record gives no appId (PIM's real records carry "appId": null), or, where initiatedBy
    // names nobody ({}: Microsoft's own AuditLogs example, or an export without the column), by
    // the envelope identity (the vendor's analytic rule tests Identity != "MS-PIM"): PIM's copy
    // of its own grant, no direct one (PRIV-EL-02, PA-04).
    const std::string_view client_app_id = NormalizeId(f.actor_app_id);
    if (IsPimAppId(client_app_id) || (client_app_id.empty() && IsPimAppName(app_name)) ||
        (app_name.empty() && app_id.empty() && IsPimAppName(TrimSpaces(f.identity_name)))) {
      a.flags |= kInitiatedByPim;
    } else if (IsPimAppName(app_name)) {
      // Named PIM's app with another appId: an app registration that took the name (any may) is
      // no PIM. Its copy is PIM's only when paired with PIM's own record of the grant
      // (state/pim_copies.h), as an unnamed one is.
      a.flags |= kInitiatorNamedPim;
    } else if (app_name.empty() && TrimSpaces(f.identity_name).empty()) {
      // Named by no name at all (ids alone, or nothing): PIM's copy or not is told by pairing it
      // with PIM's own record (state/pim_copies.h), not here.
      a.flags |= kInitiatorUnnamed;
    }
  }
}

}  // namespace privmon::parsers
