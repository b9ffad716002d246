// The builtin catalogue as data (rules/*.yaml): it loads without errors, defines every catalogue
// rule once, and says exactly what core/rule_catalog.h and core/rule_params.h say; a custom rule
// file with mistakes is refused with file:line errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/custom_rules.h"
#include "core/hash.h"
#include "rules/builtin_rules.h"
#include "rules/rule_fields.h"

namespace privmon {
namespace {

std::string Joined(const std::vector<RuleFileError>& errors) {
  std::string out;
  for (const RuleFileError& e : errors) out += e.message + "\n";
  return out;
}

TEST(RuleFiles, BuiltinCatalogueLoadsAndMatchesTheTables) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadBuiltinRules(&set, &errors);
  ASSERT_TRUE(errors.empty()) << Joined(errors);
  EXPECT_EQ(set.definitions.size(), kRuleCount);
  EXPECT_EQ(BuiltinRuleFiles().size(), 6u);  // the guide's five sections and privmon's own
  std::string diffs;
  for (const std::string& d : CatalogueDifferences(set)) diffs += d + "\n";
  EXPECT_TRUE(diffs.empty()) << diffs;
  for (const RuleDefinition& d : set.definitions) {
    EXPECT_TRUE(d.builtin);
    EXPECT_EQ(d.file.rfind("rules/", 0), 0u) << d.file;
    EXPECT_GT(d.line, 0);
  }
  EXPECT_EQ(BuiltinRuleSet()->definitions.size(), kRuleCount);
}

// The check above can fail: one changed value in one file is reported, naming the rule and file.
TEST(RuleFiles, ADifferenceFromTheTablesIsReported) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  for (const EmbeddedRuleFile& f : BuiltinRuleFiles()) {
    std::string text(f.text);
    if (f.path == "rules/sign-in.yaml") {
      const std::string from = "name: \"Bad password burst\"";
      const auto at = text.find(from);
      ASSERT_NE(at, std::string::npos);
      text.replace(at, from.size(), "name: \"Bad password storm\"");
      const std::string sev = "severity: low";  // PRIV-SI-07
      text.replace(text.find(sev), sev.size(), "severity: medium");
    }
    LoadRuleText(text, std::string(f.path), true, &set, &errors);
  }
  ASSERT_TRUE(errors.empty()) << Joined(errors);
  const std::vector<std::string> diffs = CatalogueDifferences(set);
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_NE(diffs[0].find("PRIV-SI-01: name is \"Bad password storm\" in rules/sign-in.yaml"),
            std::string::npos)
      << diffs[0];
  EXPECT_NE(diffs[1].find("PRIV-SI-07: severity is \"medium\""), std::string::npos) << diffs[1];
}

