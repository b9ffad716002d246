// Audit activity names -> core Activity enum (RULES.md, case-insensitive), plus the audit
// category and service enums. The exact-name table is a static sorted array built at compile time;
// lookups lower-case into a stack buffer: no allocation, O(log n + len). Thread-safe (pure).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/event.h"

namespace privmon::parsers {

// Resolves an activityDisplayName / OperationName. Surrounding spaces are ignored; case, en/em
// dashes (as '-') and runs of spaces (no-break ones too) are folded.
Activity LookupActivity(std::string_view name);

// The name with the typography of real exports folded as LookupActivity folds it, case kept:
// surrounding spaces trimmed, en/em dashes as '-', each run of spaces (no-break ones too) as one,
// "multi-factor" as "multifactor". Written into `buffer` (no allocation); a name longer than
// `capacity` is returned trimmed only. The name every check of an audit record reads (flags, the
// rules' prefixes, the alert's "activity").
std::string_view FoldActivityName(std::string_view name, char* buffer, std::size_t capacity);

AuditCategory LookupAuditCategory(std::string_view category);
AuditService LookupAuditService(std::string_view logged_by_service);

}  // namespace privmon::parsers
