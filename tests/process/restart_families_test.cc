// What a restart keeps, per rule family (issue 12, docs/operations.md section 5 "What a restart
// keeps"): `run` follows a growing file with checkpoints every second and is SIGKILLed once its
// latest checkpoint covers the first part of the file; a second life restores it and reads the
// rest. Together the two lives raise exactly the alerts of an uninterrupted `scan`, and the second
// life raises, for a threshold, a sequence, a novelty and an absence rule, alerts that a run over
// the second part alone does not: verdicts that needed the state from before the kill.
// Real processes, real files; the world is generated with a fixed seed.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/pipeline/child_process.h"

namespace privmon {
namespace {

using testing::Child;
using testing::ReadFile;
using testing::RunToExit;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kBinary = PRIVMON_BINARY;

std::string Field(const std::string& line, const std::string& key) {
  const auto at = line.find("\"" + key + "\":\"");
  if (at == std::string::npos) return {};
  const auto start = at + key.size() + 4;
  return line.substr(start, line.find('"', start) - start);
}

// alert_id -> rule id of every first alert line (update lines carry the same id).
std::map<std::string, std::string> Alerts(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::string id = Field(line, "alert_id");
    if (!id.empty()) out.emplace(id, Field(line, "rule_id"));
  }
  return out;
}

// The first file source's byte offset in the newest checkpoint of `dir` (-1: none yet).
int64_t CheckpointOffset(const std::string& dir) {
  std::string newest;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    if (name.ends_with(".pmck") && name > newest) newest = name;
  }
  if (newest.empty()) return -1;
  const std::string bytes = ReadFile(dir + "/" + newest);
  // magic 8, format, layout, partitions, shards (4 each), sequence, written (8 each), sources 4,
  // then the first source {u32 name length, name, i64 offset}.
  constexpr std::size_t kSources = 8 + 4 * 4 + 8 + 8;
  if (bytes.size() < kSources + 8) return -1;
  uint32_t count = 0, len = 0;
  std::memcpy(&count, bytes.data() + kSources, 4);
  std::memcpy(&len, bytes.data() + kSources + 4, 4);
  if (count == 0 || bytes.size() < kSources + 8 + len + 8) return -1;
  int64_t offset = 0;
  std::memcpy(&offset, bytes.data() + kSources + 8 + len, 8);
  return offset;
}

std::string RunConfig(const std::string& dir, int life, bool follow, const std::string& tenants) {
  const std::string path = dir + "/run" + std::to_string(life) + ".yaml";
  std::ofstream out(path);
  out << "sources:\n  - file: {path: " << dir
      << "/in.ndjson, follow: " << (follow ? "true" : "false")
      << "}\nsinks:\n  - file: {path: " << dir << "/alerts" << life
      << ".jsonl}\nmetrics: {listen: off}\ndead_letter: {path: off}\n"
      << "pipeline: {shards: 2}\ncheckpoint: {dir: " << dir << "/cp, interval: 1s}\n"
      << tenants;
  return path;
}

TEST(RestartFamilies, KillMidSequenceKeepsThresholdSequenceNoveltyAndAbsenceVerdicts) {
  const std::string dir = TempDir("ckfamilies");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(RunToExit({kBinary, "gen", "-q", "-o", dir + "/all.ndjson", "--tenants", "3",
                       "--accounts", "200", "--days", "40", "--records", "12000", "--attack-share",
                       "0.05", "--seed", "11", "--config-out", dir + "/tenants.yaml"}),
            0);
  const std::string tenants_text = ReadFile(dir + "/tenants.yaml");
  const std::string tenants = tenants_text.substr(tenants_text.find("tenants:"));
  std::ofstream(dir + "/scan.yaml") << tenants;
  std::vector<std::string> lines;
  {
    std::ifstream all(dir + "/all.ndjson");
    std::string line;
    while (std::getline(all, line)) lines.push_back(line + "\n");
  }
  const std::size_t cut = lines.size() * 60 / 100;
  std::string first, second;
  for (std::size_t i = 0; i < lines.size(); ++i) (i < cut ? first : second) += lines[i];
  std::ofstream(dir + "/second.ndjson") << second;

  ASSERT_EQ(RunToExit({kBinary, "scan", "-q", "-c", dir + "/scan.yaml", dir + "/all.ndjson"},
                      dir + "/scan.out", dir + "/scan.err"),
            0);
  ASSERT_EQ(RunToExit({kBinary, "scan", "-q", "-c", dir + "/scan.yaml", dir + "/second.ndjson"},
                      dir + "/fresh.out", dir + "/fresh.err"),
            0);
  const auto want = Alerts(ReadFile(dir + "/scan.out"));
  const auto fresh = Alerts(ReadFile(dir + "/fresh.out"));
  ASSERT_GT(want.size(), 100u);

  // Life 1: follows the first part; killed once a checkpoint covers all of it.
  std::ofstream(dir + "/in.ndjson", std::ios::binary) << first;
  {
    Child run(Spawn({kBinary, "run", "-c", RunConfig(dir, 0, true, tenants)}, "", dir + "/err0"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (CheckpointOffset(dir + "/cp") != static_cast<int64_t>(first.size()) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(CheckpointOffset(dir + "/cp"), static_cast<int64_t>(first.size()))
        << ReadFile(dir + "/err0");
    const auto code = run.Stop(SIGKILL, std::chrono::seconds(60));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, -SIGKILL);
  }
  // Life 2: the rest of the file is appended; the restored run reads it to the end and settles.
  {
    std::ofstream in(dir + "/in.ndjson", std::ios::binary | std::ios::app);
    in << second;
  }
  ASSERT_EQ(RunToExit({kBinary, "run", "-c", RunConfig(dir, 1, false, tenants)}, "", dir + "/err1"),
            0)
      << ReadFile(dir + "/err1");
  EXPECT_NE(ReadFile(dir + "/err1").find("privmon: restored"), std::string::npos)
      << ReadFile(dir + "/err1");

  const auto life1 = Alerts(ReadFile(dir + "/alerts0.jsonl"));
  const auto life2 = Alerts(ReadFile(dir + "/alerts1.jsonl"));
  auto together = life1;
  together.insert(life2.begin(), life2.end());
  EXPECT_EQ(together, want) << together.size() << " alerts over two lives, scan " << want.size();

  // Alerts of the second life that a run over the second part alone misses, by rule.
  std::map<std::string, int> needed_state;
  for (const auto& [id, rule] : life2) {
    if (want.count(id) != 0 && life1.count(id) == 0 && fresh.count(id) == 0) ++needed_state[rule];
  }
  std::ostringstream seen;
  for (const auto& [rule, n] : needed_state) seen << rule << "=" << n << " ";
  auto any = [&](std::initializer_list<const char*> rules) {
    for (const char* r : rules) {
      if (needed_state.count(r) != 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(any({"PRIV-SI-01", "PRIV-SI-04", "PRIV-SI-06"})) << "threshold: " << seen.str();
  EXPECT_TRUE(any({"PRIV-PA-01", "PRIV-PA-02", "PRIV-EL-06", "PRIV-EL-08"}))
      << "sequence: " << seen.str();
  EXPECT_TRUE(any({"PRIV-SI-13", "PRIV-SI-14", "PRIV-CH-01", "PRIV-EL-03"}))
      << "novelty: " << seen.str();
  EXPECT_TRUE(any({"PRIV-PA-05"})) << "absence: " << seen.str();
  std::printf("second life needed the restored state for: %s\n", seen.str().c_str());
}

}  // namespace
}  // namespace privmon
