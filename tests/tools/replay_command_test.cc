#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "tests/support/process_helpers.h"
#include "tools/replay/command.h"
#include "tools/replay/sender.h"

namespace privmon {
namespace {

using Clock = std::chrono::steady_clock;

// The marker replay sends before an element of a streamed array that goes alone (z14).
constexpr std::string_view kMarker =
    R"({"value":[],"@odata.nextLink":"privmon-replay:element-follows"})";

struct Received {
  std::vector<std::string> frames;
  std::chrono::steady_clock::time_point at;
};

class PullEndpoint {
 public:
  PullEndpoint() : socket_(context_, zmq::socket_type::pull) {
    socket_.set(zmq::sockopt::rcvtimeo, 5000);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& endpoint() const { return endpoint_; }

  // Receives up to n messages (all frames of each); stops early after a 5 s silence.
  std::vector<Received> Receive(std::size_t n) {
    std::vector<Received> out;
    while (out.size() < n) {
      Received r;
      bool more = true;
      while (more) {
        zmq::message_t m;
        if (!socket_.recv(m)) return out;
        r.frames.push_back(m.to_string());
        more = m.more();
      }
      r.at = std::chrono::steady_clock::now();
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
  std::string endpoint_;
};

inline std::string WriteTempFile(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / "privmon_replay_test";
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return path;
}

std::vector<std::string> Payloads(const std::vector<Received>& msgs) {
  std::vector<std::string> out;
  for (const Received& m : msgs) out.push_back(m.frames.back());
  return out;
}

ReplayOptions Options(const std::string& file, const PullEndpoint& pull) {
  ReplayOptions o;
  o.files = {file};
  o.endpoint = pull.endpoint();
  o.quiet = true;
  o.linger_s = 5;
  return o;
}

// Runs the replay on a thread while the test receives, as the receiver must drain the socket.
std::vector<Received> ReplayAndReceive(const ReplayOptions& o, PullEndpoint& pull,
                                       std::size_t expected, int* exit_code) {
  auto run = std::async(std::launch::async, [&o] { return RunReplay(o); });
  std::vector<Received> got = pull.Receive(expected);
  *exit_code = run.get();
  return got;
}

const std::string kLines[] = {
    R"({"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{"a":1}})",
    R"({"records":[{"time":"2024-01-01T00:00:01Z"},{"time":"2024-01-01T00:00:02Z"}]})",
    R"({"value":[{"activityDateTime":"2024-01-01T00:00:03Z","x":"é ü \"q\""}]})",
    R"({"TimeGenerated":"2024-01-01T00:00:04.123Z","Type":"SigninLogs"})",
};

TEST(ReplayCommand, DeliversEveryNonEmptyLineByteExactAndInOrder) {
  PullEndpoint pull;
  // Blank lines are skipped; a CRLF ending is not part of the message; no final newline needed.
  const std::string file = WriteTempFile(
      "exact.ndjson", kLines[0] + "\n\n" + kLines[1] + "\r\n   \n" + kLines[2] + "\n" + kLines[3]);
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 4, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(got[i].frames.size(), 1u);
    EXPECT_EQ(got[i].frames[0], kLines[i]);
  }
}

// What pretty printers write (`az rest`, `az monitor log-analytics query`, PowerShell's
// ConvertTo-Json, jq): replay sends the messages `scan` reads from such a file, each element of an
// array alone, instead of one line of it per message (which privmon rejected, line by line).
std::string WithoutBlanks(std::string s) {
  std::erase_if(s, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
  return s;
}

TEST(ReplayCommand, SendsEachValueOfAPrettyPrintedFileAsScanReadsIt) {
  PullEndpoint pull;
  const std::string file = WriteTempFile(
      "pretty.json",
      "[\n  {\n    \"time\": \"2024-01-01T00:00:00Z\",\n    \"category\": \"SignInLogs\"\n  },\n"
      "  {\n    \"TimeGenerated\": \"2024-01-01T00:00:04Z\",\n    \"Type\": \"SigninLogs\"\n  "
      "}\n]\n"
      "4bbb79f7-5724-4c9e-95f3-de075f6ec090\t{\n  \"activityDateTime\": "
      "\"2024-01-01T00:00:05Z\"\n}\n");
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 2, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 2u);
  // The array's elements as one page (k14c: scan holds the clock over a streamed array).
  ASSERT_EQ(got[0].frames.size(), 1u);
  EXPECT_EQ(WithoutBlanks(got[0].frames[0]),
            R"({"value":[{"time":"2024-01-01T00:00:00Z","category":"SignInLogs"},)"
            R"({"TimeGenerated":"2024-01-01T00:00:04Z","Type":"SigninLogs"}]})");
  // A framed value keeps its tenant frame.
  ASSERT_EQ(got[1].frames.size(), 2u);
  EXPECT_EQ(got[1].frames[0], "4bbb79f7-5724-4c9e-95f3-de075f6ec090");
  EXPECT_EQ(WithoutBlanks(got[1].frames[1]), R"({"activityDateTime":"2024-01-01T00:00:05Z"})");
}

