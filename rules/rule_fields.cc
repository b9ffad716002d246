#include "rules/rule_fields.h"

#include <algorithm>
#include <charconv>

#include "core/hash.h"
#include "core/role_templates.h"
#include "parsers/activity_names.h"
#include "parsers/legacy_clients.h"

namespace privmon {
namespace {

constexpr NamedValue kCaStatus[] = {{"success", 1}, {"failure", 2}, {"notApplied", 3}};
constexpr NamedValue kRiskState[] = {
    {"none", 1}, {"atRisk", 2}, {"confirmedCompromised", 3}, {"other", 4}};
constexpr NamedValue kRiskLevel[] = {
    {"none", 1}, {"low", 2}, {"medium", 3}, {"high", 4}, {"hidden", 5}};
constexpr NamedValue kClientApp[] = {{"unknown", 0}, {"modern", 1}, {"legacy", 2}};
constexpr NamedValue kChannel[] = {{"interactive", 0}, {"nonInteractive", 1}, {"other", 2}};

const FieldSpec kFields[] = {
    {"signin.error_code", Field::kSignInErrorCode, EventKind::kSignIn, ValueType::kInt},
    {"signin.ca_status", Field::kSignInCaStatus, EventKind::kSignIn, ValueType::kEnum, kCaStatus},
    {"signin.risk_state", Field::kSignInRiskState, EventKind::kSignIn, ValueType::kEnum,
     kRiskState},
    {"signin.risk_during", Field::kSignInRiskDuring, EventKind::kSignIn, ValueType::kEnum,
     kRiskLevel},
    {"signin.risk_aggregated", Field::kSignInRiskAggregated, EventKind::kSignIn, ValueType::kEnum,
     kRiskLevel},
    {"signin.client_app", Field::kSignInClientApp, EventKind::kSignIn, ValueType::kEnum,
     kClientApp},
    {"signin.client_app_name", Field::kSignInClientAppName, EventKind::kSignIn, ValueType::kHash},
    {"signin.fraud_reported", Field::kSignInFraudReported, EventKind::kSignIn, ValueType::kBool},
    {"signin.device_compliant", Field::kSignInDeviceCompliant, EventKind::kSignIn,
     ValueType::kBool},
    {"signin.device_managed", Field::kSignInDeviceManaged, EventKind::kSignIn, ValueType::kBool},
    {"signin.guest", Field::kSignInGuest, EventKind::kSignIn, ValueType::kBool},
    {"signin.channel", Field::kSignInChannel, EventKind::kSignIn, ValueType::kEnum, kChannel},
    {"signin.country", Field::kSignInCountry, EventKind::kSignIn, ValueType::kCountry},
    {"signin.device", Field::kSignInDevice, EventKind::kSignIn, ValueType::kHash},
    {"signin.location", Field::kSignInLocation, EventKind::kSignIn, ValueType::kHash},
    {"signin.cross_tenant", Field::kSignInCrossTenant, EventKind::kSignIn, ValueType::kBool},
    {"audit.activity", Field::kAuditActivity, EventKind::kAudit, ValueType::kActivity},
    {"audit.activity_name", Field::kAuditActivityName, EventKind::kAudit, ValueType::kHash},
    {"audit.category", Field::kAuditCategory, EventKind::kAudit, ValueType::kCategory},
    {"audit.service", Field::kAuditService, EventKind::kAudit, ValueType::kService},
    {"audit.role_name", Field::kAuditRoleName, EventKind::kAudit, ValueType::kHash},
    {"audit.success", Field::kAuditFlag, EventKind::kAudit, ValueType::kBool, {}, kAuditSuccess},
    {"audit.strong_auth_method_modified",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kStrongAuthMethodModified},
    {"audit.guest_promoted_to_member",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kGuestPromotedToMember},
    {"audit.temporary_access_pass",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kTemporaryAccessPass},
    {"audit.pim_setting_disables_mfa",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kPimSettingDisablesMfa},
    {"audit.trusted_location_added",
     Field::kAuditMoreFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kTrustedLocationAdded},
    {"audit.per_user_mfa_lowered",
     Field::kAuditMoreFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kPerUserMfaLowered},
    {"audit.account_enabled_changed",
     Field::kAuditMoreFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kAccountEnabledChanged},
    {"audit.permanent_assignment",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kPermanentAssignment},
    {"audit.activity_contains_security_info",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kActivityContainsSecurityInfo},
    {"audit.actor_is_app", Field::kAuditFlag, EventKind::kAudit, ValueType::kBool, {}, kActorIsApp},
    {"audit.initiated_by_pim",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kInitiatedByPim},
    {"audit.elevate_access_removed",
     Field::kAuditFlag,
     EventKind::kAudit,
     ValueType::kBool,
     {},
     kElevateAccessRemoved},
    {"audit.view_only", Field::kAuditFlag, EventKind::kAudit, ValueType::kBool, {}, kViewOnly},
    {"registration.is_mfa_registered", Field::kRegistrationIsMfaRegistered,
     EventKind::kMfaRegistration, ValueType::kBool},
    {"registration.is_admin", Field::kRegistrationIsAdmin, EventKind::kMfaRegistration,
     ValueType::kBool},
    {"security.event_id", Field::kSecurityEventId, EventKind::kSecurityEvent, ValueType::kInt},
    {"elevate_access", Field::kElevateAccess, EventKind::kAzureActivity, ValueType::kBool},
    {"account.privileged", Field::kAccountPrivileged, kAnySource, ValueType::kBool},
    {"account.break_glass", Field::kAccountBreakGlass, kAnySource, ValueType::kBool},
    {"audit.app", Field::kAuditApp, EventKind::kAudit, ValueType::kHash},
    {"account.id", Field::kAccountId, kAnySource, ValueType::kHash},
};

// The lists `in_list` reads: config key, id, the field whose values it holds, what they are.
struct ListSpec {
  std::string_view name;
  ListId id;
  Field field;
  std::string_view holds;
};
constexpr ListSpec kLists[] = {
    {"privileged_roles", ListId::kPrivilegedRoles, Field::kAuditRoleName,
     "role names: compare audit.role_name"},
    {"privileged_accounts", ListId::kPrivilegedAccounts, Field::kAccountId,
     "accounts: compare account.id"},
    {"break_glass", ListId::kBreakGlass, Field::kAccountId, "accounts: compare account.id"},
    {"paw_devices", ListId::kPawDevices, Field::kSignInDevice, "device ids: compare signin.device"},
    {"approved.inviters", ListId::kApprovedInviters, Field::kAccountId,
     "accounts: compare account.id"},
    {"high_value_apps", ListId::kHighValueApps, Field::kAuditApp, "apps: compare audit.app"},
};

constexpr NamedValue kDetails[] = {{"error_code", 0}, {"place", 1},        {"audit", 2},
                                   {"risk_state", 3}, {"ca_status", 4},    {"event_id", 5},
                                   {"computer", 6},   {"registration", 7}, {"app", 8},
                                   {"result", 9},     {"cross_tenant", 10}};

bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

std::string NameList(std::span<const NamedValue> names) {
  std::string out;
  for (const NamedValue& n : names) out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}

}  // namespace

const FieldSpec* FindField(std::string_view name) {
  const auto* it = std::find_if(std::begin(kFields), std::end(kFields),
                                [&](const FieldSpec& f) { return f.name == name; });
  return it == std::end(kFields) ? nullptr : it;
}

std::string FieldNamesFor(EventKind source) {
  std::string known;
  for (const FieldSpec& f : kFields) {
    if (f.source == source || f.source == kAnySource) {
      known += (known.empty() ? "" : ", ") + std::string(f.name);
    }
  }
  return known;
}

bool ResolveFieldValue(const FieldSpec& spec, const std::string& s, uint64_t* value,
                       std::string* expected_out) {
  uint64_t out = 0;
  bool ok = true;
  std::string expected;
  switch (spec.type) {
    case ValueType::kInt: {
      int64_t n = 0;
      const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
      ok = r.ec == std::errc() && r.ptr == s.data() + s.size();
      out = static_cast<uint64_t>(n);
      expected = "an integer";
      break;
    }
    case ValueType::kBool:
      ok = s == "true" || s == "false";
      out = s == "true";
      expected = "true or false";
      break;
    case ValueType::kEnum: {
      const auto it = std::find_if(spec.names.begin(), spec.names.end(),
                                   [&](const NamedValue& n) { return SameText(n.name, s); });
      ok = it != spec.names.end();
      if (ok) out = it->value;
      expected = "one of " + NameList(spec.names);
      break;
    }
    case ValueType::kHash:
      ok = !s.empty();
      out = HashLower(s);
      if (spec.field == Field::kAuditActivityName) {
        // As the record's name is read: folded, and a renamed activity by its current name.
        char buffer[256];
        out = parsers::CanonicalActivityKey(
            HashLower(parsers::FoldActivityName(s, buffer, sizeof(buffer))));
      }
      if (spec.field == Field::kAuditRoleName) {
        // As privileged_roles lists a role: a built-in role by its template id or another of its
        // names reads as the catalogue's name, which records are read under (breaker round 32:
        // a rule naming Global Administrator's template id never fired).
        const std::string_view builtin = BuiltinRoleName(s);
        out = HashLower(builtin.empty() ? CanonicalRoleName(s) : builtin);
      }
      if (spec.field == Field::kSignInClientAppName) {
        // As the record's is keyed: a legacy client by its protocol, whatever its spelling.
        const uint64_t protocol = parsers::ClassifyClientApp(s).protocol_key;
        if (protocol != 0) out = protocol;
      }
      expected = "a name";
      break;
    case ValueType::kActivity: {
      const Activity a = parsers::LookupActivity(s);
      ok = a != Activity::kOther;
      out = static_cast<uint64_t>(a);
      expected =
          "an activity name privmon resolves (parsers/activity_names.cc); "
          "audit.activity_name compares any exact name";
      break;
    }
    case ValueType::kCategory: {
      const AuditCategory a = parsers::LookupAuditCategory(s);
      ok = a != AuditCategory::kOther;
      out = static_cast<uint64_t>(a);
      expected =
          "RoleManagement, UserManagement, ApplicationManagement or "
          "AzureRBACRoleManagementElevateAccess";
      break;
    }
    case ValueType::kService: {
      const AuditService a = parsers::LookupAuditService(s);
      ok = a != AuditService::kOther;
      out = static_cast<uint64_t>(a);
      expected = "Core Directory, PIM or Access Reviews";
      break;
    }
    case ValueType::kCountry: {
      ok = s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
      // "UK" is reserved in ISO 3166-1: sign-in logs write the United Kingdom as GB, as
      // approved.countries reads it (breaker round 35: a rule naming UK never matched).
      const bool uk = s == "UK";
      out = static_cast<uint64_t>(static_cast<uint8_t>(uk ? 'G' : s[0])) << 8 |
            static_cast<uint8_t>(uk ? 'B' : s[1]);
      expected = "two upper-case letters (ISO 3166-1; the United Kingdom is GB)";
      break;
    }
  }
  *value = out;
  *expected_out = std::move(expected);
  return ok;
}

std::optional<DetailKind> FindDetail(std::string_view name) {
  for (const NamedValue& d : kDetails) {
    if (d.name == name) return static_cast<DetailKind>(d.value);
  }
  return std::nullopt;
}

std::string DetailNames() { return NameList(kDetails); }

// detectors/alert_details.h and generic_rules.cc AddDetails write these keys.
std::string_view DetailKeyNames(DetailKind detail) {
  switch (detail) {
    case DetailKind::kErrorCode:
      return "error_code";
    case DetailKind::kPlace:
      return "country, city, ip_address";
    case DetailKind::kAudit:
      return "activity, role, initiated_by or target";
    case DetailKind::kRiskState:
      return "risk_state";
    case DetailKind::kCaStatus:
      return "conditional_access_status";
    case DetailKind::kEventId:
      return "event_id";
    case DetailKind::kComputer:
      return "computer";
    case DetailKind::kRegistration:
      return "is_mfa_registered, is_admin";
    case DetailKind::kApp:
      return "app";
    case DetailKind::kResult:
      return "result";
    case DetailKind::kCrossTenant:
      return "detail";
  }
  return "";
}

std::size_t DetailKeys(DetailKind detail) {
  switch (detail) {
    case DetailKind::kPlace:
    case DetailKind::kAudit:
      return 3;
    case DetailKind::kRegistration:
      return 2;
    default:
      return 1;
  }
}

std::optional<ListId> FindList(std::string_view name) {
  for (const ListSpec& l : kLists) {
    if (l.name == name) return l.id;
  }
  return std::nullopt;
}

std::string ListNames() {
  std::string out;
  for (const ListSpec& l : kLists) out += (out.empty() ? "" : ", ") + std::string(l.name);
  return out;
}

bool ListFits(ListId list, Field field, std::string* why) {
  for (const ListSpec& l : kLists) {
    if (l.id != list) continue;
    if (l.field == field) return true;
    *why = std::string(l.name) + " holds " + std::string(l.holds);
    return false;
  }
  *why = "unknown tenant list";
  return false;
}

std::string_view ListName(ListId id) {
  for (const ListSpec& l : kLists) {
    if (l.id == id) return l.name;
  }
  return "-";
}

std::string_view LangKindName(LangKind k) {
  switch (k) {
    case LangKind::kMatch:
      return "match";
    case LangKind::kThreshold:
      return "threshold";
    case LangKind::kSequence:
      return "sequence";
    case LangKind::kNovelty:
      return "novelty";
    case LangKind::kSchedule:
      return "schedule";
    case LangKind::kAbsence:
      return "absence";
    case LangKind::kCode:
      break;
  }
  return "code";
}

std::string_view CatalogueKindName(RuleKind k) {
  static constexpr std::string_view kKinds[] = {"match",   "threshold", "sequence",
                                                "novelty", "schedule",  "absence"};
  return kKinds[static_cast<int>(k)];
}

std::string_view TenantListName(TenantList l) {
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

}  // namespace privmon
