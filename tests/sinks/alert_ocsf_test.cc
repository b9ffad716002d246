// The OCSF Detection Finding against the pinned schema (ocsf/ocsf-schema tag 1.8.0). The tables
// below are copied from that version's files: every attribute whose requirement is "required" in
// events/base_event.json, events/findings/finding.json, events/findings/detection_finding.json and
// profiles/cloud.json (the cloud profile is applied), and in each object the output uses
// (objects/metadata.json, product.json, finding_info.json, analytic.json, cloud.json, attack.json,
// evidences.json, user.json, account.json, resource_details.json), with its dictionary.json type.
#include "sinks/alert_ocsf.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_time.h"
#include "core/mitre_attack.h"

namespace privmon {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class JsonType { kInteger, kString, kObject, kArray, kBool };

struct Attr {
  std::string_view path;  // dotted, from the finding's root
  JsonType type;
};

// "required" attributes of class 2004 with the cloud profile, and of the objects used.
constexpr Attr kRequired[] = {
    {"activity_id", JsonType::kInteger},                    // base_event: integer_t
    {"category_uid", JsonType::kInteger},                   // base_event: integer_t
    {"class_uid", JsonType::kInteger},                      // base_event: integer_t
    {"metadata", JsonType::kObject},                        // base_event: metadata
    {"severity_id", JsonType::kInteger},                    // base_event: integer_t
    {"time", JsonType::kInteger},                           // base_event: timestamp_t (long_t, ms)
    {"type_uid", JsonType::kInteger},                       // base_event: long_t
    {"finding_info", JsonType::kObject},                    // finding: finding_info
    {"cloud", JsonType::kObject},                           // profiles/cloud.json: cloud
    {"metadata.product", JsonType::kObject},                // metadata: product
    {"metadata.version", JsonType::kString},                // metadata: string_t
    {"finding_info.uid", JsonType::kString},                // finding_info: string_t
    {"finding_info.analytic.type_id", JsonType::kInteger},  // analytic: integer_t
    {"cloud.provider", JsonType::kString},                  // cloud: string_t
};

// Attributes the output writes beyond the required ones (recommended or optional), typed as
// dictionary.json types them: a present attribute of the wrong type is as bad as a missing one.
constexpr Attr kWritten[] = {
    {"class_name", JsonType::kString},
    {"category_name", JsonType::kString},
    {"activity_name", JsonType::kString},
    {"type_name", JsonType::kString},
    {"severity", JsonType::kString},
    {"status_id", JsonType::kInteger},
    {"status", JsonType::kString},
    {"is_alert", JsonType::kBool},
    {"start_time", JsonType::kInteger},
    {"end_time", JsonType::kInteger},
    {"timezone_offset", JsonType::kInteger},
    {"count", JsonType::kInteger},
    {"message", JsonType::kString},
    {"finding_info.title", JsonType::kString},
    {"finding_info.desc", JsonType::kString},
    {"finding_info.types", JsonType::kArray},
    {"finding_info.first_seen_time", JsonType::kInteger},
    {"finding_info.last_seen_time", JsonType::kInteger},
    {"finding_info.analytic", JsonType::kObject},
    {"finding_info.analytic.uid", JsonType::kString},
    {"finding_info.analytic.name", JsonType::kString},
    {"finding_info.analytic.type", JsonType::kString},
    {"finding_info.attacks", JsonType::kArray},
    {"attacks", JsonType::kArray},
    {"resources", JsonType::kArray},
    {"evidences", JsonType::kArray},
    {"cloud.account", JsonType::kObject},
    {"cloud.account.uid", JsonType::kString},
    {"cloud.account.type_id", JsonType::kInteger},
    {"metadata.product.name", JsonType::kString},
    {"metadata.product.vendor_name", JsonType::kString},
    {"metadata.product.version", JsonType::kString},
    {"metadata.profiles", JsonType::kArray},
    {"metadata.uid", JsonType::kString},
    {"metadata.correlation_uid", JsonType::kString},
    {"metadata.tenant_uid", JsonType::kString},
    {"unmapped", JsonType::kObject},
    {"observables", JsonType::kArray},
};

// The observable type ids the 1.8.0 schema assigns to the attributes privmon points observables
// at (objects/observable.json's type_id enum is built from these annotations): dictionary.json
// types resource_uid_t 10, username_t 4, ip_t 2; objects/resource_details.json name 38,
// objects/user.json uid 31, objects/account.json uid 35. `caption`: the type's caption, written
// as `type`; empty for an attribute's own observable id (no caption of its own).
struct ObservableKind {
  std::string_view name;
  int64_t type_id;
  std::string_view caption;
};
constexpr ObservableKind kObservableKinds[] = {
    {"resources[0].uid", 10, "Resource UID"},
    {"resources[0].name", 38, ""},
    {"evidences[].user.uid", 31, ""},
    {"evidences[].user.name", 4, "User Name"},
    {"cloud.account.uid", 35, ""},
    {"unmapped.details.ip_address", 2, "IP Address"},
};

// The values an observable name points to: "a.b" one, "a[0].b" the first element's, "a[].b" each
// element's. Empty when a step is missing.
void Resolve(element cur, std::string_view path, std::vector<std::string_view>& out) {
  if (path.empty()) {
    std::string_view v;
    if (cur.get(v) == simdjson::SUCCESS) out.push_back(v);
    return;
  }
  std::size_t end = path.find('.');
  std::string_view step = path.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? "" : path.substr(end + 1);
  const std::size_t bracket = step.find('[');
  element next;
  if (cur[step.substr(0, bracket)].get(next) != simdjson::SUCCESS) return;
  if (bracket == std::string_view::npos) return Resolve(next, rest, out);
  simdjson::dom::array array;
  if (next.get(array) != simdjson::SUCCESS) return;
  if (step.substr(bracket) == "[]") {
    for (element e : array) Resolve(e, rest, out);
  } else if (step.substr(bracket) == "[0]" && array.size() > 0) {
    Resolve(array.at(0).value(), rest, out);
  }
}

// observable.json: type_id required, its id the one the schema gives the attribute `name` points
// to, and `value` what that attribute holds (in every element, for "[]").
void ExpectObservables(element root) {
  for (element ob : simdjson::dom::array(root["observables"])) {
    std::string_view name, value, type;
    int64_t type_id = 0;
    ASSERT_EQ(ob["name"].get(name), simdjson::SUCCESS);
    ASSERT_EQ(ob["type_id"].get(type_id), simdjson::SUCCESS) << name;
    ASSERT_EQ(ob["value"].get(value), simdjson::SUCCESS) << name;
    const auto* kind = std::find_if(std::begin(kObservableKinds), std::end(kObservableKinds),
                                    [&](const ObservableKind& k) { return k.name == name; });
    ASSERT_NE(kind, std::end(kObservableKinds)) << "observable of an unlisted attribute: " << name;
    EXPECT_EQ(type_id, kind->type_id) << name;
    if (ob["type"].get(type) == simdjson::SUCCESS) {
      EXPECT_EQ(type, kind->caption) << name;
    } else {
      EXPECT_TRUE(kind->caption.empty()) << name << ": type missing";
    }
    std::vector<std::string_view> targets;
    Resolve(root, name, targets);
    ASSERT_FALSE(targets.empty()) << name << " points to nothing";
    for (std::string_view t : targets) EXPECT_EQ(t, value) << name;
  }
}

bool HasType(element e, JsonType t) {
  switch (t) {
    case JsonType::kInteger:
      return e.type() == element_type::INT64 || e.type() == element_type::UINT64;
    case JsonType::kString:
      return e.type() == element_type::STRING;
    case JsonType::kObject:
      return e.type() == element_type::OBJECT;
    case JsonType::kArray:
      return e.type() == element_type::ARRAY;
    case JsonType::kBool:
      return e.type() == element_type::BOOL;
  }
  return false;
}

// The element at a dotted path, or an error when any step is missing.
simdjson::simdjson_result<element> At(element root, std::string_view path) {
  simdjson::simdjson_result<element> cur(std::move(root));
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    cur = cur[path.substr(0, dot)];
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return cur;
}

// OCSF _entity constraint "at_least_one": [name, uid], both string_t.
void ExpectEntity(element e, std::string_view what) {
  ASSERT_EQ(e.type(), element_type::OBJECT) << what;
  std::string_view name, uid;
  const bool has_name = e["name"].get(name) == simdjson::SUCCESS && !name.empty();
  const bool has_uid = e["uid"].get(uid) == simdjson::SUCCESS && !uid.empty();
  EXPECT_TRUE(has_name || has_uid) << what << ": neither name nor uid";
}

Alert SampleAlert(RuleId rule) {
  Alert a;
  a.rule = rule;
  a.severity = GetRuleInfo(rule).severity;
  a.alert_id = 0x0123'4567'89ab'cdefULL;
  a.incident_key = 0xfeed'0000'0000'0001ULL;
  a.tenant_id.assign("72f988bf-86f1-41af-91ab-2d7cd011db47");
  a.tenant_name.assign("Contoso");
  a.account_id.assign("0b1c2d3e-aaaa-bbbb-cccc-1234567890ab");
  a.account_upn.assign("alice-admin@contoso.com");
  a.time = *ParseIsoTime("2026-11-24T10:01:02.345678Z");
  a.first_seen = *ParseIsoTime("2026-11-24T10:00:00Z");
  a.last_seen = a.time;
  Event e;
  e.kind = EventKind::kAudit;
  e.time = a.time;
  e.record_id.assign("aud-1");
  a.AddEvidence(e);
  a.AddNumber("error_code", 50126);
  a.AddFlag("is_admin", true);
  a.AddDetail("role", "Global Administrator");
  return a;
}

// Every required attribute with its type, the values the schema fixes, and the "at_least_one"
// constraints of the objects used: what any line this formatter writes must satisfy.
void ExpectValidDetectionFinding(element root) {
  for (const Attr& attr : kRequired) {
    element e;
    ASSERT_EQ(At(root, attr.path).get(e), simdjson::SUCCESS) << "missing " << attr.path;
    EXPECT_TRUE(HasType(e, attr.type)) << attr.path << " has the wrong JSON type";
  }
  for (const Attr& attr : kWritten) {
    element e;
    ASSERT_EQ(At(root, attr.path).get(e), simdjson::SUCCESS) << "missing " << attr.path;
    EXPECT_TRUE(HasType(e, attr.type)) << attr.path << " has the wrong JSON type";
  }

  // Values the schema fixes: the class, its category, type_uid = class_uid * 100 + activity_id.
  EXPECT_EQ(int64_t(root["class_uid"]), 2004);
  EXPECT_EQ(int64_t(root["category_uid"]), 2);
  const int64_t activity = int64_t(root["activity_id"]);
  EXPECT_TRUE(activity >= 1 && activity <= 3);  // finding.json: Create, Update, Close
  EXPECT_EQ(int64_t(root["type_uid"]), 2004 * 100 + activity);
  EXPECT_EQ(std::string_view(root["metadata"]["version"]), kOcsfVersion);
  const int64_t status_id = int64_t(root["status_id"]);
  EXPECT_TRUE(status_id >= 1 && status_id <= 6);  // finding.json: New ... Deleted
  EXPECT_EQ(int64_t(root["finding_info"]["analytic"]["type_id"]), 1);  // Rule
  const int64_t sev = int64_t(root["severity_id"]);
  const std::string_view caption(root["severity"]);
  EXPECT_TRUE((sev == 2 && caption == "Low") || (sev == 3 && caption == "Medium") ||
              (sev == 4 && caption == "High"))
      << sev << " " << caption;

  ExpectEntity(root["metadata"]["product"], "metadata.product");
  ExpectEntity(root["finding_info"]["analytic"], "finding_info.analytic");
  ExpectEntity(root["cloud"]["account"], "cloud.account");
  for (element resource : simdjson::dom::array(root["resources"])) {
    ExpectEntity(resource, "resources[]");
  }
  for (element ev : simdjson::dom::array(root["evidences"])) {
    // evidences.json "at_least_one" of actor, api, ..., data, ..., user: this writes data, and
    // user when the alert names an account (PRIV-OP-01 names none).
    EXPECT_TRUE(HasType(ev["data"].value(), JsonType::kObject));
    element user;
    if (ev["user"].get(user) != simdjson::SUCCESS) {
      EXPECT_EQ(std::string_view(root["finding_info"]["analytic"]["uid"]), "PRIV-OP-01");
      continue;
    }
    ExpectEntity(user, "evidences[].user");  // user.json: at_least_one of account, name, uid
    ExpectEntity(user["account"].value(), "evidences[].user.account");
  }
  ExpectObservables(root);
  // attack.json "at_least_one" of tactic, technique, sub_technique; each an _entity.
  for (std::string_view where : {"attacks", "finding_info.attacks"}) {
    for (element attack : simdjson::dom::array(At(root, where).value())) {
      ExpectEntity(attack["tactic"].value(), "tactic");
      ExpectEntity(attack["technique"].value(), "technique");
    }
  }
}

class OcsfFinding : public testing::TestWithParam<std::size_t> {};

TEST_P(OcsfFinding, HasEveryRequiredAttributeOfClass2004WithItsType) {
  const auto rule = static_cast<RuleId>(GetParam());
  const Alert a = SampleAlert(rule);
  std::string line;
  AppendAlertOcsf(a, line);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1);
  simdjson::dom::parser parser;
  element root;
  ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
  ExpectValidDetectionFinding(root);

