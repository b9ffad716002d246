// Each kind of bad config is rejected, with the line (and column) of the offending key or value
// and a message naming the file and the key path.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.h"

namespace privmon {
namespace {

// Loads `yaml` as cfg.yaml and expects exactly one error, on `line`, containing `text`.
void ExpectOneError(const std::string& yaml, int line, const std::string& text) {
  const ConfigLoadResult r = LoadConfigText(yaml, "cfg.yaml");
  EXPECT_EQ(r.config, nullptr);
  std::string all;
  for (const auto& e : r.errors) all += e.message + "\n";
  ASSERT_EQ(r.errors.size(), 1u) << "for:\n" << yaml << "got:\n" << all;
  EXPECT_EQ(r.errors[0].line, line) << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find(text), std::string::npos) << r.errors[0].message;
  EXPECT_EQ(r.errors[0].message.rfind("cfg.yaml:" + std::to_string(line) + ":", 0), 0u)
      << r.errors[0].message;
}

TEST(ConfigLoader, RejectsUnknownRuleIdWithItsLine) {
  const std::string yaml =
      "tenants:\n"
      "  \"contoso\":\n"
      "    rules:\n"
      "      PRIV-SI-01: {threshold: 3}\n"
      "      PRIV-SI-99: {enabled: false}\n";
  const ConfigLoadResult r = LoadConfigText(yaml, "cfg.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message,
            "cfg.yaml:5:7: tenants.\"contoso\".rules.PRIV-SI-99: unknown rule id (rules are "
            "PRIV-BG-01..PRIV-OP-01, listed in RULES.md)");  // no guess: SI-09 is another rule
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[0].column, 7);
}

// A parameter the rule never reads is an error, not a silently ignored key (issue "Rules as data").
TEST(ConfigLoader, RejectsAParameterThatMeansNothingForTheRulesKind) {
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI-14: {window: 7d}\n", 3,
                 "PRIV-SI-14 is a novelty rule and takes no window (it learns for the tenant's "
                 "learning_period)");
  ExpectOneError("tenants:\n  t1:\n    rules:\n      PRIV-BG-01: {threshold: 3}\n", 4,
                 "PRIV-BG-01 is a match rule and takes no threshold");
  ExpectOneError("defaults:\n  rules:\n    PRIV-EL-08: {threshold: 2}\n", 3,
                 "takes window (the policy length of an activation (plus grace))");
  const ConfigLoadResult ok = LoadConfigText(
      "defaults:\n  rules:\n    PRIV-SI-01: {threshold: 3, window: 5m}\n"
      "    PRIV-SI-10: {threshold: 20}\n    PRIV-PA-05: {window: 30d}\n",
      "cfg.yaml");
  EXPECT_TRUE(ok.errors.empty()) << ok.errors.front().message;
}

TEST(ConfigLoader, SuggestsTheRuleIdForAMisspelledOne) {
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI01: {enabled: false}\n", 3,
                 "did you mean PRIV-SI-01?");
}

TEST(ConfigLoader, RejectsUnknownKeyAndSuggestsTheCloseOne) {
  ExpectOneError("pipeline:\n  shard: 4\n", 2,
                 R"(pipeline.shard: unknown key "shard"; did you mean "shards"?)");
  ExpectOneError("pipeline:\n  shard: 4\n", 2, "valid keys here: shards, parse_threads");
}

TEST(ConfigLoader, RejectsUnknownKeysAtEveryLevel) {
  ExpectOneError("pipline: {shards: 2}\n", 1, "did you mean \"pipeline\"?");
  ExpectOneError("defaults:\n  brek_glass: [a@b.c]\n", 2, "did you mean \"break_glass\"?");
  ExpectOneError("tenants:\n  t1:\n    approved:\n      country: [US]\n", 4,
                 "tenants.\"t1\".approved.country: unknown key \"country\"; did you mean "
                 "\"countries\"?");
  ExpectOneError("tenants:\n  t1:\n    rules:\n      PRIV-SI-01: {treshold: 3}\n", 4,
                 "did you mean \"threshold\"?");
  ExpectOneError("sources:\n  - zmq: {endpoint: \"tcp://x:1\", bnd: true}\n", 2,
                 "sources[0].zmq.bnd: unknown key");
  ExpectOneError("sources:\n  - kinesis: {}\n", 2, "sources[0].kinesis: unknown key \"kinesis\"");
  ExpectOneError("sinks:\n  - stdout: {pretty: true}\n", 2,
                 "sinks[0].stdout.pretty: unknown key \"pretty\"");
}

