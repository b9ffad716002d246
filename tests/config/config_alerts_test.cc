// What SIEM-facing alert settings compile to: each sink's `format`, `alerts: {incident_span}`;
// and how `privmon check` reports a bad one (with its line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/check_command.h"
#include "config/loader.h"
#include "core/hash.h"

namespace privmon {
namespace {

TEST(ConfigAlerts, EverySinkKindTakesAFormatAndDefaultsToNative) {
  const ConfigLoadResult r = LoadConfigText(
      "sinks:\n"
      "  - stdout: {format: ocsf}\n"
      "  - file: {path: a.jsonl, format: native}\n"
      "  - file: {path: b.jsonl}\n"
      "  - zmq_pub: {endpoint: \"tcp://127.0.0.1:7001\", format: OCSF}\n",
      "cfg.yaml");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  const auto& sinks = r.config->sinks;
  ASSERT_EQ(sinks.size(), 4u);
  EXPECT_EQ(sinks[0].format, AlertFormat::kOcsf);
  EXPECT_EQ(sinks[1].format, AlertFormat::kNative);
  EXPECT_EQ(sinks[2].format, AlertFormat::kNative);
  EXPECT_EQ(sinks[2].path, "b.jsonl");
  EXPECT_EQ(sinks[3].format, AlertFormat::kOcsf);
  EXPECT_EQ(sinks[3].endpoint, "tcp://127.0.0.1:7001");
}

TEST(ConfigAlerts, RejectsAnUnknownFormatWithItsLineAndAGuess) {
  const ConfigLoadResult r = LoadConfigText(
      "sinks:\n"
      "  - stdout: {}\n"
      "  - file: {path: a.jsonl, format: ocfs}\n",
      "cfg.yaml");
  EXPECT_EQ(r.config, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].message,
            "cfg.yaml:3:35: sinks[1].file.format: unknown alert format \"ocfs\"; did you mean "
            "\"ocsf\"? (expected native or ocsf)");
}

TEST(ConfigAlerts, IncidentSpanReachesTheDefaultsAndEveryTenant) {
  const ConfigLoadResult r = LoadConfigText(
      "tenants:\n"
      "  contoso: {name: Contoso}\n"
      "alerts: {incident_span: 30m}\n",
      "cfg.yaml");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.config->defaults->incident_span_s, 30 * 60);
  EXPECT_EQ(r.config->ForTenant(HashLower("contoso")).incident_span_s, 30 * 60);
  EXPECT_EQ(r.config->ForTenant(HashLower("contoso")).name, "Contoso");

  const ConfigLoadResult zero = LoadConfigText("alerts: {incident_span: 0}\n", "cfg.yaml");
  ASSERT_TRUE(zero.errors.empty());
  EXPECT_EQ(zero.config->defaults->incident_span_s, 0);

  const ConfigLoadResult none = LoadConfigText("pipeline: {shards: 1}\n", "cfg.yaml");
  ASSERT_TRUE(none.errors.empty());
  EXPECT_EQ(none.config->defaults->incident_span_s, 3600);
}

TEST(ConfigAlerts, RejectsABadIncidentSpanAndUnknownKeys) {
  const ConfigLoadResult r = LoadConfigText(
      "alerts:\n"
      "  incident_span: soon\n"
      "  incident_spam: 1h\n",
      "cfg.yaml");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_NE(r.errors[0].message.find("alerts.incident_span: expected a duration"),
            std::string::npos)
      << r.errors[0].message;
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_NE(r.errors[1].message.find("did you mean \"incident_span\"?"), std::string::npos)
      << r.errors[1].message;
}

TEST(ConfigAlerts, CheckCommandExitsTwoOnAnUnknownFormatAndNamesTheLine) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("privmon_config_alerts_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cfg.yaml").string();
  std::ofstream(path) << "sinks:\n  - zmq_pub: {endpoint: \"tcp://127.0.0.1:7002\", format: cef}\n";
  std::ostringstream out, err;
  EXPECT_EQ(RunCheck(path, out, err), 2);
  EXPECT_NE(err.str().find(path + ":2:"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("unknown alert format \"cef\""), std::string::npos) << err.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace privmon
