// Custom rules from the config's `rule_files`, through the real binary: a match rule and a
// threshold rule written in YAML fire on their cases and stay silent on their near misses, obey
// per-tenant overrides, are listed by `privmon rules --config`, and a mistake in a rule file is a
// `privmon check` error naming the rule file and line; an absence rule's pending verdict survives
// a restore whose rule file lists the rules in another order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::ReadFile;
using testing::RunToExit;
using testing::TempDir;
using testing::TempDirCleanup;

constexpr const char* kTenantA = "00000000-0000-4000-8000-00000000000a";
constexpr const char* kTenantB = "00000000-0000-4000-8000-00000000000b";

using CustomRulesCliRun = testing::CommandResult;
using testing::Privmon;

void CustomRulesWrite(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// One Graph sign-in (the shape of tests/scenarios/*/graph.ndjson) of `upn` at 2026-11-03 `hhmmss`.
std::string SignIn(const std::string& tenant, const std::string& upn, const std::string& hhmmss,
                   int error_code, int n) {
  char id[40];
  std::snprintf(id, sizeof id, "5e1f0000-0000-4000-8000-%012d", n);
  return std::string(R"({"id":")") + id + R"(","createdDateTime":"2026-11-03T)" + hhmmss +
         R"(Z","userDisplayName":"x","userPrincipalName":")" + upn +
         R"(","userId":"","appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appDisplayName":"Azure Portal","ipAddress":"203.0.113.10","clientAppUsed":"Browser","correlationId":")" +
         id +
         R"(","conditionalAccessStatus":"success","isInteractive":true,"riskDetail":"none","riskLevelAggregated":"none","riskLevelDuringSignIn":"none","riskState":"none","resourceTenantId":")" +
         tenant + R"(","homeTenantId":")" + tenant + R"(","status":{"errorCode":)" +
         std::to_string(error_code) +
         R"(,"failureReason":"x"},"deviceDetail":{"deviceId":"","operatingSystem":"Windows 10","browser":"Edge 120.0.2210","isCompliant":false,"isManaged":false},"location":{"city":"Redmond","state":"Washington","countryOrRegion":"US"},"userType":"member"})"
         "\n";
}

const char* kRuleFile = R"(section: "ACME's own"
rules:
  - id: ACME-SI-01
    name: "Password expired on a privileged account"
    kind: match
    sources: [signin]
    severity: medium
    attack: [T1078.004]
    tactic: TA0001
    when: {account.privileged: true, signin.error_code: 50055}
    details: [error_code, place]

  - id: ACME-SI-02
    name: "Repeated sign-in interruptions"
    kind: threshold
    sources: [signin]
    severity: high
    parameters: {threshold: 3, window: 5m}
    when:
      account.privileged: true
      signin.error_code: {in: [50072, 50058]}
    details: [error_code]
)";

