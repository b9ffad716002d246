#include "sinks/alert_json.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "core/event_time.h"
#include "sinks/json_escape.h"

namespace privmon {
namespace {

void AppendTime(EventTime t, std::string& out) {
  char buf[40];
  const std::size_t n = FormatIsoTime(t, buf);
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

void AppendHex64(uint64_t v, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[18] = {'"'};
  for (int i = 15; i >= 0; --i, v >>= 4) buf[1 + i] = kHex[v & 0xF];
  buf[17] = '"';
  out.append(buf, sizeof(buf));
}

void AppendUint(uint64_t v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

// Appends `,"key":` (or `"key":` for the first member).
void Key(std::string_view key, bool first, std::string& out) {
  if (!first) out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

}  // namespace

void AppendAlertJson(const Alert& a, std::string& out) {
  const RuleInfo& rule = GetRuleInfo(a.rule);
  out.push_back('{');
  Key("alert_id", true, out);
  AppendHex64(a.alert_id, out);
  Key("rule_id", false, out);
  AppendJsonString(rule.code, out);
  Key("rule", false, out);
  AppendJsonString(rule.name, out);
  Key("severity", false, out);
  AppendJsonString(SeverityName(a.severity), out);
  Key("tenant_id", false, out);
  AppendJsonString(a.tenant_id.view(), out);
  Key("account", false, out);
  out.push_back('{');
  Key("id", true, out);
  AppendJsonString(a.account_id.view(), out);
  Key("upn", false, out);
  AppendJsonString(a.account_upn.view(), out);
  out.push_back('}');
  Key("time", false, out);
  AppendTime(a.time, out);
  Key("first_seen", false, out);
  AppendTime(a.first_seen, out);
  Key("last_seen", false, out);
  AppendTime(a.last_seen, out);
  Key("count", false, out);
  AppendUint(a.count, out);
  if (a.update) out.append(",\"update\":true");
  Key("evidence", false, out);
  out.push_back('[');
  const std::size_t evidence_count = std::min<std::size_t>(a.evidence_count, Alert::kMaxEvidence);
  for (std::size_t i = 0; i < evidence_count; ++i) {
    const Evidence& ev = a.evidence[i];
    if (i != 0) out.push_back(',');
    out.push_back('{');
    Key("kind", true, out);
    AppendJsonString(EventKindName(ev.kind), out);
    Key("record_id", false, out);
    AppendJsonString(ev.record_id.view(), out);
    Key("time", false, out);
    AppendTime(ev.time, out);
    out.push_back('}');
  }
  out.push_back(']');
  Key("details", false, out);
  out.push_back('{');
  const std::size_t detail_count = std::min<std::size_t>(a.detail_count, Alert::kMaxDetails);
  for (std::size_t i = 0; i < detail_count; ++i) {
    if (i != 0) out.push_back(',');
    AppendJsonString(a.details[i].key, out);
    out.push_back(':');
    AppendJsonString(a.details[i].value.view(), out);
  }
  out.push_back('}');
  Key("guide_row", false, out);
  AppendJsonString(rule.guide_row, out);
  out.append("}\n");
}

}  // namespace privmon
