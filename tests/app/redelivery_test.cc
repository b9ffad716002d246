// Redelivery (DESIGN.md sections 4 and 10): Event Hubs and Kafka deliver at least once and Graph
// polls overlap, so a record seen again (same tenant, kind and record id) within the dedupe
// horizon is counted once and never reaches the rules. Runs the real binary on real files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

#include "tests/app/determinism_helpers.h"

namespace {

using namespace privmon_test;

const fs::path kCases = "/work/shared/cases";
const fs::path kRedeliveryScenarios = fs::path(PRIVMON_SOURCE_DIR) / "tests" / "scenarios";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Judged as /work/shared/cases/README.md says: `privmon scan --config config.yaml $(cat args)
// input.ndjson` raises exactly the "RULE_ID account" lines of expected.txt (update lines not
// counted), and accepts the number of records `accepted N` names.
TEST(Redelivery, FieldCase14RedeliveredEventHubBatchesRaiseOnlyWhatTheRecordsDo) {
  const fs::path dir = kCases / "14-eventhub-redelivered-duplicates";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " is not on this machine";
  std::string args = fs::exists(dir / "args") ? ReadFile(dir / "args") : "";
  std::replace(args.begin(), args.end(), '\n', ' ');
  const fs::path tmp = TempDir("case14");
  const ScanOutput r = Scan("--config " + (dir / "config.yaml").string() + " " + args + " " +
                                (dir / "input.ndjson").string(),
                            tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got, want;
  for (const AlertLine& a : ParseAlerts(r.out)) {
    if (!a.update) got.push_back(a.rule + " " + Lower(a.account));
  }
  long accepted = -1;
  for (const std::string& line : Lines(ReadFile(dir / "expected.txt"))) {
    if (line.rfind("accepted ", 0) == 0) {
      accepted = std::stol(line.substr(9));
    } else if (line != "none") {
      const auto space = line.find(' ');
      want.push_back(line.substr(0, space) + " " + Lower(line.substr(space + 1)));
    }
  }
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << r.out;
  ASSERT_GE(accepted, 0) << "expected.txt names no accepted count";
  EXPECT_NE(r.err.find(" " + std::to_string(accepted) + " records accepted, 0 rejected"),
            std::string::npos)
      << r.err;
  // The redelivered bad passwords count once: PRIV-SI-01 for adm-opark with its 5, nothing for
  // adm-nhall's 3 (delivered twice).
  for (const AlertLine& a : ParseAlerts(r.out)) {
    if (a.rule == "PRIV-SI-01") {
      EXPECT_EQ(a.count, 5u) << r.out;
    }
  }
  fs::remove_all(tmp);
}

// Every batch of the mixed stream delivered a second time minutes later (once the stream has moved
// 6 minutes of event time past it, so the copy is also beyond the 5-minute lateness) gives the
// alerts of the stream delivered once: same ids, same rules, same final counts.
TEST(Redelivery, EveryBatchDeliveredAgainMinutesLaterGivesIdenticalAlerts) {
  const fs::path dir = kRedeliveryScenarios / "mixed";
  const std::vector<std::string> lines = Lines(ReadFile(dir / "mixed.ndjson"));
  ASSERT_GT(lines.size(), 20u);
  std::vector<std::string> twice;
  std::vector<std::size_t> waiting;  // lines delivered once, not yet again
  for (const std::string& line : lines) {
    const int64_t now = LineSeconds(line);
    std::vector<std::size_t> still;
    for (std::size_t i : waiting) {
      if (now >= LineSeconds(lines[i]) + 6 * 60) {
        twice.push_back(lines[i]);
      } else {
        still.push_back(i);
      }
    }
    waiting = still;
    twice.push_back(line);
    waiting.push_back(static_cast<std::size_t>(&line - lines.data()));
  }
  for (std::size_t i : waiting) twice.push_back(lines[i]);
  ASSERT_EQ(twice.size(), 2 * lines.size());
  const fs::path tmp = TempDir("redelivery");
  WriteLines(tmp / "once.ndjson", lines);
  WriteLines(tmp / "twice.ndjson", twice);
  std::string args = ReadFile(dir / "args");
  std::replace(args.begin(), args.end(), '\n', ' ');
  const std::string config_text = ReadFile(dir / "config.yaml");
  const auto at = config_text.find("pipeline: {");
  ASSERT_NE(at, std::string::npos);
  // One shard, and four: an audit record whose target and actor live in two shards is dropped
  // in each.
  for (const char* shards : {"1", "4"}) {
    std::string text = config_text;
    text.insert(at + 11, std::string("shards: ") + shards + ", ");
    { std::ofstream(tmp / "config.yaml") << text; }
    const std::string config = "--config " + (tmp / "config.yaml").string() + " " + args + " ";
    const ScanOutput once = Scan(config + (tmp / "once.ndjson").string(), tmp);
    const ScanOutput again = Scan(config + (tmp / "twice.ndjson").string(), tmp);
    ASSERT_EQ(once.exit_code, 0) << once.err;
    ASSERT_EQ(again.exit_code, 0) << again.err;
    const std::vector<std::string> expected = Verdicts(once.out);
    ASSERT_GE(expected.size(), 10u) << once.out;
    EXPECT_EQ(Verdicts(again.out), expected) << shards << " shards\n" << again.out;
  }
  fs::remove_all(tmp);
}

// scan's summary names every accepted record that did not reach the rules, as /metrics does in
// run: the redelivered ones of field case 14, and a record that arrives after a later one moved
// its tenant's watermark beyond the lateness and the dedupe horizon and is therefore kept from the
// rules (in `run` of a followed file: a finite input's dedupe memory keeps what it read,
// ANewestFirstFileLongerThanTheHoldStillJudgesTheOlderRecordsAfterIt).
TEST(Redelivery, TheScanSummaryCountsRecordsKeptFromTheRules) {
  const fs::path case14 = kCases / "14-eventhub-redelivered-duplicates";
  if (!fs::exists(case14)) GTEST_SKIP() << kCases << " is not here";
  const fs::path tmp = TempDir("summary");
  const ScanOutput redelivered = Scan(
      "--config " + (case14 / "config.yaml").string() + " " + (case14 / "input.ndjson").string(),
      tmp);
  ASSERT_EQ(redelivered.exit_code, 0) << redelivered.err;
  EXPECT_NE(redelivered.err.find("duplicates      3 (redelivered"), std::string::npos)
      << redelivered.err;
  fs::remove_all(tmp);
}

// A Graph sign-in of tenant Northwind (the diagnostic settings' shape) at `time` by an account no
// rule of field case 08's config watches: what fills a file before that case's two records.
std::string Filler(int i, const std::string& time) {
  return R"({"time":")" + time +
         R"(","tenantId":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","category":"SignInLogs",)"
         R"("operationName":"Sign-in activity","properties":{"id":"fill-)" +
         std::to_string(i) + R"(","createdDateTime":")" + time +
         R"(","userPrincipalName":"jdoe@northwind.example","userId":"u1",)"
         R"("status":{"errorCode":0},"isInteractive":true}})";
}

