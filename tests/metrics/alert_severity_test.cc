// privmon_alerts_total carries the severity an alert was raised with: the catalogue's, or another
// one when a tenant overrides it (or PRIV-EL-05 downgrades a harmless PIM setting change).
#include <gtest/gtest.h>

#include <sstream>

#include "metrics/prometheus_exporter.h"
#include "tests/metrics/http_get.h"

namespace privmon {
namespace {

double Series(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, series.size() + 1, series + " ") == 0) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;  // absent
}

TEST(AlertSeverityMetric, SplitsAlertsRaisedWithAnotherSeverityThanTheCatalogues) {
  auto stats = std::make_shared<PipelineStats>(2, 1, 8);
  const auto el05 = static_cast<std::size_t>(RuleId::kEL05);  // catalogue: high
  Bump(stats->shards[0].alerts[el05], 3);
  Bump(stats->shards[0].alerts_other_severity[el05][static_cast<std::size_t>(Severity::kMedium)],
       2);
  Bump(stats->shards[1].alerts[el05], 1);
  MetricsServer server("127.0.0.1:0", stats);
  const std::string text = testing::HttpGet(server.port(), "/metrics").body;
  EXPECT_EQ(Series(text, R"(privmon_alerts_total{rule_id="PRIV-EL-05",severity="high"})"), 2);
  EXPECT_EQ(Series(text, R"(privmon_alerts_total{rule_id="PRIV-EL-05",severity="medium"})"), 2);
  EXPECT_EQ(Series(text, R"(privmon_alerts_total{rule_id="PRIV-EL-05",severity="low"})"), -1);
  EXPECT_EQ(Series(text, R"(privmon_alerts_total{rule_id="PRIV-SI-01",severity="high"})"), 0);
}

}  // namespace
}  // namespace privmon
