// One file fanned out to several parse threads (pipeline/pipeline.h, LaneLoop) must give what one
// parse thread gives: the same verdicts and the same summary counts, whatever the block a parse
// thread takes in a row. Four inputs where per-lane state once made them differ (session 8's
// per-lane design): a future-dated record (max_future_skew judged per parse thread), a batch of
// more than 1024 records (record sequences overflowing into the next message's place), a lane's
// first progress mark (sent at once by each lane), and a redelivery behind the marks (a lane's
// mark reaching the shard after the next lane's message). The lanes now share one ProgressMarks
// and push in source order, so each is judged as with one parse thread.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/app/determinism_helpers.h"
#include "tests/support/sanitized.h"

namespace {

using namespace privmon_test;

// A break-glass sign-in (diag format) of bg1@contoso.com.
const std::string kRecord =
    R"({"time":"@TIME@Z","resourceId":"/tenants/11111111-2222-3333-4444-555555555555/providers/Microsoft.aadiam","operationName":"Sign-in activity","operationVersion":"1.0","category":"SignInLogs","tenantId":"11111111-2222-3333-4444-555555555555","resultType":"0","resultSignature":"None","durationMs":0,"callerIpAddress":"203.0.113.10","correlationId":"58331e33-dc49-4e5b-8291-69284841ce05","identity":"bg1","Level":4,"location":"@CC@","properties":{"id":"@ID@","createdDateTime":"@TIME@+00:00","userDisplayName":"bg1","userPrincipalName":"bg1@contoso.com","userId":"9607cc36-af18-4e69-8e04-59f78f7396d8","appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appDisplayName":"Azure Portal","ipAddress":"203.0.113.10","clientAppUsed":"Browser","correlationId":"58331e33-dc49-4e5b-8291-69284841ce05","conditionalAccessStatus":"notApplied","isInteractive":true,"riskDetail":"none","riskLevelAggregated":"none","riskLevelDuringSignIn":"none","riskState":"none","resourceDisplayName":"Windows Azure Service Management API","resourceId":"797f4846-ba00-4fd7-ba43-dac1f8f63013","resourceTenantId":"11111111-2222-3333-4444-555555555555","homeTenantId":"11111111-2222-3333-4444-555555555555","status":{"errorCode":0,"failureReason":null,"additionalDetails":null},"deviceDetail":{"deviceId":"","displayName":null,"operatingSystem":"Windows 10","browser":"Edge 120.0.2210","isCompliant":false,"isManaged":false,"trustType":null},"location":{"city":"Redmond","state":"Washington","countryOrRegion":"@CC@","geoCoordinates":{"altitude":null,"latitude":47.68,"longitude":-122.12}},"authenticationRequirement":"singleFactorAuthentication","userType":"Member"}})";

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::string Record(const std::string& time, int id, const std::string& country = "US") {
  std::string r = kRecord;
  char uuid[64];
  std::snprintf(uuid, sizeof uuid, "00000000-0000-0000-0000-%012d", id);
  ReplaceAll(r, "@TIME@", time);
  ReplaceAll(r, "@ID@", uuid);
  ReplaceAll(r, "@CC@", country);
  return r;
}

struct Run {
  std::vector<std::string> verdicts;
  std::string summary;  // stderr without the timing and per-parse-thread lines
  std::string err;
};

// The tests' config: Contoso with bg1 as break-glass and US/CA approved. `more_pipeline` adds
// pipeline keys (", key: value"), `sections` top-level sections (sources, sinks, metrics).
std::string Config(uint32_t parsers, uint32_t block, const std::string& more_pipeline = "",
                   const std::string& sections = "") {
  return "pipeline: {shards: 1, parse_threads: " + std::to_string(parsers) +
         ", fanout_block: " + std::to_string(block) + more_pipeline +
         ", allowed_lateness: 5m, max_future_skew: 1d}\n" + sections +
         "dead_letter: {path: \"\"}\n"
         "tenants:\n"
         "  \"11111111-2222-3333-4444-555555555555\":\n"
         "    name: Contoso\n"
         "    break_glass: ['bg1@contoso.com']\n"
         "    approved: {countries: ['US', 'CA']}\n";
}

void WriteConfig(const fs::path& tmp, uint32_t parsers, uint32_t block,
                 const std::string& more_pipeline = "") {
  std::ofstream(tmp / "config.yaml") << Config(parsers, block, more_pipeline);
}

Run ScanLines(const std::vector<std::string>& lines, uint32_t parsers, const fs::path& tmp,
              uint32_t block = 1) {
  WriteLines(tmp / "in.ndjson", lines);
  WriteConfig(tmp, parsers, block);
  const ScanOutput r =
      Scan("--config " + (tmp / "config.yaml").string() + " " + (tmp / "in.ndjson").string(), tmp);
  Run run;
  run.err = r.err;
  run.verdicts = Verdicts(r.out);
  for (const std::string& l : Lines(r.err)) {
    if (l.find("records per parse thread") != std::string::npos) continue;
    const auto in = l.find(" in ");  // "... alerts (0 suppressed) in 0.02 s (...)"
    run.summary += (in == std::string::npos ? l : l.substr(0, in)) + "\n";
  }
  return run;
}

void ExpectSameAsOneParseThread(const std::vector<std::string>& lines, const char* name,
                                int rounds = 1) {
  const fs::path tmp = TempDir(name);
  const Run one = ScanLines(lines, 1, tmp);
  ASSERT_FALSE(one.verdicts.empty()) << one.err;
  for (int round = 0; round < rounds; ++round) {
    for (uint32_t parsers : {2u, 3u}) {
      for (uint32_t block : {1u, 2u}) {
        const Run many = ScanLines(lines, parsers, tmp, block);
        // Every parse thread was dealt records (each line holds at least one).
        if (lines.size() >= parsers * block) ExpectEveryParseThreadParsed(many.err, parsers);
        EXPECT_EQ(many.verdicts, one.verdicts)
            << parsers << " parse threads, blocks of " << block << "\n"
            << many.err;
        EXPECT_EQ(many.summary, one.summary)
            << parsers << " parse threads, blocks of " << block << ", round " << round;
      }
    }
  }
  fs::remove_all(tmp);
}

// Record 2 is three days ahead of record 1: one parse thread rejects it (future_time) and accepts
// 3 and 4; with two lanes, lane 1 has no earlier record of the tenant, accepts it, its mark moves
// the tenant's clock three days on, and 3 and 4 are late.
TEST(FanoutOrder, FutureDatedRecordIsRejectedAsWithOneParseThread) {
  ExpectSameAsOneParseThread(
      {Record("2026-11-03T15:00:00.0000000", 1), Record("2026-11-06T15:00:00.0000000", 2),
       Record("2026-11-03T15:01:00.0000000", 3), Record("2026-11-03T15:02:00.0000000", 4)},
      "fanout_order_skew");
}

// Message 1 is a batch of 1100 records; message 2 redelivers the batch's record 1050 (same id,
// from another country). One parse thread keeps the batch's copy and drops message 2 as a
// duplicate. With two lanes, records 1024.. of the batch get keys of message 2's place and lane 0
// (message 2) wins the tie, so message 2's copy reaches the rules: a country alert appears.
TEST(FanoutOrder, BatchOfMoreThan1024RecordsKeepsSourceOrder) {
  std::vector<std::string> lines{Record("2026-11-03T15:00:00.0000000", 1)};
  std::string batch = R"({"records":[)";
  for (int i = 0; i < 1100; ++i) {
    char time[64];
    std::snprintf(time, sizeof time, "2026-11-03T15:00:%02d.%07d", 1 + i / 100, i);
    if (i > 0) batch += ",";
    batch += Record(time, 100 + i);
  }
  batch += "]}";
  lines.push_back(batch);
  lines.push_back(Record("2026-11-03T15:00:30.0000000", 100 + 1050, "FR"));
  ExpectSameAsOneParseThread(lines, "fanout_order_batch");
}

// Marks are sent when a tenant moved by a tenth of the lateness (30 s), except a parse thread's
// first mark of a tenant, always sent. One parse thread: record 2 (29 s on) sends no mark, the
// watermark stays at record 1 - 5 min, and record 3 (5 min 31.5 s before record 2) is not late.
// Two lanes: record 2 is lane 1's first, its mark moves the watermark to record 2 - 5 min and
// record 3 is counted late.
TEST(FanoutOrder, LaneFirstMarkDoesNotMakeARecordLate) {
  ExpectSameAsOneParseThread(
      {Record("2026-11-03T15:10:00.0000000", 1), Record("2026-11-03T15:10:29.0000000", 2),
       Record("2026-11-03T15:05:28.5000000", 3)},
      "fanout_order_mark");
}

// Twenty records 100 s apart (each moves the tenant's clock), then record 7 again (690 s, 20 min
// 10 s behind the newest). One parse thread: the marks of records 18 and 19 precede it, so it is
// older than watermark - dedupe horizon: late, beyond horizon. Fanned out, a lane's mark can reach
// the shard after the next lane's message (marks held back by Released go out keyed by the lane's
// last sequence when sent; MergeLanes lets a message pass once the other lanes pushed the
// messages before it, not their marks): about one scan in ten counts it a duplicate instead.
TEST(FanoutOrder, RedeliveryBehindTheMarksIsJudgedAsWithOneParseThread) {
  std::vector<std::string> lines;
  for (int i = 0; i < 20; ++i) {
    const int t = i == 7 ? 690 : i * 100;
    char time[64];
    std::snprintf(time, sizeof time, "2026-11-03T15:%02d:%02d.0000000", t / 60, t % 60);
    lines.push_back(Record(time, i));
  }
  lines.push_back(Record("2026-11-03T15:11:30.0000000", 7));
  ExpectSameAsOneParseThread(lines, "fanout_order_race", privmon::testing::kSanitized ? 4 : 15);
}

// Byte budget (pipeline.max_inflight_bytes, here its 1 MiB minimum) and blocks: six Event Hubs
// batches of about 600 KB, so the reader holds one at a time. A lane gave a message's bytes back
// only once `fanout_block` later messages were asked for: lane 0 kept batch 1 after emitting it,
// the reader waited for room for batch 2 forever, and the scan hung. Bounded by a generous wait.
TEST(FanoutOrder, MessagesOverHalfTheByteBudgetDoNotHangTheReader) {
  std::vector<std::string> lines;
  int id = 0;
  for (int b = 0; b < 6; ++b) {
    std::string batch = R"({"records":[)";
    for (int i = 0; i < 360; ++i) {
      char time[64];
      std::snprintf(time, sizeof time, "2026-11-03T15:%02d:%02d.%07d", b, i % 60, i);
      if (i > 0) batch += ",";
      batch += Record(time, ++id, i == 0 ? "FR" : "US");
    }
    lines.push_back(batch + "]}");
  }
  const fs::path tmp = TempDir("fanout_order_budget");
  WriteLines(tmp / "in.ndjson", lines);
  std::vector<std::string> verdicts_one;
  for (const uint32_t parsers : {1u, 2u, 3u}) {
    for (const uint32_t block : {1u, 2u, 8u}) {
      if (parsers == 1 && block > 1) continue;
      WriteConfig(tmp, parsers, block, ", max_inflight_bytes: 1048576");
      privmon::testing::Child scan(
          privmon::testing::Spawn({PRIVMON_BINARY, "scan", "-q", "-c",
                                   (tmp / "config.yaml").string(), (tmp / "in.ndjson").string()},
                                  (tmp / "out").string(), (tmp / "err").string()));
      const std::optional<int> code = scan.Wait(std::chrono::seconds(60));
      ASSERT_TRUE(code.has_value())
          << parsers << " parse threads, blocks of " << block << ": still running after 60 s";
      ASSERT_EQ(*code, 0) << ReadFile((tmp / "err").string());
      const std::vector<std::string> verdicts = Verdicts(ReadFile((tmp / "out").string()));
      if (parsers == 1) {
        verdicts_one = verdicts;
        ASSERT_FALSE(verdicts_one.empty()) << ReadFile((tmp / "err").string());
      }
      EXPECT_EQ(verdicts, verdicts_one) << parsers << " parse threads, blocks of " << block;
    }
  }
  fs::remove_all(tmp);
}

// Marks are flushed when the source has nothing for a while (a quiet ZeroMQ endpoint, a followed
// file's end), between the messages before and after the pause. stdin read from a slow pipe never
// says so (its read blocks): one parse thread flushes nothing there. Fanned out, a lane that
// waited 50 ms for the reader flushed every mark, wherever the reader was: a slow pipe (or a file
// on a loaded machine) gave other verdicts. Records as in LaneFirstMarkDoesNotMakeARecordLate,
// with stdin pausing after record 2: record 2's mark (29 s on) is not sent, record 3 is not late.
TEST(FanoutOrder, APauseOfTheSourceFlushesMarksWhereOneParseThreadDoes) {
  const fs::path tmp = TempDir("fanout_order_pause");
  WriteLines(tmp / "r1.ndjson", {Record("2026-11-03T15:10:00.0000000", 1)});
  WriteLines(tmp / "r2.ndjson", {Record("2026-11-03T15:10:29.0000000", 2)});
  WriteLines(tmp / "r3.ndjson", {Record("2026-11-03T15:05:28.5000000", 3)});
  // stdin with a pause of 0.4 s after record 2: the reader blocks in read().
  auto scan = [&](uint32_t parsers, uint32_t block) -> ::Run {
    WriteConfig(tmp, parsers, block);
    std::string feed = "(";
    for (int i = 1; i <= 3; ++i) {
      feed += "cat " + (tmp / ("r" + std::to_string(i) + ".ndjson")).string() + "; ";
      if (i == 2) feed += "sleep 0.4; ";
    }
    feed += ") | " + std::string(PRIVMON_BINARY) + " scan -q -c " + (tmp / "config.yaml").string() +
            " - >" + (tmp / "out").string() + " 2>" + (tmp / "err").string();
    privmon::testing::Child sh(privmon::testing::Spawn({"/bin/sh", "-c", feed}));
    const std::optional<int> code = sh.Wait(std::chrono::seconds(60));
    EXPECT_EQ(code, std::optional<int>(0)) << ReadFile((tmp / "err").string());
    ::Run run;
    run.err = ReadFile((tmp / "err").string());
    run.verdicts = Verdicts(ReadFile((tmp / "out").string()));
    for (const std::string& l : Lines(run.err)) {
      if (l.find("records per parse thread") != std::string::npos) continue;
      const auto in = l.find(" in ");
      run.summary += (in == std::string::npos ? l : l.substr(0, in)) + "\n";
    }
    return run;
  };
  const ::Run one = scan(1, 1);
  ASSERT_FALSE(one.verdicts.empty()) << one.err;
  EXPECT_EQ(one.summary.find("late"), std::string::npos) << one.summary;
  for (const uint32_t parsers : {2u, 3u}) {
    for (const uint32_t block : {1u, 8u}) {
      const ::Run many = scan(parsers, block);
      EXPECT_EQ(many.verdicts, one.verdicts) << parsers << " parse threads, blocks of " << block;
      EXPECT_EQ(many.summary, one.summary) << parsers << " parse threads, blocks of " << block;
    }
  }
  fs::remove_all(tmp);
}

// The other side of APauseOfTheSourceFlushesMarksWhereOneParseThreadDoes: a source that does
// pause (a followed file at its end) still flushes the marks there when fanned out. `run` follows
// a file holding records 1 and 2; once record 1's alert is out and the file has paused, record 3
// is appended: record 2's mark went out in the pause, so record 3 is late, as with one thread.
TEST(FanoutOrder, AFollowedFilePausingFlushesMarksAsWithOneParseThread) {
  const fs::path tmp = TempDir("fanout_order_follow");
  for (const uint32_t parsers : {1u, 2u, 3u}) {
    const fs::path dir = tmp / std::to_string(parsers);
    fs::create_directories(dir);
    const std::string in = (dir / "in.ndjson").string(), alerts = (dir / "alerts.jsonl").string();
    const std::string err = (dir / "err").string();
    const int port = privmon::testing::FreeTcpPort();
    WriteLines(
        in, {Record("2026-11-03T15:10:00.0000000", 1), Record("2026-11-03T15:10:29.0000000", 2)});
    std::ofstream(dir / "config.yaml") << Config(parsers, 8, "",
                                                 "sources: [{file: {path: \"" + in +
                                                     "\", follow: true}}]\n"
                                                     "sinks: [{file: {path: \"" +
                                                     alerts +
                                                     "\"}}]\n"
                                                     "metrics: {listen: \"127.0.0.1:" +
                                                     std::to_string(port) + "\"}\n");
    privmon::testing::Child run(privmon::testing::Spawn(
        {PRIVMON_BINARY, "run", "--config", (dir / "config.yaml").string()}, "", err));
    ASSERT_TRUE(privmon::testing::WaitReady(run, port)) << ReadFile(err);
    ASSERT_TRUE(privmon::testing::PollUntil([&] { return !ReadFile(alerts).empty(); },
                                            std::chrono::seconds(60)))
        << ReadFile(err);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the file pauses at its end
    std::ofstream(in, std::ios::app) << Record("2026-11-03T15:05:28.5000000", 3) << "\n";
    ASSERT_TRUE(privmon::testing::WaitForMetrics(
        run, port,
        [](const std::string& m) {
          return privmon::testing::MetricSum(m, "privmon_messages_received_total") >= 3;
        },
        std::chrono::seconds(60)))
        << ReadFile(err);
    const std::optional<int> code = run.Stop(SIGTERM, std::chrono::seconds(60));
    EXPECT_EQ(code, std::optional<int>(0)) << ReadFile(err);
    EXPECT_NE(ReadFile(err).find("3 messages"), std::string::npos) << ReadFile(err);
    EXPECT_NE(ReadFile(err).find("late            1"), std::string::npos)
        << parsers << " parse threads\n"
        << ReadFile(err);
  }
  fs::remove_all(tmp);
}

}  // namespace
