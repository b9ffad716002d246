// SIGHUP reload: a good file takes effect for the next events and keeps every account's state; a
// bad file is refused whole (counted, logged) and the running config stays.
#include <gtest/gtest.h>

#include <filesystem>
#include <zmq.hpp>

#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kReloadBinary = PRIVMON_BINARY;
constexpr const char* kReloadTenant = "11111111-2222-3333-4444-555555555555";

std::string ReloadSignIn(const std::string& upn, const std::string& time, int code) {
  return std::string(R"({"time":")") + time + R"(","category":"SignInLogs","tenantId":")" +
         kReloadTenant + R"(","resultType":")" + std::to_string(code) +
         R"(","properties":{"id":"si-)" + upn + time + R"(","createdDateTime":")" + time +
         R"(","userPrincipalName":")" + upn + R"(","userId":"id-)" + upn +
         R"(","status":{"errorCode":)" + std::to_string(code) +
         R"(},"conditionalAccessStatus":"success","clientAppUsed":"Browser"}})";
}

std::string RoleGranted(const std::string& upn, const std::string& time) {
  return std::string(R"({"time":")") + time + R"(","category":"AuditLogs","tenantId":")" +
         kReloadTenant + R"(","properties":{"id":"au-)" + upn + R"(","activityDateTime":")" + time +
         R"(","activityDisplayName":"Add member to role","category":"RoleManagement",)"
         R"("loggedByService":"Core Directory","result":"success",)"
         R"("initiatedBy":{"user":{"id":"id-hr","userPrincipalName":"hr@contoso.com"}},)"
         R"("targetResources":[{"id":"id-)" +
         upn + R"(","type":"User","userPrincipalName":")" + upn +
         R"(","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,)"
         R"("newValue":"\"Global Administrator\""}]}]}})";
}

class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("reload");
    ingest_ = FreeTcpPort();
    metrics_ = FreeTcpPort();
    WriteConfig("");
    pid_ = Spawn({kReloadBinary, "run", "--config", dir_ + "/config.yaml"}, dir_ + "/stdout",
                 dir_ + "/stderr");
    for (int i = 0; i < 250 && !HttpGetBody(metrics_, "/metrics"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    push_.set(zmq::sockopt::linger, 5000);
    push_.connect("tcp://127.0.0.1:" + std::to_string(ingest_));
  }
  void TearDown() override {
    push_.close();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(10));
    }
    TempDirCleanup cleanup(dir_);  // removed now that its process is reaped, unless the test failed
  }
  void WriteConfig(const std::string& tenant_yaml) {
    std::ofstream(dir_ + "/config.yaml")
        << "pipeline: {shards: 1, allowed_lateness: 0s}\n"
        << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest_ << "\", bind: true}}]\n"
        << "sinks: [{file: {path: \"" << dir_ << "/alerts.jsonl\"}}]\n"
        << "metrics: {listen: \"127.0.0.1:" << metrics_ << "\"}\n"
        << "dead_letter: {path: \"" << dir_ << "/rejected.ndjson\"}\n"
        << tenant_yaml;
  }
  void Send(const std::string& payload) { push_.send(zmq::buffer(payload), zmq::send_flags::none); }
  double Metric(const std::string& name, const std::string& filter = "") {
    return MetricSum(HttpGetBody(metrics_, "/metrics").value_or(""), name, filter);
  }
  // Waits until `name` (filtered) reaches `value`; returns the last value seen.
  double WaitMetric(const std::string& name, const std::string& filter, double value) {
    double v = 0;
    for (int i = 0; i < 500 && (v = Metric(name, filter)) < value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return v;
  }
  std::string Alerts() { return ReadFile(dir_ + "/alerts.jsonl"); }

  std::string dir_;
  int ingest_ = 0, metrics_ = 0;
  pid_t pid_ = -1;
  zmq::context_t ctx_{1};
  zmq::socket_t push_{ctx_, zmq::socket_type::push};
};

TEST_F(Reload, NewBreakGlassListAppliesAfterSighupAndLearnedPrivilegeIsKept) {
  Send(RoleGranted("alice@contoso.com", "2026-11-24T09:00:00Z"));   // alice learned privileged
  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:01:00Z", 0));  // not break-glass yet
  ASSERT_EQ(WaitMetric("privmon_events_total", "", 2), 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Alerts().find("PRIV-BG-01"), std::string::npos);

  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    break_glass: [bg@contoso.com]\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 1), 1);

  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:02:00Z", 0));
  Send(ReloadSignIn("alice@contoso.com", "2026-11-24T09:03:00Z", 53003));  // privileged: CA block
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-SI-02\"", 1), 1);
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-BG-01\"", 1), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string alerts = Alerts();
  EXPECT_NE(alerts.find("\"PRIV-BG-01\""), std::string::npos) << alerts;
  EXPECT_NE(alerts.find("\"PRIV-SI-02\""), std::string::npos) << alerts;
}