std::vector<std::string> Keys(const std::string& out) {
  std::vector<std::string> keys;
  std::size_t at = 0;
  while ((at = out.find("\"rule_id\":\"", at)) != std::string::npos) {
    at += 11;
    const std::string rule = out.substr(at, out.find('"', at) - at);
    const std::size_t upn_at = out.find("\"upn\":\"", at) + 7;
    keys.push_back(rule + " " + out.substr(upn_at, out.find('"', upn_at) - upn_at));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(CustomRules, MatchAndThresholdRulesFireOnTheirCasesAndNotOnNearMisses) {
  const std::string dir = TempDir("custom-rules");
  TempDirCleanup cleanup(dir);
  CustomRulesWrite(dir + "/acme.yaml", kRuleFile);
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(
      cfg, "rule_files: [" + dir + "/acme.yaml]\ndead_letter: {path: \"\"}\ntenants:\n  \"" +
               kTenantA + "\": {privileged_accounts: [adm1@a.com, adm2@a.com, adm3@a.com]}\n  \"" +
               kTenantB +
               "\":\n    privileged_accounts: [adm1@b.com]\n    rules: {ACME-SI-01: {enabled: "
               "false}, ACME-SI-02: {threshold: 2}}\n");
  std::string in;
  int n = 0;
  // ACME-SI-01 case: a privileged account's 50055. Near misses: an unprivileged account's 50055,
  // a privileged account's other failure, and tenant B where the rule is disabled.
  in += SignIn(kTenantA, "adm1@a.com", "10:00:00", 50055, ++n);
  in += SignIn(kTenantA, "user@a.com", "10:00:05", 50055, ++n);
  in += SignIn(kTenantA, "adm3@a.com", "10:00:10", 50053 + 1000, ++n);
  in += SignIn(kTenantB, "adm1@b.com", "10:00:15", 50055, ++n);
  // ACME-SI-02 case: 3 interruptions in 4 minutes. Near miss: 3 spread over 12 minutes; and in
  // tenant B, 2 in a minute reach its override of the threshold.
  in += SignIn(kTenantA, "adm2@a.com", "11:00:00", 50072, ++n);
  in += SignIn(kTenantA, "adm2@a.com", "11:02:00", 50058, ++n);
  in += SignIn(kTenantA, "adm2@a.com", "11:04:00", 50072, ++n);
  in += SignIn(kTenantA, "adm3@a.com", "12:00:00", 50072, ++n);
  in += SignIn(kTenantA, "adm3@a.com", "12:06:00", 50072, ++n);
  in += SignIn(kTenantA, "adm3@a.com", "12:12:00", 50072, ++n);
  in += SignIn(kTenantB, "adm1@b.com", "13:00:00", 50058, ++n);
  in += SignIn(kTenantB, "adm1@b.com", "13:01:00", 50058, ++n);
  CustomRulesWrite(dir + "/in.ndjson", in);

  const CustomRulesCliRun r = Privmon({"scan", "--quiet", "--config", cfg, dir + "/in.ndjson"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(" 0 rejected"), std::string::npos) << r.err;
  const std::vector<std::string> want = {"ACME-SI-01 adm1@a.com", "ACME-SI-02 adm1@b.com",
                                         "ACME-SI-02 adm2@a.com"};
  EXPECT_EQ(Keys(r.out), want) << r.out;
  // The match rule's details and catalogue severity; the threshold alert counts its burst.
  EXPECT_NE(r.out.find("\"rule\":\"Password expired on a privileged account\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"error_code\":50055"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"count\":3"), std::string::npos) << r.out;

  const CustomRulesCliRun listed = Privmon({"rules", "--config", cfg});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find("ACME-SI-01    match           medium"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("ACME-SI-02    threshold       high     threshold=3 window=5m"),
            std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find(dir + "/acme.yaml:3 "), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("1/2 enabled"), std::string::npos) << listed.out;
}

// Breaker round 94: a custom rule's details said what the record did not. `risk_state` read
// "atRisk" for every state but confirmedCompromised (a sign-in with riskState "none" included),
// `result` "success" for a failed audit record (it read the sign-in error code, 0 on an audit),
// and `error_code` 0 on an audit record, which has none.
TEST(CustomRules, DetailsSayWhatTheRecordSays) {
  const std::string dir = TempDir("custom-details");
  TempDirCleanup cleanup(dir);
  CustomRulesWrite(dir + "/acme.yaml", R"(rules:
  - id: ACME-AU-01
    name: "Role assignment attempt"
    kind: match
    sources: [audit]
    severity: medium
    when: {audit.activity: "Add member to role"}
    details: [result, error_code]
  - id: ACME-SI-09
    name: "Expired password"
    kind: match
    sources: [signin]
    severity: medium
    when: {signin.error_code: 50055}
    details: [risk_state, result]
)");
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(cfg, "rule_files: [" + dir + "/acme.yaml]\ndead_letter: {path: \"\"}\n");
  CustomRulesWrite(dir + "/in.ndjson", SignIn(kTenantA, "adm1@a.com", "10:00:00", 50055, 1));
  const std::string audit =
      std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/audit_add_member_to_role_failed.ndjson";
  const CustomRulesCliRun r = Privmon(
      {"scan", "--quiet", "--tenant", kTenantA, "--config", cfg, dir + "/in.ndjson", audit});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string signin_line, audit_line;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"ACME-SI-09\"") != std::string::npos) signin_line = line;
    if (line.find("\"ACME-AU-01\"") != std::string::npos) audit_line = line;
  }
  EXPECT_NE(signin_line.find("\"risk_state\":\"none\""), std::string::npos) << r.out;
  EXPECT_NE(signin_line.find("\"result\":\"failure\""), std::string::npos) << r.out;
  EXPECT_NE(audit_line.find("\"result\":\"failure\""), std::string::npos) << r.out;
  EXPECT_EQ(audit_line.find("\"error_code\""), std::string::npos) << r.out;
}

