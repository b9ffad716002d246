// Redelivery (DESIGN.md sections 4 and 10): Event Hubs and Kafka deliver at least once and Graph
// polls overlap, so a record seen again (same tenant, kind and record id) within the dedupe
// horizon is counted once and never reaches the rules. Runs the real binary on real files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
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
// its tenant's watermark beyond the lateness and the dedupe horizon (field case 08 in reverse
// order: 21 minutes apart) and is therefore kept from the rules.
TEST(Redelivery, TheScanSummaryCountsRecordsKeptFromTheRules) {
  const fs::path case14 = kCases / "14-eventhub-redelivered-duplicates";
  const fs::path case08 = kCases / "08-elevate-access-audit-and-activity";
  if (!fs::exists(case14) || !fs::exists(case08)) GTEST_SKIP() << kCases << " is not here";
  const fs::path tmp = TempDir("summary");
  const ScanOutput redelivered = Scan(
      "--config " + (case14 / "config.yaml").string() + " " + (case14 / "input.ndjson").string(),
      tmp);
  ASSERT_EQ(redelivered.exit_code, 0) << redelivered.err;
  EXPECT_NE(redelivered.err.find("duplicates      3 (redelivered"), std::string::npos)
      << redelivered.err;
  std::vector<std::string> lines = Lines(ReadFile(case08 / "input.ndjson"));
  ASSERT_EQ(lines.size(), 2u);
  std::reverse(lines.begin(), lines.end());
  WriteLines(tmp / "reversed.ndjson", lines);
  const ScanOutput reversed = Scan(
      "--config " + (case08 / "config.yaml").string() + " " + (tmp / "reversed.ndjson").string(),
      tmp);
  ASSERT_EQ(reversed.exit_code, 0) << reversed.err;
  EXPECT_NE(reversed.err.find("late            1 "), std::string::npos) << reversed.err;
  EXPECT_NE(reversed.err.find("beyond horizon  1 (late beyond the dedupe horizon: kept from"),
            std::string::npos)
      << reversed.err;
  fs::remove_all(tmp);
}

// A KQL `mv-expand` makes one row per array element, all with the record's id: rows that read
// differently from their element are events of their own, the same rows again repeats. In
// tests/regressions/k6a_*, a query response (run twice) of 8 rows: adm-ayoung's sign-in whose
// second step reports fraud (2 events), adm-cbell's whose steps report nothing (1), adm-dfox's 4
// bad passwords of one step each (4); the second run repeats all 16 rows' keys. PRIV-SI-08 is
// raised from the second step, and the bad passwords count 4 (under PRIV-SI-01's 5).
TEST(Redelivery, MvExpandRowsOfOneRecordReachTheRulesAndTheirRepeatsDoNot) {
  const fs::path dir =
      fs::path(PRIVMON_SOURCE_DIR) / "tests/regressions/k6a_la_query_mv_expand_auth_steps";
  const fs::path tmp = TempDir("mvexpand");
  const ScanOutput r = Scan(
      "--config " + (dir / "config.yaml").string() + " " + (dir / "input.ndjson").string(), tmp);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(" 16 records accepted, 0 rejected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("duplicates      9 (redelivered"), std::string::npos) << r.err;
  std::vector<std::string> got;
  for (const AlertLine& a : ParseAlerts(r.out)) {
    if (!a.update) got.push_back(a.rule + " " + a.account);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"PRIV-SI-04 adm-ayoung@northwind.example",
                                           "PRIV-SI-04 adm-cbell@northwind.example",
                                           "PRIV-SI-08 adm-ayoung@northwind.example"}))
      << r.out;
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
