// A good config compiles to the values the hot path reads: defaults overlaid by each tenant,
// names hashed case-insensitively, CIDR ranges, working hours in the tenant's zone, durations.
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "core/hash.h"
#include "parsers/ip_address.h"

namespace privmon {
namespace {

std::shared_ptr<const CompiledConfig> Load(const std::string& yaml) {
  ConfigLoadResult r = LoadConfigText(yaml, "good.yaml");
  for (const auto& e : r.errors) ADD_FAILURE() << e.message;
  return r.config;
}

const TenantSettings& Tenant(const CompiledConfig& c, std::string_view id) {
  auto it = c.tenants.find(HashLower(id));
  EXPECT_NE(it, c.tenants.end()) << id;
  return *it->second;
}

std::array<uint8_t, 16> Ip(const std::string& text) {
  std::array<uint8_t, 16> out{};
  EXPECT_NE(parsers::ParseIpAddress(text, out), 0) << text;
  return out;
}

int64_t UnixAt(absl::CivilSecond local, const char* zone_name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  return absl::ToUnixSeconds(absl::FromCivil(local, zone));
}

constexpr const char* kGood = R"(
pipeline: {shards: 8, parse_threads: 2, queue_capacity: 1024, allowed_lateness: 1h5m,
           max_message_bytes: 65536, max_tenant_series: 50}
sources:
  - zmq: {endpoint: "tcp://0.0.0.0:7000", bind: false, tenant: "{0C7E2F4A-5B6D-4E8F-9A1B-2C3D4E5F6A7B}",
         high_water_mark: 50}
  - zmq_sub: {endpoint: "tcp://pub:7001"}
  - file: {path: in.ndjson, tenant: 0c7e2f4a5b6d4e8f9a1b2c3d4e5f6a7c}
  - stdin: {}
  - zmq: {endpoint: "tcp://0.0.0.0:7002"}
sinks: [{stdout: {}}, {file: {path: out.jsonl}}, {zmq_pub: {endpoint: "tcp://*:7003"}}]
metrics: {listen: off}
dead_letter: {path: dead.ndjson}
defaults:
  privileged_roles: [Global Administrator, Security Reader]
  learning_period: 7d
  suppression: {period: 2h}
  rules:
    PRIV-SI-01: {threshold: 7, window: 15m}
    PRIV-PA-05: {window: 45d, severity: low, suppress: 30s}
tenants:
  "AAAA-Contoso":
    name: Contoso
    break_glass: [BG1@Contoso.com]
    paw_devices: [Dev-1]
    approved:
      countries: [us, CA]
      ip_ranges: [203.0.113.0/24, "2001:db8::/32", 198.51.100.7]
      inviters: [hr@contoso.com]
      require_managed_device: true
    naming_policy: "^adm_"
    working_hours: {timezone: America/New_York, days: Mon-Fri, hours: "07:00-19:00"}
    high_value_apps: [Payroll]
    rules:
      PRIV-SI-01: {threshold: 3}
      PRIV-SI-10: {enabled: false}
  fabrikam: {}
)";

TEST(ConfigValues, PipelineSourcesSinksAndEndpointsCompileAsWritten) {
  auto c = Load(kGood);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->pipeline.shards, 8u);
  EXPECT_EQ(c->pipeline.parse_threads, 2u);
  EXPECT_EQ(c->pipeline.queue_capacity, 1024u);
  EXPECT_EQ(c->pipeline.allowed_lateness_s, 3900);
  EXPECT_EQ(c->pipeline.max_message_bytes, 65536u);
  EXPECT_EQ(c->pipeline.max_tenant_series, 50u);
  ASSERT_EQ(c->sources.size(), 5u);
  EXPECT_EQ(c->sources[0].type, SourceType::kZmqPull);
  EXPECT_EQ(c->sources[0].endpoint, "tcp://0.0.0.0:7000");
  EXPECT_FALSE(c->sources[0].bind);
  // As records and `tenants:` spell it: lower case, dashed, without the braces.
  EXPECT_EQ(c->sources[0].tenant, "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b");
  EXPECT_EQ(c->sources[0].high_water_mark, 50);
  EXPECT_EQ(c->sources[0].name, "zmq");
  EXPECT_EQ(c->sources[1].type, SourceType::kZmqSub);
  EXPECT_FALSE(c->sources[1].bind);
  EXPECT_EQ(c->sources[2].type, SourceType::kFile);
  EXPECT_EQ(c->sources[2].path, "in.ndjson");
  EXPECT_EQ(c->sources[2].tenant, "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7c");
  EXPECT_EQ(c->sources[3].type, SourceType::kStdin);
  EXPECT_EQ(c->sources[4].name, "zmq-2");  // unnamed sources get distinct metric labels
  ASSERT_EQ(c->sinks.size(), 3u);
  EXPECT_EQ(c->sinks[0].type, SinkType::kStdout);
  EXPECT_EQ(c->sinks[1].type, SinkType::kFile);
  EXPECT_EQ(c->sinks[1].path, "out.jsonl");
  EXPECT_EQ(c->sinks[2].type, SinkType::kZmqPub);
  EXPECT_EQ(c->sinks[2].endpoint, "tcp://*:7003");
  EXPECT_EQ(c->metrics_listen, "");  // `off` disables metrics
  EXPECT_EQ(c->dead_letter_path, "dead.ndjson");
}

