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

}  // namespace
}  // namespace privmon
