// Event: one parsed Entra record in a compact, fixed-size form. Known strings (activities, error
// codes, client apps, risk values) are resolved to small enums by the parser; variable strings that
// an alert must show travel inline (FixedString), the rest as 64-bit hashes where only equality
// matters. Plain value type: copying one is a memcpy, so it moves through SPSC queues without
// allocating. Filled by parsers/, read by every later stage; never mutated after routing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/event_time.h"
#include "core/fixed_string.h"

namespace privmon {

enum class EventKind : uint8_t {
  kSignIn,           // user, service principal or managed identity sign-in
  kAudit,            // directory audit (AuditLogs / directoryAudit)
  kMfaRegistration,  // Graph userRegistrationDetails
  kAzureActivity,    // Azure Activity log (elevateAccess)
  kSecurityEvent,    // Windows SecurityEvent from Entra Domain Services
  kCount
};

// Metric label and alert "evidence.kind" for each kind.
constexpr std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kSignIn:
      return "signin";
    case EventKind::kAudit:
      return "audit";
    case EventKind::kMfaRegistration:
      return "registration";
    case EventKind::kAzureActivity:
      return "azure_activity";
    case EventKind::kSecurityEvent:
      return "security_event";
    case EventKind::kCount:
      break;
  }
  return "unknown";
}

enum class RecordFormat : uint8_t { kAzureMonitor, kGraph, kLogAnalytics, kCount };

// Who signed in. Only kUser sign-ins reach user rules; the others are parsed and counted.
enum class PrincipalType : uint8_t { kUser, kServicePrincipal, kManagedIdentity, kApp, kCount };

enum class SignInChannel : uint8_t { kInteractive, kNonInteractive, kOther };

// kFederationServer: an authentication by the on-premises federation server (AD FS; Connect
// Health's category and table ADFSSignInLogs), which Entra's Conditional Access never evaluates
// (it writes "notApplied" on every one). Such a sign-in is the first factor alone: it states no
// device, no Conditional Access verdict and no MFA, so it is no evidence of those either way; the
// token is then issued by Entra in a sign-in of its own, which states them (FirstFactorOnly).
enum class CaStatus : uint8_t { kUnknown, kSuccess, kFailure, kNotApplied, kFederationServer };
enum class RiskState : uint8_t { kUnknown, kNone, kAtRisk, kConfirmedCompromised, kOther };
enum class RiskLevel : uint8_t { kUnknown, kNone, kLow, kMedium, kHigh, kHidden };

// Client apps that RULES.md lists as legacy authentication (PRIV-SI-13); everything else is kModern
// or kUnknown.
enum class ClientApp : uint8_t { kUnknown, kModern, kLegacy };