TEST(ConfigLoader, RejectsNameInDefaultsBecauseOnlyTenantsHaveOne) {
  ExpectOneError("defaults:\n  name: x\n", 2, "defaults.name: unknown key \"name\"");
}

TEST(ConfigLoader, RejectsWrongTypes) {
  ExpectOneError("pipeline:\n  shards: many\n", 2,
                 "pipeline.shards: expected a whole number, got \"many\"");
  ExpectOneError("tenants:\n  t1:\n    break_glass: bg@x.com\n", 3,
                 "tenants.\"t1\".break_glass: expected a list");
  ExpectOneError("tenants:\n  t1:\n    rules:\n      PRIV-BG-01: {enabled: maybe}\n", 4,
                 "expected true or false");
  ExpectOneError("defaults:\n  rules:\n    PRIV-BG-01: {severity: critical}\n", 3,
                 "expected low, medium or high");
  ExpectOneError("pipeline: [1, 2]\n", 1, "pipeline: expected a map");
  ExpectOneError("- just\n- a list\n", 1, "expected a map");
  ExpectOneError("tenants:\n  t1:\n    paw_devices: [{id: 1}]\n", 3, "paw_devices[0]");
}

TEST(ConfigLoader, RejectsBadDurationsIncludingNegativeOnes) {
  ExpectOneError("pipeline:\n  allowed_lateness: 5 minutes\n", 2,
                 "pipeline.allowed_lateness: expected a duration like 30s");
  ExpectOneError("defaults:\n  learning_period: -3d\n", 2, "cannot be negative");
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI-01: {window: 10x}\n", 3,
                 "defaults.rules.PRIV-SI-01.window: expected a duration");
  ExpectOneError("defaults:\n  suppression: {period: 1.5h}\n", 2,
                 "defaults.suppression.period: expected a duration");
}

TEST(ConfigLoader, RejectsBadRegexWithItsLine) {
  ExpectOneError("tenants:\n  t1:\n    name: T\n    naming_policy: \"^(ADM_\"\n", 4,
                 R"(tenants."t1".naming_policy: invalid regular expression "^(ADM_")");
}

TEST(ConfigLoader, RejectsBadCidrWithTheItemPath) {
  ExpectOneError(
      "tenants:\n  t1:\n    approved:\n      ip_ranges:\n        - 10.0.0.0/8\n"
      "        - 10.0.0.0/33\n",
      6,
      "tenants.\"t1\".approved.ip_ranges[1]: prefix length must be a number from 0 "
      "to 32");
  ExpectOneError("defaults:\n  approved: {ip_ranges: [300.1.2.3/8]}\n", 2, "expected an IP range");
  ExpectOneError("defaults:\n  approved: {ip_ranges: [\"2001:db8::/129\"]}\n", 2, "0 to 128");
}

TEST(ConfigLoader, RejectsBadCountryCode) {
  ExpectOneError("defaults:\n  approved: {countries: [US, USA]}\n", 2,
                 "approved.countries[1]: expected a two-letter country code");
}

TEST(ConfigLoader, RejectsUnknownTimezone) {
  ExpectOneError(
      "tenants:\n  t1:\n    working_hours:\n      timezone: Mars/Olympus_Mons\n"
      "      hours: \"07:00-19:00\"\n",
      4, R"(tenants."t1".working_hours.timezone: unknown time zone "Mars/Olympus_Mons")");
}

TEST(ConfigLoader, RejectsBadWorkingDaysAndHours) {
  ExpectOneError("defaults:\n  working_hours: {days: Mon-Fry, hours: \"07:00-19:00\"}\n", 2,
                 "working_hours.days: expected days like Mon-Fri");
  ExpectOneError("defaults:\n  working_hours: {days: [Mon, Funday], hours: \"07:00-19:00\"}\n", 2,
                 "working_hours.days[1]");
  ExpectOneError("defaults:\n  working_hours:\n    hours: \"7am-7pm\"\n", 3,
                 "working_hours.hours: expected hours like \"07:00-19:00\"");
  ExpectOneError("defaults:\n  working_hours: {timezone: UTC}\n", 2, "needs hours");
}

TEST(ConfigLoader, RejectsThresholdZero) {
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI-01:\n      threshold: 0\n", 4,
                 "defaults.rules.PRIV-SI-01.threshold: threshold must be at least 1");
}