TEST(ConfigValues, TenantKeepsDefaultsForEverythingItDoesNotSet) {
  auto c = Load(kGood);
  ASSERT_NE(c, nullptr);
  const TenantSettings& contoso = Tenant(*c, "aaaa-contoso");  // ids are case-insensitive
  const TenantSettings& fabrikam = Tenant(*c, "fabrikam");
  EXPECT_EQ(contoso.tenant_id, "AAAA-Contoso");
  EXPECT_EQ(contoso.name, "Contoso");
  // The tenant's threshold wins; the window still comes from defaults.
  EXPECT_EQ(contoso.rule(RuleId::kSI01).threshold, 3u);
  EXPECT_EQ(contoso.rule(RuleId::kSI01).window_s, 15 * kMinute);
  EXPECT_EQ(fabrikam.rule(RuleId::kSI01).threshold, 7u);
  EXPECT_FALSE(contoso.rule(RuleId::kSI10).enabled);
  EXPECT_TRUE(fabrikam.rule(RuleId::kSI10).enabled);
  // suppression.period applies to every rule; a rule's own suppress wins over it.
  EXPECT_EQ(fabrikam.rule(RuleId::kBG01).suppress_s, 2 * kHour);
  EXPECT_EQ(fabrikam.rule(RuleId::kPA05).suppress_s, 30);
  EXPECT_EQ(fabrikam.rule(RuleId::kPA05).window_s, 45 * kDay);
  EXPECT_EQ(fabrikam.rule(RuleId::kPA05).severity, Severity::kLow);
  EXPECT_EQ(fabrikam.rule(RuleId::kEL06).window_s, kHour);  // untouched: builtin
  EXPECT_EQ(fabrikam.learning_period_s, 7 * kDay);
  // The privileged role list replaces the builtin one.
  EXPECT_EQ(fabrikam.privileged_roles.size(), 2u);
  EXPECT_TRUE(fabrikam.privileged_roles.contains(HashLower("security reader")));
  EXPECT_FALSE(fabrikam.privileged_roles.contains(HashLower("User Administrator")));
  EXPECT_TRUE(fabrikam.break_glass.empty());
  EXPECT_FALSE(fabrikam.working_hours.configured);
  // Unlisted tenants read the compiled defaults.
  EXPECT_EQ(&c->ForTenant(HashLower("unknown")), c->defaults.get());
  EXPECT_EQ(c->defaults->rule(RuleId::kSI01).threshold, 7u);
}

TEST(ConfigValues, ListsAreHashedCaseInsensitively) {
  auto c = Load(kGood);
  ASSERT_NE(c, nullptr);
  const TenantSettings& t = Tenant(*c, "AAAA-Contoso");
  EXPECT_TRUE(t.break_glass.contains(HashLower("bg1@contoso.com")));
  EXPECT_TRUE(t.paw_devices.contains(HashLower("DEV-1")));
  EXPECT_TRUE(t.approved_inviters.contains(HashLower("HR@contoso.com")));
  EXPECT_TRUE(t.high_value_apps.contains(HashLower("payroll")));
  EXPECT_TRUE(t.approved_countries.contains(TenantSettings::PackCountry('U', 'S')));
  EXPECT_TRUE(t.approved_countries.contains(TenantSettings::PackCountry('C', 'A')));
  EXPECT_TRUE(t.require_managed_device);
  ASSERT_TRUE(t.naming_policy.has_value());
  EXPECT_TRUE(t.naming_policy->Search("adm_alice@contoso.com"));
  EXPECT_FALSE(t.naming_policy->Search("alice@contoso.com"));
  EXPECT_EQ(t.naming_policy_text, "^adm_");
}