// Audit activities the catalogue names, resolved case-insensitively by the parser.
enum class Activity : uint8_t {
  kOther,
  kChangeUserPassword,  // the five password activities of PRIV-BG-02 / PRIV-SI-12
  kResetUserPassword,
  kResetPasswordByAdmin,
  kChangePasswordSelfService,
  kResetPasswordSelfService,
  kUpdateUser,
  kFraudReportedBlocked,
  kFraudReportedNoAction,
  kDisablePimAlert,
  kInviteExternalUser,
  kUpdateConditionalAccessPolicy,  // PRIV-CH-02 security posture group
  kDeleteConditionalAccessPolicy,
  kUpdatePolicy,             // Core Directory "Update policy" (any policy object)
  kUpdateAuthMethodsPolicy,  // "Authentication Methods Policy Update" / "Update authentication
                             // methods policy"
  kDisableStrongAuthentication,
  kUpdatePerUserMfaState,
  kDeleteNamedLocation,
  kUpdateNamedLocation,
  kAddUser,
  kDeleteUser,
  kHardDeleteUser,
  kAddMemberToRole,                    // "Add member to role" (direct, Core Directory)
  kAddMemberToRoleOutsidePim,          // "Add member to role outside of PIM*" (PIM's own record)
  kAddEligibleMemberToRole,            // "Add eligible member to role*" (PIM eligibility)
  kAddMemberToRoleInPim,               // "Add member to role in PIM*" (PIM assignment)
  kAddMemberToRolePimActivation,       // "Add member to role completed (PIM activation)"
  kAddMemberToRoleRequestDenied,       // "Add member to role request denied (PIM activation)"
  kRequestDenied,                      // PIM / Access Reviews "Request denied"
  kRequestApproved,                    // any "... approved ..." (metrics only)
  kRemoveMemberFromRolePimExpired,     // "Remove member from role (PIM activation expired)"
  kRemoveMemberFromRolePimDeactivate,  // "Remove member from role (PIM activation)" / deactivation
  kRemoveMemberFromRole,               // an active assignment removed ("Remove member from
                                       // role", "... in PIM completed (permanent)", ...)
  kUpdateRoleSettingInPim,
  kUserRegisteredSecurityInfo,  // PRIV-PA-03 group
  kUserChangedDefaultSecurityInfo,
  kUserDeletedSecurityInfo,
  kAdminUpdatedSecurityInfo,
  kAdminDeletedSecurityInfo,
  kUserRegisteredAllRequiredSecurityInfo,
  kAdminRegisteredSecurityInfo,  // PRIV-PA-07 (with a TAP result reason)
  // Azure MFA's "Suspicious activity reported": the user denied an MFA prompt as not theirs (the
  // report that replaces the fraud alert), PRIV-SI-08 as the two "Fraud reported - ..." are.
  kSuspiciousActivityReported,
  // "User updated security info" (a method changed, as the audit activity reference lists it):
  // PRIV-PA-03 with the group above.
  kUserUpdatedSecurityInfo,
  // An eligible assignment removed: "Remove eligible member from role" (Core Directory), "Remove
  // eligible member from role in PIM completed (permanent/timebound)", "Remove permanent eligible
  // role assignment" (PIM). Un-learns (docs/RULES.md "Learned privilege").
  kRemoveEligibleMemberFromRole,
  // Self-service Password Management's "Security info saved for self-service password reset": the
  // phone, e-mail or questions a password reset will trust, saved (PRIV-PA-03 with the group
  // above).
  kSecurityInfoSavedForSspr,
  // Core Directory's "Restore user" (UserManagement): a soft-deleted user brought back from the
  // recycle bin (PRIV-PA-05: in use again). Appended: an Event's activity is kept raw.
  kRestoreUser,
  // PIM's settings of a resource removed whole: "PIM policy removed", and the resource or tenant
  // no longer managed by PIM ("Offboarded resource from PIM", "Tenant offboarded from PIM"): its
  // MFA and approval on activation go with them (PRIV-EL-05, medium; breaker round 68).
  kPimPolicyRemoved,
  kCount
};

enum class AuditCategory : uint8_t {
  kOther,
  kRoleManagement,
  kUserManagement,
  kApplicationManagement,
  kAzureRbacElevateAccess,  // "AzureRBACRoleManagementElevateAccess"
  kCount
};

enum class AuditService : uint8_t { kOther, kCoreDirectory, kPim, kAccessReviews, kCount };

// Which name an eligible assignment (Activity::kAddEligibleMemberToRole) was logged under: PIM's
// own "Add eligible member to role in PIM completed (permanent|timebound)", Core Directory's mirror
// of it, "Add eligible member to role" and nothing more, or another (a restore, other suffixes).
// Resolved with the activity by the parser (parsers::ResolveActivity): PRIV-EL-01's pairing
// compares no name per record.
enum class EligibleName : uint8_t { kOther, kPimCompleted, kDirectoryMirror };

