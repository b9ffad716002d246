// A custom rule's details write the keys the loader counts toward an alert's 4 (DetailKeys,
// DetailKeyNames in rules/rule_fields.cc) and no others: the two lists restate what AddDetails
// (detectors/generic_rules.cc) writes, and `check` refuses a list by their count. Each detail name
// is fired alone on a record with every field it reads filled.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "config/loader.h"
#include "rules/rule_fields.h"
#include "tests/support/engine_helpers.h"

namespace privmon {
namespace {

using testing::EngineHarness;

constexpr const char* kTenant = "00000000-0000-4000-8000-0000000000d1";
constexpr const char* kAdmin = "admin@contoso.com";

// The record kind a detail reads, as a rule's `sources` names it.
const char* SourceFor(DetailKind d) {
  switch (d) {
    case DetailKind::kAudit:
    case DetailKind::kApp:
      return "audit";
    case DetailKind::kEventId:
    case DetailKind::kComputer:
      return "security_event";
    case DetailKind::kRegistration:
      return "registration";
    default:
      return "signin";
  }
}

Event FullRecord(DetailKind d) {
  Event e;
  const std::string_view source = SourceFor(d);
  if (source == "audit") {
    e = testing::Audit(kTenant, Activity::kOther, "Update user", kAdmin, "2026-11-03T10:00:00Z",
                       "Global Administrator");
    e.actor = testing::Account(kTenant, "operator@contoso.com");
    e.audit.app_name.assign("Contoso HR");
  } else {
    e = testing::SignIn(kTenant, kAdmin, "2026-11-03T10:00:00Z", 50126);
    e.signin.country[0] = 'U';
    e.signin.country[1] = 'S';
    e.signin.city.assign("Redmond");
    e.signin.ip_text.assign("203.0.113.7");
    e.signin.risk_state = RiskState::kAtRisk;
    e.signin.ca_status = CaStatus::kFailure;
    e.signin.home_tenant_hash = HashLower(kTenant);
    e.signin.resource_tenant_hash = HashLower("00000000-0000-4000-8000-0000000000d2");
    if (source == "security_event") {
      e.kind = EventKind::kSecurityEvent;
      e.security.event_id = 4625;
      e.security.computer.assign("dc01.aaddscontoso.com");
    } else if (source == "registration") {
      e.kind = EventKind::kMfaRegistration;
      e.registration.is_mfa_registered = false;
      e.registration.is_mfa_stated = true;
      e.registration.is_admin = true;
      e.registration.is_admin_stated = true;
    }
  }
  return e;
}

std::set<std::string> Split(std::string_view names) {
  std::set<std::string> out;
  std::size_t at = 0;
  while (at < names.size()) {
    std::size_t end = names.find(", ", at);
    if (end == std::string_view::npos) end = names.size();
    out.emplace(names.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

TEST(DetailKeys, EachDetailWritesTheKeysTheLoaderCounts) {
  const std::string names = DetailNames();
  for (const std::string& name : Split(names)) {
    SCOPED_TRACE(name);
    const std::optional<DetailKind> detail = FindDetail(name);
    ASSERT_TRUE(detail.has_value());
    const std::string file = ::testing::TempDir() + "detail_keys_" + name + ".yaml";
    {
      std::ofstream out(file);
      out << "rules:\n  - id: KEYS-01\n    name: \"detail " << name
          << "\"\n    kind: match\n    sources: [" << SourceFor(*detail)
          << "]\n    severity: low\n    when: {account.privileged: true}\n    details: [" << name
          << "]\n";
    }
    const ConfigLoadResult r =
        LoadConfigText("rule_files: [\"" + file + "\"]\ntenants: {\"" + kTenant +
                       "\": {privileged_accounts: [" + kAdmin + "]}}\n");
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.line << ": " << e.message;
    ASSERT_NE(r.config, nullptr);
    EngineHarness h(r.config);
    h.Feed(FullRecord(*detail));
    h.Finish();
    RuleId id = RuleId::kCount;
    for (const RuleDefinition& d : r.config->rules->definitions) {
      if (d.code == "KEYS-01") id = d.id;
    }
    std::vector<Alert> alerts = h.Drain();
    std::erase_if(alerts, [&](const Alert& a) { return a.rule != id; });  // builtin ones too
    ASSERT_EQ(alerts.size(), 1u);
    std::set<std::string> keys;
    for (uint8_t i = 0; i < alerts[0].detail_count; ++i) {
      keys.emplace(alerts[0].details[i].key);
    }
    // "initiated_by or target": an alert naming the account writes the initiator.
    std::string expected(DetailKeyNames(*detail));
    if (const std::size_t at = expected.find(" or target"); at != std::string::npos) {
      expected.erase(at);
    }
    EXPECT_EQ(keys, Split(expected));
    EXPECT_EQ(keys.size(), DetailKeys(*detail));
    std::remove(file.c_str());
  }
}

}  // namespace
}  // namespace privmon