// k14c/k14d: a pretty-printed bare array or Event Hubs batch out of order by more than the allowed
// lateness (newest first). scan holds the clock over the streamed elements as over a listing;
// replay sent each element alone, so `run` found the older break-glass sign-in late and raised
// nothing. Plain records go as pages of one listing ({"value":[...]}, each but the last naming
// a next page); Kusto v2 frames and elements that are envelopes themselves still go alone,
// unchanged, each after replay's marker while the stream goes on (z14).
TEST(ReplayCommand, APrettyPrintedArrayOrBatchIsSentAsPagesOfOneListing) {
  PullEndpoint pull;
  const std::string file = WriteTempFile(
      "batch.json",
      "{\n  \"records\": [\n    {\"time\": \"2024-01-01T00:40:00Z\"},\n"
      "    {\"time\": \"2024-01-01T00:02:00Z\"}\n  ]\n}\n"
      "[\n  {\"FrameType\": \"DataSetHeader\"},\n  {\"FrameType\": \"DataSetCompletion\"}\n]\n"
      "[\n  {\"value\": [{\"id\": \"a\"}]},\n  {\"id\": \"b\"}\n]\n");
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 8, &rc);
  EXPECT_EQ(rc, 0);
  const std::vector<std::string> payloads = Payloads(got);
  ASSERT_EQ(payloads.size(), 8u);
  EXPECT_EQ(payloads[0], R"({"value":[{"time": "2024-01-01T00:40:00Z"},{"time": )"
                         R"("2024-01-01T00:02:00Z"}],"@odata.nextLink":")"
                         R"(privmon-replay:listing-continues"})");
  // Each frame alone (gathered without blanks after its FrameType, as the file source does),
  // after the marker: more of the stream follows it.
  EXPECT_EQ(payloads[1], kMarker);
  EXPECT_EQ(payloads[2], R"({"FrameType":"DataSetHeader"})");
  EXPECT_EQ(payloads[3], kMarker);
  EXPECT_EQ(payloads[4], R"({"FrameType":"DataSetCompletion"})");
  // An envelope element goes alone and unchanged after the marker while its array goes on.
  EXPECT_EQ(payloads[5], kMarker);
  EXPECT_EQ(payloads[6], R"({"value": [{"id": "a"}]})");
  EXPECT_EQ(payloads[7], R"({"value":[{"id": "b"}]})");
}

// m8a: a pretty-printed bare array mixing plain records and Event Hubs bodies ({"records":[...]},
// a collector that gathers both into one array), newest first. scan holds the clock over the whole
// array; replay sent the body alone, naming no next page, which ended `run`'s hold between the
// pages around it: the older break-glass sign-in after it was late and PRIV-BG-01 was lost. A
// record as JSON text joins the page (read in a page as alone). z14: the body named a next page
// added into its own bytes (which a dead letter of it then held); it goes out unchanged, after
// replay's marker while its array goes on (the last element has none).
TEST(ReplayCommand, AnEnvelopeElementOfAStreamedArrayKeepsTheListingGoing) {
  PullEndpoint pull;
  const std::string file =
      WriteTempFile("mixed.json",
                    "[\n  {\"time\": \"2024-01-01T00:40:00Z\"},\n"
                    "  {\n    \"records\": [{\"time\": \"2024-01-01T00:35:00Z\"}]\n  },\n"
                    "  \"{\\\"time\\\": \\\"2024-01-01T00:03:00Z\\\"}\",\n"
                    "  {\"time\": \"2024-01-01T00:02:00Z\"},\n"
                    "  {\"records\": [{\"time\": \"2024-01-01T00:01:00Z\"}]}\n]\n");
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 5, &rc);
  EXPECT_EQ(rc, 0);
  const std::vector<std::string> payloads = Payloads(got);
  ASSERT_EQ(payloads.size(), 5u);
  EXPECT_EQ(payloads[0], R"({"value":[{"time": "2024-01-01T00:40:00Z"}],"@odata.nextLink":")"
                         R"(privmon-replay:listing-continues"})");
  EXPECT_EQ(payloads[1], kMarker);
  EXPECT_EQ(WithoutBlanks(payloads[2]), R"({"records":[{"time":"2024-01-01T00:35:00Z"}]})");
  EXPECT_EQ(payloads[3], R"({"value":["{\"time\": \"2024-01-01T00:03:00Z\"}",)"
                         R"({"time": "2024-01-01T00:02:00Z"}],"@odata.nextLink":")"
                         R"(privmon-replay:listing-continues"})");
  EXPECT_EQ(payloads[4], R"({"records": [{"time": "2024-01-01T00:01:00Z"}]})");
}