TEST(RuleFiles, CustomRuleMistakesNameFileAndLine) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(R"(rules:
  - id: ACME-1
    name: Bad field
    kind: match
    sources: [signin]
    severity: high
    when:
      signin.errorCode: 50126
  - id: ACME-2
    name: Wrong record kind
    kind: threshold
    sources: [signin]
    severity: loud
    when:
      audit.activity: Add user
  - id: PRIV-SI-01
    name: Builtin id
    kind: match
    sources: [signin]
    severity: high
    parameters: {threshold: 3}
    when: {signin.error_code: 1}
)",
               "acme.yaml", false, &set, &errors);
  const std::string all = Joined(errors);
  EXPECT_NE(all.find("acme.yaml:8:7: rules[0].when.signin.errorCode: unknown field for signin"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("acme.yaml:13:15: rules[1].severity: expected low, medium or high"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("acme.yaml:15:7: rules[1].when.audit.activity: a field of audit records"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("rules[1].parameters: a threshold rule sets parameters.threshold and "
                     "parameters.window"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("acme.yaml:21:18: rules[2].parameters.threshold: a match rule takes no "
                     "parameters"),
            std::string::npos)
      << all;
  EXPECT_TRUE(set.definitions.empty());
}

// Breaker round 94: the PRIV- namespace is the catalogue's in any case. "priv-si-02" and
// "PRIV-ZZ-01" passed `privmon check` and alerted beside the builtin rules.
TEST(RuleFiles, ACustomRuleIdInThePrivNamespaceIsRefusedInAnyCase) {
  for (const char* id : {"priv-si-02", "PRIV-ZZ-01", "Priv-x"}) {
    CompiledRuleSet set;
    std::vector<RuleFileError> errors;
    LoadRuleText(std::string("rules:\n  - id: ") + id + R"(
    name: Look-alike
    kind: match
    sources: [signin]
    severity: high
    when: {signin.error_code: 53003}
)",
                 "acme.yaml", false, &set, &errors);
    const std::string all = Joined(errors);
    EXPECT_NE(all.find("the PRIV- prefix is the builtin rules'"), std::string::npos) << id << all;
    EXPECT_TRUE(set.definitions.empty()) << id;
  }
  // Breaker round 95: a leading space got " PRIV-BG-01" past it.
  for (const char* id : {"\" PRIV-BG-01\"", "\"ACME SI 01\""}) {
    CompiledRuleSet set;
    std::vector<RuleFileError> errors;
    LoadRuleText(std::string("rules:\n  - id: ") + id + R"(
    name: Look-alike
    kind: match
    sources: [signin]
    severity: high
    when: {signin.error_code: 53003}
)",
                 "acme.yaml", false, &set, &errors);
    const std::string all = Joined(errors);
    EXPECT_NE(all.find("an id is letters, digits"), std::string::npos) << id << all;
    EXPECT_TRUE(set.definitions.empty()) << id;
  }
}

// A rule file far larger than any (a path mistyped to a log, /dev/zero) is refused at a bound
// instead of read whole into memory.
TEST(RuleFiles, AFileLargerThanAnyRuleFileIsRefusedNamingIt) {
  const std::string path = ::testing::TempDir() + "privmon_huge_rules.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::string comments(1 << 20, '#');
    for (int i = 0; i < 33; ++i) out << comments << '\n';
    out << "rules: []\n";
  }
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleFile(path, &set, &errors);
  std::remove(path.c_str());
  ASSERT_EQ(errors.size(), 1u) << Joined(errors);
  EXPECT_EQ(errors[0].line, 0);
  EXPECT_NE(errors[0].message.find(path + ": cannot read the rule file: larger than 32 MiB"),
            std::string::npos)
      << errors[0].message;
}

TEST(RuleFiles, DurationsAndCustomIdsAreStable) {
  int64_t s = 0;
  ASSERT_TRUE(ParseRuleDuration("10m", &s));
  EXPECT_EQ(s, 600);
  ASSERT_TRUE(ParseRuleDuration("14d", &s));
  EXPECT_EQ(s, 14 * 86400);
  EXPECT_FALSE(ParseRuleDuration("10 minutes", &s));
  EXPECT_FALSE(ParseRuleDuration("", &s));
  // Durations are bounded as the config's are (100 years): a count of days whose seconds pass an
  // int64 overflowed (undefined behaviour), one just below made every window sum overflow later.
  EXPECT_FALSE(ParseRuleDuration("999999999999999999d", &s));
  EXPECT_FALSE(ParseRuleDuration("106751991167d", &s));
  EXPECT_FALSE(ParseRuleDuration("36501d", &s));
  ASSERT_TRUE(ParseRuleDuration("36500d", &s));
  EXPECT_EQ(s, 36500LL * 86400);
  const std::string text = R"(rules:
  - id: ACME-STABLE
    name: Stable id
    kind: match
    sources: [audit]
    account: actor
    severity: medium
    when: {audit.activity_name: Some activity, audit.success: true}
)";
  CompiledRuleSet a, b;
  std::vector<RuleFileError> errors;
  LoadRuleText(text, "a.yaml", false, &a, &errors);
  LoadRuleText(text, "a.yaml", false, &b, &errors);
  ASSERT_TRUE(errors.empty()) << Joined(errors);
  ASSERT_EQ(a.definitions.size(), 1u);
  EXPECT_EQ(a.definitions[0].id, b.definitions[0].id);  // a reload keeps the id
  EXPECT_GE(static_cast<std::size_t>(a.definitions[0].id), kRuleCount);
  EXPECT_EQ(GetRuleInfo(a.definitions[0].id).code, "ACME-STABLE");
  EXPECT_EQ(FindRule("ACME-STABLE"), a.definitions[0].id);
  ASSERT_EQ(a.generic.size(), 1u);
  EXPECT_EQ(a.generic[0].side, AccountSide::kActor);
  EXPECT_EQ(a.For(EventKind::kAudit, AccountSide::kActor).size(), 1u);
  EXPECT_EQ(a.generic[0].when.all.size(), 2u);
}

