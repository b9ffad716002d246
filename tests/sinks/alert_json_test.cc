#include "sinks/alert_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <regex>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "core/json_escape.h"

namespace privmon {
namespace {

EventTime T(std::string_view iso) { return *ParseIsoTime(iso); }

Alert PawAlert() {
  Alert a;
  a.rule = RuleId::kEL06;
  a.severity = Severity::kHigh;
  a.alert_id = 0x00ab'cdef'0123'4567ULL;
  a.tenant_id.assign("72f988bf-86f1-41af-91ab-2d7cd011db47");
  a.tenant_name.assign("Contoso");
  a.incident_key = 0x1122'3344'5566'7788ULL;
  a.account_id.assign("0b1c2d3e-aaaa-bbbb-cccc-1234567890ab");
  a.account_upn.assign("alice-admin@contoso.com");
  a.time = T("2026-11-24T10:01:02Z");
  a.first_seen = T("2026-11-24T10:00:00Z");
  a.last_seen = T("2026-11-24T10:01:02.5Z");
  a.count = 1;
  Event signin;
  signin.kind = EventKind::kSignIn;
  signin.time = T("2026-11-24T10:00:00Z");
  signin.record_id.assign("sig-1");
  Event audit;
  audit.kind = EventKind::kAudit;
  audit.time = T("2026-11-24T10:01:02Z");
  audit.record_id.assign("aud-2");
  a.AddEvidence(signin);
  a.AddEvidence(audit);
  a.AddDetail("device_id", "dev-42");
  a.AddDetail("role", "Global Administrator");
  return a;
}

TEST(AlertJson, WritesTheDesignShapeThenTheSchema2FieldsExactly) {
  std::string out;
  AppendAlertJson(PawAlert(), out);
  EXPECT_EQ(
      out,
      R"({"alert_id":"00abcdef01234567","rule_id":"PRIV-EL-06",)"
      R"("rule":"Elevation not from a privileged access workstation","severity":"high",)"
      R"("tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47",)"
      R"("account":{"id":"0b1c2d3e-aaaa-bbbb-cccc-1234567890ab","upn":"alice-admin@contoso.com"},)"
      R"("time":"2026-11-24T10:01:02.000000Z","first_seen":"2026-11-24T10:00:00.000000Z",)"
      R"("last_seen":"2026-11-24T10:01:02.500000Z","count":1,)"
      R"("evidence":[{"kind":"signin","record_id":"sig-1","time":"2026-11-24T10:00:00.000000Z"},)"
      R"({"kind":"audit","record_id":"aud-2","time":"2026-11-24T10:01:02.000000Z"}],)"
      R"("details":{"device_id":"dev-42","role":"Global Administrator"},)"
      R"("guide_row":"Elevation not occurring on SAW/PAW",)"
      R"("schema":2,"tenant_name":"Contoso","attack":["T1548.005","T1078.004"],)"
      R"("incident_key":"1122334455667788",)"
      R"("message":"Elevation not from a privileged access workstation: alice-admin@contoso.com )"
      R"x(in Contoso (device_id=dev-42, role=Global Administrator)"})x"
      "\n");
}

// Every time of an alert is RFC 3339 UTC with six fraction digits, whole seconds included: a SIEM
// parses the field with one fixed pattern (Splunk TIME_FORMAT %Y-%m-%dT%H:%M:%S.%6N%Z, a QRadar or
// Sentinel DCR datetime pattern). Before, a whole second was written without a fraction
// ("10:01:02Z") and any other time with six digits, so one field had two shapes.
TEST(AlertJson, EveryTimeIsRfc3339UtcWithSixFractionDigits) {
  std::string out;
  AppendAlertJson(PawAlert(), out);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
  std::vector<std::string> times;
  for (const char* key : {"time", "first_seen", "last_seen"}) {
    times.emplace_back(std::string_view(root[key]));
  }
  for (simdjson::dom::element ev : simdjson::dom::array(root["evidence"])) {
    times.emplace_back(std::string_view(ev["time"]));
  }
  ASSERT_EQ(times.size(), 5u);
  for (const std::string& t : times) EXPECT_TRUE(std::regex_match(t, rfc3339)) << t;
  EXPECT_EQ(times[0], "2026-11-24T10:01:02.000000Z");
  EXPECT_EQ(times[2], "2026-11-24T10:01:02.500000Z");
}

TEST(AlertJson, NamesEveryEvidenceKind) {
  Alert a;
  for (auto kind :
       {EventKind::kMfaRegistration, EventKind::kAzureActivity, EventKind::kSecurityEvent}) {
    Event e;
    e.kind = kind;
    a.AddEvidence(e);
  }
  std::string out;
  AppendAlertJson(a, out);
  EXPECT_NE(out.find(R"("kind":"registration")"), std::string::npos);
  EXPECT_NE(out.find(R"("kind":"azure_activity")"), std::string::npos);
  EXPECT_NE(out.find(R"("kind":"security_event")"), std::string::npos);
  EXPECT_NE(out.find(R"("details":{})"), std::string::npos);
}

