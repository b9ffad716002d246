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

}  // namespace