// The bound of a file's hold (docs/operations.md "Per-tenant watermarks", k18d): scan holds a
// file's progress marks from its start until it ends or kMaxHeldEvents (65,536) events were read
// (events only since breaker round 43: +1 per line ended it at 32,768 lines), so a file written
// newest first is judged as if sorted: field case 08 in reverse order (its two records 21 minutes
// apart) raises both PRIV-EL-07, after 1,000 and 40,000 newer sign-ins too (before the hold: the
// older record was beyond the dedupe horizon, one EL-07). After 70,000 newer sign-ins the marks
// went out at the hold's bound and the older record
// is late beyond the horizon; a finite input's dedupe memory still holds every record it read
// (PipelineSettings::whole_inputs, up to DetectionEngine::kWholeInputRecords a shard), so it is
// told from a redelivery and reaches the rules as a late record: both EL-07 again (before
// whole_inputs it was kept from the rules: one EL-07). The same with the file fanned out over 3
// parse threads (the lanes hold as one).
TEST(Redelivery, ANewestFirstFileLongerThanTheHoldStillJudgesTheOlderRecordsAfterIt) {
  const fs::path case08 = kCases / "08-elevate-access-audit-and-activity";
  if (!fs::exists(case08)) GTEST_SKIP() << kCases << " is not here";
  const fs::path tmp = TempDir("hold_bound");
  std::vector<std::string> records = Lines(ReadFile(case08 / "input.ndjson"));
  ASSERT_EQ(records.size(), 2u);
  std::reverse(records.begin(), records.end());  // 09:31:44 (bkaur), then 09:10:00 (ovance)
  std::string config = ReadFile(case08 / "config.yaml");
  const auto at = config.find("pipeline: {");
  ASSERT_NE(at, std::string::npos);
  for (const int fillers : {0, 1000, 40000, 70000}) {
    std::vector<std::string> lines;
    for (int i = 0; i < fillers; ++i) {
      // 09:31:50 down to 09:30:50: newer than both records, within a minute of each other.
      const int s = 50 + 60 - (i * 60 / std::max(1, fillers));
      char time[64];
      std::snprintf(time, sizeof time, "2025-09-12T09:%02d:%02dZ", 30 + s / 60, s % 60);
      lines.push_back(Filler(i, time));
    }
    lines.insert(lines.end(), records.begin(), records.end());
    WriteLines(tmp / "input.ndjson", lines);
    for (const char* parsers : {"1", "3"}) {
      std::string text = config;
      text.insert(at + 11, std::string("parse_threads: ") + parsers + ", ");
      { std::ofstream(tmp / "config.yaml") << text; }
      const ScanOutput r =
          Scan("--config " + (tmp / "config.yaml").string() + " " + (tmp / "input.ndjson").string(),
               tmp);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      std::vector<std::string> got;
      for (const AlertLine& a : ParseAlerts(r.out)) {
        if (!a.update) got.push_back(a.rule + " " + a.account);
      }
      std::sort(got.begin(), got.end());
      const std::string where =
          std::to_string(fillers) + " newer lines, " + parsers + " parse threads\n" + r.err;
      EXPECT_NE(r.err.find(" " + std::to_string(fillers + 2) + " records accepted, 0 rejected"),
                std::string::npos)
          << where;
      if (fillers < 65536) {  // within the hold: as if sorted
        EXPECT_EQ(got, (std::vector<std::string>{"PRIV-EL-07 adm-bkaur@northwind.example",
                                                 "PRIV-EL-07 adm-ovance@northwind.example"}))
            << where << r.out;
        EXPECT_EQ(r.err.find("beyond horizon"), std::string::npos) << where;
      } else {  // longer than the hold: the older record is late, and still judged
        EXPECT_EQ(got, (std::vector<std::string>{"PRIV-EL-07 adm-bkaur@northwind.example",
                                                 "PRIV-EL-07 adm-ovance@northwind.example"}))
            << where << r.out;
        EXPECT_NE(r.err.find("late            1 "), std::string::npos) << where;
        EXPECT_EQ(r.err.find("beyond horizon"), std::string::npos) << where;
      }
    }
  }
  fs::remove_all(tmp);
}

