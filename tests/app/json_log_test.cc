// JSON logs: `privmon --log-format json` turns every stderr line into one JSON object with ts,
// level and msg (a real `privmon scan` and `privmon check`, their stderr parsed line by line with
// simdjson), and `--log-level` drops the lower levels.
#include "app/json_log.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/app/determinism_helpers.h"

namespace privmon {
namespace {

struct LogLine {
  std::string ts, level, msg;
};

// Every non-empty line of `text` as a JSON log object; a line that is not one fails the test.
std::vector<LogLine> ParseLog(const std::string& text) {
  std::vector<LogLine> out;
  simdjson::dom::parser parser;
  for (const std::string& line : privmon_test::Lines(text)) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << "not JSON: " << line;
    if (!doc.is_object()) continue;
    std::string_view ts, level, msg;
    EXPECT_EQ(doc["ts"].get(ts), simdjson::SUCCESS) << line;
    EXPECT_EQ(doc["level"].get(level), simdjson::SUCCESS) << line;
    EXPECT_EQ(doc["msg"].get(msg), simdjson::SUCCESS) << line;
    out.push_back({std::string(ts), std::string(level), std::string(msg)});
  }
  return out;
}

int Privmon(const std::string& args, const std::filesystem::path& err) {
  const std::string cmd =
      std::string(PRIVMON_BINARY) + " " + args + " >/dev/null 2>" + err.string();
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(JsonLog, LevelsFollowPrivmonsWording) {
  EXPECT_EQ(LogLevelOf("privmon: sink file FAILED: No space left on device"), LogLevel::kError);
  EXPECT_EQ(LogLevelOf("privmon: dead letter: cannot reopen 'x'"), LogLevel::kError);
  EXPECT_EQ(LogLevelOf("privmon: warning: CURVE secret key file k has mode 0644"), LogLevel::kWarn);
  EXPECT_EQ(LogLevelOf("privmon: running with 2 shard(s)"), LogLevel::kInfo);
  // Breaker round 10: check --host's problems, librdkafka's errors, a followed file not there yet.
  EXPECT_EQ(LogLevelOf("c.yaml: host: sources[0]: tcp://127.0.0.1:1: Address in use"),
            LogLevel::kError);
  EXPECT_EQ(LogLevelOf("c.yaml: 1 host problem: `run` would fail or be unsafe here"),
            LogLevel::kError);
  EXPECT_EQ(LogLevelOf("privmon: kafka: 3|1733|ERROR|rdkafka#producer-1| 1/1 brokers are down"),
            LogLevel::kError);
  EXPECT_EQ(LogLevelOf("privmon: source file: in.ndjson does not exist (yet): waiting for it"),
            LogLevel::kWarn);
  EXPECT_EQ(LogLevelOf("privmon: source file: in.ndjson was replaced (rotated): reading the new "
                       "file"),
            LogLevel::kInfo);
  EXPECT_EQ(LogLevelOf("privmon: sink stdout: warning: alerts waiting, none delivered for 30 s"),
            LogLevel::kWarn);
  EXPECT_EQ(LogLevelOf("/etc/privmon.yaml:3:5: tenant id \"x\" is not a GUID"), LogLevel::kError);
  // Failure lines once logged at info (breaker round 9): each says why the run ends or failed.
  for (const char* failure :
       {"privmon replay: error: no peer took a message at tcp://127.0.0.1:5556 within 5 s (is "
        "`privmon run` listening there? --peer-wait 0 waits forever)",
        "privmon: exit 1: 850 alert(s) not delivered (the sum of the sinks' NOT delivered lines: "
        "an alert two sinks lost counts twice)",
        "privmon: exit 1: no checkpoint was written into /var/lib/privmon",
        "privmon: /var/lib/privmon holds checkpoints but none is usable; refusing to start with "
        "empty state (run --fresh to start empty on purpose)",
        "privmon: checkpoint x.pmck cannot be restored: bad CRC (run --fresh to start empty on "
        "purpose)",
        "privmon: checkpoint not written: disk full",
        "privmon: cannot start: keyed_by_tenant needs checkpoint.dir (state moves with its "
        "partitions)",
        "privmon: cannot start: Address already in use",
        "privmon: source file: a.ndjson: Input/output error after byte 10: the rest is not read",
        "privmon: state topic: a record could not be produced again (x): input offsets are no "
        "longer committed; a restart reads them again",
        "privmon: source k: t[0]: offset 5 is no longer in the log and its earliest offset is "
        "unknown (x): RECORDS MAY BE LOST; reading on from the partition's end",
        "privmon: source zmq: drain timeout (5000 ms) reached at SIGTERM with messages still "
        "arriving; those not read yet are not processed",
        "privmon scan: error: x.ndjson: no such file",
        "privmon gen: error: --days must be at least 1",
        "privmon: error: unknown command 'bogus' (commands: run, scan, replay, gen, check, rules; "
        "see privmon --help)"}) {
    EXPECT_EQ(LogLevelOf(failure), LogLevel::kError) << failure;
  }
  for (const char* warning :
       {"privmon replay: warning: still waiting for a peer at tcp://127.0.0.1:5556",
        "privmon: source k: offsets of checkpoint 3 not committed: x"}) {
    EXPECT_EQ(LogLevelOf(warning), LogLevel::kWarn) << warning;
  }
  const std::string line = JsonLogLine("a \"quoted\"\ttab", LogLevel::kWarn, 1'700'000'000'000'000);
  EXPECT_EQ(line,
            R"({"ts":"2023-11-14T22:13:20.000000Z","level":"warn","msg":"a \"quoted\"\u0009tab"})");
}

TEST(JsonLog, EveryStderrLineOfARealRunIsOneJsonObject) {
  const auto dir = privmon_test::TempDir("json_log");
  const auto input =
      std::filesystem::path(PRIVMON_SOURCE_DIR) / "tests/data/pipeline/stream.ndjson";
  ASSERT_EQ(Privmon("--log-format json scan " + input.string(), dir / "scan.err"), 0);
  const std::vector<LogLine> scan = ParseLog(privmon_test::ReadFile(dir / "scan.err"));
  ASSERT_FALSE(scan.empty());
  bool summary = false;
  for (const LogLine& l : scan) {
    EXPECT_TRUE(l.ts.size() >= 20 && l.ts[10] == 'T' && l.ts.back() == 'Z') << l.ts;
    summary |= l.msg.find("records accepted") != std::string::npos && l.level == "info";
  }
  EXPECT_TRUE(summary) << privmon_test::ReadFile(dir / "scan.err");

  // An error (an unreadable config) is one error object; with --log-level error info is dropped.
  std::ofstream(dir / "bad.yaml") << "tenants: {not-a-guid: {}}\n";
  EXPECT_EQ(Privmon("--log-format json --log-level error check " + (dir / "bad.yaml").string(),
                    dir / "check.err"),
            2);
  const std::vector<LogLine> check = ParseLog(privmon_test::ReadFile(dir / "check.err"));
  ASSERT_FALSE(check.empty()) << privmon_test::ReadFile(dir / "check.err");
  bool names_the_key = false;
  for (const LogLine& l : check) {
    EXPECT_EQ(l.level, "error") << l.msg;
    names_the_key |= l.msg.find("bad.yaml:1:") != std::string::npos;
  }
  EXPECT_TRUE(names_the_key) << privmon_test::ReadFile(dir / "check.err");
  EXPECT_EQ(
      Privmon("--log-format json --log-level error scan " + input.string(), dir / "quiet.err"), 0);
  EXPECT_TRUE(privmon_test::Lines(privmon_test::ReadFile(dir / "quiet.err")).empty())
      << privmon_test::ReadFile(dir / "quiet.err");

  // The root's options also follow the command (`privmon scan --log-format json`), and an option
  // neither knows is still a usage error.
  ASSERT_EQ(Privmon("scan --log-format json --log-level warn " + input.string(), dir / "after.err"),
            0);
  EXPECT_TRUE(privmon_test::Lines(privmon_test::ReadFile(dir / "after.err")).empty())
      << privmon_test::ReadFile(dir / "after.err");
  ASSERT_EQ(Privmon("scan --log-format json " + input.string(), dir / "after_info.err"), 0);
  const std::vector<LogLine> after = ParseLog(privmon_test::ReadFile(dir / "after_info.err"));
  const bool after_summary = std::any_of(after.begin(), after.end(), [](const LogLine& l) {
    return l.msg.find("records accepted") != std::string::npos && l.level == "info";
  });
  EXPECT_TRUE(after_summary) << privmon_test::ReadFile(dir / "after_info.err");
  EXPECT_EQ(Privmon("scan --no-such-option " + input.string(), dir / "bad_option.err"), 2);
  // Breaker round 96: with JSON logs, a usage error (a missing --config file, an unknown option)
  // was CLI11's plain text, the one line that says why a systemd unit fails.
  for (const std::string& args :
       {std::string("--log-format json run --config ") + (dir / "missing.yaml").string(),
        std::string("--log-format json scan --no-such-option ") + input.string(),
        std::string("--log-format json scan --config")}) {  // no value (breaker round 97)
    EXPECT_EQ(Privmon(args, dir / "usage.err"), 2) << args;
    const std::string text = privmon_test::ReadFile(dir / "usage.err");
    const std::vector<LogLine> usage = ParseLog(text);
    ASSERT_EQ(usage.size(), privmon_test::Lines(text).size()) << text;
    ASSERT_FALSE(usage.empty()) << text;
    for (const LogLine& l : usage) EXPECT_EQ(l.level, "error") << l.msg;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace privmon
