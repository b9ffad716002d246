// Onboarding (issue 12): `scan --checkpoint-out DIR` learns from a tenant's history without
// emitting alerts, and `run` continues from that checkpoint on the live records. Every alert that
// `scan` of history and live together raises beyond what history alone raises is raised by the
// onboarded run, with the same id, and the run raises nothing scan would not; a run that was not
// onboarded misses some of them (its novelty rules are still learning). Real processes and files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::AlertIds;
using testing::GenInput;
using testing::ReadFile;
using testing::RunToExit;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kOnboardingBinary = PRIVMON_BINARY;
using Ids = std::set<std::pair<std::string, bool>>;

Ids Minus(const Ids& a, const Ids& b) {
  Ids out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

TEST(Onboarding, ScanCheckpointOutThenRunRaisesWhatScanOfEverythingRaisesAfterTheHistory) {
  const std::string dir = TempDir("onboard");
  TempDirCleanup cleanup(dir);
  ASSERT_EQ(GenInput(dir + "/all.ndjson",
                     {"--tenants", "3", "--accounts", "200", "--days", "20", "--records", "8000",
                      "--attack-share", "0.05", "--config-out", dir + "/tenants.yaml"}),
            0);
  const std::string tenants_text = ReadFile(dir + "/tenants.yaml");
  const std::string tenants = tenants_text.substr(tenants_text.find("tenants:"));
  std::ofstream(dir + "/scan.yaml") << tenants;
  // History: the first 15 of 20 days' lines; live: the rest.
  {
    std::ifstream all(dir + "/all.ndjson");
    std::ofstream history(dir + "/history.ndjson"), live(dir + "/live.ndjson");
    std::string line;
    std::size_t n = 0;
    while (std::getline(all, line)) (n++ < 6000 ? history : live) << line << "\n";
  }
  ASSERT_EQ(
      RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan.yaml", dir + "/all.ndjson"},
                dir + "/all.out", dir + "/all.err"),
      0);
  ASSERT_EQ(RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan.yaml",
                       dir + "/history.ndjson"},
                      dir + "/history.out", dir + "/history.err"),
            0);
  const Ids all = AlertIds(ReadFile(dir + "/all.out"));
  const Ids want = Minus(all, AlertIds(ReadFile(dir + "/history.out")));
  ASSERT_GT(want.size(), 50u);

  ASSERT_EQ(RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan.yaml",
                       "--checkpoint-out", dir + "/cp", dir + "/history.ndjson"},
                      dir + "/learn.out", dir + "/learn.err"),
            0)
      << ReadFile(dir + "/learn.err");
  EXPECT_EQ(ReadFile(dir + "/learn.out"), "") << "learning emits no alert";
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/cp"),
                          std::filesystem::directory_iterator()),
            1);
  // A second onboarding into a directory that holds checkpoints (a run's, or this one's) would
  // become its newest checkpoint and replace that state: refused, nothing written (breaker round
  // 9).
  EXPECT_EQ(RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan.yaml",
                       "--checkpoint-out", dir + "/cp", dir + "/history.ndjson"},
                      dir + "/again.out", dir + "/again.err"),
            2);
  EXPECT_NE(ReadFile(dir + "/again.err").find("already holds checkpoints"), std::string::npos)
      << ReadFile(dir + "/again.err");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/cp"),
                          std::filesystem::directory_iterator()),
            1);

  auto run = [&](const std::string& name, bool onboarded) {
    std::ofstream(dir + "/" + name + ".yaml")
        << "sources:\n  - file: {path: " << dir << "/live.ndjson}\nsinks:\n  - file: {path: " << dir
        << "/" << name << ".jsonl}\nmetrics: {listen: off}\ndead_letter: {path: off}\n"
        << "checkpoint: {dir: " << dir << (onboarded ? "/cp" : "/cp-" + name) << ", interval: 1h}\n"
        << tenants;
    EXPECT_EQ(RunToExit({kOnboardingBinary, "run", "-c", dir + "/" + name + ".yaml"}, "",
                        dir + "/" + name + ".err"),
              0)
        << ReadFile(dir + "/" + name + ".err");
    return AlertIds(ReadFile(dir + "/" + name + ".jsonl"));
  };
  const Ids onboarded = run("onboarded", true);
  EXPECT_NE(ReadFile(dir + "/onboarded.err").find("privmon: restored"), std::string::npos);
  const Ids missing = Minus(want, onboarded);
  const Ids extra = Minus(onboarded, all);
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << want.size() << " missing, first "
                               << missing.begin()->first;
  EXPECT_TRUE(extra.empty()) << extra.size() << " extra, first " << extra.begin()->first;
  const Ids blind = run("blind", false);
  EXPECT_GT(Minus(want, blind).size(), 0u) << "without onboarding the learning rules are blind";
}