// z14: an element of a streamed array that is not valid JSON alone goes alone (the parser rejects
// it, as scan does), unchanged; with no marker before it, it ended `run`'s hold where scan's went
// on over the whole array. It keeps its tenant frame, and so does its marker.
TEST(ReplayCommand, AnInvalidElementOfAStreamedArrayKeepsTheListingGoing) {
  PullEndpoint pull;
  const std::string file = WriteTempFile(
      "invalid.json",
      "4bbb79f7-5724-4c9e-95f3-de075f6ec090\t[\n  {\"time\": \"2024-01-01T00:40:00Z\"},\n"
      "  {\"time\": tru},\n  {\"time\": \"2024-01-01T00:02:00Z\"}\n]\n");
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 4, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 4u);
  const std::vector<std::string> payloads = Payloads(got);
  EXPECT_EQ(payloads[0], R"({"value":[{"time": "2024-01-01T00:40:00Z"}],"@odata.nextLink":")"
                         R"(privmon-replay:listing-continues"})");
  EXPECT_EQ(payloads[1], kMarker);
  EXPECT_EQ(payloads[2], R"({"time": tru})");
  EXPECT_EQ(payloads[3], R"({"value":[{"time": "2024-01-01T00:02:00Z"}]})");
  for (const Received& r : got) {
    ASSERT_EQ(r.frames.size(), 2u);
    EXPECT_EQ(r.frames[0], "4bbb79f7-5724-4c9e-95f3-de075f6ec090");
  }
}

// Pretty-printed Graph pages of one listing (`az rest`, newest first: a later page is older than
// the allowed lateness). scan holds the clock until the listing ends and reads each element as its
// page's; replay sent each element alone, so `run` found a later page's break-glass sign-in beyond
// the dedupe horizon and raised nothing (regression gp2 through run + replay), and an element that
// names no log of its own lost its page's @odata.context. The elements of one listing go as
// compact pages of their context, each but the listing's last naming a next page.
TEST(ReplayCommand, APrettyPrintedGraphListingIsSentAsPagesOfOneListing) {
  PullEndpoint pull;
  const std::string signins = R"(https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns)";
  const std::string audits =
      R"(https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits)";
  const auto page = [](const std::string& ctx, const std::string& elements) {
    return "{\n  \"@odata.context\": \"" + ctx + "\",\n  \"value\": [\n" + elements +
           "\n  ],\n  \"@odata.nextLink\": \"https://graph.microsoft.com/next\"\n}\n";
  };
  const std::string file =
      WriteTempFile("listing.json",
                    page(signins, "    {\"id\": \"a\"},\n    {\"id\": \"b\"}") +
                        page(signins, "    {\"id\": \"c\"}") + page(audits, "    {\"id\": \"d\"}") +
                        R"({"time":"2024-01-01T00:00:00Z","category":"SignInLogs"})" + "\n");
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 3, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 3u);
  const std::vector<std::string> payloads = Payloads(got);
  EXPECT_EQ(payloads[0], R"({"@odata.context":")" + signins +
                             R"(","value":[{"id": "a"},{"id": "b"},{"id": "c"}],)"
                             R"("@odata.nextLink":"privmon-replay:listing-continues"})");
  EXPECT_EQ(payloads[1], R"({"@odata.context":")" + audits + R"(","value":[{"id": "d"}]})");
  EXPECT_EQ(payloads[2], R"({"time":"2024-01-01T00:00:00Z","category":"SignInLogs"})");
}

