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

}  // namespace

void AppendDouble(std::string& o, double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
  const char* end = r.ptr;
  while (end > buf && end[-1] == '0') --end;
  if (end > buf && end[-1] == '.') --end;
  o.append(buf, static_cast<std::size_t>(end - buf));
}

void JsonTextStr(std::string& o, std::string_view k, std::string_view json) {
  Key(o, k);
  o += '"';
  AppendJsonEscaped(json, o);
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
  const UtcCivil c = ToUtcCivil(t);
  char buf[40];
  int n;
  if (style == TimeStyle::kZ3) {
    n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03lldZ",
                      static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                      static_cast<long long>(c.micros / 1000));
    o.append(buf, static_cast<std::size_t>(n));
    return;
  }
  AppendJsonInt(c.year, o);
  o += '-';
  Two(o, c.month);
  o += '-';
  Two(o, c.day);
  o += 'T';
  Two(o, c.hour);
  o += ':';
  Two(o, c.minute);
  o += ':';
  Two(o, c.second);
  o += '.';
  n = std::snprintf(buf, sizeof buf, "%06lld%d", static_cast<long long>(c.micros),
                    extra_digit % 10);
  o.append(buf, static_cast<std::size_t>(n));
  o += style == TimeStyle::kZ7 ? "Z" : "+00:00";
}

}  // namespace privmon::genjson
