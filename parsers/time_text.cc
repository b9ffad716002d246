#include "parsers/time_text.h"

#include <cstdint>
#include <cstdio>

#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

// Reads 1..max_digits digits at s[pos]; advances pos.
bool Number(std::string_view s, std::size_t& pos, int max_digits, int& out) {
  int v = 0, n = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && n < max_digits) {
    v = v * 10 + (s[pos] - '0');
    ++pos, ++n;
  }
  out = v;
  return n > 0;
}

bool Expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// "M/D/YYYY[,] h:mm:ss[.fff] [AM|PM] [+hh:mm]".
std::optional<EventTime> ParseUsTime(std::string_view s) {
  std::size_t pos = 0;
  int month, day, year, hour, minute, second;
  if (!Number(s, pos, 2, month) || !Expect(s, pos, '/') || !Number(s, pos, 2, day) ||
      !Expect(s, pos, '/')) {
    return std::nullopt;
  }
  // A year of four digits, whatever its value: .NET writes its minimum (DateTime.MinValue, a
  // registration detail that never changed) as "1/1/0001 12:00:00 AM". Fewer digits ("1/9/07")
  // name no year.
  const std::size_t year_start = pos;
  if (!Number(s, pos, 4, year) || pos - year_start != 4) return std::nullopt;
  Expect(s, pos, ',');
  if (!Expect(s, pos, ' ')) return std::nullopt;
  if (!Number(s, pos, 2, hour) || !Expect(s, pos, ':') || !Number(s, pos, 2, minute) ||
      !Expect(s, pos, ':') || !Number(s, pos, 2, second)) {
    return std::nullopt;
  }
  std::string_view fraction;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = pos;
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    fraction = s.substr(start, pos - start);
    if (fraction.size() < 2) return std::nullopt;
  }
  std::string_view rest = TrimSpaces(s.substr(pos));
  if (StartsWithIgnoreCase(rest, "AM") || StartsWithIgnoreCase(rest, "PM")) {
    if (hour < 1 || hour > 12) return std::nullopt;
    const bool pm = AsciiLower(rest[0]) == 'p';
    hour = hour % 12 + (pm ? 12 : 0);
    rest = TrimSpaces(rest.substr(2));
  }
  std::string_view zone = rest;
  if (!zone.empty() && zone.front() != '+' && zone.front() != '-' && zone != "Z") {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
      fraction.size() > 10 || zone.size() > 6) {
    return std::nullopt;
  }
  // Re-express as ISO and let core do the calendar arithmetic.
  char iso[48];
  const int n = std::snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d%.*s%.*s", year,
                              month, day, hour, minute, second, static_cast<int>(fraction.size()),
                              fraction.data(), static_cast<int>(zone.size()), zone.data());
  if (n <= 0 || n >= static_cast<int>(sizeof(iso))) return std::nullopt;
  return ParseIsoTime(std::string_view(iso, static_cast<std::size_t>(n)));
}

