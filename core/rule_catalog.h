// The rule catalogue of RULES.md as compile-time data: one entry per "what to monitor" row of the
// guide. Rule ids are dense small integers (RuleId) so per-rule settings, counters and metric
// labels are arrays indexed by id. Read-only, safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/mitre_attack.h"

namespace privmon {

enum class Severity : uint8_t { kLow, kMedium, kHigh };
constexpr std::string_view SeverityName(Severity s) {
  return s == Severity::kHigh ? "high" : s == Severity::kMedium ? "medium" : "low";
}

enum class RuleKind : uint8_t { kMatch, kThreshold, kSequence, kNovelty, kSchedule, kAbsence };

// Which tenant list a rule needs before it can say anything (privmon check reports the silent
// ones).
enum class TenantList : uint8_t {
  kNone,
  kBreakGlass,
  kNamingPolicy,
  kApprovedControls,
  kInviters,
  kPawDevices,
  kHighValueApps
};

// clang-format off
enum class RuleId : uint8_t {
  kBG01, kBG02, kBG03, kBG04,
  kSI01, kSI02, kSI03, kSI04, kSI05, kSI06, kSI07, kSI08, kSI09, kSI10, kSI11, kSI12, kSI13,
  kSI14, kSI15, kSI16, kSI17, kSI18,
  kCH01, kCH02, kCH03, kCH04,
  kPA01, kPA02, kPA03, kPA04, kPA05, kPA06, kPA07,
  kEL01, kEL02, kEL03, kEL04, kEL05, kEL06, kEL07, kEL08,
  kOP01,  // privmon's own (RULES.md addition): append only, checkpoints store rule ids
  kCount
};
// clang-format on
inline constexpr std::size_t kRuleCount = static_cast<std::size_t>(RuleId::kCount);
// Builtin rules plus the custom rules of `rule_files` (core/custom_rules.h): per-rule arrays
// (settings, counters) are sized for this many; custom rules take ids kRuleCount...
inline constexpr std::size_t kMaxRules = 64;

struct RuleInfo {
  RuleId id;
  std::string_view code;       // "PRIV-BG-01"
  std::string_view name;       // alert "rule"
  std::string_view guide_row;  // the guide's "what to monitor" cell
  RuleKind kind;
  Severity severity;
  uint32_t threshold;  // events needed (threshold rules), else 1
  int64_t window_s;    // correlation window / learning period / absence period, seconds
  TenantList needs;
  // One verdict per account, ever (PRIV-SI-03: its first name outside the naming policy): its
  // alert_id hashes no time, which would be that of whichever violating record arrived first.
  bool once_per_account = false;
};

inline constexpr int64_t kMinute = 60, kHour = 3600, kDay = 86400;

// clang-format off: one row per rule reads like RULES.md
inline constexpr std::array<RuleInfo, kRuleCount> kRuleCatalog = {{
    {RuleId::kBG01, "PRIV-BG-01", "Break-glass account sign-in", "Emergency access account sign-in",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kBreakGlass},
    {RuleId::kBG02, "PRIV-BG-02", "Break-glass password changed",
     "Emergency access account password change", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kBreakGlass},
    {RuleId::kBG03, "PRIV-BG-03", "Break-glass roles changed",
     "Emergency access account role change", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kBreakGlass},
    {RuleId::kBG04, "PRIV-BG-04", "Break-glass credentials changed",
     "Emergency access account credential change", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kBreakGlass},
    {RuleId::kSI01, "PRIV-SI-01", "Bad password burst", "Sign-in failure, bad password threshold",
     RuleKind::kThreshold, Severity::kHigh, 5, 10 * kMinute, TenantList::kNone},
    {RuleId::kSI02, "PRIV-SI-02", "Blocked by Conditional Access",
     "Failure because of Conditional Access requirement", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kSI03, "PRIV-SI-03", "Naming policy violated",
     "Privileged accounts that don't follow naming policy", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNamingPolicy, /*once_per_account=*/true},
    {RuleId::kSI04, "PRIV-SI-04", "MFA interrupted", "Interrupt", RuleKind::kThreshold,
     Severity::kHigh, 1, 10 * kMinute, TenantList::kNone},
    {RuleId::kSI05, "PRIV-SI-05", "Privileged account without MFA",
     "Discover privileged accounts not registered for multi-factor authentication",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kSI06, "PRIV-SI-06", "Account locked out", "Account lockout", RuleKind::kThreshold,
     Severity::kHigh, 1, 10 * kMinute, TenantList::kNone},
    {RuleId::kSI07, "PRIV-SI-07", "Disabled account sign-in attempt",
     "Account disabled or blocked for sign-ins", RuleKind::kMatch, Severity::kLow, 1, 0,
     TenantList::kNone},
    {RuleId::kSI08, "PRIV-SI-08", "MFA fraud reported", "MFA fraud alert or block",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kSI09, "PRIV-SI-09", "Sign-in outside approved controls",
     "Privileged account sign-ins outside of expected controls", RuleKind::kMatch, Severity::kHigh,
     1, 0, TenantList::kApprovedControls},
    {RuleId::kSI10, "PRIV-SI-10", "Sign-in outside working hours",
     "Outside of normal sign-in times", RuleKind::kSchedule, Severity::kHigh, 20, 14 * kDay,
     TenantList::kNone},
    {RuleId::kSI11, "PRIV-SI-11", "Risky sign-in", "Microsoft Entra ID Protection risk",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kSI12, "PRIV-SI-12", "Privileged password changed", "Password change",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kSI13, "PRIV-SI-13", "Legacy authentication protocol",
     "Change in legacy authentication protocol", RuleKind::kNovelty, Severity::kHigh, 1, 14 * kDay,
     TenantList::kNone},
    {RuleId::kSI14, "PRIV-SI-14", "New device or location", "New device or location",
     RuleKind::kNovelty, Severity::kHigh, 1, 14 * kDay, TenantList::kNone},
    {RuleId::kSI15, "PRIV-SI-15", "PIM alert disabled", "Audit alert setting is changed",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kSI16, "PRIV-SI-16", "Admin signed in to another tenant",
     "Administrators authenticating to other Microsoft Entra tenants", RuleKind::kMatch,
     Severity::kMedium, 1, 0, TenantList::kNone},
    {RuleId::kSI17, "PRIV-SI-17", "Guest promoted to member",
     "Admin User state changed from Guest to Member", RuleKind::kMatch, Severity::kMedium, 1, 0,
     TenantList::kNone},
    {RuleId::kSI18, "PRIV-SI-18", "Guest invited by unapproved inviter",
     "Guest users invited to tenant by non-approved inviters", RuleKind::kMatch, Severity::kMedium,
     1, 0, TenantList::kInviters},
    {RuleId::kCH01, "PRIV-CH-01", "Unusual change by an admin", "Attempted and completed changes",
     RuleKind::kNovelty, Severity::kMedium, 1, 14 * kDay, TenantList::kNone},
    {RuleId::kCH02, "PRIV-CH-02", "Security posture lowered", "Attempted and completed changes",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kCH03, "PRIV-CH-03", "High-value app changed",
     "Attempted or completed change to high-value apps or services", RuleKind::kMatch,
     Severity::kHigh, 1, 0, TenantList::kHighValueApps},
    {RuleId::kCH04, "PRIV-CH-04", "Domain Services sensitive privilege use",
     "Privileged changes in Microsoft Entra Domain Services", RuleKind::kMatch, Severity::kHigh, 1,
     0, TenantList::kNone},
    {RuleId::kPA01, "PRIV-PA-01", "New account made privileged", "Privileged account creation",
     RuleKind::kSequence, Severity::kHigh, 1, 24 * kHour, TenantList::kNone},
    {RuleId::kPA02, "PRIV-PA-02", "Short-lived account", "Privileged account creation",
     RuleKind::kSequence, Severity::kMedium, 1, 24 * kHour, TenantList::kNone},
    {RuleId::kPA03, "PRIV-PA-03", "Privileged auth methods changed",
     "Changes to authentication methods", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kPA04, "PRIV-PA-04", "Permanent privileged assignment",
     "Alert on changes to privileged account permissions", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kPA05, "PRIV-PA-05", "Unused privileged account", "Unused privileged accounts",
     RuleKind::kAbsence, Severity::kMedium, 1, 30 * kDay, TenantList::kNone},
    {RuleId::kPA06, "PRIV-PA-06", "Sign-in exempt from Conditional Access",
     "Accounts exempt from Conditional Access", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kPA07, "PRIV-PA-07", "Temporary Access Pass issued",
     "Addition of a Temporary Access Pass to a privileged account", RuleKind::kMatch,
     Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kEL01, "PRIV-EL-01", "Made eligible for a privileged role",
     "Added to eligible privileged role", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kEL02, "PRIV-EL-02", "Role assigned outside PIM", "Roles assigned out of PIM",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kEL03, "PRIV-EL-03", "Unusual elevation", "Elevations", RuleKind::kNovelty,
     Severity::kMedium, 1, 14 * kDay, TenantList::kNone},
    {RuleId::kEL04, "PRIV-EL-04", "Elevation request denied", "Approvals and deny elevation",
     RuleKind::kMatch, Severity::kLow, 1, 0, TenantList::kNone},
    {RuleId::kEL05, "PRIV-EL-05", "PIM settings weakened", "Changes to PIM settings",
     RuleKind::kMatch, Severity::kHigh, 1, 0, TenantList::kNone},
    {RuleId::kEL06, "PRIV-EL-06", "Elevation not from a privileged access workstation",
     "Elevation not occurring on SAW/PAW", RuleKind::kSequence, Severity::kHigh, 1, 1 * kHour,
     TenantList::kPawDevices},
    {RuleId::kEL07, "PRIV-EL-07", "Elevated to manage all subscriptions",
     "Elevation to manage all Azure subscriptions", RuleKind::kMatch, Severity::kHigh, 1, 0,
     TenantList::kNone},
    {RuleId::kEL08, "PRIV-EL-08", "Elevation longer than policy", "Elevations", RuleKind::kSequence,
     Severity::kMedium, 1, 1 * kHour + 5 * kMinute, TenantList::kNone},
    // Not a guide row: a tenant whose logs stop is blind, not safe (wall clock, `run` only;
    // app/tenant_silence.h, period `pipeline.tenant_silence_alert`).
    {RuleId::kOP01, "PRIV-OP-01", "Tenant logs stopped",
     "(privmon's own) a tenant's log source going dark", RuleKind::kAbsence, Severity::kHigh, 1, 0,
     TenantList::kNone},
}};
// clang-format on

// MITRE ATT&CK per rule, one row per rule in RuleId order (checked below): the techniques the
// guide row watches for (the first is the main one, "" = none) and the tactic the alert reports.
struct RuleAttack {
  RuleId id;
  std::array<std::string_view, 2> techniques;
  AttackTactic tactic;
};

// clang-format off: one row per rule
inline constexpr std::array<RuleAttack, kRuleCount> kRuleAttack = {{
    {RuleId::kBG01, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kBG02, {"T1098", "T1531"}, kPersistence},
    {RuleId::kBG03, {"T1098.003", ""}, kPrivilegeEscalation},
    {RuleId::kBG04, {"T1556.006", "T1098.005"}, kPersistence},
    {RuleId::kSI01, {"T1110.001", ""}, kCredentialAccess},
    {RuleId::kSI02, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI03, {"T1136.003", ""}, kPersistence},
    {RuleId::kSI04, {"T1621", "T1078.004"}, kCredentialAccess},
    {RuleId::kSI05, {"T1556.006", ""}, kPersistence},
    {RuleId::kSI06, {"T1110", ""}, kCredentialAccess},
    {RuleId::kSI07, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI08, {"T1621", ""}, kCredentialAccess},
    {RuleId::kSI09, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI10, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI11, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI12, {"T1098", ""}, kPersistence},
    {RuleId::kSI13, {"T1078.004", "T1556.006"}, kDefenseEvasion},
    {RuleId::kSI14, {"T1078.004", ""}, kInitialAccess},
    {RuleId::kSI15, {"T1562.001", ""}, kDefenseEvasion},
    {RuleId::kSI16, {"T1078.004", ""}, kDefenseEvasion},
    {RuleId::kSI17, {"T1098", ""}, kPersistence},
    {RuleId::kSI18, {"T1136.003", ""}, kPersistence},
    {RuleId::kCH01, {"T1078.004", "T1098"}, kPersistence},
    {RuleId::kCH02, {"T1556.009", "T1556.006"}, kDefenseEvasion},
    {RuleId::kCH03, {"T1098.001", ""}, kPersistence},
    {RuleId::kCH04, {"T1078.002", ""}, kPrivilegeEscalation},
    {RuleId::kPA01, {"T1136.003", "T1098.003"}, kPersistence},
    {RuleId::kPA02, {"T1136.003", "T1070"}, kDefenseEvasion},
    {RuleId::kPA03, {"T1556.006", "T1098.005"}, kPersistence},
    {RuleId::kPA04, {"T1098.003", ""}, kPersistence},
    {RuleId::kPA05, {"T1078.004", ""}, kPersistence},
    {RuleId::kPA06, {"T1556.009", "T1078.004"}, kDefenseEvasion},
    {RuleId::kPA07, {"T1098.001", "T1556.006"}, kPersistence},
    {RuleId::kEL01, {"T1098.003", ""}, kPersistence},
    {RuleId::kEL02, {"T1098.003", ""}, kPrivilegeEscalation},
    {RuleId::kEL03, {"T1548.005", ""}, kPrivilegeEscalation},
    {RuleId::kEL04, {"T1548.005", ""}, kPrivilegeEscalation},
    {RuleId::kEL05, {"T1484", "T1556.006"}, kDefenseEvasion},
    {RuleId::kEL06, {"T1548.005", "T1078.004"}, kPrivilegeEscalation},
    {RuleId::kEL07, {"T1098.003", "T1548.005"}, kPrivilegeEscalation},
    {RuleId::kEL08, {"T1548.005", ""}, kPrivilegeEscalation},
    {RuleId::kOP01, {"T1562.008", ""}, kDefenseEvasion},
}};
// clang-format on

const RuleAttack& CustomRuleAttack(RuleId id);  // core/custom_rules.cc

inline const RuleAttack& GetRuleAttack(RuleId id) {
  const auto i = static_cast<std::size_t>(id);
  return i < kRuleCount ? kRuleAttack[i] : CustomRuleAttack(id);
}

// Every row in RuleId order, every rule with a main technique, every id known to mitre_attack.h.
constexpr bool RuleAttackTableIsComplete() {
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    const RuleAttack& row = kRuleAttack[i];
    if (static_cast<std::size_t>(row.id) != i || row.techniques[0].empty()) return false;
    for (std::string_view t : row.techniques) {
      if (t.empty()) continue;
      if (!IsWellFormedTechniqueId(t) || !FindTechnique(t) ||
          !FindTechnique(ParentTechniqueId(t))) {
        return false;
      }
    }
  }
  return true;
}
static_assert(RuleAttackTableIsComplete(), "kRuleAttack: one known technique per rule, in order");

// A custom rule's info (core/custom_rules.cc); ids past the registered ones read as a placeholder.
const RuleInfo& CustomRuleInfo(RuleId id);
std::optional<RuleId> FindCustomRule(std::string_view code);

inline const RuleInfo& GetRuleInfo(RuleId id) {
  const auto i = static_cast<std::size_t>(id);
  return i < kRuleCount ? kRuleCatalog[i] : CustomRuleInfo(id);
}

constexpr std::optional<RuleId> FindBuiltinRule(std::string_view code) {
  for (const auto& r : kRuleCatalog) {
    if (r.code == code) return r.id;
  }
  return std::nullopt;
}

// A builtin rule, else a registered custom rule.
inline std::optional<RuleId> FindRule(std::string_view code) {
  if (auto id = FindBuiltinRule(code)) return id;
  return FindCustomRule(code);
}

}  // namespace privmon