// The update lines of `text` by alert_id: every count one was sent with, in order.
std::map<std::string, std::vector<std::string>> UpdateCounts(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"update\":true") == std::string::npos) continue;
    const auto id = line.find("\"alert_id\":\"");
    const auto count = line.find("\"count\":");
    if (id == std::string::npos || count == std::string::npos) continue;
    const std::string digits = line.substr(count + 8, line.find_first_of(",}", count) - count - 8);
    out[line.substr(id + 12, 16)].push_back(digits);
  }
  return out;
}

// A suppression bucket with a pending update line, carried by a checkpoint onto another shard
// count, goes to the shard owning its account, which sees the account's later repeats (breaker
// round 41: a copy on every shard sent its own update line with the count at the cut, so
// PRIV-BG-01's final count 6 came with stale lines of 5, and a SIEM keeping the last line per
// alert_id kept one of those).
TEST(Onboarding, APendingUpdateCarriedOntoAnotherShardCountIsSentOnceWithTheFinalCount) {
  const std::string dir = TempDir("onboard_shards");
  TempDirCleanup cleanup(dir);
  const std::string input = std::string(PRIVMON_SOURCE_DIR) +
                            "/tests/data/checkpoint/pending_update_across_shard_counts.ndjson";
  const std::string tenants =
      "tenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n    name: Northwind\n"
      "    break_glass: [bg-09@northwind.example]\n"
      "    privileged_accounts: [adm-nhall@northwind.example, adm-opark@northwind.example]\n";
  {
    std::ifstream all(input);
    std::ofstream history(dir + "/history.ndjson"), live(dir + "/live.ndjson");
    std::string line;
    std::size_t n = 0;
    while (std::getline(all, line)) (n++ < 12 ? history : live) << line << "\n";
  }
  const std::string common = "dead_letter: {path: off}\nmetrics: {listen: off}\n" + tenants;
  std::ofstream(dir + "/scan4.yaml") << "pipeline: {allowed_lateness: 5m, shards: 4}\n" << common;
  ASSERT_EQ(RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan4.yaml", input},
                      dir + "/all.out", dir + "/all.err"),
            0);
  const auto want = UpdateCounts(ReadFile(dir + "/all.out"));
  ASSERT_FALSE(want.empty()) << ReadFile(dir + "/all.out");
  for (const int run_shards : {2, 3}) {
    SCOPED_TRACE(run_shards);
    const std::string cp = dir + "/cp" + std::to_string(run_shards);
    ASSERT_EQ(RunToExit({kOnboardingBinary, "scan", "-q", "-c", dir + "/scan4.yaml",
                         "--checkpoint-out", cp, dir + "/history.ndjson"},
                        dir + "/learn.out", dir + "/learn.err"),
              0)
        << ReadFile(dir + "/learn.err");
    const std::string name = dir + "/run" + std::to_string(run_shards);
    std::ofstream(name + ".yaml") << "pipeline: {allowed_lateness: 5m, shards: " << run_shards
                                  << "}\nsources:\n  - file: {path: " << dir
                                  << "/live.ndjson}\nsinks:\n  - file: {path: " << name
                                  << ".jsonl}\ncheckpoint: {dir: " << cp << ", interval: 1h}\n"
                                  << common;
    ASSERT_EQ(RunToExit({kOnboardingBinary, "run", "-c", name + ".yaml"}, "", name + ".err"), 0)
        << ReadFile(name + ".err");
    const auto got = UpdateCounts(ReadFile(name + ".jsonl"));
    for (const auto& [id, counts] : got) {
      ASSERT_TRUE(want.contains(id)) << "an update scan does not send: " << id;
      EXPECT_EQ(counts, want.at(id)) << "alert " << id << ": one update line, the final count";
    }
    // The break-glass bucket straddles the cut: its update is among the run's.
    EXPECT_GE(got.size(), 1u) << ReadFile(name + ".jsonl");
  }
}

}  // namespace
}  // namespace privmon
