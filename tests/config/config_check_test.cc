// `privmon check`: the shipped example configs are valid, every kind of bad config exits 2 with
// its errors on stderr, a good one exits 0 with a summary and notes about silent rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "app/check_command.h"
#include "config/loader.h"
#include "core/hash.h"

namespace privmon {
namespace {

const std::string kSourceDir = PRIVMON_SOURCE_DIR;

// A real file in a fresh temporary directory, removed at the end of the test.
class TempConfig {
 public:
  explicit TempConfig(const std::string& yaml) {
    dir_ = std::filesystem::temp_directory_path() /
           ("privmon_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "cfg.yaml").string();
    std::ofstream(path_) << yaml;
  }
  ~TempConfig() { std::filesystem::remove_all(dir_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string path_;
};

struct CheckOutput {
  int code;
  std::string out, err;
};

CheckOutput Check(const std::string& path) {
  std::ostringstream out, err;
  const int code = RunCheck(path, out, err);
  return {code, out.str(), err.str()};
}

TEST(ConfigCheck, ShippedExampleConfigLoadsWithoutErrors) {
  const ConfigLoadResult r = LoadConfigFile(kSourceDir + "/config/privmon.yaml");
  for (const auto& e : r.errors) ADD_FAILURE() << e.message;
  ASSERT_NE(r.config, nullptr);
  EXPECT_EQ(r.config->tenants.size(), 1u);
}

TEST(ConfigCheck, DemoConfigGivesTheDemoTenantEveryList) {
  const std::string path = kSourceDir + "/config/demo.yaml";
  const ConfigLoadResult r = LoadConfigFile(path);
  for (const auto& e : r.errors) ADD_FAILURE() << e.message;
  ASSERT_NE(r.config, nullptr);
  const TenantSettings& t = r.config->ForTenant(HashLower("11111111-2222-3333-4444-555555555555"));
  EXPECT_EQ(t.name, "demo-tenant");
  EXPECT_FALSE(t.break_glass.empty());
  EXPECT_FALSE(t.paw_devices.empty());
  EXPECT_FALSE(t.approved_countries.empty());
  EXPECT_TRUE(t.working_hours.configured);
  for (const ConfigNote& note : r.notes) {  // no rule of the demo tenant is silent
    EXPECT_EQ(note.subject.find("demo-tenant"), std::string::npos) << note.Line();
  }
  const CheckOutput c = Check(path);
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("OK: " + path + ": 1 tenant, 42 rules enabled"), std::string::npos) << c.out;
}

TEST(ConfigCheck, BuiltinDefaultHasAll42RulesEnabled) {
  const auto config = BuiltinDefaultConfig();
  ASSERT_EQ(kRuleCount, 42u);  // 41 guide rows and PRIV-OP-01
  int enabled = 0;
  for (const RuleSettings& rule : config->defaults->rules) enabled += rule.enabled ? 1 : 0;
  EXPECT_EQ(enabled, 42);
}

TEST(ConfigCheck, GoodConfigExitsZeroWithSummaryAndSilentRuleNotes) {
  TempConfig cfg(
      "defaults:\n"
      "  rules: {PRIV-SI-07: {enabled: false}}\n"
      "tenants:\n"
      "  \"11111111-aaaa-aaaa-aaaa-111111111111\":\n"
      "    name: contoso\n"
      "    break_glass: [bg@contoso.com]\n"
      "  \"22222222-bbbb-bbbb-bbbb-222222222222\": {paw_devices: [d1]}\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.err, "");
  EXPECT_NE(c.out.find("OK: " + cfg.path() + ": 2 tenants, 41 rules enabled\n"), std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("tenant contoso (11111111-aaaa-aaaa-aaaa-111111111111): PRIV-EL-06 silent: "
                       "no paw_devices"),
            std::string::npos)
      << c.out;
  EXPECT_EQ(c.out.find("tenant contoso (11111111-aaaa-aaaa-aaaa-111111111111): PRIV-BG-01 silent"),
            std::string::npos);
  EXPECT_NE(
      c.out.find("tenant 22222222-bbbb-bbbb-bbbb-222222222222: PRIV-BG-01 silent: no break_glass"),
      std::string::npos);
  EXPECT_EQ(c.out.find("tenant 22222222-bbbb-bbbb-bbbb-222222222222: PRIV-EL-06"),
            std::string::npos);
  EXPECT_NE(c.out.find("PRIV-SI-03 silent: no naming_policy"), std::string::npos);
  EXPECT_NE(c.out.find("PRIV-CH-03 silent: no high_value_apps"), std::string::npos);
}

// Values that can never match are noted, not dropped without a word (breaker round 32): a PAW
// listed by its display name (sign-ins are matched by deviceDetail.deviceId), "UK" (Entra writes
// GB: read as GB), a code ISO 3166-1 does not assign, and an empty privileged_roles; a key left
// empty keeps the built-in roles.
TEST(ConfigCheck, ValuesThatNeverMatchAreNoted) {
  TempConfig cfg(
      "tenants:\n"
      "  \"11111111-aaaa-aaaa-aaaa-111111111111\":\n"
      "    paw_devices: [PAW-ADM-01, \"{0F1E2D3C-4B5A-6978-8A9B-0C1D2E3F4A5B}\"]\n"
      "    approved: {countries: [us, UK, ZZ]}\n"
      "    privileged_roles: []\n"
      "  \"22222222-bbbb-bbbb-bbbb-222222222222\":\n"
      "    privileged_roles:\n"
      "    name: b\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("paw_devices[0]: \"PAW-ADM-01\" is not a device id"), std::string::npos)
      << c.out;
  EXPECT_EQ(c.out.find("paw_devices[1]"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("countries[1]: UK read as GB"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("countries[2]: \"ZZ\" is no ISO 3166-1 country code"), std::string::npos)
      << c.out;
  EXPECT_EQ(c.out.find("countries[0]"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("tenant 11111111-aaaa-aaaa-aaaa-111111111111: privileged_roles is empty"),
            std::string::npos)
      << c.out;
  EXPECT_EQ(c.out.find("(22222222-bbbb-bbbb-bbbb-222222222222): privileged_roles"),
            std::string::npos)
      << c.out;
  const ConfigLoadResult r = LoadConfigFile(cfg.path());
  ASSERT_NE(r.config, nullptr);
  const TenantSettings& a =
      *r.config->tenants.at(HashLower("11111111-aaaa-aaaa-aaaa-111111111111"));
  EXPECT_TRUE(a.approved_countries.contains(TenantSettings::PackCountry('G', 'B')));
  EXPECT_TRUE(a.privileged_roles.empty());
  const TenantSettings& b =
      *r.config->tenants.at(HashLower("22222222-bbbb-bbbb-bbbb-222222222222"));
  EXPECT_TRUE(b.privileged_roles.contains(HashLower("Global Administrator")));
}

TEST(ConfigCheck, DisabledRulesAreNotReportedSilent) {
  TempConfig cfg(
      "tenants:\n  \"11111111-aaaa-aaaa-aaaa-111111111111\": {rules: {PRIV-EL-06: {enabled: "
      "false}}}\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 0);
  EXPECT_EQ(c.out.find("tenant 11111111-aaaa-aaaa-aaaa-111111111111: PRIV-EL-06"),
            std::string::npos)
      << c.out;
}

TEST(ConfigCheck, EachKindOfBadConfigExitsTwoWithItsErrorOnStderr) {
  const std::pair<const char*, const char*> bad[] = {
      {"pipeline: {shard: 2}\n", "did you mean \"shards\""},
      {"pipeline: {shards: two}\n", "expected a whole number"},
      {"defaults: {learning_period: 3 days}\n", "expected a duration"},
      {"defaults: {learning_period: -1h}\n", "negative"},
      {"defaults: {naming_policy: \"(\"}\n", "invalid regular expression"},
      {"defaults: {approved: {ip_ranges: [10.0.0.1/99]}}\n", "prefix length"},
      {"defaults: {working_hours: {timezone: Nowhere/City, hours: \"07:00-19:00\"}}\n",
       "unknown time zone"},
      {"defaults: {rules: {PRIV-SI-99: {}}}\n", "unknown rule id"},
      {"defaults: {rules: {PRIV-SI-01: {threshold: 0}}}\n", "at least 1"},
      {"pipeline: {shards: 2048}\n", "0 to 1024"},
      {"pipeline: {queue_capacity: 3}\n", "power of two"},
      {"pipeline: {shards: 1}}\n", "YAML syntax error"},
  };
  for (const auto& [yaml, text] : bad) {
    TempConfig cfg(yaml);
    const CheckOutput c = Check(cfg.path());
    EXPECT_EQ(c.code, 2) << yaml;
    EXPECT_EQ(c.out, "") << yaml;
    EXPECT_NE(c.err.find(cfg.path() + ":1:"), std::string::npos) << c.err;
    EXPECT_NE(c.err.find(text), std::string::npos) << yaml << " -> " << c.err;
  }
}

TEST(ConfigCheck, UnreadableFileExitsTwoWithAClearMessage) {
  const CheckOutput c = Check("/nonexistent/dir/privmon.yaml");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("/nonexistent/dir/privmon.yaml: cannot read config file"), std::string::npos)
      << c.err;
}

TEST(ConfigCheck, AnEmptyOrCommentOnlyFileIsAnErrorNotTheBuiltinDefaults) {
  for (const char* yaml : {"", "\n\n", "# all tenants were here\n"}) {
    TempConfig cfg(yaml);
    const CheckOutput c = Check(cfg.path());
    EXPECT_EQ(c.code, 2) << "'" << yaml << "'";
    EXPECT_NE(c.err.find("the config is empty"), std::string::npos) << c.err;
  }
  TempConfig explicit_defaults("{}\n");
  EXPECT_EQ(Check(explicit_defaults.path()).code, 0);
}

// A file cut short at any byte (a failed write or copy, then SIGHUP) is refused, not loaded
// without the tenants it lost: every cut that does not fall exactly at the end of a line, and a cut
// after a key whose value was cut off. The cuts at the end of a complete line are the limit.
TEST(ConfigCheck, AFileCutShortAtAnyByteIsRefused) {
  const std::string whole =
      "pipeline: {allowed_lateness: 5m}\n"
      "tenants:\n"
      "  \"11111111-aaaa-aaaa-aaaa-111111111111\":\n"
      "    name: Contoso  # the first customer\n"
      "    break_glass: [bg@a.com]\n"
      "    privileged_accounts:\n"
      "      - adm@a.com\n"
      "  \"22222222-bbbb-bbbb-bbbb-222222222222\": {name: Fabrikam, break_glass: [bg@b.com]}\n";
  ASSERT_TRUE(LoadConfigText(whole).errors.empty());
  const std::string path = ::testing::TempDir() + "cut_" + std::to_string(::getpid()) + ".yaml";
  std::size_t loaded = 0;
  for (std::size_t n = 1; n < whole.size(); ++n) {
    std::ofstream(path, std::ios::trunc) << whole.substr(0, n);
    const ConfigLoadResult r = LoadConfigFile(path);
    const bool line_end = whole[n - 1] == '\n';
    const bool bare_key = line_end && whole[n - 2] == ':';
    if (!line_end || bare_key) {
      EXPECT_FALSE(r.errors.empty()) << "cut after " << n << " bytes loaded:\n"
                                     << whole.substr(0, n);
    }
    if (r.errors.empty()) ++loaded;
  }
  std::filesystem::remove(path);
  EXPECT_LE(loaded, 5u);  // "pipeline", "name", "break_glass", "- adm" lines: complete values
  // The whole file, and a file without a trailing comment line, load.
  std::ofstream(path, std::ios::trunc) << whole;
  EXPECT_TRUE(LoadConfigFile(path).errors.empty());
  std::filesystem::remove(path);
  // The message says why.
  TempConfig cut(whole.substr(0, whole.find("privileged_accounts:") + 10));
  const CheckOutput c = Check(cut.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("does not end with a newline: cut short"), std::string::npos) << c.err;
}

TEST(ConfigCheck, ATruncatedFileIsAnError) {
  const std::string whole =
      "tenants:\n  \"11111111-aaaa-aaaa-aaaa-111111111111\": {name: a, break_glass: [bg@a.com]}\n";
  TempConfig cfg(whole.substr(0, whole.size() - 12));  // cut inside the flow map
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2) << c.out;
  EXPECT_NE(c.err.find("YAML syntax error"), std::string::npos) << c.err;
}

TEST(ConfigCheck, RefusesTenantIdsThatAreNotGuidsWithTheirLine) {
  TempConfig cfg("tenants:\n  \"11111111-aaaa-aaaa-aaaa-111111111111\": {}\n  contoso: {}\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find(cfg.path() + ":3:3: tenants.\"contoso\": a tenant id is the Entra "
                                    "tenant's GUID"),
            std::string::npos)
      << c.err;
  EXPECT_EQ(c.err.find("11111111-aaaa"), std::string::npos) << c.err;
}

TEST(ConfigCheck, RefusesUnknownEndpointSchemes) {
  TempConfig cfg(
      "sources: [{zmq: {endpoint: \"tpc://127.0.0.1:5556\"}}]\n"
      "sinks: [{zmq_pub: {endpoint: \"tcp://127.0.0.1\"}}]\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find(":1:28: sources[0].zmq.endpoint: unknown endpoint \"tpc://"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find(":2:30: sinks[0].zmq_pub.endpoint: unknown endpoint"), std::string::npos)
      << c.err;
}

// Alerts carry a tenant's name in a 64-byte field: a longer name is said, not silently cut.
// Before, a 70-byte name loaded without a word and every alert of the tenant carried its prefix.
TEST(ConfigCheck, NotesATenantNameLongerThanAlertsCarry) {
  const std::string name(70, 'n');
  TempConfig cfg("tenants:\n  \"11111111-2222-3333-4444-555555555555\":\n    name: " + name +
                 "\n  \"11111111-2222-3333-4444-555555555556\":\n    name: short\n");
  const ConfigLoadResult r = LoadConfigFile(cfg.path());
  for (const auto& e : r.errors) ADD_FAILURE() << e.message;
  int long_names = 0;
  for (const ConfigNote& note : r.notes) {
    if (note.Line().find("70 bytes; alerts carry the first 64") != std::string::npos) ++long_names;
  }
  EXPECT_EQ(long_names, 1);
}

TEST(ConfigCheck, RefusesTwoSocketsBoundOnOneAddress) {
  TempConfig cfg(
      "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:5556\"}},\n"
      "          {zmq_sub: {endpoint: \"tcp://127.0.0.1:5556\"}}]\n"  // connects: fine
      "sinks: [{zmq_pub: {endpoint: \"tcp://127.0.0.1:5556\"}}]\n"
      "metrics: {listen: \"127.0.0.1:9464\"}\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("sinks[0].zmq_pub.endpoint: \"tcp://127.0.0.1:5556\" is already bound by "
                       "sources[0].zmq.endpoint"),
            std::string::npos)
      << c.err;
  EXPECT_EQ(c.err.find("zmq_sub"), std::string::npos) << c.err;
  // The metrics endpoint's default address binds too (breaker round 133).
  TempConfig on_metrics("sources: [{zmq: {endpoint: \"tcp://127.0.0.1:9464\"}}]\n");
  const CheckOutput m = Check(on_metrics.path());
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("sources[0].zmq.endpoint: \"tcp://127.0.0.1:9464\" is already bound by "
                       "metrics.listen (its default, 127.0.0.1:9464)"),
            std::string::npos)
      << m.err;
  TempConfig metrics_off(
      "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:9464\"}}]\nmetrics: {listen: off}\n");
  EXPECT_EQ(Check(metrics_off.path()).code, 0);
}

// One ZAP handler per process: a second CURVE source is refused by check (breaker round 133: check
// passed and run failed to start with "Address already in use", naming neither).
TEST(ConfigCheck, RefusesASecondCurveSource) {
  TempConfig cfg("");
  const std::string key = std::filesystem::path(cfg.path()).parent_path() / "server2.key";
  std::ofstream(key) << "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\n";
  std::filesystem::permissions(key, std::filesystem::perms(0600));
  std::ofstream(cfg.path()) << "sources:\n";
  for (const int port : {5556, 5557}) {
    std::ofstream(cfg.path(), std::ios::app)
        << "  - zmq: {endpoint: \"tcp://127.0.0.1:" << port << "\", bind: true, name: c" << port
        << ", curve: {secret_key_file: \"" << key << "\", allowed_clients: []}}\n";
  }
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("sources[1]: only one CURVE source per process is supported (sources[0] "
                       "is one)"),
            std::string::npos)
      << c.err;
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// A CURVE secret is refused inline with the reason; a key file readable beyond owner and group
// is a warning (exit 0), a 0600 or 0640 one is silent.
TEST(ConfigCheck, RefusesAnInlineCurveSecretWithTheReason) {
  TempConfig cfg(
      "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:5556\", bind: true,\n"
      "  curve: {secret_key: \"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\", allowed_clients: "
      "[]}}}]\n");
  const CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("sources[0].zmq.curve.secret_key"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("a CURVE secret key is never written in the config"), std::string::npos)
      << c.err;
  EXPECT_EQ(c.err.find("JTKVSB"), std::string::npos) << "the secret is echoed: " << c.err;
}

TEST(ConfigCheck, WarnsWhenTheCurveKeyFileIsReadableBeyondOwnerAndGroup) {
  TempConfig cfg("");
  const std::string key = std::filesystem::path(cfg.path()).parent_path() / "server.key";
  std::ofstream(key) << "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\n";
  std::ofstream(cfg.path()) << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:5556\", bind: true,\n"
                            << "  curve: {secret_key_file: \"" << key
                            << "\", allowed_clients: []}}}]\n";
  std::filesystem::permissions(key, std::filesystem::perms(0644));
  CheckOutput c = Check(cfg.path());
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("warning: CURVE secret key file " + key + " has mode 0644"),
            std::string::npos)
      << c.err;
  for (const unsigned mode : {0600u, 0640u}) {
    std::filesystem::permissions(key, std::filesystem::perms(mode));
    c = Check(cfg.path());
    EXPECT_EQ(c.code, 0) << c.err;
    EXPECT_EQ(c.err.find("warning"), std::string::npos) << mode << ": " << c.err;
  }
}

}  // namespace
}  // namespace privmon
