// Rules that learn or match a name learn and match the thing it names, however the export spells
// it (docs/RULES.md, PRIV-CH-01, SI-13, SI-14): a renamed audit activity is one activity under its
// old and new names (parsers::CanonicalActivityKey), for PRIV-CH-01 and for a rule's
// `audit.activity_name`; and a key learned before the names were folded (a checkpoint's) still
// counts after: an old spelling learned is not new again.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "parsers/activity_names.h"
#include "parsers/legacy_clients.h"
#include "state/checkpoint_codec.h"
#include "state/known_values.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kFoldedNamesTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kFoldedNamesAdmin = "admin@contoso.com";

std::shared_ptr<TenantSettings> FoldedNamesTenantListingTheAdmin() {
  auto t = EngineHarness::Tenant(kFoldedNamesTenant);
  t->privileged_accounts.insert(HashLower(kFoldedNamesAdmin));
  return t;
}

// A successful change by the admin to another user, under the activity name `name`.
Event Change(std::string_view name, const char* time) {
  Event e =
      Audit(kFoldedNamesTenant, parsers::LookupActivity(name), name, "someone@contoso.com", time);
  e.actor = Account(kFoldedNamesTenant, kFoldedNamesAdmin);
  e.audit.category = AuditCategory::kUserManagement;
  return e;
}

std::size_t CountOf(EngineHarness& h, RuleId rule) {
  const std::vector<RuleId> ids = h.Rules();
  return static_cast<std::size_t>(std::count(ids.begin(), ids.end(), rule));
}

// The admin does `learned` while learning (its first change starts the period), then `later` 20
// days on: how many PRIV-CH-01 alerts.
std::size_t UnusualChangesAfter(std::string_view learned, std::string_view later) {
  EngineHarness h(FoldedNamesTenantListingTheAdmin());
  h.Feed(Change(learned, "2026-03-01T09:00:00Z"));
  h.Feed(Change(later, "2026-03-21T09:00:00Z"));
  return CountOf(h, RuleId::kCH01);
}

TEST(FoldedNames, ARenamedActivityIsNotNewUnderItsOtherName) {
  EXPECT_EQ(UnusualChangesAfter("Update authentication methods policy",
                                "Authentication Methods Policy Update"),
            0u);
  EXPECT_EQ(UnusualChangesAfter("Authentication Methods Policy Update",
                                "Update authentication methods policy"),
            0u);
  EXPECT_EQ(UnusualChangesAfter("Reset user password", "Reset password"), 0u);
  EXPECT_EQ(UnusualChangesAfter("Add member to role request approved",
                                "Add member to role request approved (PIM activation)"),
            0u);
  EXPECT_EQ(UnusualChangesAfter("Remove member from role completed (PIM activation expired)",
                                "Remove member from role (PIM activation expired)"),
            0u);
  // Another activity is still new.
  EXPECT_EQ(UnusualChangesAfter("Reset user password", "Add group"), 1u);
}

TEST(FoldedNames, CanonicalActivityKeyMapsEachSpellingToTheCurrentName) {
  const uint64_t current = HashLower("authentication methods policy update");
  EXPECT_EQ(parsers::CanonicalActivityKey(HashLower("update authentication methods policy")),
            current);
  EXPECT_EQ(parsers::CanonicalActivityKey(current), current);
  const uint64_t other = HashLower("add group");
  EXPECT_EQ(parsers::CanonicalActivityKey(other), other);
}

// Saves `from`'s shard 0 and loads it into `to`, each known value's fingerprint passed through
// `rewrite` (what a build before the fold would have written).
template <class Rewrite>
void FoldedNamesTransfer(EngineHarness& from, EngineHarness& to, Rewrite rewrite) {
  CheckpointShardWriter w(0);
  from.engine().SaveState(w);
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(part, [&](CheckpointRecordView r) {
      if (r.tag == kCkKnownValue) r.key = rewrite(r.key);
      EXPECT_TRUE(to.engine().LoadState(r));
    }));
  }
  to.engine().OnRestored();
}

TEST(FoldedNames, AnActivityLearnedUnderItsFormerKeyInACheckpointStillCounts) {
  const uint64_t admin = Account(kFoldedNamesTenant, kFoldedNamesAdmin).key;
  const auto key_of = [&](std::string_view name) {
    return KnownValues::Fingerprint(admin, NoveltyKind::kActivity, HashLower(name));
  };
  for (const char* later :
       {"Update authentication methods policy", "Authentication Methods Policy Update"}) {
    EngineHarness before(FoldedNamesTenantListingTheAdmin());
    before.Feed(Change("Update authentication methods policy", "2026-03-01T09:00:00Z"));
    // The build before the fold learned the record's own spelling.
    EngineHarness after(FoldedNamesTenantListingTheAdmin());
    FoldedNamesTransfer(before, after, [&](uint64_t fp) {
      return fp == key_of("authentication methods policy update")
                 ? key_of("update authentication methods policy")
                 : fp;
    });
    after.Feed(Change(later, "2026-03-21T09:00:00Z"));
    EXPECT_EQ(CountOf(after, RuleId::kCH01), 0u) << later;
  }
}

