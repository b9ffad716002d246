// Audit activity names -> core Activity enum (RULES.md, case-insensitive), plus the audit
// category and service enums. The exact-name table is a static sorted array built at compile time;
// lookups lower-case into a stack buffer: no allocation, O(log n + len). Thread-safe (pure).
#pragma once

#include <string_view>

#include "core/event.h"

namespace privmon::parsers {

// Resolves an activityDisplayName / OperationName. Surrounding spaces are ignored; case, en/em
// dashes (as '-') and runs of spaces (no-break ones too) are folded.
Activity LookupActivity(std::string_view name);

AuditCategory LookupAuditCategory(std::string_view category);
AuditService LookupAuditService(std::string_view logged_by_service);

}  // namespace privmon::parsers
