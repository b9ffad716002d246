// The rule language (docs/rules-language.md) after compilation: what rules/*.yaml and the config's
// `rule_files` describe, in the form the shard reads. A predicate is a list of comparisons of one
// Event field (an enum: no string lookup per event) against up to kMaxValues integers resolved at
// load (enum values, error codes, lower-case hashes of names), or against one of the tenant's
// configured lists (`in_list`, resolved at load to a ListId: one hash-set probe, no string work).
// Evaluating one is a switch per condition: no allocation, no virtual call. Immutable once
// compiled; shared read-only between threads through CompiledConfig.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/rule_catalog.h"

namespace privmon {

// What evaluates a rule: one of the generic kinds, or its own C++ code (detectors/).
enum class LangKind : uint8_t {
  kMatch,
  kThreshold,
  kCode,
  kSequence,
  kNovelty,
  kSchedule,
  kAbsence,
};

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
  kSignInDevice,    // the device fingerprint (device id, else OS and browser)
  kSignInLocation,  // country and city
  kAuditApp,        // every application target (up to 4 hashes: id, appId, display name)
  kAccountId,       // the named account: its object id or UPN (either hash)
  // One of this tenant's accounts (home tenant = the log's tenant) signing in to another tenant
  // (a guest from elsewhere signing in here has the two swapped).
  kSignInCrossTenant,
  kAuditMoreFlag,  // AuditFields::more_flags & the field's flag (AuditMoreFlag)
};

// A tenant list an `in_list` / `not_in_list` condition reads (TenantSettings, core/config.h), by
// its config key. Each holds lower-case hashes of one kind of name (ListField says which field).
enum class ListId : uint8_t {
  kNone,
  kPrivilegedRoles,     // privileged_roles: role display names (audit.role_name)
  kPrivilegedAccounts,  // privileged_accounts: UPNs or object ids (account.id)
  kBreakGlass,          // break_glass: UPNs or object ids (account.id)
  kPawDevices,          // paw_devices: device ids (signin.device)
  kApprovedInviters,    // approved.inviters: UPNs or object ids (account.id)
  kHighValueApps,       // high_value_apps: app ids, object ids or names (audit.app)
};

struct Condition {
  static constexpr std::size_t kMaxValues = 8;
  Field field = Field::kSignInErrorCode;
  bool negate = false;  // not / not_in
  uint8_t count = 0;
  uint16_t flag = 0;  // kAuditFlag (AuditFlag) and kAuditMoreFlag (AuditMoreFlag) only
  // in_list / not_in_list (negate): the tenant's list instead of `values` (count 0). Holds only
  // where the tenant configured that list: a rule reading a list the tenant left empty is silent.
  ListId list = ListId::kNone;
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
  kApp,           // app (the first application target's display name)
  kResult,        // result: success or failure (a sign-in's error code)
  kCrossTenant,   // detail: "resource tenant differs from home tenant"
};

// One step of a sequence rule, or the trigger (steps[0]) and the expected event (steps[1]) of an
// absence rule: a record kind and a predicate over it.
struct RuleStep {
  EventKind source = EventKind::kSignIn;
  Predicate when;
};

inline constexpr std::size_t kMaxSequenceSteps = 4;

struct GenericRule {
  RuleId id = RuleId::kCount;
  LangKind kind = LangKind::kMatch;
  EventKind source = EventKind::kSignIn;  // match, threshold, novelty, schedule
  AccountSide side = AccountSide::kAccount;
  Predicate when;  // match, threshold, novelty, schedule
  std::array<DetailKind, 4> details{};
  uint8_t detail_count = 0;
  // Threshold rings of the two builtin threshold rules live in PrivilegedState (their checkpoints
  // hold them); every other threshold rule counts in its per-account slot.
  uint8_t builtin_ring = kNoBuiltinRing;
  static constexpr uint8_t kNoBuiltinRing = 0, kRingBadPasswords = 1, kRingLockouts = 2;
  std::vector<RuleStep> steps;  // sequence: 2..4 ordered steps; absence: trigger, expected
  int64_t span_s = 0;           // sequence: first to last step; absence: the period
  bool keyed = false;           // sequence: every step carries the same value of key_field
  Field key_field = Field::kSignInCountry;
  Field value_field = Field::kSignInCountry;  // novelty: the field whose value must be new
  int64_t learning_s = -1;                    // novelty: -1 = the tenant's learning_period
  // schedule: outside the tenant's working_hours, or outside [start, end) UTC on day_mask days
  bool tenant_hours = false;
  uint8_t day_mask = 0x7f;  // bit d = weekday d (0 = Monday)
  uint16_t start_minute = 0, end_minute = 0;
  uint64_t code_hash = 0;  // Hash of the rule's string id (novelty values, state slots)
  // Where its per-account state lives in the slot record (CompiledRuleSet::slot_bytes).
  uint16_t slot_offset = 0, slot_size = 0;
};

// One rule's slot in the per-account record, for re-laying the record out on a reload and for
// checkpoints (matched by the rule's string id hash, kind and size).
struct RuleSlot {
  uint64_t code_hash = 0;
  LangKind kind = LangKind::kMatch;
  uint16_t offset = 0, size = 0;
};

// Where the slot after `used` bytes of a record starts: slots are laid out in rule order, each at
// the next multiple of 4 (rules/rule_loader.cc). A restore rebuilds a checkpoint's layout from its
// slots' sizes with it (DetectionEngine::LoadState, kCkRuleSlots).
constexpr std::size_t SlotOffsetAfter(std::size_t used) { return (used + 3u) & ~std::size_t{3}; }

// The per-account record of the generic rules' state is at most this many bytes (DESIGN.md 10).
inline constexpr std::size_t kMaxSlotBytes = 256;

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
  RuleParamDefault threshold, window, learning_period;  // window: also a sequence's span and
                                                        // an absence's period
  int generic_index = -1;  // into CompiledRuleSet::generic, -1 for code rules
};

// Every rule of one configuration: the builtin catalogue, then the custom rule files.
struct CompiledRuleSet {
  std::vector<RuleDefinition> definitions;
  std::vector<GenericRule> generic;
  // Generic rule indices by (source kind, side): an event runs only the rules that can match it.
  std::array<std::vector<uint16_t>, static_cast<std::size_t>(EventKind::kCount) * 2> by_source{};
  // The per-account slot record: its size and each stateful rule's slot (append order).
  uint16_t slot_bytes = 0;
  std::vector<RuleSlot> slots;

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
std::string_view ListName(ListId l);            // the config key: "paw_devices", ...

}  // namespace privmon
