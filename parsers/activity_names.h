// Audit activity names -> core Activity enum (RULES.md, case-insensitive), plus the audit
// category and service enums. The exact-name table is a static sorted array built at compile time;
// lookups lower-case into a stack buffer: no allocation, O(log n + len). Thread-safe (pure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/event.h"

namespace privmon::parsers {

// What an activity name resolves to: the activity, and for an eligible assignment which of its
// names the record used (core/event.h EligibleName; kOther for every other activity).
struct ActivityLookup {
  Activity activity = Activity::kOther;
  EligibleName eligible_name = EligibleName::kOther;
  // A direct assignment or its removal scoped to an administrative unit (core/event.h
  // AuditFields::unit_scoped).
  bool unit_scoped = false;
};

// Resolves an activityDisplayName / OperationName. Surrounding spaces are ignored; case, en/em
// dashes (as '-') and runs of spaces (no-break ones too) are folded.
ActivityLookup ResolveActivity(std::string_view name);
inline Activity LookupActivity(std::string_view name) { return ResolveActivity(name).activity; }

// The name with the typography of real exports folded as LookupActivity folds it, case kept:
// surrounding spaces trimmed, en/em dashes as '-', each run of spaces (no-break ones too) as one,
// "multi-factor" as "multifactor". Written into `buffer` (no allocation); a name longer than
// `capacity` is returned trimmed only. The name every check of an audit record reads (flags, the
// rules' prefixes, the alert's "activity").
std::string_view FoldActivityName(std::string_view name, char* buffer, std::size_t capacity);

// One operation Microsoft has logged under more than one display name (renamed, or named one way
// in activityDisplayName and another in operationName): `spelling`'s key (HashLower of the folded
// name, AuditFields::activity_hash) and the key of the name it is known by now.
struct ActivityRename {
  uint64_t spelling;
  uint64_t current;
};

// The key an activity is learned and compared by (PRIV-CH-01, `audit.activity_name` in rules):
// `activity_hash` itself, or for a renamed activity its current name's. A binary search over a
// small constant table: no string, no allocation.
uint64_t CanonicalActivityKey(uint64_t activity_hash);

// Every renamed spelling with the key it maps to: what a key learned before the renames were
// folded (a checkpoint's) may be under.
std::span<const ActivityRename> ActivityRenames();

// The keys a build before the renames were folded learned `activity_hash`'s activity under (a
// checkpoint's novelty state, PRIV-CH-01 and a rule's `audit.activity_name`): the record's own
// spelling when it is not the current name, and each other renamed spelling of the activity,
// written to `out`; returns how many (none for an activity never renamed). At most a few entries.
std::size_t FormerActivityKeys(uint64_t activity_hash, std::span<uint64_t> out);

AuditCategory LookupAuditCategory(std::string_view category);
// Whether `category` names a category of Entra's audit log (the audit activity reference's:
// "RoleManagement", "Policy", "DirectoryManagement", ...), as a diagnostic record's envelope may
// name it instead of "AuditLogs" (Panther's Azure.Audit records). Spaces and case do not matter
// for the four LookupAuditCategory knows.
bool IsEntraAuditCategory(std::string_view category);
AuditService LookupAuditService(std::string_view logged_by_service);

}  // namespace privmon::parsers