// ISO 8601 with unpadded month, day or hour ("2022-09-09T8:48:50.361Z", seen in Identity
// Protection exports): padded to two digits and read as ISO.
std::optional<EventTime> ParseUnpaddedIsoTime(std::string_view s) {
  std::size_t pos = 0;
  int year, month, day, hour;
  if (!Number(s, pos, 4, year) || pos != 4 || !Expect(s, pos, '-') || !Number(s, pos, 2, month) ||
      !Expect(s, pos, '-') || !Number(s, pos, 2, day) || pos >= s.size() ||
      (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) {
    return std::nullopt;
  }
  const char separator = s[pos++];
  if (!Number(s, pos, 2, hour) || pos >= s.size() || s[pos] != ':') return std::nullopt;
  const std::string_view rest = s.substr(pos);  // ":MM:SS[.f][zone]"
  char iso[64];
  if (rest.size() > sizeof(iso) - 13) return std::nullopt;
  const int n = std::snprintf(iso, sizeof(iso), "%04d-%02d-%02d%c%02d%.*s", year, month, day,
                              separator, hour, static_cast<int>(rest.size()), rest.data());
  if (n <= 0 || n >= static_cast<int>(sizeof(iso))) return std::nullopt;
  return ParseIsoTime(std::string_view(iso, static_cast<std::size_t>(n)));
}

// A Unix time: seconds, milliseconds, microseconds or nanoseconds since 1970 (told apart by their
// magnitude), optionally with a fraction ("1764662470", "1764662470123", "1764662470.123"), as
// exports and shippers that convert times to numbers write them; or the .NET JSON form
// "/Date(1764662470123)/" (milliseconds, optional "+hhmm" offset that does not shift the instant)
// of Windows PowerShell's ConvertTo-Json. Only instants from 2001 to 2286 read: small numbers are
// no timestamps.
std::optional<EventTime> ParseUnixTime(std::string_view s) {
  if (s.starts_with("/Date(") && s.ends_with(")/")) {
    s = s.substr(6, s.size() - 8);
    const std::size_t zone = s.find_first_of("+-", 1);
    if (zone != std::string_view::npos) s = s.substr(0, zone);
    // .NET's DateTime.MinValue (a registration detail that never changed, Get-Mg...'s
    // LastUpdatedDateTime through Windows PowerShell): 0001-01-01, as its ISO and US-locale forms
    // read (breaker round 62).
    if (s == "-62135596800000") return int64_t{-62135596800000} * 1000;
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t ms = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      ms = ms * 10 + (c - '0');
    }
    if (ms < 1'000'000'000'000 || ms >= 10'000'000'000'000) return std::nullopt;
    return ms * 1000;
  }
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 19 || (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  uint64_t v = 0;  // 19 digits fit (< 1.8e19)
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  for (char c : fraction) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  // Seconds from 2001-09-09 (1e9) to 2286 (1e10); milliseconds, microseconds and nanoseconds the
  // same range scaled.
  int64_t unit_us = 0;  // microseconds per unit (negative: units per microsecond)
  if (v >= 1'000'000'000 && v < 10'000'000'000) {
    unit_us = 1'000'000;
  } else if (v >= 1'000'000'000'000 && v < 10'000'000'000'000) {
    unit_us = 1'000;
  } else if (v >= 1'000'000'000'000'000 && v < 10'000'000'000'000'000) {
    unit_us = 1;
  } else if (whole.size() == 19 && v >= 1'000'000'000'000'000'000) {
    unit_us = -1000;
  } else {
    return std::nullopt;
  }
  if (unit_us < 0) return static_cast<int64_t>(v / static_cast<uint64_t>(-unit_us));
  int64_t t = static_cast<int64_t>(v) * unit_us;  // below 1e16
  int64_t scale = unit_us / 10;                   // the fraction's digits, to microseconds
  for (std::size_t i = 0; i < fraction.size() && scale > 0; ++i, scale /= 10) {
    t += (fraction[i] - '0') * scale;
  }
  return t;
}

// ISO with its zone written apart or by name, as databases and shippers print it:
// "2025-12-02 08:01:10 UTC", "2025-12-02T08:01:10Z" spelled "... GMT", "2025-12-02T08:01:10
// +01:00".
std::optional<EventTime> ParseIsoTimeWithSpacedZone(std::string_view s) {
  const std::size_t space = s.rfind(' ');
  if (space == std::string_view::npos || space < 19) return std::nullopt;
  const std::string_view head = TrimSpaces(s.substr(0, space));
  const std::string_view zone = s.substr(space + 1);
  char iso[64];
  if (head.size() + zone.size() + 1 > sizeof(iso)) return std::nullopt;
  std::string_view suffix;
  if (EqualsIgnoreCase(zone, "UTC") || EqualsIgnoreCase(zone, "GMT") || zone == "Z") {
    suffix = "Z";
  } else if (zone.size() >= 3 && (zone.front() == '+' || zone.front() == '-')) {
    suffix = zone;
  } else {
    return std::nullopt;
  }
  const int n = std::snprintf(iso, sizeof(iso), "%.*s%.*s", static_cast<int>(head.size()),
                              head.data(), static_cast<int>(suffix.size()), suffix.data());
  if (n <= 0 || n >= static_cast<int>(sizeof(iso))) return std::nullopt;
  const std::string_view joined(iso, static_cast<std::size_t>(n));
  if (auto t = ParseIsoTime(joined)) return t;
  return ParseUnpaddedIsoTime(joined);
}

}  // namespace

std::optional<EventTime> ParseEventTimeText(std::string_view text) {
  text = TrimSpaces(text);
  if (text.empty()) return std::nullopt;
  if (auto t = ParseIsoTime(text)) return t;
  if (auto t = ParseIsoTimeWithSpacedZone(text)) return t;
  if (auto t = ParseUnpaddedIsoTime(text)) return t;
  if (auto t = ParseUsTime(text)) return t;
  return ParseUnixTime(text);
}

}  // namespace privmon::parsers