TEST(CustomRules, CheckNamesTheRuleFileAndLineOfAMistake) {
  const std::string dir = TempDir("custom-rules-check");
  TempDirCleanup cleanup(dir);
  std::string bad = kRuleFile;
  bad.replace(bad.find("signin.error_code: 50055"), 24, "signin.errorcode: 50055");
  CustomRulesWrite(dir + "/acme.yaml", bad);
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(cfg, "rule_files: [" + dir + "/acme.yaml, " + dir + "/missing.yaml]\n" +
                            "defaults: {rules: {ACME-SI-02: {window: 10m}}}\n");
  const CustomRulesCliRun r = Privmon({"check", "--quiet", cfg});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find(dir + "/acme.yaml:10:38: rules[0].when.signin.errorcode: unknown field"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(dir + "/missing.yaml: cannot read the rule file"), std::string::npos) << all;

  // A parameter the custom rule's kind does not take is a check error, as for builtin rules.
  CustomRulesWrite(dir + "/acme.yaml", kRuleFile);
  CustomRulesWrite(
      cfg, "rule_files: [" + dir + "/acme.yaml]\ndefaults: {rules: {ACME-SI-01: {window: 10m}}}\n");
  const CustomRulesCliRun p = Privmon({"check", "--quiet", cfg});
  EXPECT_EQ(p.code, 2) << p.out << p.err;
  EXPECT_NE((p.out + p.err).find("defaults.rules.ACME-SI-01.window"), std::string::npos)
      << p.out << p.err;
}

// Breaker round 94 (f8-absence-state-lost-when-rule-moves): a role granted to a privileged account
// onboarded by `scan --checkpoint-out`, restored by `run` with the same rules in another order
// (the absence rule's slot moves): the absence timer named the old slot, the verdict was lost and
// the slot stayed pending. It follows its rule now: the grant's day passes unused, one alert.
TEST(CustomRules, AbsenceVerdictSurvivesARestoreWithTheRulesReordered) {
  const std::string dir = TempDir("custom-absence-moved");
  TempDirCleanup cleanup(dir);
  const std::string absence = R"(  - id: ACME-ABS-01
    name: "Role added but never used"
    kind: absence
    sources: [audit, signin]
    severity: low
    parameters: {window: 1d}
    trigger: {source: audit, when: {audit.activity: "Add member to role"}}
    expect: {source: signin, when: {signin.error_code: 0}}
)";
  const std::string threshold = R"(  - id: ACME-TH-01
    name: "Two bad passwords"
    kind: threshold
    sources: [signin]
    severity: high
    parameters: {threshold: 2, window: 10m}
    when: {signin.error_code: 50126}
)";
  const std::string data = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/absence_moved/";
  const std::string tenant = "11111111-2222-3333-4444-555555555555";
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(cfg, "rule_files: [" + dir + "/acme.yaml]\ndead_letter: {path: \"\"}\n" +
                            "checkpoint: {dir: " + dir + "/cp}\nmetrics: {listen: \"\"}\n" +
                            "sources:\n  - file: {path: " + data + "later.ndjson, tenant: \"" +
                            tenant + "\"}\nsinks:\n  - stdout: {}\ntenants:\n  \"" + tenant +
                            "\": {privileged_accounts: [adm-y@contoso.example]}\n");
  CustomRulesWrite(dir + "/acme.yaml", "rules:\n" + absence + threshold);
  const CustomRulesCliRun onboard =
      Privmon({"scan", "--quiet", "--config", cfg, "--tenant", tenant, "--checkpoint-out",
               dir + "/cp", data + "trigger.ndjson"});
  ASSERT_EQ(onboard.code, 0) << onboard.err;
  CustomRulesWrite(dir + "/acme.yaml", "rules:\n" + threshold + absence);
  const CustomRulesCliRun r = Privmon({"run", "--config", cfg});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<std::string> want = {"ACME-ABS-01 adm-y@contoso.example"};
  EXPECT_EQ(Keys(r.out), want) << r.out << r.err;
}