// Pages of a listing must fit the `run` they go to, whose max_message_bytes replay does not know:
// 1 MiB pages were refused whole as oversized by a run with a 64 KiB limit (every record lost,
// where the elements alone were read). Pages hold at most 64 KiB of elements; the next-page link
// keeps the clock held across them.
TEST(ReplayCommand, PagesOfAListingStayWithin64KiB) {
  PullEndpoint pull;
  std::string text = "[\n";
  for (int i = 0; i < 100; ++i) {
    text += std::string(i > 0 ? ",\n" : "") + "  {\"id\": \"" + std::to_string(i) +
            "\", \"note\": \"" + std::string(1000, 'x') + "\"}";
  }
  text += "\n]\n";
  const std::string file = WriteTempFile("long.json", text);
  int rc = -1;
  auto got = ReplayAndReceive(Options(file, pull), pull, 2, &rc);
  EXPECT_EQ(rc, 0);
  const std::vector<std::string> payloads = Payloads(got);
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_LE(payloads[0].size(), (64u << 10) + 100);
  EXPECT_NE(payloads[0].find("privmon-replay:listing-continues"), std::string::npos);
  EXPECT_EQ(payloads[1].find("privmon-replay:listing-continues"), std::string::npos);
}

TEST(ReplayCommand, TranscodesAUtf16FileWithAByteOrderMark) {
  PullEndpoint pull;
  // Windows PowerShell 5's Out-File writes UTF-16LE with a byte order mark.
  std::string utf16 = "\xFF\xFE";
  for (char c : kLines[0] + "\r\n" + kLines[3] + "\r\n") {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  const std::string file = WriteTempFile("utf16.json", utf16);
  int rc = -1;
  auto got = Payloads(ReplayAndReceive(Options(file, pull), pull, 2, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], kLines[0]);
  EXPECT_EQ(got[1], kLines[3]);
}

// Breaker round 80 (f1-replay-cuts-long-line): a line longer than 4 MiB that is no array went
// out cut to 4 MiB + 257 bytes, silently: a `run` with a larger max_message_bytes rejected the stub
// as invalid_json (the break-glass sign-in lost), one with the default named the stub's size in
// the dead letter. Such a line is sent whole, as scan reads it; what replay can only send cut (a
// pretty-printed value longer than 4 MiB) is said and counted: exit 1.
TEST(ReplayCommand, SendsALineLongerThanFourMiBWholeAndSaysWhatItCannot) {
  PullEndpoint pull;
  const std::string long_line =
      R"({"time":"2024-01-01T00:00:00Z","category":"SignInLogs","note":")" +
      std::string(5u << 20, 'x') + R"("})";
  const std::string file =
      WriteTempFile("long.ndjson", kLines[0] + "\n" + long_line + "\r\n" + kLines[3] + "\n");
  int rc = -1;
  auto got = Payloads(ReplayAndReceive(Options(file, pull), pull, 3, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], kLines[0]);
  EXPECT_EQ(got[1].size(), long_line.size());
  EXPECT_TRUE(got[1] == long_line);
  EXPECT_EQ(got[2], kLines[3]);

  const std::string pretty =
      WriteTempFile("long.json", "{\n  \"note\": \"" + std::string(5u << 20, 'x') + "\"\n}\n");
  got = Payloads(ReplayAndReceive(Options(pretty, pull), pull, 1, &rc));
  EXPECT_EQ(rc, 1);  // sent cut, and said
  EXPECT_EQ(got.size(), 1u);
}

TEST(ReplayCommand, TenantOptionSendsTwoFrames) {
  PullEndpoint pull;
  const std::string file = WriteTempFile("tenant.ndjson", kLines[0] + "\n" + kLines[3] + "\n");
  ReplayOptions o = Options(file, pull);
  o.tenant = "4bbb79f7-5724-4c9e-95f3-de075f6ec090";
  int rc = -1;
  auto got = ReplayAndReceive(o, pull, 2, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(got[i].frames.size(), 2u);
    EXPECT_EQ(got[i].frames[0], o.tenant);
  }
  EXPECT_EQ(got[0].frames[1], kLines[0]);
  EXPECT_EQ(got[1].frames[1], kLines[3]);
}

