// JSON logs: `privmon --log-format json` turns every stderr line into one JSON object with ts,
// level and msg (a real `privmon scan` and `privmon check`, their stderr parsed line by line with
// simdjson), and `--log-level` drops the lower levels.
#include "app/json_log.h"

#include <gtest/gtest.h>
#include <simdjson.h>

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
  EXPECT_EQ(LogLevelOf("/etc/privmon.yaml:3:5: tenant id \"x\" is not a GUID"), LogLevel::kError);
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
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace privmon