TEST_F(Reload, AnAccountDelistedBySighupRaisesNothingNotEvenItsPendingAbsence) {
  // k12: listed at start; "adm" signs in (privileged: its PRIV-PA-05 absence is armed for 30
  // days on), "bg" is break-glass. A reload lists neither. bg's very next sign-in must raise no
  // PRIV-BG-01, and adm, never seen again, is no unused privileged account 30 days on: its
  // listing used to be re-read only from its next record, so the pending absence fired.
  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    privileged_accounts: [adm@contoso.com]\n    break_glass: "
              "[bg@contoso.com]\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 1), 1);
  Send(ReloadSignIn("adm@contoso.com", "2026-09-01T09:00:00Z", 0));
  Send(ReloadSignIn("bg@contoso.com", "2026-09-01T09:01:00Z", 0));
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-BG-01\"", 1), 1);

  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant + "\":\n    break_glass: []\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 2), 2);
  Send(ReloadSignIn("bg@contoso.com", "2026-09-02T09:00:00Z", 0));  // de-listed: no PRIV-BG-01
  Send(ReloadSignIn("carol@contoso.com", "2026-10-15T09:00:00Z",
                    0));  // 44 days on: adm's absence due
  ASSERT_EQ(WaitMetric("privmon_events_total", "", 4), 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Metric("privmon_alerts_total", "rule_id=\"PRIV-BG-01\""), 1);
  const std::string alerts = Alerts();
  EXPECT_EQ(alerts.find("\"PRIV-PA-05\""), std::string::npos) << alerts;

  // Listed again: the listed account's pending absence is judged again (control: the same
  // input does raise PRIV-PA-05 for an account still listed).
  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    privileged_accounts: [dave@contoso.com]\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 3), 3);
  Send(ReloadSignIn("dave@contoso.com", "2026-10-16T09:00:00Z", 0));
  Send(ReloadSignIn("carol@contoso.com", "2026-11-30T09:00:00Z", 0));
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-PA-05\"", 1), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Metric("privmon_alerts_total", "rule_id=\"PRIV-PA-05\""), 1) << Alerts();
  EXPECT_NE(Alerts().find("dave@contoso.com"), std::string::npos) << Alerts();
}

TEST_F(Reload, BadFileIsRefusedWholeAndTheRunningConfigStays) {
  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    break_glass: [bg@contoso.com]\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 1), 1);

  // Valid YAML up to an error at the end: nothing of it may apply (break_glass would be emptied).
  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    break_glass: []\n    naming_policy: \"([unclosed\"\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reload_failures_total", "", 1), 1);

  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:02:00Z", 0));
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-BG-01\"", 1), 1);
  EXPECT_NE(ReadFile(dir_ + "/stderr").find("refused, keeping the running config"),
            std::string::npos);
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid_, std::chrono::seconds(30)).value_or(-1), 0);
  pid_ = -1;  // reaped
}

TEST_F(Reload, AnEmptyFileIsRefusedAndTheTenantListsStay) {
  WriteConfig(std::string("tenants:\n  \"") + kReloadTenant +
              "\":\n    break_glass: [bg@contoso.com]\n");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 1), 1);

  std::ofstream(dir_ + "/config.yaml", std::ios::trunc).flush();  // a failed write: 0 bytes
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reload_failures_total", "", 1), 1);
  EXPECT_EQ(Metric("privmon_config_reloads_total"), 1);

  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:02:00Z", 0));  // break-glass still watched
  ASSERT_EQ(WaitMetric("privmon_alerts_total", "rule_id=\"PRIV-BG-01\"", 1), 1);
  EXPECT_NE(ReadFile(dir_ + "/stderr").find("the config is empty"), std::string::npos);
}

TEST_F(Reload, SighupNamesTheSectionsThatNeedARestartAndReopensTheAlertFile) {
  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:00:00Z", 0));
  ASSERT_EQ(WaitMetric("privmon_events_total", "", 1), 1);
  // logrotate: rename the alert file, then SIGHUP; a sink change is reported, not applied.
  std::filesystem::rename(dir_ + "/alerts.jsonl", dir_ + "/alerts.jsonl.1");
  std::ofstream(dir_ + "/config.yaml", std::ios::app)
      << "tenants:\n  \"" << kReloadTenant << "\":\n    break_glass: [bg@contoso.com]\n";
  std::string text = ReadFile(dir_ + "/config.yaml");
  text.replace(text.find("sinks: ["), 8, "sinks: [{stdout: {}}, ");
  std::ofstream(dir_ + "/config.yaml", std::ios::trunc) << text;
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_EQ(WaitMetric("privmon_config_reloads_total", "", 1), 1);
  Send(ReloadSignIn("bg@contoso.com", "2026-11-24T09:05:00Z", 0));
  ASSERT_EQ(WaitMetric("privmon_alerts_written_total", "sink=\"file\"", 1), 1);
  EXPECT_NE(ReadFile(dir_ + "/stderr").find("changed section(s) sinks take effect only at restart"),
            std::string::npos)
      << ReadFile(dir_ + "/stderr");
  EXPECT_NE(ReadFile(dir_ + "/alerts.jsonl").find("PRIV-BG-01"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/alerts.jsonl.1").find("PRIV-BG-01"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/stdout"), "");  // the new stdout sink was not started
}

}  // namespace
}  // namespace privmon::testing
