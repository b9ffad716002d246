// State that must survive a restart exactly (DESIGN.md section 9 "Checkpoints"): a run stopped
// and restarted from its checkpoint raises the alerts (same ids) of one uninterrupted run. Each
// test here is a piece of state a restart lost (tests/regressions/README.md, k17): the final
// checkpoint of a `run` whose file ended (k17a), the newest event time that max_future_skew
// judges by (k17c), and PRIV-OP-01's watch over a silent tenant (k17d).
// Real processes, real files.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::AlertIds;
using testing::AlertIdSet;
using testing::Child;
using testing::ReadFile;
using testing::Spawn;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kRestartStateBinary = PRIVMON_BINARY;
constexpr const char* kTenant = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";

// A break-glass account's interactive sign-in as diagnostic settings write it (the fields of
// shared case 07's records), at `time` (ISO 8601, UTC) with record id `id`.
std::string SignIn(const std::string& time, const std::string& id) {
  return std::string("{\"time\":\"") + time + "\",\"resourceId\":\"/tenants/" + kTenant +
         "/providers/Microsoft.aadiam\",\"operationName\":\"Sign-in activity\","
         "\"category\":\"SignInLogs\",\"tenantId\":\"" +
         kTenant +
         "\",\"resultType\":\"0\",\"callerIpAddress\":\"192.0.2.57\",\"identity\":\"bg-03\","
         "\"properties\":{\"id\":\"" +
         id + "\",\"createdDateTime\":\"" + time +
         "\",\"userDisplayName\":\"bg-03\",\"userPrincipalName\":\"bg-03@northwind.example\","
         "\"userId\":\"78e3ba2d-b7b7-5f74-86a0-24dac6038518\",\"appId\":"
         "\"c44b4083-3bb0-49c1-b47d-974e53cbdf3c\",\"appDisplayName\":\"Azure Portal\","
         "\"ipAddress\":\"192.0.2.57\",\"status\":{\"errorCode\":0},\"clientAppUsed\":\"Browser\","
         "\"isInteractive\":true}}\n";
}

std::string Tenants(const std::string& extra = "") {
  return std::string("tenants:\n  \"") + kTenant +
         "\":\n    name: Northwind\n    break_glass: [bg-03@northwind.example]\n" + extra;
}

void Write(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream(path, append ? std::ios::app : std::ios::trunc) << text;
}

// <dir>/<name>.yaml: one file source <dir>/in.ndjson (followed or read to its end), alerts into
// `alerts`, checkpoints in <dir>/cp every second, 2 shards with `pipeline` settings, the tenant.
std::string RestartStateRunConfig(const std::string& dir, const std::string& name, bool follow,
                                  const std::string& alerts, const std::string& pipeline) {
  const std::string path = dir + "/" + name + ".yaml";
  Write(path,
        "sources:\n  - file: {path: \"" + dir + "/in.ndjson\", follow: " +
            (follow ? "true" : "false") + "}\nsinks:\n  - file: {path: \"" + alerts +
            "\"}\nmetrics: {listen: \"off\"}\ndead_letter: {path: off}\npipeline: {shards: 2" +
            (pipeline.empty() ? "" : ", " + pipeline) + "}\ncheckpoint: {dir: \"" + dir +
            "/cp\", interval: 1s}\n" + Tenants());
  return path;
}

// The alert ids `privmon scan` raises over `text` under `yaml` (the reference of one
// uninterrupted run).
AlertIdSet ScanIds(const std::string& dir, const std::string& yaml, const std::string& text) {
  Write(dir + "/scan.yaml", yaml);
  Write(dir + "/scan.ndjson", text);
  const testing::CommandResult r =
      testing::Privmon({"scan", "--config", dir + "/scan.yaml", dir + "/scan.ndjson"});
  EXPECT_EQ(r.code, 0) << r.err;
  return AlertIds(r.out);
}

// Every alert id of the files, updates folded into their first line.
std::set<std::string> FileIds(const std::vector<std::string>& files) {
  std::set<std::string> out;
  for (const std::string& f : files) {
    for (const auto& [id, update] : AlertIds(ReadFile(f))) out.insert(id);
  }
  return out;
}
std::set<std::string> RestartStateIds(const AlertIdSet& set) {
  std::set<std::string> out;
  for (const auto& [id, update] : set) out.insert(id);
  return out;
}

// k17a: `run` over a file it does not follow reads it to its end and exits. It wrote no
// checkpoint then (only a periodic one or a SIGTERM's), so a rerun on the same checkpoint
// directory restored nothing (or an older cut) and read the file again from its start. Now the
// end writes one, after the sinks' final flush: the rerun restores it, resumes at the file's end
// and raises nothing more.
TEST(RestartState, RunToTheEndOfAFileWritesAFinalCheckpoint) {
  const std::string dir = TempDir("ckfinal");
  TempDirCleanup cleanup(dir);
  Write(dir + "/in.ndjson", SignIn("2025-01-24T05:10:14Z", "df3c74b5-d6e4-5865-ad2a-512263945716"));
  // Checkpoints every minute: the run ends long before the first periodic one.
  auto config = [&](int life) {
    const std::string path = dir + "/run" + std::to_string(life) + ".yaml";
    Write(path, "sources:\n  - file: {path: \"" + dir +
                    "/in.ndjson\", follow: false}\nsinks:\n  - file: {path: \"" + dir + "/alerts" +
                    std::to_string(life) + ".jsonl\"}\nmetrics: {listen: \"off\"}\n" +
                    "dead_letter: {path: off}\ncheckpoint: {dir: \"" + dir +
                    "/cp\", interval: 60s}\n" + Tenants());
    return path;
  };
  const testing::CommandResult first = testing::Privmon({"run", "--config", config(1)});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(FileIds({dir + "/alerts1.jsonl"}).size(), 1u) << ReadFile(dir + "/alerts1.jsonl");
  EXPECT_EQ(testing::CheckpointFileOffset(dir + "/cp"),
            static_cast<int64_t>(std::filesystem::file_size(dir + "/in.ndjson")))
      << first.err;
  const testing::CommandResult second = testing::Privmon({"run", "--config", config(2)});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("restored"), std::string::npos) << second.err;
  EXPECT_EQ(FileIds({dir + "/alerts2.jsonl"}).size(), 0u) << ReadFile(dir + "/alerts2.jsonl");
}

