// k15 (h-hold): a Graph listing (pages newest first, each but the last naming its @odata.nextLink)
// is one clock step (docs/operations.md "A listing is one clock step"), also in `run` with
// checkpoints: every checkpoint cut (each `checkpoint.interval`) and the source's pause between
// two pages (a collector's round trip for the next page) ended the listing's hold and sent its
// newest time, so the older page that followed was late against it: gp1's break-glass sign-in
// 38 min older than the first page was beyond the dedupe horizon and raised no PRIV-BG-01, in the
// same life and in the life restarted from such a checkpoint. A cut now ends no listing: the
// checkpoint carries the listing and its held marks (format 6), and a pause ends a listing only
// after Pipeline::kListingPauseNs (10 s). Real processes, real files.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::CheckpointFileOffset;
using testing::Child;
using testing::PollUntil;
using testing::ReadFile;
using testing::RunToExit;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kListingHoldBinary = PRIVMON_BINARY;
const std::string kGp1 =
    std::string(PRIVMON_SOURCE_DIR) + "/tests/regressions/gp1_graph_pages_newest_first";

std::string Config(const std::string& dir, bool follow, const std::string& alerts) {
  std::string path = dir + "/run.yaml";
  std::ofstream(path) << "sources:\n  - file: {path: \"" << dir
                      << "/in.ndjson\", follow: " << (follow ? "true" : "false")
                      << ", name: graph, tenant: \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\"}\n"
                      << "sinks:\n  - file: {path: \"" << alerts << "\"}\n"
                      << "metrics: {listen: \"off\"}\ndead_letter: {path: off}\n"
                      << "pipeline: {shards: 2, allowed_lateness: 5m}\n"
                      << "checkpoint: {dir: \"" << dir << "/cp\", interval: 1s}\n"
                      << "tenants:\n  \"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e\":\n"
                      << "    break_glass: [bg-04@northwind.example]\n"
                      << "    privileged_accounts: [adm-egarcia@northwind.example]\n";
  return path;
}

std::vector<std::string> PageLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

void Append(const std::string& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << "\n";
}

// `crash`: life 1 is killed (SIGKILL) after checkpoint cuts taken while the listing went on, and
// the second page is read by life 2, restored from the latest of those cuts. Else life 1 reads the
// second page itself after those cuts and stops (SIGTERM); life 2 settles what it left pending.
void RunListingAcrossCuts(bool crash) {
  const std::string dir = TempDir(crash ? "listing_crash" : "listing_cut");
  TempDirCleanup cleanup(dir);
  const std::vector<std::string> pages = PageLines(kGp1 + "/input.ndjson");
  ASSERT_EQ(pages.size(), 2u);
  const std::string input = dir + "/in.ndjson";
  Append(input, pages[0]);
  const auto first_page = static_cast<int64_t>(pages[0].size() + 1);
  {
    Child life(Spawn({kListingHoldBinary, "run", "-c", Config(dir, true, dir + "/alerts1.jsonl")},
                     "", dir + "/err1"));
    // A cut that covers the first page, with the listing going on (its next page not written yet).
    ASSERT_TRUE(PollUntil([&] { return CheckpointFileOffset(dir + "/cp") == first_page; },
                          std::chrono::seconds(30)))
        << ReadFile(dir + "/err1");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // another cut or two
    if (crash) {
      EXPECT_EQ(life.Stop(SIGKILL, std::chrono::seconds(30)), -SIGKILL);
    } else {
      Append(input, pages[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      EXPECT_EQ(life.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/err1");
    }
  }
  if (crash) Append(input, pages[1]);
  ASSERT_EQ(RunToExit({kListingHoldBinary, "run", "-c", Config(dir, false, dir + "/alerts2.jsonl")},
                      "", dir + "/err2"),
            0)
      << ReadFile(dir + "/err2");
  const std::string err2 = ReadFile(dir + "/err2");
  EXPECT_NE(err2.find("restored"), std::string::npos) << err2;
  const std::string alerts = ReadFile(dir + "/alerts1.jsonl") + ReadFile(dir + "/alerts2.jsonl");
  EXPECT_NE(alerts.find("\"PRIV-BG-01\""), std::string::npos)
      << "the older page was late\n"
      << alerts << ReadFile(dir + "/err1") << err2;
}

TEST(ListingHold, AGraphListingGoesOnAcrossCheckpointCutsInOneLife) { RunListingAcrossCuts(false); }

TEST(ListingHold, AGraphListingGoesOnInTheLifeRestoredFromACutBetweenItsPages) {
  RunListingAcrossCuts(true);
}

// k18 (h-hold): `run` over a file it does not follow holds the file's marks from its start, as
// scan does (docs/operations.md "A finite input is one clock step"): k18a's PowerShell audit
// lines, newest first ("Delete user" 2 h 41 min after the "Add user" it follows), raise PRIV-PA-02
// (before: "Add user" was beyond the dedupe horizon). A followed file is a live source: no hold
// (its verdicts would wait for an end that never comes), so there the older line is still kept
// from the rules, as documented.
TEST(ListingHold, RunHoldsAFileItDoesNotFollowAsScanDoesAndAFollowedOneNot) {
  const std::string dir = TempDir("whole_file_hold");
  TempDirCleanup cleanup(dir);
  const std::string k18a =
      std::string(PRIVMON_SOURCE_DIR) + "/tests/regressions/k18a_ps_audit_lines_newest_first";
  for (const std::string& line : PageLines(k18a + "/input.ndjson"))
    Append(dir + "/in.ndjson", line);
  ASSERT_EQ(RunToExit({kBinary, "run", "-c", Config(dir, false, dir + "/alerts.jsonl")}, "",
                      dir + "/err"),
            0)
      << ReadFile(dir + "/err");
  EXPECT_NE(ReadFile(dir + "/alerts.jsonl").find("\"PRIV-PA-02\""), std::string::npos)
      << ReadFile(dir + "/alerts.jsonl") << ReadFile(dir + "/err");
  std::filesystem::remove_all(dir + "/cp");
  Child life(Spawn({kBinary, "run", "-c", Config(dir, true, dir + "/followed.jsonl")}, "",
                   dir + "/err_followed"));
  // Both lines read (the checkpoint's position is the file's end), then stopped.
  const auto size = static_cast<int64_t>(std::filesystem::file_size(dir + "/in.ndjson"));
  ASSERT_TRUE(PollUntil([&] { return CheckpointFileOffset(dir + "/cp") == size; },
                        std::chrono::seconds(30)))
      << ReadFile(dir + "/err_followed");
  EXPECT_EQ(life.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/err_followed");
  EXPECT_EQ(ReadFile(dir + "/followed.jsonl").find("\"PRIV-PA-02\""), std::string::npos)
      << ReadFile(dir + "/followed.jsonl");
  EXPECT_NE(ReadFile(dir + "/err_followed").find("beyond horizon"), std::string::npos)
      << ReadFile(dir + "/err_followed");
}

}  // namespace
}  // namespace privmon
