#include "tools/gen/json.h"

#include <charconv>
#include <cstdio>

namespace privmon::genjson {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

void Two(std::string& o, unsigned v) {
  o += static_cast<char>('0' + v / 10);
  o += static_cast<char>('0' + v % 10);
}

// Howard Hinnant's civil_from_days.
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

}  // namespace

void AppendInt(std::string& o, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  o.append(buf, r.ptr);
}

void Int(std::string& o, std::string_view k, int64_t v) {
  Key(o, k);
  AppendInt(o, v);
}

void AppendDouble(std::string& o, double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
  const char* end = r.ptr;
  while (end > buf && end[-1] == '0') --end;
  if (end > buf && end[-1] == '.') --end;
  o.append(buf, static_cast<std::size_t>(end - buf));
}

void Esc(std::string& o, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          o += "\\u00";
          o += kHexLower[(c >> 4) & 0xF];
          o += kHexLower[c & 0xF];
        } else {
          o += c;
        }
    }
  }
}

void JsonTextStr(std::string& o, std::string_view k, std::string_view json) {
  Key(o, k);
  o += '"';
  Esc(o, json);
  o += '"';
}

void AppendGuid(std::string& o, uint64_t hi, uint64_t lo) {
  char buf[36];
  int p = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) buf[p++] = '-';
    const uint64_t word = i < 16 ? hi : lo;
    buf[p++] = kHexLower[(word >> (60 - 4 * (i % 16))) & 0xF];
  }
  o.append(buf, sizeof buf);
}

void AppendHex(std::string& o, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) o += kHexUpper[(v >> (4 * i)) & 0xF];
}

void AppendTime(std::string& o, EventTime t, TimeStyle style, int extra_digit) {
  const int64_t secs =
      t >= 0 ? t / kMicrosPerSecond : (t - kMicrosPerSecond + 1) / kMicrosPerSecond;
  const int64_t micros = t - secs * kMicrosPerSecond;
  const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const auto sod = static_cast<unsigned>(secs - days * 86400);
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[40];
  int n;
  if (style == TimeStyle::kZ3) {
    n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03lldZ",
                      static_cast<long long>(y), m, d, sod / 3600, sod / 60 % 60, sod % 60,
                      static_cast<long long>(micros / 1000));
    o.append(buf, static_cast<std::size_t>(n));
    return;
  }
  AppendInt(o, y);
  o += '-';
  Two(o, m);
  o += '-';
  Two(o, d);
  o += 'T';
  Two(o, sod / 3600);
  o += ':';
  Two(o, sod / 60 % 60);
  o += ':';
  Two(o, sod % 60);
  o += '.';
  n = std::snprintf(buf, sizeof buf, "%06lld%d", static_cast<long long>(micros), extra_digit % 10);
  o.append(buf, static_cast<std::size_t>(n));
  o += style == TimeStyle::kZ7 ? "Z" : "+00:00";
}

}  // namespace privmon::genjson