// k17c: a record dated more than max_future_skew after its tenant's newest is rejected
// (future_time). That newest time was the parse thread's alone and started empty after a
// restart, so the same record was admitted there (judged against the wall clock, which 2025's
// records are far behind): a second break-glass alert that one uninterrupted run never raises.
// The checkpoint's per-input clocks now give the parse threads their newest times back.
TEST(RestartState, MaxFutureSkewJudgesByTheNewestTimeBeforeTheRestart) {
  const std::string dir = TempDir("ckskew");
  TempDirCleanup cleanup(dir);
  const std::string before = SignIn("2025-01-24T05:10:14Z", "df3c74b5-d6e4-5865-ad2a-512263945716");
  const std::string after = SignIn("2025-01-24T07:40:14Z", "df3c74b5-d6e4-5865-ad2a-512263945717");
  const std::set<std::string> want = RestartStateIds(
      ScanIds(dir, "pipeline: {max_future_skew: 1h}\ndead_letter: {path: off}\n" + Tenants(),
              before + after));
  ASSERT_EQ(want.size(), 1u);  // the later sign-in is too far ahead: rejected
  Write(dir + "/in.ndjson", before);
  const std::string cfg1 =
      RestartStateRunConfig(dir, "run1", true, dir + "/alerts1.jsonl", "max_future_skew: 1h");
  {
    Child run(Spawn({kRestartStateBinary, "run", "--config", cfg1}, "", dir + "/err1.txt"));
    ASSERT_TRUE(testing::PollUntil(
        [&] {
          return testing::CheckpointFileOffset(dir + "/cp") == static_cast<int64_t>(before.size());
        },
        std::chrono::seconds(30)));
    ASSERT_EQ(run.Stop(SIGTERM, std::chrono::seconds(30)), 0) << ReadFile(dir + "/err1.txt");
  }
  Write(dir + "/in.ndjson", after, /*append=*/true);
  const std::string cfg2 =
      RestartStateRunConfig(dir, "run2", false, dir + "/alerts2.jsonl", "max_future_skew: 1h");
  const testing::CommandResult second = testing::Privmon({"run", "--config", cfg2});
  ASSERT_EQ(second.code, 0) << second.err;
  ASSERT_NE(second.err.find("restored"), std::string::npos) << second.err;
  EXPECT_EQ(FileIds({dir + "/alerts1.jsonl", dir + "/alerts2.jsonl"}), want)
      << ReadFile(dir + "/alerts2.jsonl") << second.err;
}

// k17d: PRIV-OP-01 (a tenant whose logs stop) watched each tenant in the control thread only, so
// a restart forgot every silence: one already alerted was raised again (under a new id: the
// restart's time), one under way started over from the restart (or, for a tenant no config
// lists, was never watched again). The watches are checkpointed now (format 7): a restarted run
// raises what one uninterrupted run raises, with its id.
TEST(RestartState, TenantSilenceAlertsOnceWithTheIdOfOneUninterruptedRun) {
  const std::string dir = TempDir("cksilence");
  TempDirCleanup cleanup(dir);
  Write(dir + "/in.ndjson", SignIn("2025-01-24T05:10:14Z", "df3c74b5-d6e4-5865-ad2a-512263945716"));
  auto op01 = [](const std::string& file) {
    std::set<std::string> out;
    std::istringstream in(ReadFile(file));
    for (std::string line; std::getline(in, line);) {
      if (line.find("PRIV-OP-01") == std::string::npos) continue;
      const auto at = line.find("\"alert_id\":\"") + 12;
      out.insert(line.substr(at, line.find('"', at) - at));
    }
    return out;
  };
  // Life `life` follows in.ndjson for `seconds`, then SIGTERM (checkpointed).
  auto life = [&](int n, double seconds) {
    const std::string cfg = RestartStateRunConfig(dir, "run" + std::to_string(n), true,
                                                  dir + "/alerts" + std::to_string(n) + ".jsonl",
                                                  "tenant_silence_alert: 3s");
    Child run(Spawn({kRestartStateBinary, "run", "--config", cfg}, "",
                    dir + "/err" + std::to_string(n) + ".txt"));
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
    EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(30)), 0)
        << ReadFile(dir + "/err" + std::to_string(n) + ".txt");
    return op01(dir + "/alerts" + std::to_string(n) + ".jsonl");
  };
  // The silence alerted in the first life: the second raises it again under no id at all.
  const std::set<std::string> once = life(1, 6);
  ASSERT_EQ(once.size(), 1u) << ReadFile(dir + "/alerts1.jsonl");
  EXPECT_EQ(life(2, 6), std::set<std::string>{}) << ReadFile(dir + "/alerts2.jsonl");
  // A silence under way at the stop (1 s of 3): the next life raises it, with the same id.
  std::filesystem::remove_all(dir + "/cp");
  EXPECT_EQ(life(3, 1), std::set<std::string>{});
  EXPECT_EQ(life(4, 6), once) << ReadFile(dir + "/alerts4.jsonl");
}

}  // namespace
}  // namespace privmon
