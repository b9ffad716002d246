// privmon's one JSON writer, used by the alert formats (sinks/), dead letters and `privmon gen`
// (tools/gen/): object keys, integers, 64-bit ids as hex strings, event times as ISO 8601 strings
// or epoch milliseconds. Strings come from core/json_escape.h (included). Each function appends
// to the caller's buffer and allocates nothing once its capacity suffices. Pure and thread-safe;
// O(size written).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_time.h"
#include "core/json_escape.h"

namespace privmon {

// `,"key":`, or `"key":` for the first member of an object. `key` is a literal needing no escape.
void AppendJsonKey(std::string_view key, bool first, std::string& out);
void AppendJsonUint(uint64_t v, std::string& out);
void AppendJsonInt(int64_t v, std::string& out);
// "00abcdef01234567": 16 lower-case hex digits, quoted.
void AppendJsonHex64(uint64_t v, std::string& out);
// "2026-11-24T10:01:02.000000Z", quoted: RFC 3339 UTC, always six fraction digits.
void AppendJsonIsoTime(EventTime t, std::string& out);
// Milliseconds since the epoch (OCSF timestamp_t), floored.
void AppendJsonEpochMillis(EventTime t, std::string& out);

}  // namespace privmon