// Bit flags the parser derives from nested audit fields so rules never re-read JSON.
enum AuditFlag : uint16_t {
  kAuditSuccess = 1 << 0,
  kStrongAuthMethodModified = 1 << 1,  // "Update user": StrongAuthentication{Method,UserDetails}
  kGuestPromotedToMember = 1 << 2,     // UserType "Guest" -> "Member"
  kTemporaryAccessPass = 1 << 3,       // result reason mentions "temporary access pass"
  kPimSettingDisablesMfa = 1 << 4,     // "Update role setting in PIM" removing MFA or approval
  kPermanentAssignment = 1 << 5,       // PIM activity ending "(permanent)"
  kActivityContainsSecurityInfo = 1 << 6,
  kActorIsApp = 1 << 7,
  // Initiated by PIM's own app (its appId 01fc33a7-..., or named "MS-PIM" / "MS-PIM-Fairfax" and
  // paired with PIM's own record: kInitiatorNamedPim): the Core Directory copy PIM writes of every
  // activation and assignment it already logged under its own service.
  kInitiatedByPim = 1 << 8,
  kElevateAccessRemoved = 1 << 9,  // AzureRBACRoleManagementElevateAccess: the elevation removed
  kViewOnly = 1 << 10,             // a view logged like a change ("User reviewed security info")
  // The target is a service principal or a group given a role (no User target): named by its
  // display name; no user account (not learned as privileged, no naming policy).
  kTargetNotUser = 1 << 11,
  // A request to activate a role in PIM (its request, approval, denial or cancellation): only an
  // account eligible for the role asks (docs/RULES.md "Learned privilege").
  kPimActivationRequest = 1 << 12,
  // The initiator is no user and names no app (an app by its ids alone, no display, service
  // principal or envelope name; or no initiator at all) and is not PIM's app by its appId: a Core
  // Directory "Add member to role" so initiated may be PIM's copy (state/pim_copies.h).
  kInitiatorUnnamed = 1 << 13,
  // PIM's activity for an Azure resource role or a group (category "ResourceManagement" /
  // "GroupManagement"): the same names as a directory role's ("Add member to role completed (PIM
  // activation)"), no directory role elevation (PRIV-EL-03, EL-06, EL-08 read RoleManagement's).
  kPimOtherProvider = 1 << 14,
  // The initiator is named as PIM's app ("MS-PIM", "MS-PIM-Fairfax": display, service principal or
  // envelope name) without PIM's appId: any app registration may take the name, so a Core
  // Directory "Add member to role" so initiated is PIM's copy only when paired with PIM's own
  // record (state/pim_copies.h), as an unnamed initiator's is.
  kInitiatorNamedPim = 1 << 15,
};

// More audit flags (AuditFields::more_flags), each its own bit as AuditFlag's.
enum AuditMoreFlag : uint8_t {
  // "Add named location" of a location marked trusted (RecordFields::trusted_location; PRIV-CH-02,
  // breaker round 83).
  kTrustedLocationAdded = 1 << 0,
  // "Update user" lowering the user's per-user MFA (StrongAuthenticationRequirement's highest
  // State went down: enforced to enabled, or to none; PRIV-CH-02, breaker round 103).
  kPerUserMfaLowered = 1 << 1,
  // "Update user" turning the account on or off (AccountEnabled's value changed: a Graph PATCH
  // of accountEnabled writes no "Disable account"; PRIV-BG-03, breaker round 108).
  kAccountEnabledChanged = 1 << 2,
};

// One account an event concerns. key = Hash(tenant, lower-cased object id, else lower-cased UPN);
// 0 when the record names no such account.
// The longest UPN an event carries whole: Entra ID allows 113 characters (64 before the @, 48
// after), and a guest's #EXT# UPN spells its whole e-mail address before "#EXT#@" and the
// tenant's domain. Judged on the whole text (the naming policy, a guest's home address); alerts
// and PrivilegedState keep their own shorter copy (core/alert.h, state/privileged_state.h).
inline constexpr std::size_t kEventUpnCapacity = 192;

struct AccountRef {
  uint64_t key = 0;
  uint64_t id_hash = 0;   // HashLower(object id), 0 when absent
  uint64_t upn_hash = 0;  // HashLower(UPN), 0 when absent
  FixedString<40> id;
  FixedString<kEventUpnCapacity> upn;
  bool present() const { return key != 0; }
};

