// The update line of a suppression bucket (DESIGN.md section 10) spans the repeats it reports.
#include "state/suppressor.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/event_time.h"

namespace privmon {
namespace {

Alert Verdict(std::string_view iso) {
  Alert a;
  a.rule = RuleId::kSI01;
  a.alert_id = 42;
  a.tenant_hash = 7;
  a.time = a.first_seen = a.last_seen = *ParseIsoTime(iso);
  return a;
}

// Before, the update was a copy of the first repeat with the final count: repeats at 10:05, 10:20
// and 10:45 gave an update saying count 4 but last seen 10:05, so a SIEM (native last_seen, OCSF
// end_time and finding_info.last_seen_time) showed the activity ending 40 minutes early.
TEST(Suppressor, TheUpdateSpansEveryRepeatItCounts) {
  Suppressor s;
  constexpr int64_t kHour = 3600;
  EXPECT_TRUE(s.Admit(Verdict("2026-11-24T10:00:00Z"), 1, kHour));
  EXPECT_FALSE(s.Admit(Verdict("2026-11-24T10:20:00Z"), 1, kHour));
  EXPECT_FALSE(s.Admit(Verdict("2026-11-24T10:05:00Z"), 1, kHour));  // arrives late
  EXPECT_FALSE(s.Admit(Verdict("2026-11-24T10:45:00Z"), 1, kHour));
  std::vector<Alert> sent;
  s.SettleAll([&](const Alert& a) { sent.push_back(a); });
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].update);
  EXPECT_EQ(sent[0].alert_id, 42u);
  EXPECT_EQ(sent[0].count, 4u);
  EXPECT_EQ(sent[0].first_seen, *ParseIsoTime("2026-11-24T10:05:00Z"));
  EXPECT_EQ(sent[0].last_seen, *ParseIsoTime("2026-11-24T10:45:00Z"));
}

}  // namespace
}  // namespace privmon
