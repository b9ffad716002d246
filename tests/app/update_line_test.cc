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

// The string value of "key" in one alert line ("" when absent).
std::string Field(const std::string& line, const std::string& key) {
  const std::string open = "\"" + key + "\":\"";
  const auto at = line.find(open);
  if (at == std::string::npos) return "";
  const auto start = at + open.size();
  return line.substr(start, line.find('"', start) - start);
}

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
    const std::string id = Field(line, "alert_id");
    if (line.find("\"update\":true") == std::string::npos) {
      first.emplace(id, line);
      continue;
    }
    ++updates;
    ASSERT_TRUE(first.contains(id)) << "an update of no alert: " << line;
    const std::string& alert = first[id];
    EXPECT_FALSE(Field(alert, "tenant_name").empty()) << alert;
    EXPECT_EQ(Field(line, "tenant_name"), Field(alert, "tenant_name")) << line;
    EXPECT_EQ(Field(line, "incident_key"), Field(alert, "incident_key")) << line;
    EXPECT_NE(Field(line, "incident_key"), "0000000000000000") << line;
  }
  EXPECT_GE(updates, 3) << r.out;
  fs::remove_all(tmp);
}

}  // namespace
