// What a restart keeps, per rule family (issue 12, docs/operations.md section 5 "What a restart
// keeps"): for a threshold, a sequence, a novelty and an absence rule, an alert of an
// uninterrupted `scan` whose evidence began before some line of the file and ended after it is
// picked, and `run` (following the growing file, a checkpoint every second) is SIGKILLed once its
// latest checkpoint covers exactly the lines before that point. The next life restores and reads
// on: it must raise that alert (same id), which it can only do from the restored state, and all
// lives together must raise exactly the alerts of the uninterrupted scan.
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
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::Child;
using testing::ReadFile;
using testing::RunToExit;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kRestartFamiliesBinary = PRIVMON_BINARY;

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

// Life `life`'s config: follows (or, the last life, reads to the end of) in.ndjson with
// checkpoints, its alerts in alerts<life>.jsonl.
std::string RestartFamiliesRunConfig(const std::string& dir, int life, bool follow,
                                     const std::string& tenants) {
  const std::string name = "run" + std::to_string(life);
  return testing::WriteFileRunConfig(
      dir, name, follow, dir + "/alerts" + std::to_string(life) + ".jsonl", "off", tenants);
}

std::vector<std::string> RecordIds(const std::string& alert_line) {
  std::vector<std::string> ids;
  const std::string key = "\"record_id\":\"";
  for (auto at = alert_line.find(key); at != std::string::npos; at = alert_line.find(key, at)) {
    at += key.size();
    ids.push_back(alert_line.substr(at, alert_line.find('"', at) - at));
  }
  return ids;
}

