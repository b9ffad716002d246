// Turns the RecordFields of one record into an Event: decides the record's format and kind, then
// resolves tenant, time, account and the kind's fields. Either fills `event` and returns true, or
// sets `reason`/`detail` (a static string) and returns false. Pure over its inputs, no allocation.
#pragma once

#include <string_view>

#include "core/event.h"
#include "core/reject_reason.h"
#include "parsers/record_fields.h"
#include "parsers/record_parser.h"

namespace privmon::parsers {

bool BuildEvent(const RecordFields& fields, const ParseContext& ctx, Event& event,
                RejectReason& reason, std::string_view& detail);

// Helpers shared by the per-kind builders (signin_fields.cc, audit_fields.cc).
void FillAccount(uint64_t tenant_hash, std::string_view id, std::string_view upn, AccountRef& out);
void FillSignInFields(const RecordFields& f, Event& event);
void FillAuditFields(const RecordFields& f, Event& event);

}  // namespace privmon::parsers