TEST(AlertJson, WritesNumbersAsNumbersAndBooleansAsBooleans) {
  Alert a = PawAlert();
  a.detail_count = 0;
  a.AddNumber("error_code", 50126);
  a.AddFlag("is_admin", true);
  a.AddFlag("is_mfa_registered", false);
  a.AddDetail("city", "Oslo");
  std::string out;
  AppendAlertJson(a, out);
  EXPECT_NE(
      out.find(
          R"("details":{"error_code":50126,"is_admin":true,"is_mfa_registered":false,"city":"Oslo"})"),
      std::string::npos)
      << out;
}

TEST(AlertJson, MessageFallsBackToIdsAndCountsRepeats) {
  Alert a = PawAlert();
  a.account_upn.clear();
  a.tenant_name.clear();
  a.detail_count = 0;
  a.count = 5;
  std::string out;
  AppendAlertJson(a, out);
  EXPECT_NE(
      out.find(R"("message":"Elevation not from a privileged access workstation: )"
               R"(0b1c2d3e-aaaa-bbbb-cccc-1234567890ab in 72f988bf-86f1-41af-91ab-2d7cd011db47, )"
               R"(5 events")"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("tenant_name":"")"), std::string::npos);
}

TEST(AlertJson, AppendsToTheBufferWithoutReallocatingOnceLargeEnough) {
  std::string out;
  out.reserve(4096);
  const char* data = out.data();
  for (int i = 0; i < 3; ++i) {
    out.clear();
    AppendAlertJson(PawAlert(), out);
  }
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
}

TEST(AlertJson, EscapesHostileStrings) {
  Alert a = PawAlert();
  a.account_upn.assign(std::string_view("q\"b\\s\n\t\x01\x1f\x7f", 10));
  a.AddDetail("note", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");  // valid UTF-8 passes
  std::string out;
  AppendAlertJson(a, out);
  EXPECT_NE(out.find(R"("upn":"q\"b\\s\u000a\u0009\u0001\u001f)"
                     "\x7f\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"note\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\""), std::string::npos);
  EXPECT_EQ(out.find('\n'), out.size() - 1);
}

// A name longer than its field is cut at a character boundary: an app, role or device display
// name in Japanese or with accents (2-4 bytes a character) ends in whole characters. Before, the
// cut fell inside a character and the alert carried a trailing U+FFFD (and the OCSF line, a
// resource or user name, too) where the SIEM expected the name's prefix.
TEST(AlertJson, ALongNameIsCutAtACharacterBoundary) {
  Alert a = PawAlert();
  a.detail_count = 0;
  std::string app = "a";
  for (int i = 0; i < 60; ++i) app += "\xc3\xa9";  // 121 bytes: the 96-byte cut splits an 'e'
  a.AddDetail("app", app);
  std::string upn;
  for (int i = 0; i < 40; ++i) upn += "\xe7\xae\xa1";  // 120 bytes of a 3-byte character
  a.account_upn.assign(upn);
  EXPECT_TRUE(a.details[0].value.truncated());
  EXPECT_TRUE(a.account_upn.truncated());
  std::string out;
  AppendAlertJson(a, out);
  EXPECT_EQ(out.find("\\ufffd"), std::string::npos) << out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(root["details"]["app"]), app.substr(0, 95));
  EXPECT_EQ(std::string_view(root["account"]["upn"]), upn.substr(0, 96));
}

// A custom rule may list one detail twice (`details: [place, place]`, `[error_code, error_code]`):
// the details object keeps each key once. Before, the key appeared twice in one JSON object, which
// Elasticsearch (strict duplicate detection) rejects: the alert never reached the SIEM.
TEST(AlertJson, DetailsKeepEachKeyOnce) {
  Alert a = PawAlert();
  a.detail_count = 0;
  a.AddNumber("error_code", 50126);
  a.AddDetail("country", "NO");
  a.AddNumber("error_code", 50126);
  a.AddDetail("country", "NO");
  std::string out;
  AppendAlertJson(a, out);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  std::vector<std::string> keys;
  for (auto field : simdjson::dom::object(root["details"])) keys.emplace_back(field.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"error_code", "country"})) << out;
  EXPECT_NE(out.find(R"x(in Contoso (error_code=50126, country=NO)")x"), std::string::npos) << out;
}

TEST(JsonEscape, ReplacesEachInvalidUtf8ByteWithReplacementCharacter) {
  const auto esc = [](std::string_view s) {
    std::string out;
    AppendJsonString(s, out);
    return out;
  };
  EXPECT_EQ(esc("a\xff"
                "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(esc("\xc3"), "\"\\ufffd\"");                                   // truncated sequence
  EXPECT_EQ(esc("\xc0\xaf"), "\"\\ufffd\\ufffd\"");                        // overlong '/'
  EXPECT_EQ(esc("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");             // UTF-16 surrogate
  EXPECT_EQ(esc("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
  EXPECT_EQ(esc(std::string_view("\0x", 2)), "\"\\u0000x\"");
  EXPECT_EQ(esc(""), "\"\"");
}

}  // namespace
}  // namespace privmon