// An input held in memory is sent where it lies (no copy per message): ZeroMQ reads the bytes of
// the --tenant frame and of the lines as late as its I/O thread writes them, which for messages
// still queued when the sender ends is during ~ReplaySender's linger. Each must arrive byte-exact:
// the sender's own --tenant copy must outlive its context (freed first, glibc's free overwrites
// its first 16 bytes and the queued tenant frames would carry them).
TEST(ReplaySender, MessagesStillQueuedAtItsEndArriveByteExact) {
  PullEndpoint pull;
  const std::string tenant = "4bbb79f7-5724-4c9e-95f3-de075f6ec090-not-in-sso";
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i) {
    lines.push_back(R"({"time":"2024-01-01T00:00:00Z","n":)" + std::to_string(i) + R"(,"pad":")" +
                    std::string(1000, static_cast<char>('a' + i % 26)) + "\"}");
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> queued{false};
  auto send = std::async(std::launch::async, [&] {
    ReplaySender sender(pull.endpoint(), 1, 100000, 10, std::string(tenant), &stop);
    for (const std::string& line : lines) {
      if (!sender.Send(
              line, [] {}, /*outlives_sender=*/true))
        return false;
    }
    queued.store(true);
    return true;  // ~ReplaySender lingers here until the receiver has read what was queued
  });
  // Nothing read until the sender has queued every message (~20 MB, more than the sockets'
  // buffers hold, so most are still queued in the sender when it ends) and begun to end.
  while (!queued.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::vector<Received> got = pull.Receive(lines.size());
  ASSERT_TRUE(send.get());
  ASSERT_EQ(got.size(), lines.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].frames.size(), 2u) << i;
    ASSERT_EQ(got[i].frames[0], tenant) << i;
    ASSERT_EQ(got[i].frames[1], lines[i]) << i;
  }
}

