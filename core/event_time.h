// Event time: microseconds since the Unix epoch, UTC. Parsing accepts ISO 8601 with 'T' or ' ',
// 0-9 fractional digits, 'Z', a +hh:mm / -hh:mm / +hhmm offset or no zone (read as UTC).
// Pure functions, no allocation, O(len).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace privmon {

using EventTime = int64_t;  // microseconds since 1970-01-01T00:00:00Z
inline constexpr EventTime kMicrosPerSecond = 1'000'000;
inline constexpr EventTime kMinTime = INT64_MIN / 2;
inline constexpr EventTime kMaxTime = INT64_MAX / 2;

std::optional<EventTime> ParseIsoTime(std::string_view text);

// An event time as UTC calendar fields (proleptic Gregorian): privmon's one calendar, used by
// FormatIsoTime and by every writer of time text (`privmon gen` included).
struct UtcCivil {
  int64_t year;
  unsigned month, day, hour, minute, second;
  int64_t micros;  // 0..999999
};
UtcCivil ToUtcCivil(EventTime t);

// Writes "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when non-zero) into out (>= 28 bytes);
// returns the length written.
std::size_t FormatIsoTime(EventTime t, char* out);
// Writes "YYYY-MM-DDTHH:MM:SS.ffffffZ", always six fraction digits (RFC 3339 UTC of one fixed
// width, what SIEM timestamp parsers with a fixed pattern need): every time privmon writes for a
// machine (alerts, dead letters, JSON logs). out >= 28 bytes; returns the length written.
std::size_t FormatIsoTimeMicros(EventTime t, char* out);

}  // namespace privmon