  // severity_id and its caption follow the alert's severity.
  EXPECT_EQ(int64_t(root["severity_id"]), a.severity == Severity::kHigh     ? 4
                                          : a.severity == Severity::kMedium ? 3
                                                                            : 2);

  // Times are epoch milliseconds.
  EXPECT_EQ(int64_t(root["time"]), a.time / 1000);
  EXPECT_EQ(int64_t(root["start_time"]), a.first_seen / 1000);

  // The alert's identity and its rule.
  EXPECT_EQ(std::string_view(root["finding_info"]["uid"]), "0123456789abcdef");
  EXPECT_EQ(std::string_view(root["finding_info"]["analytic"]["uid"]), GetRuleInfo(rule).code);
  EXPECT_EQ(std::string_view(root["finding_info"]["title"]), GetRuleInfo(rule).name);
  EXPECT_EQ(std::string_view(root["metadata"]["correlation_uid"]), "feed000000000001");

  // The tenant as the cloud account; the account as the resource and each evidence's user.
  EXPECT_EQ(std::string_view(root["cloud"]["account"]["name"]), "Contoso");
  element resource = root["resources"].at(0);
  EXPECT_EQ(std::string_view(resource["uid"]), "0b1c2d3e-aaaa-bbbb-cccc-1234567890ab");
  for (element ev : simdjson::dom::array(root["evidences"])) {
    EXPECT_EQ(std::string_view(ev["user"]["name"]), "alice-admin@contoso.com");
  }