TEST(ConfigValues, GuestListedByExtUpnIsAlsoListedByItsHomeUpn) {
  // A guest's directory UPN spells its e-mail address with '_' for '@' before "#EXT#@"; its
  // sign-ins name it by that address (its home UPN).
  auto c = Load(R"(
tenants:
  "AAAA-Contoso":
    name: Contoso
    privileged_accounts:
      - Vendor.Ops_Fabrikam.example#EXT#@contoso.onmicrosoft.com
      - first_last_partner.example#ext#@contoso.onmicrosoft.com
      - _odd#EXT#@contoso.onmicrosoft.com
      - adm_x@contoso.com
)");
  ASSERT_NE(c, nullptr);
  const TenantSettings& t = Tenant(*c, "AAAA-Contoso");
  EXPECT_TRUE(t.privileged_accounts.contains(
      HashLower("vendor.ops_fabrikam.example#ext#@contoso.onmicrosoft.com")));
  EXPECT_TRUE(t.privileged_accounts.contains(HashLower("vendor.ops@fabrikam.example")));
  // The address's '@' is the last '_': a local part may hold one, a domain does not.
  EXPECT_TRUE(t.privileged_accounts.contains(HashLower("first_last@partner.example")));
  EXPECT_FALSE(t.privileged_accounts.contains(HashLower("first@last_partner.example")));
  // No address before "#EXT#" (nothing before its '_'), and a member's UPN: nothing more listed.
  EXPECT_FALSE(t.privileged_accounts.contains(HashLower("@odd")));
  EXPECT_FALSE(t.privileged_accounts.contains(HashLower("adm@x@contoso.com")));
  EXPECT_EQ(t.privileged_accounts.size(), 6u);
}

TEST(ConfigValues, CidrRangesContainTheirAddressesOnly) {
  auto c = Load(kGood);
  ASSERT_NE(c, nullptr);
  const auto& ranges = Tenant(*c, "AAAA-Contoso").approved_ip_ranges;
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].prefix_bits, 24 + 96);
  EXPECT_TRUE(ranges[0].Contains(Ip("203.0.113.77")));
  EXPECT_FALSE(ranges[0].Contains(Ip("203.0.114.1")));
  EXPECT_EQ(ranges[1].prefix_bits, 32);
  EXPECT_TRUE(ranges[1].Contains(Ip("2001:db8:1::5")));
  EXPECT_FALSE(ranges[1].Contains(Ip("2001:db9::1")));
  EXPECT_EQ(ranges[2].prefix_bits, 128);  // a bare IPv4 address is /32
  EXPECT_TRUE(ranges[2].Contains(Ip("198.51.100.7")));
  EXPECT_FALSE(ranges[2].Contains(Ip("198.51.100.8")));
  EXPECT_FALSE(ranges[0].Contains(Ip("::1")));
}

// The config's ranges and the events' addresses are read by one parser, so they cannot disagree:
// an octet with a leading zero ("010" is 10 to some readers, 8 to inet_aton) is no address in
// either, and the same text means the same bytes in both.
TEST(ConfigValues, IpRangesAndEventAddressesAreReadByOneParser) {
  std::array<uint8_t, 16> event_ip{};
  EXPECT_EQ(parsers::ParseIpAddress("010.1.1.1", event_ip), 0);
  const ConfigLoadResult bad = LoadConfigText(R"(
tenants:
  T1:
    approved: {ip_ranges: ["010.1.1.0/24"]}
)",
                                              "bad.yaml");
  EXPECT_EQ(bad.config, nullptr);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].message.find("expected an IP range"), std::string::npos)
      << bad.errors[0].message;
  auto c = Load(R"(
tenants:
  T1:
    approved: {ip_ranges: ["10.1.1.0/24", "::ffff:192.0.2.0/120"]}
)");
  ASSERT_NE(c, nullptr);
  const auto& ranges = Tenant(*c, "T1").approved_ip_ranges;
  ASSERT_EQ(ranges.size(), 2u);
  ASSERT_EQ(parsers::ParseIpAddress("10.1.1.7", event_ip), 4);
  EXPECT_TRUE(ranges[0].Contains(event_ip));
  ASSERT_EQ(parsers::ParseIpAddress("::ffff:192.0.2.9", event_ip), 6);
  EXPECT_TRUE(ranges[1].Contains(event_ip));
  ASSERT_EQ(parsers::ParseIpAddress("192.0.2.9", event_ip), 4);  // the same address as IPv4 text
  EXPECT_TRUE(ranges[1].Contains(event_ip));
}

