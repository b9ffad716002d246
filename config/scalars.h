// Pure text parsers for config scalars (no YAML): durations, integers, booleans, severities, CIDR
// ranges, country codes, weekday sets and hour ranges. Each returns false and fills `error` with a
// short phrase ("expected a duration like 30s, 5m, 1h, 14d or 1h5m") on bad input. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"

namespace privmon::config {

// Decimal digits only; fails on sign, fraction or overflow of uint64_t.
bool ParseUnsigned(std::string_view text, uint64_t* out);

// true/false, yes/no, on/off (any case).
bool ParseBool(std::string_view text, bool* out);

// "30s", "5m", "1h", "24h", "14d", "2w", "1h5m"; a plain integer is seconds. Non-negative only.
bool ParseDuration(std::string_view text, int64_t* seconds, std::string* error);

// "low", "medium", "high" (any case).
bool ParseSeverity(std::string_view text, Severity* out);

// "native" or "ocsf" (any case): a sink's alert format.
bool ParseAlertFormat(std::string_view text, AlertFormat* out);

// "a.b.c.d/n" (stored as ::ffff:a.b.c.d/n+96), "x:y::/n", or a bare address (/32, /128).
bool ParseCidr(std::string_view text, CidrRange* out, std::string* error);

// Two ASCII letters, packed upper-case with TenantSettings::PackCountry.
bool ParseCountry(std::string_view text, uint16_t* out);
// Whether a packed country code (ParseCountry) is one ISO 3166-1 assigns (or XK): sign-in logs
// write no other ("UK" is reserved, the United Kingdom is GB).
bool IsAssignedCountry(uint16_t packed);

// Adds to `mask` (bit 0 = Monday) the days of "Mon", "monday", "Mon-Fri", "Sat-Sun" or a
// comma-separated list of those; a range may wrap the week ("Fri-Mon").
bool ParseWeekdays(std::string_view text, uint8_t* mask, std::string* error);

// "07:00-19:00" (end 24:00 allowed; end before start = overnight shift) in minutes after midnight.
bool ParseHourRange(std::string_view text, int* start_minute, int* end_minute, std::string* error);

}  // namespace privmon::config
