// Alert -> one OCSF Detection Finding (class_uid 2004, category "Findings", OCSF schema
// kOcsfVersion) as a JSON line ending '\n', for SIEMs that ingest OCSF. Attribute names, types and
// requirement levels follow the pinned schema version (ocsf/ocsf-schema tag 1.8.0:
// events/findings/detection_finding.json, finding.json, base_event.json, dictionary.json and the
// objects they use); tests/sinks/alert_ocsf_test.cc checks every required attribute.
// Mapping: finding_info.uid = alert_id (an update line: activity Update, same uid), analytic = the
// rule, time/start/end in epoch ms, the account as resources[0] and as each evidence's user, the
// tenant as cloud.account, metadata.correlation_uid = incident_key, ATT&CK in attacks (and
// finding_info.attacks, as the security_control profile asks), details and guide row under
// unmapped. Appends to `out`; pure and thread-safe; no allocation once `out` has the capacity.
#pragma once

#include <string>
#include <string_view>

#include "core/alert.h"

namespace privmon {

inline constexpr std::string_view kOcsfVersion = "1.8.0";
inline constexpr int kOcsfClassUid = 2004;  // Detection Finding
inline constexpr int kOcsfCategoryUid = 2;  // Findings
inline constexpr int kOcsfActivityCreate = 1;
// An update line (Alert::update: a suppression bucket's final count, same alert_id) amends the
// finding already created: activity 2 "Update", type_uid 200402 (finding.json activity_id).
inline constexpr int kOcsfActivityUpdate = 2;

void AppendAlertOcsf(const Alert& a, std::string& out);

}  // namespace privmon
