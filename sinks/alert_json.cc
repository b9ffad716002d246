#include "sinks/alert_json.h"

#include <algorithm>
#include <string_view>

#include "core/json_writer.h"
#include "sinks/alert_details_json.h"
#include "sinks/alert_message.h"

namespace privmon {

void AppendEvidenceJson(const Evidence& ev, std::string& out) {
  out.push_back('{');
  AppendJsonKey("kind", true, out);
  AppendJsonString(EventKindName(ev.kind), out);
  AppendJsonKey("record_id", false, out);
  AppendJsonString(ev.record_id.view(), out);
  AppendJsonKey("time", false, out);
  AppendJsonIsoTime(ev.time, out);
  out.push_back('}');
}

void AppendAlertJson(const Alert& a, std::string& out) {
  const RuleInfo& rule = GetRuleInfo(a.rule);
  out.push_back('{');
  AppendJsonKey("alert_id", true, out);
  AppendJsonHex64(a.alert_id, out);
  AppendJsonKey("rule_id", false, out);
  AppendJsonString(rule.code, out);
  AppendJsonKey("rule", false, out);
  AppendJsonString(rule.name, out);
  AppendJsonKey("severity", false, out);
  AppendJsonString(SeverityName(a.severity), out);
  AppendJsonKey("tenant_id", false, out);
  AppendJsonString(a.tenant_id.view(), out);
  AppendJsonKey("account", false, out);
  out.push_back('{');
  AppendJsonKey("id", true, out);
  AppendJsonString(a.account_id.view(), out);
  AppendJsonKey("upn", false, out);
  AppendJsonString(a.upn(), out);
  out.push_back('}');
  AppendJsonKey("time", false, out);
  AppendJsonIsoTime(a.time, out);
  AppendJsonKey("first_seen", false, out);
  AppendJsonIsoTime(a.first_seen, out);
  AppendJsonKey("last_seen", false, out);
  AppendJsonIsoTime(a.last_seen, out);
  AppendJsonKey("count", false, out);
  AppendJsonUint(a.count, out);
  if (a.update) out.append(",\"update\":true");
  AppendJsonKey("evidence", false, out);
  out.push_back('[');
  const std::size_t evidence_count = std::min<std::size_t>(a.evidence_count, Alert::kMaxEvidence);
  for (std::size_t i = 0; i < evidence_count; ++i) {
    if (i != 0) out.push_back(',');
    AppendEvidenceJson(a.evidence[i], out);
  }
  out.push_back(']');
  AppendJsonKey("details", false, out);
  AppendJsonDetails(a, out);
  AppendJsonKey("guide_row", false, out);
  AppendJsonString(rule.guide_row, out);
  AppendJsonKey("schema", false, out);
  AppendJsonUint(kAlertSchema, out);
  AppendJsonKey("tenant_name", false, out);
  AppendJsonString(a.tenant_name.view(), out);
  AppendJsonKey("attack", false, out);
  out.push_back('[');
  bool first = true;
  for (std::string_view technique : GetRuleAttack(a.rule).techniques) {
    if (technique.empty()) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(technique, out);
  }
  out.push_back(']');
  AppendJsonKey("incident_key", false, out);
  AppendJsonHex64(a.incident_key, out);
  AppendJsonKey("message", false, out);
  AppendAlertMessage(a, out);
  out.append("}\n");
}

}  // namespace privmon
