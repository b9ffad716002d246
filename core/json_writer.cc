#include "core/json_writer.h"

#include <charconv>

namespace privmon {

void AppendJsonKey(std::string_view key, bool first, std::string& out) {
  if (!first) out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

void AppendJsonUint(uint64_t v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void AppendJsonInt(int64_t v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void AppendJsonHex64(uint64_t v, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[18] = {'"'};
  for (int i = 15; i >= 0; --i, v >>= 4) buf[1 + i] = kHex[v & 0xF];
  buf[17] = '"';
  out.append(buf, sizeof(buf));
}

void AppendJsonIsoTime(EventTime t, std::string& out) {
  char buf[40];
  const std::size_t n = FormatIsoTimeMicros(t, buf);
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

void AppendJsonEpochMillis(EventTime t, std::string& out) {
  int64_t ms = t / 1000;
  if (t % 1000 < 0) --ms;
  AppendJsonInt(ms, out);
}

}  // namespace privmon