// The horizon is configurable and 0 turns dedupe off: then the repeats do reach the rules
// (three bad passwords delivered twice make six), which shows the dedupe is what removed them.
TEST(Redelivery, HorizonOffLetsRepeatsThrough) {
  const fs::path dir = kCases / "14-eventhub-redelivered-duplicates";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " is not on this machine";
  const fs::path tmp = TempDir("horizon_off");
  std::string config = ReadFile(dir / "config.yaml");
  const auto at = config.find("pipeline: {");
  ASSERT_NE(at, std::string::npos);
  config.insert(at + 11, "dedupe_horizon: off, ");
  { std::ofstream(tmp / "config.yaml") << config; }
  const ScanOutput r = Scan(
      "--config " + (tmp / "config.yaml").string() + " " + (dir / "input.ndjson").string(), tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int si01 = 0;
  for (const AlertLine& a : ParseAlerts(r.out)) si01 += a.rule == "PRIV-SI-01" && !a.update;
  EXPECT_EQ(si01, 2) << r.out;  // adm-nhall's 3 bad passwords, twice, now reach 5
  fs::remove_all(tmp);
}

}  // namespace

// A Graph listing (pages newest first, each naming its @odata.nextLink) is one clock step even
// when the parse thread reads another input between its pages: with two inputs on one parse thread
// the other input's message sent the held marks, so gp1's second page, 38 min older than its
// first, was beyond the dedupe horizon and its break-glass sign-in (PRIV-BG-01) was lost.
TEST(Redelivery, AGraphListingIsOneClockStepBesideAnotherInputOnItsParseThread) {
  const fs::path gp1 =
      fs::path(PRIVMON_SOURCE_DIR) / "tests/regressions/gp1_graph_pages_newest_first";
  const fs::path tmp = TempDir("listing_two_inputs");
  std::string config = ReadFile(gp1 / "config.yaml");
  const auto at = config.find("pipeline: {");
  ASSERT_NE(at, std::string::npos);
  config.insert(at + 11, "parse_threads: 1, ");
  { std::ofstream(tmp / "config.yaml") << config; }
  // Another input of another tenant: its records never move this tenant's clock themselves.
  std::vector<std::string> other;
  for (int i = 0; i < 4; ++i) {
    other.push_back(
        R"({"time":"2025-05-06T08:0)" + std::to_string(i) +
        R"(:00Z","tenantId":"0a0b0c0d-0000-4000-8000-000000000001","category":"SignInLogs",)"
        R"("operationName":"Sign-in activity","properties":{"id":"o)" +
        std::to_string(i) + R"(","createdDateTime":"2025-05-06T08:0)" + std::to_string(i) +
        R"(:00Z","userPrincipalName":"user@contoso.example","userId":"u1",)"
        R"("status":{"errorCode":0},"isInteractive":true}})");
  }
  WriteLines(tmp / "other.ndjson", other);
  WriteLines(tmp / "short.ndjson", {other[0]});  // ends between the listing's two pages
  const std::string listing = (gp1 / "input.ndjson").string();
  const std::string other_input = (tmp / "other.ndjson").string();
  const std::string short_input = (tmp / "short.ndjson").string();
  for (const std::string& inputs :
       {other_input + " " + listing, listing + " " + other_input, short_input + " " + listing}) {
    const std::string args =
        "--config " + (tmp / "config.yaml").string() + " " + ReadFile(gp1 / "args") + " " + inputs;
    const ScanOutput r = Scan(args, tmp);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"PRIV-BG-01\""), std::string::npos) << inputs << "\n" << r.out << r.err;
    EXPECT_EQ(r.err.find("beyond horizon"), std::string::npos) << inputs << "\n" << r.err;
  }
  fs::remove_all(tmp);
}