TEST(RestartFamilies, KillMidSequenceKeepsThresholdSequenceNoveltyAndAbsenceVerdicts) {
  const std::string dir = TempDir("ckfamilies");
  TempDirCleanup cleanup(dir);
  // A 2-day absence period, so that PRIV-PA-05 fires within 40 days of generated traffic.
  const auto reference =
      testing::GenerateAndScan(dir,
                               {"--tenants", "3", "--accounts", "200", "--days", "40", "--records",
                                "12000", "--attack-share", "0.05", "--seed", "11"},
                               "defaults: {rules: {PRIV-PA-05: {window: 2d}}}\n");
  ASSERT_TRUE(reference.has_value());
  const std::string& tenants = reference->tenants;
  const std::string& scan_text = reference->scan_text;
  const auto want = Alerts(scan_text);
  ASSERT_GT(want.size(), 100u);
  std::vector<std::string> lines;
  {
    std::ifstream all(dir + "/all.ndjson");
    std::string line;
    while (std::getline(all, line)) lines.push_back(line + "\n");
  }
  // Each line's first timestamp (the generator writes them in about event-time order).
  const std::regex stamp(R"(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d)");
  std::vector<std::string> times;
  for (const auto& l : lines) {
    std::smatch m;
    times.push_back(std::regex_search(l, m, stamp) ? m.str() : std::string());
  }
  auto line_of = [&](const std::string& record_id) -> std::size_t {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find("\"" + record_id + "\"") != std::string::npos) return i;
    }
    return lines.size();
  };

  // Per family, the first alert (from 30% of the file on) whose evidence spans some lines and is
  // raised later still: the kill point goes between its first evidence and when it is raised.
  // (A family's alert is `raised` at its `time`; absence alerts at their deadline.)
  const std::vector<std::pair<std::string, std::vector<std::string>>> families = {
      {"threshold", {"PRIV-SI-01", "PRIV-SI-06", "PRIV-SI-04"}},
      {"sequence", {"PRIV-PA-01", "PRIV-PA-02", "PRIV-EL-08", "PRIV-EL-06"}},
      {"novelty", {"PRIV-SI-14", "PRIV-CH-01", "PRIV-EL-03", "PRIV-SI-13"}},
      {"absence", {"PRIV-PA-05"}}};
  std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> cuts;  // -> (family, id)
  for (const auto& [family, rules] : families) {
    bool found = false;
    for (std::size_t r = 0; r < rules.size() && !found; ++r) {  // the rules in order of preference
      std::istringstream in(scan_text);
      std::string line;
      while (!found && std::getline(in, line)) {
        if (Field(line, "rule_id") != rules[r]) continue;
        std::size_t first = lines.size();
        for (const auto& id : RecordIds(line)) first = std::min(first, line_of(id));
        // A threshold alert names its last record only: its first is where first_seen falls.
        const std::string first_seen = Field(line, "first_seen").substr(0, 19);
        std::size_t first_by_time = 0;
        while (first_by_time < lines.size() && times[first_by_time] < first_seen) ++first_by_time;
        first = std::min(first, first_by_time);
        const std::string raised = Field(line, "time").substr(0, 19);
        std::size_t raised_line = first;
        while (raised_line < lines.size() && times[raised_line] < raised) ++raised_line;
        // A novelty alert needs the account's learning period (14 days) and baseline, all before
        // its own record: the kill goes right before that record, past the learning period.
        if (family == "novelty" && raised_line >= lines.size() / 2) first = raised_line - 2;
        if (first < lines.size() * 3 / 10 || raised_line >= lines.size() ||
            raised_line < first + 2) {
          continue;
        }
        cuts[(first + raised_line) / 2].emplace_back(family, Field(line, "alert_id"));
        found = true;
      }
    }
    ASSERT_TRUE(found) << "no " << family << " alert spans lines of the generated world";
  }

  std::FILE* input = std::fopen((dir + "/in.ndjson").c_str(), "wb");
  ASSERT_NE(input, nullptr);
  std::size_t fed = 0, bytes = 0;
  int life = 0;
  std::ostringstream plan;
  for (const auto& [cut, picked] : cuts) {
    for (; fed < cut; ++fed) {
      std::fputs(lines[fed].c_str(), input);
      bytes += lines[fed].size();
    }
    std::fflush(input);
    plan << " cut " << cut << ":";
    for (const auto& [family, id] : picked) plan << " " << family << " " << id;
    Child run(Spawn(
        {kRestartFamiliesBinary, "run", "-c", RestartFamiliesRunConfig(dir, life, true, tenants)},
        "", dir + "/err" + std::to_string(life)));
    testing::PollUntil(
        [&] { return testing::CheckpointFileOffset(dir + "/cp") == static_cast<int64_t>(bytes); },
        std::chrono::seconds(120));
    ASSERT_EQ(testing::CheckpointFileOffset(dir + "/cp"), static_cast<int64_t>(bytes))
        << plan.str() << "\n"
        << ReadFile(dir + "/err" + std::to_string(life));
    const auto code = run.Stop(SIGKILL, std::chrono::seconds(60));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, -SIGKILL);
    ++life;
  }
  for (; fed < lines.size(); ++fed) std::fputs(lines[fed].c_str(), input);
  std::fclose(input);
  ASSERT_EQ(RunToExit({kRestartFamiliesBinary, "run", "-c",
                       RestartFamiliesRunConfig(dir, life, false, tenants)},
                      "", dir + "/err" + std::to_string(life)),
            0)
      << ReadFile(dir + "/err" + std::to_string(life));

  std::vector<std::map<std::string, std::string>> by_life;
  std::map<std::string, std::string> together;
  for (int l = 0; l <= life; ++l) {
    by_life.push_back(Alerts(ReadFile(dir + "/alerts" + std::to_string(l) + ".jsonl")));
    together.insert(by_life.back().begin(), by_life.back().end());
    if (l > 0) {
      EXPECT_NE(ReadFile(dir + "/err" + std::to_string(l)).find("privmon: restored"),
                std::string::npos)
          << "life " << l;
    }
  }
  EXPECT_EQ(together, want) << together.size() << " alerts over the lives, scan " << want.size()
                            << ";" << plan.str();
  // Each picked alert is raised after its kill point (by the restored life, or a later one when
  // its deadline falls after the next kill: every later life also began from a restore), never
  // before it.
  int after = 1;
  for (const auto& [cut, picked] : cuts) {
    for (const auto& [family, id] : picked) {
      std::size_t before = 0, later = 0;
      for (int l = 0; l <= life; ++l) (l < after ? before : later) += by_life[l].count(id);
      EXPECT_EQ(before, 0u) << family << " " << id << " raised before the cut;" << plan.str();
      EXPECT_GE(later, 1u) << family << " " << id << " not raised after the restore;" << plan.str();
    }
    ++after;
  }
  std::printf("%s\n", plan.str().c_str());
}

}  // namespace
}  // namespace privmon