TEST(ConfigValues, WorkingHoursFollowNewYorkAcrossDaylightSaving) {
  auto c = Load(kGood);
  ASSERT_NE(c, nullptr);
  const WorkingHours& wh = Tenant(*c, "AAAA-Contoso").working_hours;
  ASSERT_TRUE(wh.configured);
  EXPECT_EQ(wh.day_mask, 0x1F);
  EXPECT_EQ(wh.start_minute, 7 * 60);
  EXPECT_EQ(wh.end_minute, 19 * 60);
  // Winter (EST, UTC-5): Tuesday 2026-01-13 07:30 local = 12:30Z is inside, 06:30 local is not.
  EXPECT_TRUE(wh.Contains(UnixAt(absl::CivilSecond(2026, 1, 13, 12, 30, 0), "UTC")));
  EXPECT_FALSE(wh.Contains(UnixAt(absl::CivilSecond(2026, 1, 13, 11, 30, 0), "UTC")));
  // Summer (EDT, UTC-4): Tuesday 2026-07-14 11:30Z is 07:30 local, inside; 23:30Z is 19:30 out.
  EXPECT_TRUE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 14, 11, 30, 0), "UTC")));
  EXPECT_FALSE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 14, 23, 30, 0), "UTC")));
  // 12:30Z in summer is 08:30 local (inside), and the same UTC time on Saturday is outside.
  EXPECT_TRUE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 14, 12, 30, 0), "UTC")));
  EXPECT_FALSE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 18, 12, 30, 0), "UTC")));
  // Sunday-to-Monday edge in local time, not UTC: Monday 01:00Z is still Sunday in New York.
  EXPECT_FALSE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 13, 1, 0, 0), "UTC")));
  EXPECT_TRUE(wh.Contains(UnixAt(absl::CivilSecond(2026, 7, 13, 9, 0, 0), "America/New_York")));
}

TEST(ConfigValues, WorkingDaysAcceptListsRangesAndOvernightHours) {
  auto c = Load(
      "tenants:\n"
      "  a: {working_hours: {timezone: UTC, days: [Sat, sunday], hours: \"22:00-06:00\"}}\n"
      "  b: {working_hours: {days: \"Fri-Mon, Wed\", hours: \"00:00-24:00\"}}\n");
  ASSERT_NE(c, nullptr);
  const WorkingHours& a = Tenant(*c, "a").working_hours;
  EXPECT_EQ(a.day_mask, 0x60);
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 18, 23, 0, 0), "UTC")));
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 19, 5, 59, 0), "UTC")));
  EXPECT_FALSE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 19, 6, 0, 0), "UTC")));
  const WorkingHours& b = Tenant(*c, "b").working_hours;
  EXPECT_EQ(b.day_mask, 0b1110101);  // Mon, Wed, Fri, Sat, Sun
  EXPECT_EQ(b.end_minute, 24 * 60);
}

// A shift past midnight belongs to the day it starts (breaker round 32): a Mon-Fri night shift
// runs from Friday 22:00 into Saturday 06:00, and Monday 02:00 ends Sunday night, no shift.
TEST(ConfigValues, AnOvernightShiftBelongsToTheDayItStarts) {
  auto c = Load(
      "tenants:\n"
      "  a: {working_hours: {timezone: UTC, days: Mon-Fri, hours: \"22:00-06:00\"}}\n");
  ASSERT_NE(c, nullptr);
  const WorkingHours& a = Tenant(*c, "a").working_hours;
  // 2026-07-17 is a Friday.
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 17, 23, 0, 0), "UTC")));
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 18, 2, 0, 0), "UTC")));    // Sat
  EXPECT_FALSE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 18, 23, 0, 0), "UTC")));  // Sat
  EXPECT_FALSE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 20, 2, 0, 0), "UTC")));   // Mon
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 20, 22, 0, 0), "UTC")));   // Mon
  EXPECT_TRUE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 21, 5, 59, 0), "UTC")));   // Tue
  EXPECT_FALSE(a.Contains(UnixAt(absl::CivilSecond(2026, 7, 21, 6, 0, 0), "UTC")));
  for (int weekday = 0; weekday < 7; ++weekday) {
    EXPECT_EQ(InShift(0x1F, weekday, 120, 22 * 60, 6 * 60), weekday >= 1 && weekday <= 5)
        << weekday;
    EXPECT_EQ(InShift(0x1F, weekday, 600, 8 * 60, 18 * 60), weekday <= 4) << weekday;
  }
}