struct SignInFields {
  int32_t error_code = 0;  // status.errorCode / ResultType; 0 = success
  PrincipalType principal = PrincipalType::kUser;
  SignInChannel channel = SignInChannel::kInteractive;
  CaStatus ca_status = CaStatus::kUnknown;
  RiskState risk_state = RiskState::kUnknown;
  RiskLevel risk_during = RiskLevel::kUnknown;
  RiskLevel risk_aggregated = RiskLevel::kUnknown;
  ClientApp client_app = ClientApp::kUnknown;
  bool fraud_reported = false;  // a step result / additional detail reporting fraud (PRIV-SI-08)
  bool device_compliant = false;
  bool device_managed = false;
  bool guest = false;
  // The record states no device at all (a Graph summarizedSignIn aggregates sign-ins and has no
  // device member): PRIV-SI-09 does not judge its device. In what was padding.
  bool device_unstated = false;
  uint64_t client_app_hash = 0;  // a legacy protocol's key (parsers/legacy_clients.h), else
                                 // HashLower(clientAppUsed)
  uint64_t device_hash = 0;      // HashLower(deviceId), else Hash(os + browser) folded (case,
                                 // spaces, version, "Microsoft "); 0 = unknown
  // The key builds before the fold learned the same client app under (0 where it equals the key
  // above): novelty state in a checkpoint may hold it (PRIV-SI-13).
  uint64_t former_client_app_hash = 0;
  // The device's other key (PRIV-SI-14; 0 when none or equal to device_hash). Without a device
  // id: its OS and browser's key before the fold (a checkpoint's novelty state may hold it), which
  // still counts as the device. With one: its OS and browser's folded key, learned beside the id
  // and not judged, so the same device signing in without its id is no new device.
  uint64_t device_alias_hash = 0;
  uint64_t location_hash = 0;         // HashLower(country + "/" + city); 0 = unknown
  uint64_t home_tenant_hash = 0;      // HashLower(homeTenantId), 0 when absent
  uint64_t resource_tenant_hash = 0;  // HashLower(resourceTenantId), 0 when absent
  std::array<uint8_t, 16> ip{};       // IPv4 as ::ffff:a.b.c.d; ip_family 0 = none
  uint8_t ip_family = 0;              // 0 none, 4, 6
  char country[3] = {0, 0, 0};        // ISO 3166 alpha-2, upper-case
  FixedString<40> device_id;
  FixedString<48> device_label;  // deviceDetail.displayName, else "os / browser"
  FixedString<40> city;
  FixedString<40> ip_text;
  FixedString<40> client_app_name;
};

static_assert(offsetof(SignInFields, client_app_hash) == 16,
              "device_unstated sits in what was padding: events are checkpointed raw");

// An AD FS sign-in (CaStatus::kFederationServer): rules that read a sign-in's device, its
// Conditional Access verdict or its completing an MFA prompt skip it (PRIV-PA-06, SI-09's device,
// SI-04's settling, EL-06).
inline bool FirstFactorOnly(const SignInFields& s) {
  return s.ca_status == CaStatus::kFederationServer;
}

// A sign-in into another tenant than the log's (its resourceTenantId names another: an admin
// signing in to a partner tenant as its guest, which its home tenant's log also writes). It opens
// no session here and is judged by that tenant's Conditional Access, not this one's: PRIV-EL-06
// takes no session from it, PRIV-PA-06 reads no exemption in its "notApplied" (the YAML rule:
// `signin.cross_tenant: false`). Use of the account all the same for the other rules.
inline bool IntoAnotherTenant(const SignInFields& s, uint64_t log_tenant_hash) {
  return s.resource_tenant_hash != 0 && s.resource_tenant_hash != log_tenant_hash;
}

struct AuditFields {
  Activity activity = Activity::kOther;
  AuditCategory category = AuditCategory::kOther;
  AuditService service = AuditService::kOther;
  EligibleName eligible_name = EligibleName::kOther;  // kOther unless kAddEligibleMemberToRole
  uint16_t flags = 0;                                 // AuditFlag bits
  // A direct assignment of a role, or its removal, scoped to an administrative unit ("Add scoped
  // member to role"): a hold of the role apart from a directory-wide one (state/held_roles.h),
  // so that removing one leaves the other held. Resolved with the activity by the parser. In
  // what was padding (checkpoints keep events raw: restored from the name, as eligible_name).
  bool unit_scoped = false;
  // AuditMoreFlag bits, in what was padding, as unit_scoped (AuditFlag's sixteen bits are all
  // used: sharing one with another activity's flag made a custom rule on that flag fire on it,
  // breaker round 85). Bit 0 was the bool trusted_location_added: raw checkpointed events read
  // the same.
  uint8_t more_flags = 0;
  uint64_t activity_hash = 0;  // HashLower(activityDisplayName)
  uint64_t role_hash = 0;      // HashLower(role display name), 0 when the record names no role
  // A custom role's id (its template / role definition id, HashLower) when the record names one,
  // beside its name or alone (then role_hash is this too); 0 for a built-in role or none. The
  // shard learns which name an id is (DetectionEngine::ResolveRoleAlias): one role, not two.
  uint64_t role_id_hash = 0;
  std::array<uint64_t, 4> app_hashes{};  // HashLower of id/appId/displayName of app targets
  uint8_t app_hash_count = 0;
  FixedString<96> activity_name;
  FixedString<64> role_name;
  FixedString<64> app_name;  // first Application/ServicePrincipal target display name
};

