#include "sinks/alert_ocsf.h"

#include <algorithm>

#include "core/json_writer.h"
#include "core/mitre_attack.h"
#include "core/version.h"
#include "sinks/alert_details_json.h"
#include "sinks/alert_json.h"
#include "sinks/alert_message.h"

namespace privmon {
namespace {

// OCSF severity_id: 2 Low, 3 Medium, 4 High (base_event.json).
int SeverityId(Severity s) { return s == Severity::kHigh ? 4 : s == Severity::kMedium ? 3 : 2; }
std::string_view SeverityCaption(Severity s) {
  return s == Severity::kHigh ? "High" : s == Severity::kMedium ? "Medium" : "Low";
}

// The RULES.md section a rule belongs to: finding_info.types.
std::string_view Family(RuleId rule) {
  if (static_cast<std::size_t>(rule) >= kRuleCount) return "Custom rule";  // rule_files
  const std::string_view code = GetRuleInfo(rule).code;                    // "PRIV-XX-nn"
  const std::string_view family = code.substr(5, 2);
  if (family == "BG") return "Emergency access account";
  if (family == "SI") return "Privileged account sign-in";
  if (family == "CH") return "Change by a privileged account";
  if (family == "PA") return "Change to a privileged account";
  if (family == "OP") return "privmon operations";
  return "Assignment and elevation";
}

// RULES.md: rules about what an admin did name the actor; the others the target.
bool NamesActor(RuleId r) {
  switch (r) {
    case RuleId::kSI15:
    case RuleId::kSI18:
    case RuleId::kCH01:
    case RuleId::kCH02:
    case RuleId::kCH03:
    case RuleId::kCH04:
    case RuleId::kEL03:
    case RuleId::kEL05:
    case RuleId::kEL07:
      return true;
    default:
      return false;
  }
}

void AppendNamed(std::string_view key, std::string_view uid, std::string_view name, bool first,
                 std::string& out) {
  AppendJsonKey(key, first, out);
  out.append("{\"uid\":");
  AppendJsonString(uid, out);
  out.append(",\"name\":");
  AppendJsonString(name, out);
  out.push_back('}');
}

void AppendAttacks(const Alert& a, std::string& out) {
  const RuleAttack& attack = GetRuleAttack(a.rule);
  out.push_back('[');
  bool first = true;
  for (std::string_view id : attack.techniques) {
    if (id.empty()) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    const std::string_view parent = ParentTechniqueId(id);
    const auto technique = FindTechnique(parent);
    AppendNamed("technique", parent, technique ? technique->name : "", true, out);
    if (id != parent) {
      const auto sub = FindTechnique(id);
      AppendNamed("sub_technique", id, sub ? sub->name : "", false, out);
    }
    AppendNamed("tactic", attack.tactic.id, attack.tactic.name, false, out);
    out.push_back('}');
  }
  out.push_back(']');
}

// The account as an OCSF user: {uid, name, account:{uid, name, type_id 6 "Azure AD Account"}}.
void AppendUser(const Alert& a, std::string& out) {
  out.push_back('{');
  AppendJsonKey("uid", true, out);
  AppendJsonString(a.account_id.view(), out);
  AppendJsonKey("name", false, out);
  AppendJsonString(a.upn().empty() ? a.account_id.view() : a.upn(), out);
  AppendJsonKey("account", false, out);
  out.append("{\"uid\":");
  AppendJsonString(a.account_id.view(), out);
  out.append(",\"name\":");
  AppendJsonString(a.upn().empty() ? a.account_id.view() : a.upn(), out);
  out.append(",\"type_id\":6,\"type\":\"Azure AD Account\"}}");
}

// One observable: {name, type_id[, type], value}. `type` only where the schema's caption is fixed
// (dictionary types and objects); attribute observables have no caption of their own.
void AppendObservable(std::string_view name, int type_id, std::string_view type,
                      std::string_view value, bool& first, std::string& out) {
  if (value.empty()) return;
  if (!first) out.push_back(',');
  first = false;
  out.append("{\"name\":");
  AppendJsonString(name, out);
  out.append(",\"type_id\":");
  AppendJsonUint(static_cast<uint64_t>(type_id), out);
  if (!type.empty()) {
    out.append(",\"type\":");
    AppendJsonString(type, out);
  }
  out.append(",\"value\":");
  AppendJsonString(value, out);
  out.push_back('}');
}

// OCSF 1.8.0 observable type ids, as the schema assigns them (dictionary.json types, objects/*.json
// attributes): resource_uid_t 10 "Resource UID", username_t 4 "User Name", ip_t 2 "IP Address",
// resource_details.name 38, user.uid 31, account.uid 35. Each names the attribute it points to.
void AppendObservables(const Alert& a, std::string& out) {
  out.push_back('[');
  bool first = true;
  if (a.account_id.empty() && a.upn().empty()) {  // PRIV-OP-01: the tenant is the resource
    AppendObservable("resources[0].uid", 10, "Resource UID", a.tenant_id.view(), first, out);
  } else {
    const std::string_view name = a.upn().empty() ? a.account_id.view() : a.upn();
    AppendObservable("resources[0].uid", 10, "Resource UID", a.account_id.view(), first, out);
    AppendObservable("resources[0].name", 38, "", name, first, out);
    if (a.evidence_count > 0) {  // each evidence names the account as its user
      AppendObservable("evidences[].user.uid", 31, "", a.account_id.view(), first, out);
      AppendObservable("evidences[].user.name", 4, "User Name", name, first, out);
    }
  }
  AppendObservable("cloud.account.uid", 35, "", a.tenant_id.view(), first, out);
  for (std::size_t i = 0; i < std::min<std::size_t>(a.detail_count, Alert::kMaxDetails); ++i) {
    if (a.details[i].key == "ip_address" && !IsRepeatedDetail(a, i)) {
      AppendObservable("unmapped.details.ip_address", 2, "IP Address", a.details[i].value.view(),
                       first, out);
    }
  }
  out.push_back(']');
}

}  // namespace

void AppendAlertOcsf(const Alert& a, std::string& out) {
  const RuleInfo& rule = GetRuleInfo(a.rule);
  out.push_back('{');
  AppendJsonKey("class_uid", true, out);
  AppendJsonUint(kOcsfClassUid, out);
  out.append(",\"class_name\":\"Detection Finding\"");
  AppendJsonKey("category_uid", false, out);
  AppendJsonUint(kOcsfCategoryUid, out);
  out.append(",\"category_name\":\"Findings\"");
  const int activity = a.update ? kOcsfActivityUpdate : kOcsfActivityCreate;
  AppendJsonKey("activity_id", false, out);
  AppendJsonUint(static_cast<uint64_t>(activity), out);
  out.append(a.update ? ",\"activity_name\":\"Update\"" : ",\"activity_name\":\"Create\"");
  AppendJsonKey("type_uid", false, out);
  AppendJsonUint(static_cast<uint64_t>(kOcsfClassUid) * 100 + static_cast<uint64_t>(activity), out);
  out.append(a.update ? ",\"type_name\":\"Detection Finding: Update\""
                      : ",\"type_name\":\"Detection Finding: Create\"");
  AppendJsonKey("severity_id", false, out);
  AppendJsonUint(static_cast<uint64_t>(SeverityId(a.severity)), out);
  AppendJsonKey("severity", false, out);
  AppendJsonString(SeverityCaption(a.severity), out);
  out.append(",\"status_id\":1,\"status\":\"New\",\"is_alert\":true");
  AppendJsonKey("time", false, out);
  AppendJsonEpochMillis(a.time, out);
  AppendJsonKey("start_time", false, out);
  AppendJsonEpochMillis(a.first_seen, out);
  AppendJsonKey("end_time", false, out);
  AppendJsonEpochMillis(a.last_seen, out);
  out.append(",\"timezone_offset\":0");
  AppendJsonKey("count", false, out);
  AppendJsonUint(a.count, out);
  AppendJsonKey("message", false, out);
  AppendAlertMessage(a, out);

  AppendJsonKey("finding_info", false, out);
  out.push_back('{');
  AppendJsonKey("uid", true, out);
  AppendJsonHex64(a.alert_id, out);
  AppendJsonKey("title", false, out);
  AppendJsonString(rule.name, out);
  AppendJsonKey("desc", false, out);
  AppendJsonString(rule.guide_row, out);
  AppendJsonKey("types", false, out);
  out.push_back('[');
  AppendJsonString(Family(a.rule), out);
  out.push_back(']');
  AppendJsonKey("first_seen_time", false, out);
  AppendJsonEpochMillis(a.first_seen, out);
  AppendJsonKey("last_seen_time", false, out);
  AppendJsonEpochMillis(a.last_seen, out);
  AppendJsonKey("analytic", false, out);
  out.append("{\"uid\":");
  AppendJsonString(rule.code, out);
  out.append(",\"name\":");
  AppendJsonString(rule.name, out);
  out.append(",\"type_id\":1,\"type\":\"Rule\"}");
  AppendJsonKey("attacks", false, out);
  AppendAttacks(a, out);
  out.push_back('}');

  AppendJsonKey("attacks", false, out);
  AppendAttacks(a, out);

  AppendJsonKey("resources", false, out);
  if (a.account_id.empty() && a.upn().empty()) {  // PRIV-OP-01: the tenant itself
    out.append("[{\"type\":\"M365 Tenant\",\"uid\":");
    AppendJsonString(a.tenant_id.view(), out);
    out.append(",\"name\":");
    AppendJsonString(a.tenant_name.empty() ? a.tenant_id.view() : a.tenant_name.view(), out);
    out.append("}]");
  } else {
    out.append("[{\"type\":\"User\",\"uid\":");
    AppendJsonString(a.account_id.view(), out);
    out.append(",\"name\":");
    AppendJsonString(a.upn().empty() ? a.account_id.view() : a.upn(), out);
    out.append(NamesActor(a.rule) ? ",\"role_id\":2,\"role\":\"Actor\"}]"
                                  : ",\"role_id\":1,\"role\":\"Target\"}]");
  }

  AppendJsonKey("evidences", false, out);
  out.push_back('[');
  const std::size_t evidence_count = std::min<std::size_t>(a.evidence_count, Alert::kMaxEvidence);
  for (std::size_t i = 0; i < evidence_count; ++i) {
    const Evidence& ev = a.evidence[i];
    if (i != 0) out.push_back(',');
    out.push_back('{');
    AppendJsonKey("name", true, out);
    AppendJsonString(EventKindName(ev.kind), out);
    AppendJsonKey("uid", false, out);
    AppendJsonString(ev.record_id.view(), out);
    AppendJsonKey("data", false, out);
    AppendEvidenceJson(ev, out);                      // the native alert's evidence object
    if (!a.account_id.empty() || !a.upn().empty()) {  // PRIV-OP-01 names no user
      AppendJsonKey("user", false, out);
      AppendUser(a, out);
    }
    out.push_back('}');
  }
  out.push_back(']');

  AppendJsonKey("observables", false, out);
  AppendObservables(a, out);

  AppendJsonKey("cloud", false, out);
  out.append("{\"provider\":\"Azure\",\"account\":{\"uid\":");
  AppendJsonString(a.tenant_id.view(), out);
  if (!a.tenant_name.empty()) {
    out.append(",\"name\":");
    AppendJsonString(a.tenant_name.view(), out);
  }
  out.append(",\"type_id\":17,\"type\":\"M365 Tenant\"}}");

  AppendJsonKey("metadata", false, out);
  out.append("{\"version\":");
  AppendJsonString(kOcsfVersion, out);
  out.append(",\"product\":{\"name\":\"privmon\",\"vendor_name\":\"privmon\",\"version\":");
  AppendJsonString(PRIVMON_VERSION, out);
  out.append("},\"profiles\":[\"cloud\",\"security_control\"]");
  // metadata.uid names this event: an update is another event about the same finding, so it
  // gets its own uid (consumers drop an event whose uid they already stored).
  AppendJsonKey("uid", false, out);
  AppendJsonHex64(a.alert_id, out);
  if (a.update) out.insert(out.size() - 1, "-update");
  AppendJsonKey("correlation_uid", false, out);
  AppendJsonHex64(a.incident_key, out);
  AppendJsonKey("tenant_uid", false, out);
  AppendJsonString(a.tenant_id.view(), out);
  out.push_back('}');

  AppendJsonKey("unmapped", false, out);
  out.push_back('{');
  AppendJsonKey("rule_id", true, out);
  AppendJsonString(rule.code, out);
  AppendJsonKey("guide_row", false, out);
  AppendJsonString(rule.guide_row, out);
  AppendJsonKey("incident_key", false, out);
  AppendJsonHex64(a.incident_key, out);
  AppendJsonKey("native_schema", false, out);
  AppendJsonUint(kAlertSchema, out);
  AppendJsonKey("details", false, out);
  AppendJsonDetails(a, out);
  out.push_back('}');
  out.append("}\n");
}

}  // namespace privmon