TEST(ReplayCommand, LoopReplaysTheInputKTimesAcrossFiles) {
  PullEndpoint pull;
  const std::string a = WriteTempFile("loop_a.ndjson", kLines[0] + "\n" + kLines[1] + "\n");
  const std::string b = WriteTempFile("loop_b.ndjson", kLines[2] + "\n");
  ReplayOptions o = Options(a, pull);
  o.files.push_back(b);
  o.loop = 3;
  int rc = -1;
  auto got = Payloads(ReplayAndReceive(o, pull, 9, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 9u);
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(got[i], kLines[i % 3]);
}

TEST(ReplayCommand, StreamsFilesLargerThanTheMemoryLimit) {
  PullEndpoint pull;
  std::string content;
  for (int i = 0; i < 500; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
  const std::string file = WriteTempFile("stream.ndjson", content);
  ReplayOptions o = Options(file, pull);
  o.max_memory = 16;  // forces streaming
  o.loop = 2;
  int rc = -1;
  auto got = Payloads(ReplayAndReceive(o, pull, 1000, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 1000u);
  EXPECT_EQ(got[0], "{\"n\":0}");
  EXPECT_EQ(got[499], "{\"n\":499}");
  EXPECT_EQ(got[999], "{\"n\":499}");
}

TEST(ReplayCommand, SeveralConnectionsDeliverEveryMessage) {
  PullEndpoint pull;
  std::string content;
  for (int i = 0; i < 300; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
  ReplayOptions o = Options(WriteTempFile("conn.ndjson", content), pull);
  o.connections = 3;
  int rc = -1;
  auto got = Payloads(ReplayAndReceive(o, pull, 300, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 300u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::unique(got.begin(), got.end()), got.end());
}

TEST(ReplayCommand, RateTakesAtLeastMostOfTheExpectedTime) {
  PullEndpoint pull;
  std::string content;
  for (int i = 0; i < 100; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
  ReplayOptions o = Options(WriteTempFile("rate.ndjson", content), pull);
  o.rate = 200;  // 100 messages: ~0.5 s
  const auto start = Clock::now();
  int rc = -1;
  auto got = ReplayAndReceive(o, pull, 100, &rc);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(got.size(), 100u);
  EXPECT_GE(seconds, 0.7 * 99 / 200.0);
}

TEST(ReplayCommand, SpeedupKeepsTheRecordedSpacing) {
  PullEndpoint pull;
  // Event times 0 s, 1 s, (no time), 2 s, 4 s; at 4x the last goes ~1 s after the first.
  const std::string content =
      R"({"time":"2024-05-01T10:00:00Z","properties":{"createdDateTime":"2024-05-01T10:00:00.0000000+00:00"}})"
      "\n"
      R"({"time":"2024-05-01T10:00:01Z"})"
      "\n"
      R"({"no":"time"})"
      "\n"
      R"({"TimeGenerated": "2024-05-01T10:00:02.000Z"})"
      "\n"
      R"({"activityDateTime":"2024-05-01T06:00:04-04:00"})"
      "\n";
  ReplayOptions o = Options(WriteTempFile("speedup.ndjson", content), pull);
  o.speedup = 4;
  int rc = -1;
  auto got = ReplayAndReceive(o, pull, 5, &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(got.size(), 5u);
  auto gap = [&](int i, int j) {
    return std::chrono::duration<double>(got[j].at - got[i].at).count();
  };
  EXPECT_GE(gap(0, 1), 0.7 * 0.25);
  EXPECT_GE(gap(1, 3), 0.7 * 0.25);
  EXPECT_GE(gap(3, 4), 0.7 * 0.5);
  EXPECT_GE(gap(0, 4), 0.7 * 1.0);
  EXPECT_EQ(got[2].frames[0], R"({"no":"time"})");
}

TEST(ReplayCommand, SigintStopsSendingAndExitsZero) {
  PullEndpoint pull;
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "{\"n\":" + std::to_string(i) + "}\n";
  ReplayOptions o = Options(WriteTempFile("sigint.ndjson", content), pull);
  o.rate = 50;  // would take 20 s
  auto run = std::async(std::launch::async, [&o] { return RunReplay(o); });
  auto first = pull.Receive(1);  // the handler is installed once sending has begun
  ASSERT_EQ(first.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(::getpid(), SIGINT);
  ASSERT_EQ(run.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(run.get(), 0);
}

TEST(ReplayCommand, NoPeerAtTheEndpointFailsAfterThePeerWait) {
  // A free port nobody listens on (bound, its number read, closed).
  std::string endpoint;
  {
    PullEndpoint probe;
    endpoint = probe.endpoint();
  }
  ReplayOptions o;
  o.files = {WriteTempFile("no_peer.ndjson", kLines[0] + "\n")};
  o.endpoint = endpoint;
  o.quiet = true;
  o.linger_s = 0;
  o.peer_wait_s = 1;
  auto run = std::async(std::launch::async, [&o] { return RunReplay(o); });
  ASSERT_EQ(run.wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "replay waits forever for a peer";
  EXPECT_EQ(run.get(), 1);
}

// A missing input, or a directory, is a usage error (exit 2, as scan's and README's; breaker
// round 34: 1, and a directory named no reason).
TEST(ReplayCommand, AMissingFileOrADirectoryIsAUsageError) {
  ReplayOptions o;
  o.files = {"/nonexistent/privmon/input.ndjson"};
  o.endpoint = "tcp://127.0.0.1:1";
  EXPECT_EQ(RunReplay(o), 2);
  o.files = {::testing::TempDir()};
  EXPECT_EQ(RunReplay(o), 2);
}

// A peer that took messages and then left (privmon stopped mid-replay): replay gives up after
// --peer-wait instead of hanging (breaker round 34: it waited forever).
TEST(ReplayCommand, APeerThatStopsTakingMessagesFailsAfterThePeerWait) {
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += kLines[i % 4] + "\n";
  ReplayOptions o;
  o.files = {WriteTempFile("peer_leaves.ndjson", lines)};
  o.quiet = true;
  o.linger_s = 0;
  o.peer_wait_s = 1;
  o.rate = 500;
  std::future<int> run;
  {
    PullEndpoint pull;
    o.endpoint = pull.endpoint();
    run = std::async(std::launch::async, [&o] { return RunReplay(o); });
    ASSERT_EQ(pull.Receive(5).size(), 5u);
  }  // the peer goes
  ASSERT_EQ(run.wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "replay waits forever for a peer that left";
  EXPECT_EQ(run.get(), 1);
}

// 3,000 lines of 20 KB: more than a stalled peer's socket buffers and receive queue hold.
std::string SixtyMegabytesOfLines() {
  const std::string pad(20'000, 'x');
  std::string lines;
  for (int i = 0; i < 3000; ++i) {
    lines += R"({"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{"pad":")" +
             pad + "\"}}\n";
  }
  return lines;
}

// A PULL socket that takes what a test reads from it and, with a receive queue of 10, little more.
struct StalledPeer {
  StalledPeer() {
    socket.set(zmq::sockopt::rcvhwm, 10);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind("tcp://127.0.0.1:*");
  }
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::pull};
};

// A peer that stays connected but stops taking messages (a `run` whose stalled sink holds its
// input) while everything was handed to ZeroMQ: the linger runs out with messages still queued,
// which ZeroMQ discards without a word. Replay says so and exits 1 (breaker round 141: it said
// "sent 9000" and exited 0 while `run` had received 3,561).
TEST(ReplayCommand, MessagesLeftQueuedWhenTheLingerRunsOutFailTheReplay) {
  const std::string lines = SixtyMegabytesOfLines();
  StalledPeer peer;
  zmq::socket_t& stalled = peer.socket;
  ReplayOptions o;
  o.files = {WriteTempFile("stalled_peer.ndjson", lines)};
  o.endpoint = stalled.get(zmq::sockopt::last_endpoint);
  o.quiet = true;
  o.linger_s = 1;
  o.peer_wait_s = 120;  // never the "took no message" path: the sends themselves do not block
  auto run = std::async(std::launch::async, [&o] { return RunReplay(o); });
  zmq::message_t first;
  ASSERT_TRUE(stalled.recv(first));  // connected, took one, then reads nothing more
  ASSERT_EQ(run.wait_for(std::chrono::seconds(100)), std::future_status::ready);
  EXPECT_EQ(run.get(), 1);
}

// Breaker round 142: a Ctrl-C while replay waits out --linger for a peer that stopped taking
// messages (a paused `run`) ends the wait at once (exit 130, saying what is discarded); it waited
// the whole linger (30 s) and then advised raising it. The real binary: the exit is the process's.
TEST(ReplayCommand, ACtrlCDuringTheLingerEndsItAtOnce) {
  const std::string file = WriteTempFile("linger_sigint.ndjson", SixtyMegabytesOfLines());
  StalledPeer peer;
  zmq::socket_t& stalled = peer.socket;
  const std::string endpoint = stalled.get(zmq::sockopt::last_endpoint);
  const std::string err = file + ".err";
  testing::Child replay(testing::Spawn(
      {PRIVMON_BINARY, "replay", file, "--to", endpoint, "--quiet", "--linger", "60"}, "/dev/null",
      err));
  zmq::message_t first;
  ASSERT_TRUE(stalled.recv(first));
  // Everything is handed to ZeroMQ within a few seconds (the sends do not block): then it lingers.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  const auto code = replay.Stop(SIGINT, std::chrono::seconds(20));  // bound: only a hang
  ASSERT_TRUE(code.has_value()) << "replay waited out its 60 s linger after a Ctrl-C";
  EXPECT_EQ(*code, 130);
  std::ifstream in(err);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("interrupted while waiting for the peer"), std::string::npos) << said;
}

// Breaker round 142: with --linger 0 ZeroMQ discards what it still holds at exit and nothing can
// tell how much: replay says so instead of a silent "sent N" (exit 0: nothing is known lost).
TEST(ReplayCommand, LingerZeroSaysWhatItCannotKnow) {
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += kLines[i % 4] + "\n";
  PullEndpoint pull;
  ReplayOptions o = Options(WriteTempFile("linger0.ndjson", lines), pull);
  o.linger_s = 0;
  ::testing::internal::CaptureStderr();
  int code = -1;
  (void)ReplayAndReceive(o, pull, 10, &code);
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0);
  EXPECT_NE(said.find("--linger 0: what ZeroMQ still held at exit was discarded unseen"),
            std::string::npos)
      << said;
}

// Breaker round 143: a Ctrl-C while a send is blocked (the peer paused, the queue full) stops the
// sending and then waits for the queue as a stop between two sends does: a second Ctrl-C ends
// that wait at once (130). The destructor waited out the whole linger, deaf to it, and exited 0.
TEST(ReplayCommand, ACtrlCInABlockedSendThenAnotherEndsTheLingerAtOnce) {
  const std::string file = WriteTempFile("blocked_sigint.ndjson", SixtyMegabytesOfLines());
  StalledPeer peer;
  const std::string endpoint = peer.socket.get(zmq::sockopt::last_endpoint);
  const std::string err = file + ".err";
  testing::Child replay(testing::Spawn({PRIVMON_BINARY, "replay", file, "--to", endpoint, "--quiet",
                                        "--linger", "60", "--hwm", "10"},
                                       "/dev/null", err));
  zmq::message_t first;
  ASSERT_TRUE(peer.socket.recv(first));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the send is blocked by now
  ASSERT_EQ(::kill(replay.pid(), SIGINT), 0);            // stops sending; the linger wait begins
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto code = replay.Stop(SIGINT, std::chrono::seconds(20));  // bound: only a hang
  ASSERT_TRUE(code.has_value()) << "replay waited out its 60 s linger after two Ctrl-Cs";
  EXPECT_EQ(*code, 130);
  std::ifstream in(err);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("interrupted while waiting for the peer"), std::string::npos) << said;
}

// Breaker round 143: a linger shorter than the close's own time (10 ms or more) cannot tell a
// loss: it is not reported as one (--linger 0.02 failed every healthy replay), only said
// unknown.
TEST(ReplayCommand, AShortLingerIsNoFalseLoss) {
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += kLines[i % 4] + "\n";
  PullEndpoint pull;
  ReplayOptions o = Options(WriteTempFile("linger_short.ndjson", lines), pull);
  o.linger_s = 0.02;
  ::testing::internal::CaptureStderr();
  int code = -1;
  EXPECT_EQ(ReplayAndReceive(o, pull, 10, &code).size(), 10u);
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0) << said;
  EXPECT_EQ(said.find("did not take every message"), std::string::npos) << said;
}

// Breaker round 143: a linger beyond what ZeroMQ takes (milliseconds in an int) is a usage error
// naming --linger; it overflowed and was blamed on --to.
TEST(ReplayCommand, ALingerBeyondADayIsAUsageErrorNamingIt) {
  PullEndpoint pull;
  ReplayOptions o = Options(WriteTempFile("linger_huge.ndjson", kLines[0] + "\n"), pull);
  o.linger_s = 1e9;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(RunReplay(o), 2);
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("--linger"), std::string::npos) << said;
  EXPECT_EQ(said.find("--to"), std::string::npos) << said;
}

// An address ZeroMQ cannot connect to at all is a mistake on the command line, as a bad --rate is.
TEST(ReplayCommand, MalformedEndpointIsAUsageError) {
  ReplayOptions o;
  o.files = {WriteTempFile("bad_ep.ndjson", kLines[0] + "\n")};
  o.quiet = true;
  for (const char* endpoint : {"nonsense://x", "garbage", "tcp://127.0.0.1"}) {
    o.endpoint = endpoint;
    EXPECT_EQ(RunReplay(o), 2) << endpoint;
  }
}

// --tenant names the tenant frame's tenant: a GUID, as `tenants:` takes it (braces, any case).
TEST(ReplayCommand, ATenantThatIsNoGuidIsAUsageError) {
  ReplayOptions o;
  o.files = {WriteTempFile("bad_tenant.ndjson", kLines[0] + "\n")};
  o.endpoint = "tcp://127.0.0.1:1";
  o.quiet = true;
  for (const char* tenant : {"notguid", "contoso.onmicrosoft.com", "4bbb79f7-5724-4c9e-95f3"}) {
    o.tenant = tenant;
    EXPECT_EQ(RunReplay(o), 2) << tenant;
  }
}

TEST(ReplayCommand, RateWithSpeedupIsAUsageError) {
  ReplayOptions o;
  o.files = {"x"};
  o.endpoint = "tcp://127.0.0.1:1";
  o.rate = 10;
  o.speedup = 2;
  EXPECT_EQ(RunReplay(o), 2);
}

TEST(ReplayCommand, RegisteredSubcommandParsesItsOptions) {
  CLI::App app("privmon");
  int exit_code = -1;
  RegisterReplayCommand(app, &exit_code);
  // A missing file fails with 2 (a usage error found by the run), which proves the callback ran
  // with parsed options.
  const char* argv[] = {"privmon",
                        "replay",
                        "/nonexistent/x.ndjson",
                        "--to",
                        "tcp://127.0.0.1:1",
                        "--rate",
                        "100",
                        "--loop",
                        "2",
                        "--connections",
                        "2",
                        "--quiet"};
  app.parse(static_cast<int>(std::size(argv)), const_cast<char**>(argv));
  EXPECT_EQ(exit_code, 2);
  CLI::App app2("privmon");
  RegisterReplayCommand(app2, &exit_code);
  const char* bad[] = {"privmon", "replay", "f", "--to", "e", "--rate", "1", "--speedup", "2"};
  EXPECT_THROW(app2.parse(static_cast<int>(std::size(bad)), const_cast<char**>(bad)),
               CLI::ParseError);
}

}  // namespace
}  // namespace privmon
