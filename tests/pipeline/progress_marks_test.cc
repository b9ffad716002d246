// ProgressMarks' max_future_skew check (pipeline/progress_marks.h): a lone record far ahead of its
// tenant's newest event is rejected and moves no clock, but a tenant back from a silence longer
// than the skew is not blinded for good: a record beyond the skew, near the one rejected before it
// and in a later message, moves its clock on (breaker round 11: before, every later record of the
// tenant was rejected too, each judged against the same old newest time).
#include "pipeline/progress_marks.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/event.h"
#include "core/event_time.h"

namespace privmon {
namespace {

constexpr int64_t kSkewDayUs = 86'400 * kMicrosPerSecond;
constexpr int64_t kSkewUs = 90 * kSkewDayUs;
constexpr EventTime kSkewT0 = 1'746'000'000 * kMicrosPerSecond;  // May 2025
constexpr ProgressMarks::Admission kSkewAdmitted = ProgressMarks::Admission::kAdmitted;
constexpr ProgressMarks::Admission kSkewAheadOfTenant = ProgressMarks::Admission::kAheadOfTenant;

Event SkewEvent(uint64_t tenant, EventTime t) {
  Event e{};
  e.kind = EventKind::kSignIn;
  e.tenant_hash = tenant;
  e.time = t;
  // A record of its own (its redelivery keys differ from any other time's).
  e.fingerprint = static_cast<uint64_t>(t) * 0x9E3779B97F4A7C15ull + tenant;
  e.content_key = e.fingerprint;
  return e;
}

// Admits each time in order for tenant 7 on source 0 in `scan` (no wall clock), each record a
// message of its own; what was admitted.
std::vector<bool> AdmitAll(ProgressMarks& marks, const std::vector<EventTime>& times) {
  std::vector<bool> admitted;
  for (const EventTime t : times) {
    admitted.push_back(marks.Admit(0, SkewEvent(7, t), 0) == kSkewAdmitted);
    marks.EndMessage();
  }
  return admitted;
}

TEST(ProgressMarksSkew, ATenantBackFromALongSilenceLosesOneRecordNotAllOfThem) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const EventTime back = kSkewT0 + 105 * kSkewDayUs;
  EXPECT_EQ(AdmitAll(marks, {kSkewT0, back, back + 60, back + 120, back + 5 * kSkewDayUs}),
            (std::vector<bool>{true, false, true, true, true}));
}

TEST(ProgressMarksSkew, ALoneOutlierStaysRejectedAndMovesNoClock) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const EventTime outlier = kSkewT0 + 5 * 365 * kSkewDayUs;
  // The outlier, then the tenant's ordinary records: a second outlier later is judged afresh.
  EXPECT_EQ(AdmitAll(marks, {kSkewT0, outlier, kSkewT0 + 60, outlier + 60, kSkewT0 + 120}),
            (std::vector<bool>{true, false, true, false, true}));
  // Two records beyond the skew but far from each other corroborate nothing.
  ProgressMarks other(kMicrosPerSecond, kSkewUs);
  EXPECT_EQ(AdmitAll(other, {kSkewT0, kSkewT0 + 100 * kSkewDayUs, kSkewT0 + 300 * kSkewDayUs,
                             kSkewT0 + 301 * kSkewDayUs}),
            (std::vector<bool>{true, false, false, true}));
  // The marks sent say so: the tenant's clock is the last admitted time, not an outlier's.
  ProgressMarks sent(kMicrosPerSecond, kSkewUs);
  AdmitAll(sent, {kSkewT0, outlier, kSkewT0 + 60});
  EventTime newest = kMinTime;
  sent.Publish(true, [&](const ProgressMark& m) {
    if (!m.input) newest = m.newest;
  });
  EXPECT_EQ(newest, kSkewT0 + 60);
}

// One message (an Event Hubs batch, a Graph page) of records far ahead is one outlier: its records
// do not vouch for each other; the next message's do.
TEST(ProgressMarksSkew, RecordsOfOneMessageDoNotVouchForEachOther) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const EventTime back = kSkewT0 + 105 * kSkewDayUs;
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, kSkewT0), 0), kSkewAdmitted);
  marks.EndMessage();
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back), 0), kSkewAheadOfTenant);
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back + 60), 0), kSkewAheadOfTenant);
  marks.EndMessage();
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back + 120), 0), kSkewAdmitted);
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back + 180), 0), kSkewAdmitted);
  marks.EndMessage();
  // A batch far ahead, then the tenant's ordinary records: the batch stays rejected.
  ProgressMarks other(kMicrosPerSecond, kSkewUs);
  EXPECT_EQ(other.Admit(0, SkewEvent(7, kSkewT0), 0), kSkewAdmitted);
  other.EndMessage();
  EXPECT_EQ(other.Admit(0, SkewEvent(7, back), 0), kSkewAheadOfTenant);
  EXPECT_EQ(other.Admit(0, SkewEvent(7, back + 60), 0), kSkewAheadOfTenant);
  other.EndMessage();
  EXPECT_EQ(other.Admit(0, SkewEvent(7, kSkewT0 + 60), 0), kSkewAdmitted);
  other.EndMessage();
  EXPECT_EQ(other.Admit(0, SkewEvent(7, back + 120), 0), kSkewAheadOfTenant);
}