// A key written twice is refused wherever it is (breaker round 32): yaml-cpp keeps both and a
// lookup reads the first, so two values of one field (meant as "either") were ANDed and the rule
// never fired; a second `severity` was dropped without a word.
TEST(RuleFiles, ARepeatedKeyIsRefusedNamingFileAndLine) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(R"(rules:
  - id: ACME-TWICE
    name: Either code
    kind: match
    sources: [signin]
    severity: high
    severity: low
    when:
      signin.error_code: 50126
      signin.error_code: 50053
)",
               "twice.yaml", false, &set, &errors);
  const std::string all = Joined(errors);
  EXPECT_NE(all.find("twice.yaml:7:5: rules[0].severity: duplicate key \"severity\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("twice.yaml:10:7: rules[0].when.signin.error_code: duplicate key "
                     "\"signin.error_code\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("field: {in: [a, b]}"), std::string::npos) << all;
}

// audit.role_name compares as privileged_roles lists a role (breaker round 32): a built-in role
// by its template id (with or without braces, any case) or another of its names is the
// catalogue's name the record is read under.
TEST(RuleFiles, ARoleNameValueIsReadAsPrivilegedRolesReadsIt) {
  const FieldSpec* spec = FindField("audit.role_name");
  ASSERT_NE(spec, nullptr);
  const uint64_t global_admin = HashLower("Global Administrator");
  for (const std::string text :
       {"62e90394-69f5-4237-9190-012177145e10", "{62E90394-69F5-4237-9190-012177145E10}",
        "Company Administrator", "global administrator"}) {
    uint64_t value = 0;
    std::string expected;
    ASSERT_TRUE(ResolveFieldValue(*spec, text, &value, &expected)) << text;
    EXPECT_EQ(value, global_admin) << text;
  }
  uint64_t custom = 0;
  std::string expected;
  ASSERT_TRUE(ResolveFieldValue(*spec, "Tier0 Helpdesk", &custom, &expected));
  EXPECT_EQ(custom, HashLower("Tier0 Helpdesk"));
}

// A schedule's `from` equal to its `to` names no hours (every event "outside"): refused, as
// working_hours refuses it (breaker round 35).
TEST(RuleFiles, AScheduleWithNoHoursIsRefused) {
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(R"(rules:
  - id: ACME-SCH
    name: Same time
    kind: schedule
    sources: [signin]
    severity: low
    when: {signin.success: true}
    hours: {from: "08:00", to: "08:00", days: [mon, tue]}
)",
               "same.yaml", false, &set, &errors);
  const std::string all = Joined(errors);
  EXPECT_NE(all.find("rules[0].hours.to: from and to are the same time"), std::string::npos) << all;
}

