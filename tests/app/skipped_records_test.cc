// Records of Entra categories privmon does not read (Graph activity, risky users, provisioning)
// share batches with the ones it reads: `privmon scan` counts them per category in its summary and
// keeps no copy in the dead-letter file unless `dead_letter: {keep_skipped: true}` asks for one.
// Runs the real binary on real files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sinks/dead_letter.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBatch =
    R"({"records":[)"
    R"({"time":"2025-03-21T10:24:44Z","category":"MicrosoftGraphActivityLogs","tenantId":"T1","resourceId":"/TENANTS/T1/PROVIDERS/MICROSOFT.AADIAM","properties":{"requestMethod":"GET"}},)"
    R"({"time":"2025-03-21T10:26:03Z","category":"RiskyUsers","tenantId":"T1","resourceId":"/tenants/T1/providers/microsoft.aadiam","properties":{"userPrincipalName":"bg@x.example"}},)"
    R"({"time":"2025-03-21T10:26:04Z","category":"RiskyUsers","tenantId":"T1","resourceId":"/tenants/T1/providers/microsoft.aadiam","properties":{"userPrincipalName":"bg@x.example"}},)"
    R"({"time":"2025-03-21T10:31:12Z","category":"SignInLogs","tenantId":"T1","properties":{"id":"s1","createdDateTime":"2025-03-21T10:30:58Z","userPrincipalName":"a@x.example","userId":"u1","status":{"errorCode":0}}})"
    R"(]})"
    "\n"
    "not json\n";

class ScanDir {
 public:
  ScanDir() {
    dir_ = fs::temp_directory_path() /
           ("privmon_skipped_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "input.ndjson") << kBatch;
  }
  ~ScanDir() { fs::remove_all(dir_); }

  // Runs `privmon scan --config cfg.yaml input.ndjson` with `yaml`; returns its stderr.
  std::string Scan(const std::string& yaml) {
    std::ofstream(dir_ / "cfg.yaml") << yaml;
    const privmon::testing::CommandResult r =
        privmon::testing::Privmon({"scan", "--config", Path("cfg.yaml"), Path("input.ndjson")});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.err;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

TEST(SkippedRecords, CountedPerCategoryAndNotCopiedToTheDeadLetterFile) {
  ScanDir d;
  const std::string err = d.Scan("dead_letter: {path: " + d.Path("dead.ndjson") + "}\n");
  EXPECT_NE(err.find("1 records accepted, 1 rejected, 3 skipped"), std::string::npos) << err;
  EXPECT_NE(err.find("skipped  graph_activity  1"), std::string::npos) << err;
  EXPECT_NE(err.find("skipped  risky_users     2"), std::string::npos) << err;
  const auto entries = ReadDeadLetterFile(d.Path("dead.ndjson"));
  ASSERT_EQ(entries.size(), 1u);  // only the line that is not JSON
  EXPECT_EQ(entries[0].reason, "invalid_json");
}

TEST(SkippedRecords, KeptInTheDeadLetterFileWhenTheConfigAsks) {
  ScanDir d;
  d.Scan("dead_letter: {path: " + d.Path("dead.ndjson") + ", keep_skipped: true}\n");
  const auto entries = ReadDeadLetterFile(d.Path("dead.ndjson"));
  ASSERT_EQ(entries.size(), 4u);
  int skipped = 0;
  for (const auto& e : entries) {
    if (e.reason != "skipped") continue;
    ++skipped;
    EXPECT_TRUE(e.detail == "graph_activity" || e.detail == "risky_users") << e.detail;
    EXPECT_TRUE(e.raw.starts_with(R"({"time":"2025-03-21T10:2)")) << e.raw;
  }
  EXPECT_EQ(skipped, 3);
}

}  // namespace
}  // namespace privmon
