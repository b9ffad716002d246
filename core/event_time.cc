#include "core/event_time.h"

#include <cstdio>

namespace privmon {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

constexpr Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

constexpr int DaysInMonth(int y, int m) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<EventTime> ParseIsoTime(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
      !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' ||
      !Digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  // A day the month does not have (2025-02-30) is a corrupt record, not the next month's day.
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int64_t scale = 100000;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size()) {
    const char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      // UTC
    } else if (z == '+' || z == '-') {
      int oh, om = 0;
      if (!Digits(s, pos + 1, 2, oh)) return std::nullopt;
      std::size_t p = pos + 3;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size()) {
        if (!Digits(s, p, 2, om) || p + 2 != s.size()) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return secs * kMicrosPerSecond + micros;
}

UtcCivil ToUtcCivil(EventTime t) {
  int64_t secs = t / kMicrosPerSecond;
  int64_t micros = t % kMicrosPerSecond;
  if (micros < 0) micros += kMicrosPerSecond, --secs;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) rem += 86400, --days;
  const Civil c = CivilFromDays(days);
  return {c.y,
          c.m,
          c.d,
          static_cast<unsigned>(rem / 3600),
          static_cast<unsigned>(rem / 60 % 60),
          static_cast<unsigned>(rem % 60),
          micros};
}

std::size_t FormatIsoTime(EventTime t, char* out) {
  const UtcCivil c = ToUtcCivil(t);
  int n;
  if (c.micros == 0) {
    n = std::snprintf(out, 28, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(c.year),
                      c.month, c.day, c.hour, c.minute, c.second);
  } else {
    n = std::snprintf(out, 28, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ",
                      static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                      static_cast<long long>(c.micros));
  }
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::size_t FormatIsoTimeMicros(EventTime t, char* out) {
  const UtcCivil c = ToUtcCivil(t);
  const int n = std::snprintf(out, 28, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ",
                              static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute,
                              c.second, static_cast<long long>(c.micros));
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

}  // namespace privmon