TEST(FoldedNames, ARulesActivityNameMatchesARenamedActivityUnderEitherName) {
  const std::string file = ::testing::TempDir() + "/folded_names_rules.yaml";
  {
    std::ofstream out(file);
    out << R"(rules:
  - id: ACME-PW-01
    name: "Admin password reset"
    kind: match
    sources: [audit]
    severity: low
    account: actor
    when: {audit.activity_name: "Reset user password"}
  - id: ACME-AM-01
    name: "Authentication methods policy changed"
    kind: match
    sources: [audit]
    severity: low
    account: actor
    when: {audit.activity_name: {in: ["Authentication Methods Policy  Update"]}}
)";
  }
  const ConfigLoadResult r = LoadConfigText("rule_files: [\"" + file + "\"]\ntenants: {\"" +
                                            std::string(kFoldedNamesTenant) + "\": {}}\n");
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.line << ": " << e.message;
  ASSERT_NE(r.config, nullptr);
  EngineHarness h(r.config);
  h.Feed(Change("Reset password", "2026-03-01T09:00:00Z"));
  h.Feed(Change("Reset user password", "2026-03-01T10:00:00Z"));
  h.Feed(Change("Update authentication methods policy", "2026-03-01T11:00:00Z"));
  h.Feed(Change("Reset password (self-service)", "2026-03-01T12:00:00Z"));
  std::vector<std::string> codes;
  for (const Alert& a : h.Drain()) {
    for (const RuleDefinition& d : r.config->rules->definitions) {
      if (d.id == a.rule && d.code.starts_with("ACME-") && !a.update) codes.emplace_back(d.code);
    }
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<std::string>{"ACME-AM-01", "ACME-PW-01", "ACME-PW-01"}));
  std::remove(file.c_str());
}

// A sign-in of the admin, interactive and successful, keyed as the parser keys it.
Event SignInWith(const char* time, uint64_t client_app, uint64_t former_client_app, uint64_t device,
                 uint64_t former_device) {
  Event e = SignIn(kFoldedNamesTenant, kFoldedNamesAdmin, time);
  e.signin.client_app = ClientApp::kLegacy;
  e.signin.client_app_hash = client_app;
  e.signin.former_client_app_hash = former_client_app;
  e.signin.device_hash = device;
  e.signin.device_alias_hash = former_device;
  return e;
}

TEST(FoldedNames, AClientAppAndADeviceLearnedUnderTheirFormerKeysStillCount) {
  const uint64_t imap = parsers::LegacyProtocolKey(parsers::LegacyProtocol::kImap);
  ASSERT_EQ(imap, HashLower("IMAP4"));
  const uint64_t device = HashLower("windows10|edge");
  // What a build before the folds learned: the client app and the device as spelled.
  const uint64_t old_app = HashLower("Other clients; IMAP");
  const uint64_t old_device = HashLower("Windows 10|Edge");
  EngineHarness h(FoldedNamesTenantListingTheAdmin());
  h.Feed(SignInWith("2026-03-01T09:00:00Z", old_app, 0, old_device, 0));
  // The same spellings 20 days on, keyed now: protocol IMAP, device "windows10|edge".
  h.Feed(SignInWith("2026-03-21T09:00:00Z", imap, old_app, device, old_device));
  EXPECT_EQ(CountOf(h, RuleId::kSI13), 0u);
  EXPECT_EQ(CountOf(h, RuleId::kSI14), 0u);
  // Another protocol is still new.
  h.Feed(SignInWith("2026-03-21T11:00:00Z",
                    parsers::LegacyProtocolKey(parsers::LegacyProtocol::kPop), 0, device, 0));
  EXPECT_EQ(CountOf(h, RuleId::kSI13), 1u);

  // Learned before under one spelling of the protocol ("IMAP"), seen now under another ("Other
  // clients; IMAP4"): the protocol's other spellings count too.
  EngineHarness other(FoldedNamesTenantListingTheAdmin());
  other.Feed(SignInWith("2026-03-01T09:00:00Z", HashLower("IMAP"), 0, device, 0));
  other.Feed(
      SignInWith("2026-03-21T09:00:00Z", imap, HashLower("Other clients; IMAP4"), device, 0));
  EXPECT_EQ(CountOf(other, RuleId::kSI13), 0u);
}