// A builtin threshold rule counts in a ring of the account's newest records (breaker round 30):
// a threshold above it was accepted and the rule never fired.
TEST(ConfigLoader, RejectsAThresholdAboveTheRecordsARuleKeeps) {
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI-06:\n      threshold: 10\n", 4,
                 "defaults.rules.PRIV-SI-06.threshold: threshold at most 8 for PRIV-SI-06");
  ExpectOneError("defaults:\n  rules:\n    PRIV-SI-01:\n      threshold: 17\n", 4,
                 "threshold at most 16 for PRIV-SI-01");
}

TEST(ConfigLoader, RejectsMoreThan1024Shards) {
  ExpectOneError("pipeline:\n  shards: 1025\n", 2, "pipeline.shards: must be from 0 to 1024");
}

TEST(ConfigLoader, RejectsQueueCapacityThatIsNotAPowerOfTwoOrBelowTwo) {
  ExpectOneError("pipeline:\n  queue_capacity: 1000\n", 2, "must be a power of two");
  ExpectOneError("pipeline:\n  queue_capacity: 1\n", 2, "must be a power of two of at least 2");
  ExpectOneError("pipeline:\n  queue_capacity: 0\n", 2, "must be a power of two");
}

TEST(ConfigLoader, ReportsYamlSyntaxErrorsWithLineAndColumn) {
  const ConfigLoadResult r =
      LoadConfigText("pipeline:\n  shards: 2\n  parse_threads: [1, 2\n", "cfg.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GE(r.errors[0].line, 3);
  EXPECT_GT(r.errors[0].column, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
  ExpectOneError("tenants:\n  t1: {name: x}}\n  t2: {}\n", 2, "YAML syntax error");
  ExpectOneError("pipeline:\n  shards: 2\n parse_threads: 1\n", 3, "YAML syntax error");
}

TEST(ConfigLoader, RejectsDuplicateKeysAndTenants) {
  ExpectOneError("pipeline:\n  shards: 2\n  shards: 4\n", 3, "duplicate key \"shards\"");
  ExpectOneError("tenants:\n  ABC: {}\n  abc: {}\n", 3, "tenant listed twice");
}

TEST(ConfigLoader, RejectsSourcesAndSinksMissingRequiredKeys) {
  ExpectOneError("sources:\n  - file: {tenant: 0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b}\n", 2,
                 "sources[0].file: missing required key \"path\"");
  ExpectOneError("sinks:\n  - stdout: {}\n  - zmq_pub: {}\n", 3,
                 "sinks[1].zmq_pub: missing required key \"endpoint\"");
  ExpectOneError("sources:\n  - zmq: {}\n    file: {path: x}\n", 2, "exactly one key");
}

// Entra tenant ids are GUIDs: a source's `tenant:` that is none (a name, a typo) would make a
// tenant no `tenants:` entry matches, so it is refused at its line, as `check` refuses such a
// `tenants:` key; the forms `tenants:` accepts (braces, case, no dashes) are taken.
TEST(ConfigLoader, RejectsASourceTenantThatIsNoGuid) {
  ExpectOneError("sources:\n  - file: {path: x, tenant: not-a-guid}\n", 2,
                 "sources[0].file.tenant: \"not-a-guid\" is not a tenant id");
  ExpectOneError("sources:\n  - stdin: {}\n  - zmq: {tenant: contoso.onmicrosoft.com}\n", 3,
                 "sources[1].zmq.tenant: \"contoso.onmicrosoft.com\" is not a tenant id");
  ExpectOneError(
      "sources:\n  - kafka: {brokers: b:9092, topics: [t], group: g,\n      tenant: t1}\n", 3,
      "sources[0].kafka.tenant: \"t1\" is not a tenant id");
}

// A source's name is its metric label and what a checkpoint resumes it by: two sources of one
// name are refused, as two sinks of one label are, whether both were named so or one took its
// type's default name ("file", then "file-2" for the second unnamed file).
TEST(ConfigLoader, RejectsTwoSourcesOfOneName) {
  ExpectOneError("sources:\n  - file: {path: a, name: a}\n  - file: {path: b, name: a}\n", 3,
                 "two sources are named \"a\" (sources 0 and 1");
  ExpectOneError("sources:\n  - file: {path: a}\n  - stdin: {name: file}\n", 3,
                 "two sources are named \"file\"");
  ExpectOneError(
      "sources:\n  - file: {path: a}\n  - file: {path: b, name: file-2}\n"
      "  - file: {path: c}\n",
      3, "two sources are named \"file-2\"");
  // Unnamed ones of a type are numbered in order: distinct, and each keeps its checkpoint place.
  const ConfigLoadResult r = LoadConfigText(
      "sources:\n  - file: {path: a}\n  - file: {path: b, name: x}\n  - file: {path: c}\n",
      "cfg.yaml");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.config->sources[0].name, "file");
  EXPECT_EQ(r.config->sources[1].name, "x");
  EXPECT_EQ(r.config->sources[2].name, "file-2");
}

TEST(ConfigLoader, ReportsAMissingValueAtItsKeyNotTheNextLine) {
  ExpectOneError("pipeline:\n  shards:\n  parse_threads: 2\n", 2,
                 "cfg.yaml:2:3: pipeline.shards: expected a whole number, got nothing");
  ExpectOneError("sources:\n  - file:\n  - stdin: {}\n", 2,
                 "sources[0].file: missing required key \"path\"");
}

TEST(ConfigLoader, RejectsAMetricsAddressWithoutAPort) {
  ExpectOneError("metrics:\n  listen: localhost\n", 2, "metrics.listen: expected host:port");
}

TEST(ConfigLoader, CollectsEveryErrorInsteadOfStoppingAtTheFirst) {
  const std::string yaml =
      "pipeline:\n"                                // 1
      "  shards: 5000\n"                           // 2
      "  queue_capacity: 100\n"                    // 3
      "defaults:\n"                                // 4
      "  learning_period: soon\n"                  // 5
      "tenants:\n"                                 // 6
      "  t1:\n"                                    // 7
      "    naming_policy: \"[\"\n"                 // 8
      "    approved: {ip_ranges: [1.2.3.4/40]}\n"  // 9
      "    rules: {PRIV-XX-01: {}}\n";             // 10
  const ConfigLoadResult r = LoadConfigText(yaml, "cfg.yaml");
  ASSERT_EQ(r.errors.size(), 6u);
  std::vector<int> lines;
  for (const auto& e : r.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 5, 8, 9, 10}));
  EXPECT_EQ(r.config, nullptr);
}

