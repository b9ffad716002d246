#include "sinks/json_append.h"

#include <algorithm>
#include <charconv>

#include "core/json_escape.h"

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
  const std::size_t n = FormatIsoTime(t, buf);
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

void AppendJsonEpochMillis(EventTime t, std::string& out) {
  int64_t ms = t / 1000;
  if (t % 1000 < 0) --ms;
  AppendJsonInt(ms, out);
}

void AppendJsonDetailValue(const AlertDetail& d, std::string& out) {
  const std::string_view v = d.value.view();
  switch (d.type) {
    case DetailType::kNumber: {
      int64_t n = 0;  // re-parsed so that a malformed number can never break the JSON
      const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
      if (r.ec == std::errc() && r.ptr == v.data() + v.size() && !v.empty()) {
        out.append(v);
        return;
      }
      break;
    }
    case DetailType::kBool:
      out.append(v == "true" ? "true" : "false");
      return;
    case DetailType::kString:
      break;
  }
  AppendJsonString(v, out);
}

void AppendJsonDetails(const Alert& a, std::string& out) {
  out.push_back('{');
  const std::size_t n = std::min<std::size_t>(a.detail_count, Alert::kMaxDetails);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out.push_back(',');
    AppendJsonString(a.details[i].key, out);
    out.push_back(':');
    AppendJsonDetailValue(a.details[i], out);
  }
  out.push_back('}');
}

}  // namespace privmon