// A tenant's working_hours override the defaults' key by key (breaker round 32): its hours alone
// keep the inherited timezone and days, which were replaced by UTC and Mon-Fri.
TEST(ConfigValues, ATenantsWorkingHoursOverrideTheDefaultsKeyByKey) {
  auto c = Load(
      "defaults:\n"
      "  working_hours: {timezone: Europe/Berlin, days: [Tue, Wed], hours: \"08:00-18:00\"}\n"
      "tenants:\n"
      "  a: {working_hours: {hours: \"07:00-20:00\"}}\n"
      "  b: {working_hours: {timezone: UTC}}\n");
  ASSERT_NE(c, nullptr);
  const WorkingHours& a = Tenant(*c, "a").working_hours;
  EXPECT_EQ(a.zone.name(), "Europe/Berlin");
  EXPECT_EQ(a.day_mask, 0b0000110);
  EXPECT_EQ(a.start_minute, 7 * 60);
  EXPECT_EQ(a.end_minute, 20 * 60);
  const WorkingHours& b = Tenant(*c, "b").working_hours;
  EXPECT_EQ(b.zone.name(), "UTC");
  EXPECT_EQ(b.start_minute, 8 * 60);
  EXPECT_EQ(b.end_minute, 18 * 60);
}

// A rule's own `suppress`, given under defaults, wins over a tenant's `suppression.period`
// (breaker round 32); the period still sets every other rule.
TEST(ConfigValues, ARulesOwnSuppressWinsOverATenantsPeriod) {
  auto c = Load(
      "defaults:\n"
      "  rules: {PRIV-BG-01: {suppress: 0}}\n"
      "tenants:\n"
      "  a: {suppression: {period: 30m}}\n");
  ASSERT_NE(c, nullptr);
  const TenantSettings& a = Tenant(*c, "a");
  EXPECT_EQ(a.rule(RuleId::kBG01).suppress_s, 0);
  EXPECT_EQ(a.rule(RuleId::kBG02).suppress_s, 30 * 60);
}

TEST(ConfigValues, DurationsAcceptUnitsCombinationsAndPlainSeconds) {
  const std::pair<const char*, int64_t> cases[] = {
      {"30s", 30},    {"5m", 300}, {"1h", 3600}, {"24h", 86400},     {"14d", 14 * 86400},
      {"1h5m", 3900}, {"90", 90},  {"0", 0},     {"2w", 14 * 86400}, {"1d12h", 129600}};
  for (const auto& [text, seconds] : cases) {
    auto c = Load(std::string("pipeline: {allowed_lateness: ") + text + "}\n");
    ASSERT_NE(c, nullptr) << text;
    EXPECT_EQ(c->pipeline.allowed_lateness_s, seconds) << text;
  }
  for (const char* bad : {"-5m", "h", "1.5h", "5 m", "1h5", "10y", "\"\"", "[1]"}) {
    EXPECT_FALSE(
        LoadConfigText(std::string("pipeline: {allowed_lateness: ") + bad + "}\n").errors.empty())
        << bad;
  }
}

TEST(ConfigValues, AnEmptyMapGivesTheBuiltinDefaultsButEmptyTextIsAnError) {
  const ConfigLoadResult empty = LoadConfigText("", "empty.yaml");
  ASSERT_EQ(empty.errors.size(), 1u);
  EXPECT_EQ(empty.config, nullptr);
  EXPECT_NE(empty.errors[0].message.find("the config is empty"), std::string::npos);
  auto c = Load("{}");
  ASSERT_NE(c, nullptr);
  auto builtin = BuiltinDefaultConfig();
  EXPECT_EQ(c->metrics_listen, builtin->metrics_listen);
  EXPECT_EQ(c->sources.size(), 1u);
  EXPECT_EQ(c->sinks.size(), 1u);
  EXPECT_TRUE(c->tenants.empty());
  EXPECT_EQ(c->defaults->privileged_roles.size(), DefaultPrivilegedRoles().size());
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    EXPECT_TRUE(c->defaults->rules[i].enabled);
    EXPECT_EQ(c->defaults->rules[i].threshold, kRuleCatalog[i].threshold);
  }
}

TEST(ConfigValues, SinksAreLabelledByTheirNameElseByKindNumberedWithinTheKind) {
  auto c = Load(
      "sinks:\n"
      "  - stdout: {}\n"
      "  - file: {path: archive.jsonl, name: siem-archive}\n"
      "  - file: {path: b.jsonl}\n"
      "  - zmq_pub: {endpoint: \"tcp://*:7003\", name: soc-bus}\n"
      "  - file: {path: c.jsonl}\n");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->sinks.size(), 5u);
  EXPECT_EQ(c->sinks[0].name, "stdout");
  EXPECT_EQ(c->sinks[1].name, "siem-archive");
  EXPECT_EQ(c->sinks[2].name, "file_2");  // the second file sink, named or not
  EXPECT_EQ(c->sinks[3].name, "soc-bus");
  EXPECT_EQ(c->sinks[4].name, "file_3");
}

}  // namespace
}  // namespace privmon
