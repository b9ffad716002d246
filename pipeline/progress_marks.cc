#include "pipeline/progress_marks.h"

#include <algorithm>

#include "core/hash.h"

namespace privmon {

ProgressMarks::ProgressMarks(int64_t granularity_us, int64_t max_future_skew_us)
    : granularity_us_(granularity_us),
      skew_us_(max_future_skew_us),
      wall_lead_us_(std::min(max_future_skew_us, kMaxWallClockLeadUs)) {}

ProgressMarks::Admission ProgressMarks::Admit(uint32_t source, const Event& e,
                                              int64_t wall_now_us) {
  // `run`: nothing comes from the future, however many records agree (a device with a bad clock).
  if (wall_lead_us_ > 0 && wall_now_us != 0 && e.time > wall_now_us + wall_lead_us_) {
    return Admission::kAheadOfWallClock;
  }
  // A registration's time is when it last changed (a Graph snapshot polled at any time), not how
  // far its tenant's logs have come: it moves no clock (a poll whose snapshots are newer than the
  // audit and sign-in records still arriving would make those late).
  if (e.kind == EventKind::kMfaRegistration) return Admission::kAdmitted;
  // `run`: no record moves a clock past the wall clock (one dated hours ahead would make every
  // real-time record after it late); the record itself is judged at its own time.
  const EventTime clock_time = ClockTime(e.time, wall_now_us);
  const uint64_t key = HashCombine(e.tenant_hash, source + 1u);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_
             .try_emplace(
                 key, Entry{.tenant_hash = e.tenant_hash, .source = source, .newest = clock_time})
             .first;
  } else if (skew_us_ > 0 && e.time > it->second.newest + skew_us_) {
    Entry& entry = it->second;
    // Another record (not a redelivery of the one rejected), in a later message, near it.
    const bool corroborated = entry.suspect != kMinTime && entry.suspect_message != message_ &&
                              e.fingerprint != entry.suspect_fingerprint &&
                              (e.content_key == 0 || e.content_key != entry.suspect_content) &&
                              e.time <= entry.suspect + skew_us_ &&
                              e.time >= entry.suspect - skew_us_;
    if (!corroborated) {
      entry.suspect = e.time;
      entry.suspect_message = message_;
      entry.suspect_fingerprint = e.fingerprint;
      entry.suspect_content = e.content_key;
      return Admission::kAheadOfTenant;
    }
  }
  Entry& entry = it->second;
  entry.suspect = kMinTime;
  if (clock_time > entry.newest) entry.newest = clock_time;
  if (!entry.touched) {
    entry.touched = true;
    touched_.push_back(key);
  }
  return Admission::kAdmitted;
}

void ProgressMarks::AdmitInput(uint32_t source, EventTime newest, int64_t wall_now_us) {
  if (wall_lead_us_ > 0 && wall_now_us != 0 && newest > wall_now_us + wall_lead_us_) return;
  newest = ClockTime(newest, wall_now_us);
  Input& input = inputs_[source];
  if (newest > input.newest) {
    input.newest = newest;
    inputs_moved_ = true;
  }
}

void ProgressMarks::RestoreHeld(uint32_t source, uint64_t tenant_hash, EventTime newest) {
  const uint64_t key = HashCombine(tenant_hash, source + 1u);
  Entry& entry =
      entries_
          .try_emplace(key, Entry{.tenant_hash = tenant_hash, .source = source, .newest = newest})
          .first->second;
  entry.newest = std::max(entry.newest, newest);
  if (!entry.touched) {
    entry.touched = true;
    touched_.push_back(key);
  }
}

void ProgressMarks::RestoreNewest(uint32_t source, uint64_t tenant_hash, EventTime newest) {
  if (tenant_hash == 0) {
    Input& input = inputs_[source];
    input.newest = std::max(input.newest, newest);
    input.sent = std::max(input.sent, newest);
    return;
  }
  const uint64_t key = HashCombine(tenant_hash, source + 1u);
  Entry& entry =
      entries_
          .try_emplace(
              key,
              Entry{.tenant_hash = tenant_hash, .source = source, .newest = newest, .sent = newest})
          .first->second;
  entry.newest = std::max(entry.newest, newest);
  entry.sent = std::max(entry.sent, newest);
}

void ProgressMarks::Queue(Entry& entry, bool flush) {
  entry.touched = false;
  if (entry.newest <= entry.sent) return;
  if (!flush && entry.sent != kMinTime && entry.newest - entry.sent < granularity_us_) return;
  entry.sent = entry.newest;
  pending_.push_back(ProgressMark{entry.tenant_hash, entry.source, entry.newest});
}

}  // namespace privmon
