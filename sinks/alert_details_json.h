// An alert's typed details as JSON, shared by the alert formats (native, OCSF); the generic
// pieces are core/json_writer.h's. Appends to the caller's buffer and allocates nothing once its
// capacity suffices. Pure and thread-safe; O(size written).
#pragma once

#include <string>

#include "core/alert.h"

namespace privmon {

// {"key":value,...} over the alert's details, each value with its JSON type: a string, a number
// or true/false. A key already written is not written again (a custom rule listing one detail
// twice): JSON object keys stay unique, which strict parsers (Elasticsearch) require.
void AppendJsonDetails(const Alert& a, std::string& out);
// Whether details[i]'s key is that of an earlier detail (skipped by every writer of details).
bool IsRepeatedDetail(const Alert& a, std::size_t i);

}  // namespace privmon