  // The catalogue's techniques appear at the top and, as the security_control profile asks,
  // in finding_info.attacks too.
  std::vector<std::string> expected;
  for (std::string_view t : GetRuleAttack(rule).techniques) {
    if (!t.empty()) expected.emplace_back(t);
  }
  for (std::string_view where : {"attacks", "finding_info.attacks"}) {
    std::vector<std::string> seen;
    for (element attack : simdjson::dom::array(At(root, where).value())) {
      std::string_view id(attack["technique"]["uid"]);
      element sub;
      if (attack["sub_technique"].get(sub) == simdjson::SUCCESS) {
        ExpectEntity(sub, "sub_technique");
        id = std::string_view(sub["uid"]);
        EXPECT_EQ(ParentTechniqueId(id), std::string_view(attack["technique"]["uid"]));
      }
      seen.emplace_back(id);
    }
    EXPECT_EQ(seen, expected) << where;
  }

  // Typed details stay typed under unmapped.
  EXPECT_EQ(int64_t(root["unmapped"]["details"]["error_code"]), 50126);
  EXPECT_EQ(bool(root["unmapped"]["details"]["is_admin"]), true);
}

INSTANTIATE_TEST_SUITE_P(EveryRule, OcsfFinding, testing::Range<std::size_t>(0, kRuleCount),
                         [](const testing::TestParamInfo<std::size_t>& info) {
                           std::string name(GetRuleInfo(static_cast<RuleId>(info.param)).code);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// "name=value" of each observable of `a`'s finding, which must be a valid Detection Finding.
std::vector<std::string> ObservablesOf(const Alert& a) {
  std::string line;
  AppendAlertOcsf(a, line);
  simdjson::dom::parser parser;
  element root;
  EXPECT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
  ExpectValidDetectionFinding(root);
  std::vector<std::string> seen;
  for (element ob : simdjson::dom::array(root["observables"])) {
    seen.push_back(std::string(std::string_view(ob["name"])) + "=" +
                   std::string(std::string_view(ob["value"])));
  }
  return seen;
}

// Observables let a SIEM pivot on the account, the tenant and a sign-in's address without knowing
// where a Detection Finding keeps them. Before, none were written.
TEST(OcsfFinding, ObservablesNameTheAccountTheTenantAndTheAddress) {
  Alert a = SampleAlert(RuleId::kSI02);
  a.AddDetail("ip_address", "203.0.113.7");
  const std::vector<std::string> expected = {
      "resources[0].uid=0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
      "resources[0].name=alice-admin@contoso.com",
      "evidences[].user.uid=0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
      "evidences[].user.name=alice-admin@contoso.com",
      "cloud.account.uid=72f988bf-86f1-41af-91ab-2d7cd011db47",
      "unmapped.details.ip_address=203.0.113.7"};
  EXPECT_EQ(ObservablesOf(a), expected);

  // PRIV-OP-01 names no account: the tenant is its resource.
  Alert op = SampleAlert(RuleId::kOP01);
  op.account_id.clear();
  op.account_upn.clear();
  const std::vector<std::string> op_expected = {
      "resources[0].uid=72f988bf-86f1-41af-91ab-2d7cd011db47",
      "cloud.account.uid=72f988bf-86f1-41af-91ab-2d7cd011db47"};
  EXPECT_EQ(ObservablesOf(op), op_expected);
}

TEST(OcsfFinding, OmitsTheTenantNameWhenNoneIsConfiguredAndStaysValid) {
  Alert a = SampleAlert(RuleId::kBG01);
  a.tenant_name.clear();
  std::string line;
  AppendAlertOcsf(a, line);
  simdjson::dom::parser parser;
  element root;
  ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
  element name;
  EXPECT_NE(root["cloud"]["account"]["name"].get(name), simdjson::SUCCESS);
  ExpectEntity(root["cloud"]["account"], "cloud.account");
}

TEST(OcsfFinding, HostileStringsStayOneValidLine) {
  Alert a = SampleAlert(RuleId::kSI14);
  a.account_upn.assign(std::string_view("q\"b\\s\n\t\x01\xff", 9));
  a.tenant_name.assign("Con\"toso\n");
  a.AddDetail("note", "caf\xc3\xa9 \xc3");  // a truncated UTF-8 sequence
  std::string line;
  AppendAlertOcsf(a, line);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  simdjson::dom::parser parser;
  element root;
  ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;  // also validates UTF-8
  ExpectValidDetectionFinding(root);
  EXPECT_EQ(std::string_view(root["cloud"]["account"]["name"]), "Con\"toso\n");
}

// An update line (a suppression bucket's final count, "update": true in native) amends the
// finding its first line created: activity 2 "Update", type_uid 200402, the same finding uid.
// Before, it was written as a second "Create" of the same uid, which an OCSF consumer takes for a
// new finding (or rejects as a duplicate create) and whose final count it never applies.
TEST(OcsfFinding, AnUpdateLineIsAnUpdateActivityOfTheSameFinding) {
  Alert a = SampleAlert(RuleId::kSI01);
  std::string created, updated;
  AppendAlertOcsf(a, created);
  a.update = true;
  a.count = 7;
  AppendAlertOcsf(a, updated);
  simdjson::dom::parser p1, p2;
  element c, u;
  ASSERT_EQ(p1.parse(created).get(c), simdjson::SUCCESS) << created;
  ASSERT_EQ(p2.parse(updated).get(u), simdjson::SUCCESS) << updated;
  ExpectValidDetectionFinding(u);
  EXPECT_EQ(int64_t(c["activity_id"]), 1);
  EXPECT_EQ(std::string_view(c["activity_name"]), "Create");
  EXPECT_EQ(int64_t(c["type_uid"]), 200401);
  EXPECT_EQ(int64_t(u["activity_id"]), 2);
  EXPECT_EQ(std::string_view(u["activity_name"]), "Update");
  EXPECT_EQ(int64_t(u["type_uid"]), 200402);
  EXPECT_EQ(std::string_view(u["type_name"]), "Detection Finding: Update");
  EXPECT_EQ(std::string_view(u["finding_info"]["uid"]), std::string_view(c["finding_info"]["uid"]));
  EXPECT_EQ(int64_t(u["count"]), 7);
  // metadata.uid names the event, not the finding: the update is another event, so a consumer
  // that drops an event uid it already stored (Security Lake, a SIEM's dedupe) keeps it.
  // Before, both lines carried metadata.uid = alert_id and the update was dropped as a duplicate.
  EXPECT_EQ(std::string_view(c["metadata"]["uid"]), "0123456789abcdef");
  EXPECT_EQ(std::string_view(u["metadata"]["uid"]), "0123456789abcdef-update");
}

TEST(OcsfFinding, AppendsWithoutReallocatingOnceLargeEnough) {
  std::string out;
  out.reserve(8192);
  const char* data = out.data();
  for (int i = 0; i < 3; ++i) {
    out.clear();
    AppendAlertOcsf(SampleAlert(RuleId::kEL06), out);
  }
  EXPECT_EQ(out.data(), data);
}

// docs/ocsf-examples.jsonl (scripts/alert_examples.py, a real run) holds valid findings.
TEST(OcsfExamples, TheDocumentedExamplesAreValidDetectionFindings) {
  std::ifstream in(std::string(PRIVMON_SOURCE_DIR) + "/docs/ocsf-examples.jsonl");
  ASSERT_TRUE(in.good());
  simdjson::dom::parser parser;
  std::set<std::string> families;
  for (std::string line; std::getline(in, line);) {
    element root;
    ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
    ExpectValidDetectionFinding(root);
    families.insert(
        std::string(std::string_view(root["finding_info"]["analytic"]["uid"]).substr(5, 2)));
  }
  EXPECT_EQ(families, (std::set<std::string>{"BG", "CH", "EL", "PA", "SI"}));
}

// `privmon scan --format ocsf` over a scenario: every line a valid finding, as many as native.
TEST(OcsfExamples, ScanWithFormatOcsfWritesOnlyValidFindings) {
  const std::string dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed/";
  const auto run = [&](const char* format) {
    const std::string cmd = std::string(PRIVMON_BINARY) + " scan --quiet --format " + format +
                            " --config " + dir + "config.yaml --tenant " +
                            "bbbbbbbb-0000-4000-8000-000000000003 " + dir +
                            "mixed.ndjson 2>/dev/null";
    std::string out;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return out;
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    EXPECT_EQ(pclose(pipe), 0) << cmd;
    return out;
  };
  const std::string ocsf = run("ocsf");
  const std::string native = run("native");
  std::istringstream lines(ocsf);
  simdjson::dom::parser parser;
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    element root;
    ASSERT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
    ExpectValidDetectionFinding(root);
  }
  EXPECT_GE(n, 10u);
  EXPECT_EQ(n, static_cast<std::size_t>(std::count(native.begin(), native.end(), '\n')));
}

}  // namespace
}  // namespace privmon
