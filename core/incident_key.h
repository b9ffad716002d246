// incident_key: the id a SIEM groups alerts by, so that PRIV-PA-01 + PRIV-PA-04 + PRIV-EL-02
// raised by one role assignment read as one incident. Like alert_id it is a function of the
// events alone (never of arrival order or the wall clock), so a replay gives the same keys.
//
// The basis is the alert's latest evidence: its event time (the alert `time` when later) and its
// record id (the smallest id among evidence of that time, so the choice never depends on order).
// An alert without evidence falls back to the span form (with a span of 1 s when span is 0).
//   span > 0 (config `alerts: {incident_span: 1h}`, the default):
//     HashCombine(HashCombine(HashCombine(kIncidentSeed, tenant_hash), account_key),
//                 floor(basis time in seconds / span))
//     One account's alerts whose latest evidence falls in one span bucket (aligned on the Unix
//     epoch, so 10:59 and 11:01 fall apart) share the key; alerts raised by one record about
//     one account always do.
//   span == 0 (`incident_span: 0`):
//     HashCombine(HashCombine(kIncidentSeed + 1, tenant_hash), HashBytes(basis record id))
//     Alerts raised by one record share the key, whichever account (actor or target) they name.
// Pure, O(evidence); called by the shard's AlertEmitter.
#pragma once

#include <cstdint>

#include "core/alert.h"
#include "core/event_time.h"
#include "core/hash.h"

namespace privmon {

inline constexpr uint64_t kIncidentSeed = 0x1c1de7'0000'0001ULL;

inline uint64_t IncidentKey(const Alert& a, uint64_t account_key, int64_t span_s) {
  EventTime latest = kMinTime;
  std::string_view record;
  for (uint8_t i = 0; i < a.evidence_count && i < Alert::kMaxEvidence; ++i) {
    const Evidence& ev = a.evidence[i];
    if (ev.time > latest || (ev.time == latest && ev.record_id.view() < record)) {
      latest = ev.time;
      record = ev.record_id.view();
    }
  }
  if (span_s <= 0 && latest != kMinTime) {
    return HashCombine(HashCombine(kIncidentSeed + 1, a.tenant_hash), HashBytes(record));
  }
  if (span_s <= 0) span_s = 1;  // no evidence to name a record: fall back to (account, time)
  const EventTime basis = latest > a.time ? latest : a.time;
  int64_t seconds = basis / kMicrosPerSecond;
  if (basis % kMicrosPerSecond < 0) --seconds;  // floor, for times before 1970
  int64_t bucket = seconds / span_s;
  if (seconds % span_s < 0) --bucket;
  return HashCombine(HashCombine(HashCombine(kIncidentSeed, a.tenant_hash), account_key),
                     static_cast<uint64_t>(bucket));
}

}  // namespace privmon
