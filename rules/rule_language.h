// The rule language (docs/rules-language.md) after compilation: what rules/*.yaml and the config's
// `rule_files` describe, in the form the shard reads. A predicate is a list of comparisons of one
// Event field (an enum: no string lookup per event) against up to kMaxValues integers resolved at
// load (enum values, error codes, lower-case hashes of names). Evaluating one is a switch per
// condition: no allocation, no virtual call. Immutable once compiled; shared read-only between
// threads through CompiledConfig.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/rule_catalog.h"

namespace privmon {

// What evaluates a rule: one of the generic kinds, or its own C++ code (detectors/).
enum class LangKind : uint8_t { kMatch, kThreshold, kCode };

// Which account of the event the alert names (and whose state `account.*` reads).
enum class AccountSide : uint8_t { kAccount, kActor };

enum class Field : uint8_t {
  kSignInErrorCode,
  kSignInCaStatus,
  kSignInRiskState,
  kSignInRiskDuring,
  kSignInRiskAggregated,
  kSignInClientApp,
  kSignInClientAppName,
  kSignInFraudReported,
  kSignInDeviceCompliant,
  kSignInDeviceManaged,
  kSignInGuest,
  kSignInChannel,
  kSignInCountry,
  kAuditActivity,
  kAuditActivityName,
  kAuditCategory,
  kAuditService,
  kAuditRoleName,
  kAuditFlag,  // Condition::flag selects the AuditFlag bit
  kRegistrationIsMfaRegistered,
  kRegistrationIsAdmin,
  kSecurityEventId,
  kElevateAccess,
  kAccountPrivileged,
  kAccountBreakGlass,
};

struct Condition {
  static constexpr std::size_t kMaxValues = 8;
  Field field = Field::kSignInErrorCode;
  bool negate = false;  // not / not_in
  uint8_t count = 0;
  uint16_t flag = 0;  // kAuditFlag only
  std::array<uint64_t, kMaxValues> values{};
};

// Every condition of `all`, and for each group of `any`, one of its alternatives (all of whose
// conditions hold).
struct Predicate {
  std::vector<Condition> all;
  std::vector<std::vector<std::vector<Condition>>> any;
};

// What an alert of a generic rule carries in `details`, in the order listed.
enum class DetailKind : uint8_t {
  kErrorCode,     // error_code (number)
  kPlace,         // country, city, ip_address
  kAudit,         // activity, role, initiated_by or target
  kRiskState,     // risk_state
  kCaStatus,      // conditional_access_status
  kEventId,       // event_id (number)
  kComputer,      // computer
  kRegistration,  // is_mfa_registered, is_admin (booleans)
};

struct GenericRule {
  RuleId id = RuleId::kCount;
  LangKind kind = LangKind::kMatch;
  EventKind source = EventKind::kSignIn;
  AccountSide side = AccountSide::kAccount;
  Predicate when;
  std::array<DetailKind, 4> details{};
  uint8_t detail_count = 0;
  uint8_t threshold_slot = 0;  // threshold kind: which per-account ring counts its events
};

// Threshold rings: the two builtin threshold rules keep the rings their checkpoints hold
// (PrivilegedState); custom threshold rules get slots from kFirstCustomThresholdSlot on.
inline constexpr uint8_t kSlotBadPasswords = 0, kSlotLockouts = 1, kFirstCustomThresholdSlot = 2;
inline constexpr std::size_t kCustomThresholdSlots = 4;

struct RuleParamDefault {
  bool set = false;
  int64_t value = 0;  // count, or seconds
  std::string means;
};

// One rule as its file states it (builtin or custom), for listing and checking.
struct RuleDefinition {
  std::string file;  // "rules/sign-in.yaml" or the config's rule file path
  int line = 0;      // 1-based line of the rule's entry
  bool builtin = false;
  RuleId id = RuleId::kCount;
  std::string code, name, guide_row;
  LangKind kind = LangKind::kCode;
  RuleKind catalogue_kind = RuleKind::kMatch;  // RULES.md's kind column
  uint8_t sources = 0;                         // bit (1 << EventKind)
  Severity severity = Severity::kHigh;
  std::vector<std::string> attack;  // ATT&CK technique ids, main first
  std::string tactic;               // TA id
  TenantList needs = TenantList::kNone;
  RuleParamDefault threshold, window, learning_period;
  int generic_index = -1;  // into CompiledRuleSet::generic, -1 for code rules
};

// Every rule of one configuration: the builtin catalogue, then the custom rule files.
struct CompiledRuleSet {
  std::vector<RuleDefinition> definitions;
  std::vector<GenericRule> generic;
  // Generic rule indices by (source kind, side): an event runs only the rules that can match it.
  std::array<std::vector<uint16_t>, static_cast<std::size_t>(EventKind::kCount) * 2> by_source{};
  uint8_t custom_threshold_slots = 0;

  const std::vector<uint16_t>& For(EventKind kind, AccountSide side) const {
    return by_source[static_cast<std::size_t>(kind) * 2 + static_cast<std::size_t>(side)];
  }
  const RuleDefinition* Find(RuleId id) const {
    for (const RuleDefinition& d : definitions) {
      if (d.id == id) return &d;
    }
    return nullptr;
  }
};

std::string_view LangKindName(LangKind k);
std::string_view CatalogueKindName(RuleKind k);
std::string_view TenantListName(TenantList l);  // "-" for none

}  // namespace privmon