// Details are counted in the keys they add to an alert, which holds 4 (breaker round 132:
// [ca_status, risk_state, result, place] was accepted and its alerts lost city and ip_address); a
// name given twice is read once.
TEST(RuleFiles, DetailsThatAddMoreThanFourKeysAreRefused) {
  const auto load = [](const std::string& details, CompiledRuleSet* set) {
    std::vector<RuleFileError> errors;
    LoadRuleText(R"(rules:
  - id: ACME-DET
    name: Details
    kind: match
    sources: [signin]
    severity: low
    when: {account.privileged: true}
    details: )" + details +
                     "\n",
                 "details.yaml", false, set, &errors);
    return Joined(errors);
  };
  CompiledRuleSet set;
  const std::string over = load("[ca_status, risk_state, result, place]", &set);
  EXPECT_NE(over.find("rules[0].details: an alert carries at most 4 detail keys, and these names "
                      "add up to 6"),
            std::string::npos)
      << over;
  EXPECT_NE(over.find("place: country, city, ip_address"), std::string::npos) << over;
  for (const char* over4 : {"[place, audit]", "[registration, place]", "[audit, result, app]"}) {
    CompiledRuleSet s;
    EXPECT_NE(load(over4, &s).find("an alert carries at most 4 detail keys"), std::string::npos)
        << over4;
  }
  for (const char* fits : {"[error_code, place]", "[audit, app]", "[registration, result, app]",
                           "[ca_status, risk_state, result, event_id]"}) {
    CompiledRuleSet s;
    EXPECT_EQ(load(fits, &s), "") << fits;
  }
  // A schedule alert's hour_utc and a sequence alert's steps come first (breaker round 134).
  const auto schedule = [](const std::string& details) {
    CompiledRuleSet set;
    std::vector<RuleFileError> errors;
    LoadRuleText(R"(rules:
  - id: ACME-SCH-D
    name: Hours
    kind: schedule
    sources: [signin]
    severity: low
    when: {account.privileged: true}
    hours: {from: "08:00", to: "18:00", days: [mon, tue]}
    details: )" + details +
                     "\n",
                 "schedule.yaml", false, &set, &errors);
    return Joined(errors);
  };
  EXPECT_EQ(schedule("[place]"), "");
  const std::string sch = schedule("[place, error_code]");
  EXPECT_NE(sch.find("an alert carries at most 4 detail keys, and these names add up to 5 (a "
                     "schedule alert's own hour_utc; place"),
            std::string::npos)
      << sch;
  CompiledRuleSet twice;
  EXPECT_EQ(load("[place, place, error_code]", &twice), "");
  ASSERT_EQ(twice.generic.size(), 1u);
  EXPECT_EQ(twice.generic[0].detail_count, 2u);
}

// A nest of YAML aliases is walked once per anchored node by the duplicate-key check (breaker
// round 35: its expanded size, 10^8 nodes, hung `check`); the rule loads.
TEST(RuleFiles, ANestOfAliasesIsWalkedOnce) {
  std::string text = "a0: &a0 {k: v}\n";
  for (int i = 1; i <= 8; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += std::string(j ? "," : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  text += R"(rules:
  - id: ACME-ALIAS
    name: x
    kind: match
    sources: [signin]
    severity: low
    when: {signin.error_code: 0}
)";
  CompiledRuleSet set;
  std::vector<RuleFileError> errors;
  LoadRuleText(text, "bomb.yaml", false, &set, &errors);
  // Its unknown top-level keys are refused as before, each once.
  EXPECT_EQ(errors.size(), 9u) << Joined(errors);
}

// A rule's country "UK" reads as GB, as approved.countries reads it (breaker round 35).
TEST(RuleFiles, ACountryUkIsGb) {
  const FieldSpec* spec = FindField("signin.country");
  ASSERT_NE(spec, nullptr);
  uint64_t uk = 0, gb = 0;
  std::string expected;
  ASSERT_TRUE(ResolveFieldValue(*spec, "UK", &uk, &expected));
  ASSERT_TRUE(ResolveFieldValue(*spec, "GB", &gb, &expected));
  EXPECT_EQ(uk, gb);
}

}  // namespace
}  // namespace privmon