TEST(ProgressMarksSkew, EachTenantIsJudgedByItsOwnRecords) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const EventTime back = kSkewT0 + 105 * kSkewDayUs;
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, kSkewT0), 0), kSkewAdmitted);
  EXPECT_EQ(marks.Admit(0, SkewEvent(8, kSkewT0), 0), kSkewAdmitted);
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back), 0), kSkewAheadOfTenant);
  marks.EndMessage();
  // Tenant 8's record near tenant 7's rejected one corroborates nothing for either.
  EXPECT_EQ(marks.Admit(0, SkewEvent(8, back + 60), 0), kSkewAheadOfTenant);
  marks.EndMessage();
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, back + 120), 0), kSkewAdmitted);
}

// `run`: a record more than a day ahead of the wall clock is rejected whatever agrees with it (a
// device with a bad clock must not move its tenant's clock days ahead and make its real-time
// records late); within the day (a forwarder writing local time as UTC) it is admitted. A
// registration (its time is when it changed) is judged by the wall clock too.
TEST(ProgressMarksSkew, InRunNothingComesFromTheFuture) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const int64_t wall = kSkewT0;
  const auto at = [&](EventTime t) { return marks.Admit(0, SkewEvent(7, t), wall); };
  EXPECT_EQ(at(wall - 60), kSkewAdmitted);
  marks.EndMessage();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(at(wall + 10 * kSkewDayUs + i), ProgressMarks::Admission::kAheadOfWallClock);
    marks.EndMessage();
  }
  EXPECT_EQ(at(wall + 14 * 3600 * kMicrosPerSecond), kSkewAdmitted);
  Event registration = SkewEvent(7, wall + 2 * kSkewDayUs);
  registration.kind = EventKind::kMfaRegistration;
  EXPECT_EQ(marks.Admit(0, registration, wall), ProgressMarks::Admission::kAheadOfWallClock);
  // A skew under a day bounds the lead too; off admits everything.
  ProgressMarks tight(kMicrosPerSecond, 3600 * kMicrosPerSecond);
  EXPECT_EQ(tight.Admit(0, SkewEvent(7, wall + 2 * 3600 * kMicrosPerSecond), wall),
            ProgressMarks::Admission::kAheadOfWallClock);
  ProgressMarks off(kMicrosPerSecond, 0);
  EXPECT_EQ(off.Admit(0, SkewEvent(7, wall + 2 * kSkewDayUs), wall), kSkewAdmitted);
}

// A redelivery of the rejected record (an Event Hubs batch delivered twice) is the same record,
// not a second one near it: it vouches for nothing (breaker round 12).
TEST(ProgressMarksSkew, ARedeliveryOfTheOutlierVouchesForNothing) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const EventTime outlier = kSkewT0 + 200 * kSkewDayUs;
  EXPECT_EQ(AdmitAll(marks, {kSkewT0, outlier, outlier, kSkewT0 + 60}),
            (std::vector<bool>{true, false, false, true}));
  // Another shape of it (no id: its content key) neither.
  ProgressMarks shapes(kMicrosPerSecond, kSkewUs);
  EXPECT_EQ(shapes.Admit(0, SkewEvent(7, kSkewT0), 0), kSkewAdmitted);
  shapes.EndMessage();
  EXPECT_EQ(shapes.Admit(0, SkewEvent(7, outlier), 0), kSkewAheadOfTenant);
  shapes.EndMessage();
  Event copy = SkewEvent(7, outlier);
  copy.fingerprint ^= 1;  // another shape's key, the same content
  EXPECT_EQ(shapes.Admit(0, copy, 0), kSkewAheadOfTenant);
}

// `run`: a record hours ahead of the wall clock (within the day) is admitted, judged at its own
// time, but its tenant's clock goes no further than the wall clock: the real-time records after it
// are not late (breaker round 12: one SecurityEvent 20 h ahead made 11 sign-ins beyond horizon).
TEST(ProgressMarksSkew, InRunNoRecordMovesAClockPastTheWallClock) {
  ProgressMarks marks(kMicrosPerSecond, kSkewUs);
  const int64_t wall = kSkewT0;
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, wall - 60), wall), kSkewAdmitted);
  EXPECT_EQ(marks.Admit(0, SkewEvent(7, wall + 20 * 3600 * kMicrosPerSecond), wall), kSkewAdmitted);
  EventTime newest = kMinTime;
  marks.Publish(true, [&](const ProgressMark& m) {
    if (!m.input) newest = m.newest;
  });
  EXPECT_EQ(newest, wall);
  // In scan (no wall clock) the record moves its tenant's clock as before.
  ProgressMarks in_scan(kMicrosPerSecond, kSkewUs);
  EXPECT_EQ(in_scan.Admit(0, SkewEvent(7, wall + 20 * 3600 * kMicrosPerSecond), 0), kSkewAdmitted);
  in_scan.Publish(true, [&](const ProgressMark& m) {
    if (!m.input) newest = m.newest;
  });
  EXPECT_EQ(newest, wall + 20 * 3600 * kMicrosPerSecond);
}

TEST(ProgressMarksSkew, OffAdmitsEverything) {
  ProgressMarks marks(kMicrosPerSecond, 0);
  EXPECT_EQ(AdmitAll(marks, {kSkewT0, kSkewT0 + 5 * 365 * kSkewDayUs, kSkewT0}),
            (std::vector<bool>{true, true, true}));
}

}  // namespace
}  // namespace privmon