static_assert(offsetof(AuditFields, activity_hash) == 8,
              "unit_scoped and more_flags sit in what was padding: events are "
              "checkpointed raw (the privilege replay's)");

struct RegistrationFields {
  // True also where the record does not state it (is_mfa_stated false): unknown is not "no MFA".
  bool is_mfa_registered = true;
  bool is_mfa_stated = true;  // the record states isMfaRegistered (true or false)
  bool is_admin = false;
  bool is_admin_stated = false;  // the record states isAdmin (true or false), not left it out
};

struct SecurityEventFields {
  uint32_t event_id = 0;
  FixedString<64> computer;
};

struct Event {
  EventKind kind = EventKind::kSignIn;
  RecordFormat format = RecordFormat::kAzureMonitor;
  uint8_t source_index = 0;  // which configured source delivered it
  // Audit: the start PIM's record of a grant schedules (its additionalDetails "StartTime"), Unix
  // seconds, 0 when the record names none. Core Directory writes its copy of a scheduled grant
  // when the grant starts, hours or days after PIM's record (DetectionEngine::PairPimCopy; breaker
  // round 89). In what was padding: a kept record restored from a checkpoint has it cleared.
  uint32_t pim_start = 0;
  EventTime time = 0;       // event time (UTC microseconds)
  int64_t received_ns = 0;  // steady-clock receipt time, for latency metrics
  uint64_t sequence = 0;    // arrival order within its source, for stable tie-breaks
  // Redelivery key: hash of (tenant, kind, own id or bytes); a sign-in's id with its error code
  // and second (parsers SignInRowFingerprint: the rows of one sign-in are records of their own).
  uint64_t fingerprint = 0;
  // What the record says (parsers CopyContentKey: whole seconds, no correlation id; with an
  // mv-expand row's element facts): the record's key across copies with and without an id of its
  // own (DetectionEngine::Duplicate). Bit 0 set for a record with an id of its own, clear for one
  // without; 0 for a registration.
  uint64_t content_key = 0;
  uint64_t tenant_hash = 0;  // HashLower(tenant id)
  FixedString<40> tenant_id;
  FixedString<80> record_id;  // id / Id / correlationId
  // Sign-in: the signing-in principal. Audit: the target user (targetResources of type User).
  // Registration: the registered user. Azure Activity / SecurityEvent: the caller / account.
  AccountRef account;
  // Audit only: the initiator (initiatedBy.user, else initiatedBy.app: id = its service principal
  // id, upn = its display name, e.g. "MS-PIM", so alerts name the app rather than a GUID).
  AccountRef actor;
  SignInFields signin;
  AuditFields audit;
  RegistrationFields registration;
  SecurityEventFields security;
  bool elevate_access = false;  // Azure Activity "Microsoft.Authorization/elevateAccess/action"
  // One row of a KQL mv-expand (an array column as one element): its record's other rows are
  // events too, and the rules count the record once (DetectionEngine::RowCounted).
  bool expanded_row = false;
};

static_assert(offsetof(Event, time) == 8,
              "Event::pim_start sits in what was padding: events are checkpointed raw");

// The risk verdict of a sign-in that a later copy of the same row may bring (ID Protection's
// offline detections, an admin's "confirm compromised": the record changes after it was first
// written, so an overlapping Graph poll returns it at risk where the first copy was not): its
// state when at risk or confirmed compromised, else 0. Not part of the redelivery key (a copy in
// another shape, or with its risk dismissed, is the same row); the engine remembers it apart
// (DetectionEngine::RiskNews).
inline uint64_t SignInRisk(const Event& e) {
  const RiskState state = e.signin.risk_state;
  return e.kind == EventKind::kSignIn &&
                 (state == RiskState::kAtRisk || state == RiskState::kConfirmedCompromised)
             ? 0x7269736bULL + static_cast<uint64_t>(state)  // "risk"
             : 0;
}

}  // namespace privmon
