// An alert's typed details as JSON, shared by the alert formats (native, OCSF); the generic
// pieces are core/json_writer.h's. Appends to the caller's buffer and allocates nothing once its
// capacity suffices. Pure and thread-safe; O(size written).
#pragma once

#include <string>

#include "core/alert.h"

namespace privmon {

// {"key":value,...} over the alert's details, each value with its JSON type: a string, a number
// or true/false.
void AppendJsonDetails(const Alert& a, std::string& out);

}  // namespace privmon
