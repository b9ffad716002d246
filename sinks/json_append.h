// JSON pieces shared by the alert formats (native, OCSF): object keys, integers, 64-bit ids as
// hex strings, event times as ISO 8601 strings or epoch milliseconds, typed alert details.
// Each appends to the caller's buffer and allocates nothing once its capacity suffices.
// Pure and thread-safe; O(size written).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/alert.h"
#include "core/event_time.h"

namespace privmon {

// `,"key":`, or `"key":` for the first member of an object. `key` is a literal needing no escape.
void AppendJsonKey(std::string_view key, bool first, std::string& out);
void AppendJsonUint(uint64_t v, std::string& out);
void AppendJsonInt(int64_t v, std::string& out);
// "00abcdef01234567": 16 lower-case hex digits, quoted.
void AppendJsonHex64(uint64_t v, std::string& out);
// "2026-11-24T10:01:02Z", quoted.
void AppendJsonIsoTime(EventTime t, std::string& out);
// Milliseconds since the epoch (OCSF timestamp_t), floored.
void AppendJsonEpochMillis(EventTime t, std::string& out);
// A detail's value with its JSON type: a string, a number or true/false.
void AppendJsonDetailValue(const AlertDetail& d, std::string& out);
// {"key":value,...} over the alert's details.
void AppendJsonDetails(const Alert& a, std::string& out);

}  // namespace privmon
