#include "sinks/alert_details_json.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "core/json_escape.h"

namespace privmon {
namespace {

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

}  // namespace

bool IsRepeatedDetail(const Alert& a, std::size_t i) {
  for (std::size_t k = 0; k < i; ++k) {
    if (a.details[k].key == a.details[i].key) return true;
  }
  return false;
}

void AppendJsonDetails(const Alert& a, std::string& out) {
  out.push_back('{');
  const std::size_t n = std::min<std::size_t>(a.detail_count, Alert::kMaxDetails);
  for (std::size_t i = 0; i < n; ++i) {
    if (IsRepeatedDetail(a, i)) continue;
    if (out.back() != '{') out.push_back(',');
    AppendJsonString(a.details[i].key, out);
    out.push_back(':');
    AppendJsonDetailValue(a.details[i], out);
  }
  out.push_back('}');
}

}  // namespace privmon