// Custom novelty rules (ACME-*) learning an activity name, a client app name and a device: the
// rule file and the config that loads it.
ConfigLoadResult CustomNoveltyRules(const std::string& file) {
  {
    std::ofstream out(file);
    out << R"(rules:
  - id: ACME-NV-ACT
    name: "New activity for this admin"
    kind: novelty
    sources: [audit]
    severity: low
    account: actor
    when: {audit.success: true}
    value: audit.activity_name
    parameters: {learning_period: 7d}
  - id: ACME-NV-APP
    name: "New client app for this admin"
    kind: novelty
    sources: [signin]
    severity: low
    when: {signin.error_code: 0}
    value: signin.client_app_name
    parameters: {learning_period: 7d}
  - id: ACME-NV-DEV
    name: "New device for this admin"
    kind: novelty
    sources: [signin]
    severity: low
    when: {signin.error_code: 0}
    value: signin.device
    parameters: {learning_period: 7d}
)";
  }
  return LoadConfigText("rule_files: [\"" + file + "\"]\ntenants: {\"" +
                        std::string(kFoldedNamesTenant) + "\": {privileged_accounts: [\"" +
                        std::string(kFoldedNamesAdmin) + "\"]}}\n");
}

// The codes of the custom rules `h` alerted on (updates left out), sorted.
std::vector<std::string> CustomCodes(EngineHarness& h, const CompiledConfig& config) {
  std::vector<std::string> codes;
  for (const Alert& a : h.Drain()) {
    for (const RuleDefinition& d : config.rules->definitions) {
      if (d.id == a.rule && d.code.starts_with("ACME-") && !a.update) codes.emplace_back(d.code);
    }
  }
  std::sort(codes.begin(), codes.end());
  return codes;
}

TEST(FoldedNames, ACustomNoveltyRulesValueLearnedUnderItsFormerKeyInACheckpointStillCounts) {
  const std::string file = ::testing::TempDir() + "/folded_names_novelty.yaml";
  const ConfigLoadResult r = CustomNoveltyRules(file);
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.line << ": " << e.message;
  ASSERT_NE(r.config, nullptr);
  const uint64_t admin = Account(kFoldedNamesTenant, kFoldedNamesAdmin).key;
  // A generic novelty rule's fingerprint: the account salted with the rule's id, then the value.
  const auto fp = [&](std::string_view code, uint64_t value) {
    return HashCombine(HashCombine(admin, HashBytes(code)), value);
  };
  const uint64_t device = HashLower("windows10|edge");
  const uint64_t old_device = HashLower("Windows 10|Edge");
  const uint64_t imap = parsers::LegacyProtocolKey(parsers::LegacyProtocol::kImap);
  const uint64_t old_app = HashLower("Other clients; IMAP");
  // What a build before the folds learned: the activity, the client app and the device as
  // spelled by the records.
  const auto as_before_the_folds = [&](uint64_t key) {
    if (key == fp("ACME-NV-ACT", HashLower("authentication methods policy update"))) {
      return fp("ACME-NV-ACT", HashLower("update authentication methods policy"));
    }
    if (key == fp("ACME-NV-APP", imap)) return fp("ACME-NV-APP", old_app);
    if (key == fp("ACME-NV-DEV", device)) return fp("ACME-NV-DEV", old_device);
    return key;
  };
  for (const char* later :
       {"Update authentication methods policy", "Authentication Methods Policy Update"}) {
    EngineHarness before(r.config);
    before.Feed(Change("Update authentication methods policy", "2026-03-01T09:00:00Z"));
    before.Feed(SignInWith("2026-03-01T09:30:00Z", imap, old_app, device, old_device));
    EngineHarness after(r.config);
    FoldedNamesTransfer(before, after, as_before_the_folds);
    after.Feed(Change(later, "2026-03-21T09:00:00Z"));
    // The same client and device 20 days on, under another spelling of the protocol.
    after.Feed(SignInWith("2026-03-21T09:30:00Z", imap, HashLower("IMAP"), device, old_device));
    EXPECT_EQ(CustomCodes(after, *r.config), std::vector<std::string>{}) << later;
    // Another activity, protocol and device are still new.
    after.Feed(Change("Add group", "2026-03-21T10:00:00Z"));
    after.Feed(SignInWith("2026-03-21T10:30:00Z",
                          parsers::LegacyProtocolKey(parsers::LegacyProtocol::kPop), 0,
                          HashLower("macos|safari"), 0));
    EXPECT_EQ(CustomCodes(after, *r.config),
              (std::vector<std::string>{"ACME-NV-ACT", "ACME-NV-APP", "ACME-NV-DEV"}))
        << later;
  }
  std::remove(file.c_str());
}

}  // namespace
}  // namespace privmon::testing
