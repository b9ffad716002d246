// The update line of a suppressed bucket ("update": true, the final count) amends the alert it
// follows, so a SIEM reads it as that alert: the same alert_id, and the same tenant_name and
// incident_key. Before, update lines carried an empty tenant_name and incident_key 0 (one bogus
// incident for every update of every tenant). Runs the real binary on a scenario folder.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/app/determinism_helpers.h"

namespace {

using namespace privmon_test;

TEST(UpdateLines, NameTheTenantAndIncidentOfTheAlertTheyUpdate) {
  const fs::path dir = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios" / "signin_failures";
  const fs::path tmp = TempDir("update_lines");
  std::string inputs;
  for (const char* f : {"diag.ndjson", "graph.ndjson", "la.ndjson"})
    inputs += (dir / f).string() + " ";
  const ScanOutput r = Scan("--config " + (dir / "config.yaml").string() + " " +
                                "--tenant 11111111-2222-3333-4444-555555555555 " + inputs,
                            tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> first;  // alert_id -> its first line
  int updates = 0;
  for (const std::string& line : Lines(r.out)) {
    const std::string id = StringField(line, "alert_id");
    if (line.find("\"update\":true") == std::string::npos) {
      first.emplace(id, line);
      continue;
    }
    ++updates;
    ASSERT_TRUE(first.contains(id)) << "an update of no alert: " << line;
    const std::string& alert = first[id];
    EXPECT_FALSE(StringField(alert, "tenant_name").empty()) << alert;
    EXPECT_EQ(StringField(line, "tenant_name"), StringField(alert, "tenant_name")) << line;
    EXPECT_EQ(StringField(line, "incident_key"), StringField(alert, "incident_key")) << line;
    EXPECT_NE(StringField(line, "incident_key"), "0000000000000000") << line;
  }
  EXPECT_GE(updates, 3) << r.out;
  fs::remove_all(tmp);
}

// Breaker round 90: PRIV-SI-04 judges an interrupt when its 10 minutes have passed in event time,
// and dates the verdict at the interrupt. An interrupt at 10:55 was judged at 11:05; a sign-in at
// 11:06 had settled the 10:00-11:00 bucket first, so its update line said "count": 2 of the three
// verdicts (and 3 without that sign-in, or in another arrival order within the lateness). A bucket
// settles only once no pending verdict can be dated into it (TimerQueue::EarliestDatedVerdict).
TEST(UpdateLines, CountAVerdictDatedIntoTheirBucketThatIsJudgedAfterIt) {
  const fs::path dir = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "data" / "update_lines" /
                       "si04_interrupt_judged_after_its_bucket";
  const fs::path tmp = TempDir("update_lines_timer");
  const ScanOutput r = Scan(
      "--config " + (dir / "config.yaml").string() + " " + (dir / "input.ndjson").string(), tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int firsts = 0, updates = 0;
  for (const AlertLine& a : ParseAlerts(r.out)) {
    ASSERT_EQ(a.rule, "PRIV-SI-04") << r.out;
    if (!a.update) {
      ++firsts;
      continue;
    }
    ++updates;
    EXPECT_EQ(a.count, 3u) << r.out;  // 10:40 and 10:45 (500121), 10:55 (50074, no success)
  }
  EXPECT_EQ(firsts, 1) << r.out;
  EXPECT_EQ(updates, 1) << r.out;
  fs::remove_all(tmp);
}

}  // namespace
