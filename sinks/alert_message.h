// The one-line, human-readable summary of an alert ("message" in both formats), e.g.
//   "Bad password burst: alice-admin@contoso.com in Contoso, 5 events (error_code=50126)"
// The account is its UPN (else its id), the tenant its configured name (else its id); details
// follow as key=value. Written as one quoted JSON string (control bytes escaped, so one line).
// Pure, thread-safe, no allocation once `out` has the capacity; O(size of the alert).
#pragma once

#include <string>

#include "core/alert.h"

namespace privmon {

void AppendAlertMessage(const Alert& a, std::string& out);

}  // namespace privmon