TEST(ConfigLoader, ReportsAnUnreadableFileWithoutALine) {
  const ConfigLoadResult r = LoadConfigFile("/nonexistent/privmon.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("/nonexistent/privmon.yaml: cannot read config file"),
            std::string::npos);
  EXPECT_EQ(LoadConfigFile("/tmp").errors.size(), 1u);
}

// A file far larger than any config (a path mistyped to a log, /dev/zero, a pipe that never ends)
// is refused at a bound instead of read whole into memory.
TEST(ConfigLoader, RefusesAFileLargerThanAnyConfigInsteadOfReadingItAll) {
  const std::string path = ::testing::TempDir() + "privmon_huge_config.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::string comments(1 << 20, '#');
    for (int i = 0; i < 33; ++i) out << comments << '\n';
    out << "pipeline: {shards: 2}\n";
  }
  const ConfigLoadResult r = LoadConfigFile(path);
  std::remove(path.c_str());
  EXPECT_EQ(r.config, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find(path + ": cannot read config file: larger than 32 MiB"),
            std::string::npos)
      << r.errors[0].message;
}

TEST(ConfigLoader, RejectsTwoSinksWithOneMetricLabel) {
  // Named like another sink's default label ("file" is the first file sink's): one series in
  // /metrics for two sinks.
  ExpectOneError(
      "sinks:\n"
      "  - file: {path: a.jsonl}\n"
      "  - zmq_pub: {endpoint: \"tcp://*:7003\", name: file}\n",
      3, "two sinks are named \"file\"");
  // Two sinks given one name.
  ExpectOneError(
      "sinks:\n"
      "  - file: {path: a.jsonl, name: siem}\n"
      "  - file: {path: b.jsonl, name: siem}\n",
      3, "give each a distinct `name`");
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// One file read and written by two parts of one config (breaker round 9): the dead-letter file on
// a followed source's path read every rejected message back and rejected it again (480 MB in 4 s);
// two file sinks on one path wrote every alert twice. Refused where the later use is written.
TEST(ConfigLoader, RefusesOneFileUsedByTwoPartsOfTheConfig) {
  ExpectOneError(
      "sources:\n  - file: {path: /tmp/in.ndjson, follow: true}\n"
      "dead_letter: {path: /tmp/./in.ndjson}\n",
      3, "dead_letter.path and sources[0] are one file");
  ExpectOneError(
      "sinks:\n  - file: {path: /tmp/alerts.jsonl}\n  - file: {path: /tmp/alerts.jsonl}\n", 2,
      "sinks[1] and sinks[0] are one file");
  ExpectOneError(
      "sources:\n  - file: {path: /tmp/in.ndjson}\n"
      "sinks:\n  - file: {path: /tmp/x/../in.ndjson}\n",
      4, "sinks[0] and sources[0] are one file");
  // The dead letter's default path is one of them too (breaker round 133: a file sink on
  // rejected.ndjson passed and alerts and dead letters went into one file); placed at the sink.
  ExpectOneError("sinks:\n  - file: {path: rejected.ndjson}\n", 2,
                 "dead_letter.path (its default) and sinks[0] are one file (rejected.ndjson)");
  // A port ZeroMQ would take modulo 65536 (breaker round 10: 99999 bound 34463), refused by the
  // loader, so by run and scan too, not only by check.
  ExpectOneError("sources:\n  - zmq: {endpoint: \"tcp://127.0.0.1:99999\", bind: true}\n", 2,
                 "unknown endpoint \"tcp://127.0.0.1:99999\"");
  // Standard input, however named, is one stream (breaker round 10: two readers split it).
  ExpectOneError("sources:\n  - stdin: {}\n  - file: {path: \"-\"}\n", 2,
                 "sources[1] and sources[0] both read standard input");
  const ConfigLoadResult ok = LoadConfigText(
      "sources:\n  - file: {path: /tmp/in.ndjson}\nsinks:\n  - file: {path: /dev/stdout}\n"
      "  - file: {path: /dev/stdout}\ndead_letter: {path: /tmp/rejected.ndjson}\n",
      "cfg.yaml");
  EXPECT_TRUE(ok.errors.empty()) << ok.errors.front().message;
}

// Files compare by identity, not spelling (breaker round 10): the dead letter on a hard link to
// the followed input, or a sink through a symlink's directory, is the one file; and a dead letter
// that is a FIFO is refused at load (run blocked in open() for ever), exit 2 for run as for check.
TEST(ConfigLoader, RefusesOneFileUnderTwoNamesAndADeadLetterThatIsAFifo) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("privmon_cfg_paths_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "real");
  const std::string in = (dir / "real" / "in.ndjson").string();
  std::ofstream(in) << "{}\n";
  fs::create_hard_link(in, dir / "hard.ndjson");
  fs::create_directory_symlink(dir / "real", dir / "link");
  const std::string source = "sources:\n  - file: {path: " + in + ", follow: true}\n";
  ExpectOneError(source + "dead_letter: {path: " + (dir / "hard.ndjson").string() + "}\n", 3,
                 "dead_letter.path and sources[0] are one file (" + (dir / "hard.ndjson").string() +
                     " is " + in + " under another name)");
  ExpectOneError(
      source + "sinks:\n  - file: {path: " + (dir / "link" / "in.ndjson").string() + "}\n", 4,
      "sinks[0] and sources[0] are one file");
  ExpectOneError("sources:\n  - file: {path: " + (dir / "link").string() + "}\n" +
                     "checkpoint: {dir: " + (dir / "real").string() + "}\n",
                 3, "checkpoint.dir and sources[0] are one file");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  ExpectOneError(source + "dead_letter: {path: " + (dir / "fifo").string() + "}\n", 3,
                 "dead_letter.path " + (dir / "fifo").string() + " is a FIFO");
  const ConfigLoadResult ok = LoadConfigText(
      source + "dead_letter: {path: " + (dir / "rejected.ndjson").string() + "}\n", "cfg.yaml");
  EXPECT_TRUE(ok.errors.empty()) << ok.errors.front().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace privmon
