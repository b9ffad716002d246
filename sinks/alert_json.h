// Alert -> one JSON line in the shape of DESIGN.md section 5 (keys in that order, ending '\n').
// Appends to `out`, so the sink thread reuses one buffer and allocates nothing once its capacity
// suffices. Pure and thread-safe; O(size of the alert).
#pragma once

#include <string>

#include "core/alert.h"

namespace privmon {

void AppendAlertJson(const Alert& a, std::string& out);

}  // namespace privmon