// A listing holds the marks of its own tenant: the bound of that hold (kMaxHeldEvents) counts its
// tenant's events, not another tenant's. k15a's three Graph pages of Northwind (newest first, each
// framed by its tenant) through `run` on stdin, with 66,000 sign-ins of another tenant (66 Event
// Hubs batches) between the first and second page: the other tenant's volume ended the listing's
// hold, so the third page's break-glass sign-in was late beyond the horizon and its PRIV-BG-01
// lost (breaker round 114; `scan` was right).
TEST(Redelivery, AnotherTenantsVolumeBetweenAListingsPagesDoesNotEndItsHold) {
  const fs::path k15a =
      fs::path(PRIVMON_SOURCE_DIR) / "tests/regressions/k15a_graph_listing_across_restart";
  const fs::path tmp = TempDir("listing_other_tenant");
  const std::string northwind = "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e";
  const std::string fabrikam = "0b5e7a3c-9d1f-4e2a-8c3b-5d6e7f8091a2";
  const std::vector<std::string> pages = Lines(ReadFile(k15a / "input.ndjson"));
  ASSERT_EQ(pages.size(), 3u);
  std::vector<std::string> lines = {northwind + "\t" + pages[0]};
  for (int batch = 0; batch < 66; ++batch) {
    std::string records = R"({"records":[)";
    for (int i = 0; i < 1000; ++i) {
      const int n = batch * 1000 + i;
      char time[40], id[40];
      std::snprintf(time, sizeof time, "2025-05-06T08:41:%02d.%07dZ", n % 60, n);
      std::snprintf(id, sizeof id, "bbbbbbbb-0000-4000-8000-%012d", n);
      if (i > 0) records += ",";
      records +=
          std::string(R"({"time":")") + time + R"(","tenantId":")" + fabrikam +
          R"(","category":"NonInteractiveUserSignInLogs","operationName":"Sign-in activity",)"
          R"("properties":{"id":")" +
          id + R"(","createdDateTime":")" + time +
          R"(","userPrincipalName":"j.doe@fabrikam.example","userId":"u2",)"
          R"("status":{"errorCode":0},"isInteractive":false}})";
    }
    lines.push_back(records + "]}");
  }
  lines.push_back(northwind + "\t" + pages[1]);
  lines.push_back(northwind + "\t" + pages[2]);
  WriteLines(tmp / "input.ndjson", lines);
  const std::string alerts = (tmp / "alerts.jsonl").string();
  {
    std::ofstream config(tmp / "config.yaml");
    config << "pipeline: {allowed_lateness: 5m}\ndead_letter: {path: \"\"}\n"
           << "tenants:\n  \"" << northwind << "\":\n    name: Northwind\n"
           << "    break_glass: [bg-04@northwind.example, bg-05@northwind.example]\n"
           << "sources: [{stdin: {}}]\nsinks: [{file: {path: \"" << alerts << "\"}}]\n"
           << "metrics: {listen: \"\"}\n";
  }
  const int code = privmon::testing::RunToExit(
      {"/bin/sh", "-c",
       std::string(PRIVMON_BINARY) + " run --config " + (tmp / "config.yaml").string() + " < " +
           (tmp / "input.ndjson").string() + " 2> " + (tmp / "err").string()});
  const std::string err = ReadFile((tmp / "err").string());
  ASSERT_EQ(code, 0) << err;
  std::vector<std::string> got;
  for (const AlertLine& a : ParseAlerts(ReadFile(alerts))) {
    if (!a.update) got.push_back(a.rule + " " + a.account);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"PRIV-BG-01 bg-04@northwind.example",
                                           "PRIV-BG-01 bg-05@northwind.example"}))
      << err;
  EXPECT_EQ(err.find("beyond horizon"), std::string::npos) << err;
  fs::remove_all(tmp);
}
