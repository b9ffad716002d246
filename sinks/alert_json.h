// Alert -> one native JSON line ending '\n': the keys of DESIGN.md section 5 in that order, then
// the additions of schema 2 (details are typed: numbers and booleans are JSON numbers/booleans):
//   {"alert_id",...,"details":{...},"guide_row", "schema":2,"tenant_name","attack":["T1078.004"],
//    "incident_key":"<16 hex>","message":"..."}
// kAlertSchema is the number of this shape; a change of a field's type raises it (README lists
// each version). Appends to `out`, so the sink thread reuses one buffer and allocates nothing once
// its capacity suffices. Pure and thread-safe; O(size of the alert).
#pragma once

#include <string>

#include "core/alert.h"

namespace privmon {

inline constexpr int kAlertSchema = 2;

// One evidence object of the native alert: {"kind":..,"record_id":..,"time":..}; also OCSF's
// evidences[].data.
void AppendEvidenceJson(const Evidence& ev, std::string& out);

void AppendAlertJson(const Alert& a, std::string& out);

}  // namespace privmon