// Breaker round 108: one portal reset is written twice, Self-service Password Management's
// "Reset password (by admin)" and Core Directory's "Reset user password" (same correlation id).
// PRIV-CH-01 learns the two names as one operation (breaker round 107), but that fold is its own:
// a custom threshold on Core Directory's "Reset password" (2 in 1 h) counts Core Directory's
// record only, as before the fold, and stays silent on one reset.
TEST(CustomRules, ACustomRuleOnOneServicesResetNameCountsThatServicesRecordsOnly) {
  const std::string dir = TempDir("custom-rules-reset");
  TempDirCleanup cleanup(dir);
  CustomRulesWrite(dir + "/pw.yaml", R"(rules:
  - id: ACME-PW-01
    name: "Privileged account's password reset twice within an hour"
    kind: threshold
    sources: [audit]
    severity: medium
    when: {audit.activity_name: Reset password}
    parameters: {threshold: 2, window: 1h}
)");
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(
      cfg, "pipeline: {allowed_lateness: 5m}\ndead_letter: {path: \"\"}\nrule_files: [" + dir +
               "/pw.yaml]\ntenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n"
               "    privileged_accounts: [adm-tlind@northwind.example, "
               "k.weber@northwind.example]\n");
  const CustomRulesCliRun r = Privmon(
      {"scan", "--quiet", "--config", cfg, "--tenant", "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",
       std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/reset_two_services/input.ndjson"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(" 0 rejected"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("ACME-PW-01"), std::string::npos) << r.out;
  // The builtin rule that reads both names still reads both (one alert, its update).
  EXPECT_NE(r.out.find(R"("rule_id":"PRIV-SI-12")"), std::string::npos) << r.out;
}

// Breaker round 109: Defender's Entra sign-in table (EntraIdSignInEvents) states a guest only by
// `IsGuestUser`: read as userType Guest, so the rule language's own example rule on
// `signin.guest` fires on a privileged guest's row as on its SigninLogs record.
TEST(CustomRules, AGuestRuleReadsDefendersIsGuestUser) {
  const std::string dir = TempDir("custom-rules-guest");
  TempDirCleanup cleanup(dir);
  CustomRulesWrite(dir + "/guest.yaml", R"(rules:
  - id: ACME-SI-01
    name: "Privileged guest sign-in"
    kind: match
    sources: [signin]
    severity: medium
    when: {account.privileged: true, signin.guest: true}
    details: [place]
)");
  const std::string cfg = dir + "/c.yaml";
  CustomRulesWrite(
      cfg, "pipeline: {allowed_lateness: 5m}\ndead_letter: {path: \"\"}\nrule_files: [" + dir +
               "/guest.yaml]\ntenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n"
               "    privileged_accounts: "
               "[vendor.ops_fabrikam.example#EXT#@northwind.onmicrosoft.example]\n");
  const CustomRulesCliRun r = Privmon(
      {"scan", "--quiet", "--config", cfg, "--tenant", "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e",
       std::string(PRIVMON_SOURCE_DIR) + "/tests/data/rules/defender_guest/input.ndjson"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(" 0 rejected"), std::string::npos) << r.err;
  const std::vector<std::string> want = {"ACME-SI-01 vendor.ops@fabrikam.example"};
  EXPECT_EQ(Keys(r.out), want) << r.out;
}

}  // namespace
}  // namespace privmon
