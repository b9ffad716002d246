// Hostile input through a real `privmon run` over ZeroMQ TCP: every JSONTestSuite file alone and
// all of them as one message, truncated records, an oversized message, 100 000-deep nesting,
// wrong-typed fields, binary garbage, an empty message, a two-frame message with an empty tenant.
// privmon must stay up, count every message as exactly one accepted or rejected record, and keep
// every rejected message byte-exact (with its reason) in the dead-letter file; SIGTERM exits 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <zmq.hpp>

#include "sinks/dead_letter.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

// "[]" with any blanks around or inside: an export of no rows.
bool IsEmptyArray(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '[') return false;
  const auto next = text.find_first_not_of(" \t\r\n", first + 1);
  return next != std::string::npos && text[next] == ']' &&
         text.find_first_not_of(" \t\r\n", next + 1) == std::string::npos;
}

const std::string kHostileInputBinary = PRIVMON_BINARY;
const std::string kSourceDir = PRIVMON_SOURCE_DIR;
const std::string kHostileInputStream = kSourceDir + "/tests/data/pipeline/stream.ndjson";
const std::string kJsonTestSuite = kSourceDir + "/tests/data/parsers/jsontestsuite";
// Large enough that the 100 000-deep nesting and the whole suite as one message reach the JSON
// parser (and are refused there), small enough to send an oversized message cheaply.
constexpr std::size_t kMaxMessageBytes = 512 * 1024;

struct Privmon {
  std::unique_ptr<TempDirCleanup> cleanup;  // first: destroyed after the process is reaped
  std::string dir;
  int ingest_port = 0;
  int metrics_port = 0;
  std::unique_ptr<Child> process;
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(ingest_port); }
  std::string dead_letters() const { return dir + "/rejected.ndjson"; }
  std::string Metrics() const { return HttpGetBody(metrics_port, "/metrics").value_or(""); }
};

Privmon StartPrivmon() {
  Privmon p;
  p.dir = TempDir("hostile");
  p.cleanup = std::make_unique<TempDirCleanup>(p.dir);
  p.ingest_port = FreeTcpPort();
  p.metrics_port = FreeTcpPort();
  std::ofstream(p.dir + "/config.yaml")
      << "pipeline: {shards: 2, max_message_bytes: " << kMaxMessageBytes << "}\n"
      << "sources: [{zmq: {endpoint: \"" << p.endpoint() << "\", bind: true, name: hostile}}]\n"
      << "sinks: [{file: {path: \"" << p.dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << p.metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << p.dead_letters() << "\"}\n";
  p.process = std::make_unique<Child>(
      Spawn({kHostileInputBinary, "run", "--config", p.dir + "/config.yaml"}, p.dir + "/stdout",
            p.dir + "/stderr"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!HttpGetBody(p.metrics_port, "/metrics") && std::chrono::steady_clock::now() < deadline &&
         p.process->Alive()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return p;
}

enum class Expect { kRejected, kAccepted, kEither };

struct Message {
  std::string label;
  std::string payload;
  std::optional<std::string> tenant_frame;  // set: sent as two frames [tenant, payload]
  Expect expect = Expect::kRejected;
  std::set<std::string> reasons;  // when rejected, one of these (empty: any reason)
  // The bytes dead-lettered: the whole payload, except for a batch ({"records":[...]}), whose
  // rejected element is dead-lettered alone.
  std::optional<std::string> dead_raw;
  const std::string& DeadRaw() const { return dead_raw ? *dead_raw : payload; }
  // Records the message holds: 1, or 0 for an empty array (an export of no rows: no record, no
  // reject).
  int records = 1;
  // A bare array holding an object is a batch: each element rejected alone, these bytes in turn.
  std::vector<std::string> element_raws;
};

// One PUSH socket: the PULL side receives in send order, and the single parse thread dead-letters
// rejections in that order too.
void Send(const std::string& endpoint, const std::vector<Message>& messages) {
  zmq::context_t ctx(1);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 30'000);
  push.connect(endpoint);
  for (const Message& m : messages) {
    if (m.tenant_frame) push.send(zmq::buffer(*m.tenant_frame), zmq::send_flags::sndmore);
    push.send(zmq::buffer(m.payload), zmq::send_flags::none);
  }
}

double Records(const std::string& metrics) {
  // The same record sent twice is accepted once and counted once as a duplicate.
  return MetricSum(metrics, "privmon_events_total") +
         MetricSum(metrics, "privmon_duplicates_total") +
         MetricSum(metrics, "privmon_events_rejected_total");
}

// Sends the messages, waits until privmon has counted each (every message holds one record) and
// dead-lettered every rejection, then checks the accounting and the dead-letter file entry by
// entry against the bytes sent.
void DeliverAndCheck(Privmon& p, const std::vector<Message>& messages) {
  Send(p.endpoint(), messages);
  double expected = 0;
  for (const Message& m : messages) expected += m.records;
  std::string metrics;
  std::vector<DeadLetterEntry> dead;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline && p.process->Alive()) {
    metrics = p.Metrics();
    // A scrape reads the counters one after another: the last message's count may be read just
    // before it is bumped and its record's just after (a TSan run saw 318 of 319 messages), so
    // both must have arrived.
    if (Records(metrics) >= expected &&
        MetricSum(metrics, "privmon_messages_received_total", "source=\"hostile\"") >=
            static_cast<double>(messages.size())) {
      // The counter is bumped before the entry is written, and a large entry may be read half
      // written: poll until every rejection has a complete entry.
      try {
        dead = ReadDeadLetterFile(p.dead_letters());
        if (static_cast<double>(dead.size()) >=
            MetricSum(metrics, "privmon_events_rejected_total")) {
          break;
        }
      } catch (const std::runtime_error&) {
        dead.clear();  // a half-written last entry: read again on the next round
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(p.process->Alive()) << "privmon died:\n" << ReadFile(p.dir + "/stderr");

  const double accepted =
      MetricSum(metrics, "privmon_events_total") + MetricSum(metrics, "privmon_duplicates_total");
  const double rejected = MetricSum(metrics, "privmon_events_rejected_total");
  EXPECT_EQ(MetricSum(metrics, "privmon_messages_received_total", "source=\"hostile\""),
            static_cast<double>(messages.size()));
  EXPECT_EQ(accepted + rejected, expected) << "each single-record message counts exactly once";
  ASSERT_EQ(static_cast<double>(dead.size()), rejected) << "one dead-letter entry per rejection";

  // Rejections per reason agree between /metrics and the dead-letter file.
  std::map<std::string, double> dead_by_reason;
  for (const auto& d : dead) dead_by_reason[d.reason] += 1;
  for (const auto& [reason, n] : dead_by_reason) {
    EXPECT_EQ(MetricSum(metrics, "privmon_events_rejected_total", "reason=\"" + reason + "\""), n)
        << reason;
  }

  // Walk both in order: a message is rejected exactly when the next entry holds its bytes.
  std::size_t next = 0;
  int accepted_seen = 0;
  for (const Message& m : messages) {
    SCOPED_TRACE(m.label);
    if (!m.element_raws.empty()) {
      for (const std::string& raw : m.element_raws) {
        ASSERT_LT(next, dead.size());
        EXPECT_EQ(dead[next].raw, raw);
        EXPECT_EQ(dead[next].source, "hostile");
        ++next;
      }
      continue;
    }
    const bool rejected_here = next < dead.size() && dead[next].raw == m.DeadRaw();
    if (rejected_here) {
      const DeadLetterEntry& d = dead[next++];
      EXPECT_NE(m.expect, Expect::kAccepted) << "rejected as " << d.reason << ": " << d.detail;
      EXPECT_FALSE(d.reason.empty());
      EXPECT_EQ(d.size, m.DeadRaw().size());
      EXPECT_EQ(d.source, "hostile");
      if (!m.reasons.empty()) {
        EXPECT_TRUE(m.reasons.contains(d.reason)) << d.reason;
      }
    } else if (m.records == 0) {
      continue;  // nothing to accept or reject
    } else {
      ++accepted_seen;
      EXPECT_NE(m.expect, Expect::kRejected)
          << "not in the dead-letter file byte-exact (next entry: "
          << (next < dead.size() ? dead[next].reason + " " + dead[next].raw.substr(0, 80) : "none")
          << ")";
    }
  }
  EXPECT_EQ(next, dead.size()) << "dead-letter entries that match no message sent";
  EXPECT_EQ(accepted_seen, accepted);
}

void StopCleanly(Privmon& p) {
  ASSERT_TRUE(p.process->Alive()) << ReadFile(p.dir + "/stderr");
  const auto code = p.process->Stop(SIGTERM, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "no exit within 60 s of SIGTERM";
  EXPECT_EQ(*code, 0) << ReadFile(p.dir + "/stderr");
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Replaces the first occurrence of `from` in `text`.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(HostileInput, EveryJsonTestSuiteFileIsCountedAndEveryRejectDeadLetteredByteExact) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kJsonTestSuite)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 318u);

  std::vector<Message> messages;
  std::string all;
  for (const auto& f : files) {
    Message m;
    m.label = f.filename().string();
    m.payload = ReadFile(f.string());
    all += m.payload;
    if (m.label.starts_with("n_")) {
      m.reasons = {"invalid_json", "too_deep"};  // n_*: malformed JSON, each refused as such
    } else {
      m.expect = Expect::kEither;  // y_*/i_*: valid (or implementation-defined) JSON
      if (IsEmptyArray(m.payload)) m.records = 0;
      // The suite's one array holding an object (`[null, 1, "1", {}]`): read as a batch of
      // records, each element refused alone (breaker round 33).
      if (m.label == "y_array_heterogeneous.json") {
        m.element_raws = {"null", "1", "\"1\"", "{}"};
        m.records = 4;
      }
    }
    messages.push_back(std::move(m));
  }
  ASSERT_LE(all.size(), kMaxMessageBytes);
  messages.push_back({"all files as one message",
                      all,
                      std::nullopt,
                      Expect::kRejected,
                      {"invalid_json", "too_deep"}});

  Privmon p = StartPrivmon();
  ASSERT_TRUE(p.process->Alive()) << ReadFile(p.dir + "/stderr");
  DeliverAndCheck(p, messages);
  // None of these is an Entra record: nothing reaches the detectors.
  EXPECT_EQ(MetricSum(p.Metrics(), "privmon_events_total"), 0);
  StopCleanly(p);
}

TEST(HostileInput, MalformedMessagesAreRejectedByteExactAndPrivmonKeepsServing) {
  const std::string record =
      FirstLine(kHostileInputStream);  // a diagnostic-settings sign-in, tenant inside
  ASSERT_GT(record.size(), 1000u);
  std::vector<Message> messages;

  for (std::size_t cut = 37; cut < record.size(); cut += 37) {
    messages.push_back({"truncated at " + std::to_string(cut),
                        record.substr(0, cut),
                        std::nullopt,
                        Expect::kRejected,
                        {"invalid_json"}});
  }

  std::string oversized =
      "{\"pad\":\"" + std::string(kMaxMessageBytes, 'x') + "\"," + record.substr(1);
  messages.push_back(
      {"oversized", std::move(oversized), std::nullopt, Expect::kRejected, {"oversized"}});

  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  messages.push_back({"100000-deep arrays", deep, std::nullopt, Expect::kRejected, {"too_deep"}});
  messages.push_back({"100000-deep inside a record",
                      Replace(record, "\"properties\":{", "\"properties\":{\"x\":" + deep + ","),
                      std::nullopt,
                      Expect::kRejected,
                      {"too_deep"}});

  messages.push_back({"records is a number",
                      R"({"records":42})",
                      std::nullopt,
                      Expect::kRejected,
                      {"wrong_type"}});
  messages.push_back(
      {"value is a string", R"({"value":"x"})", std::nullopt, Expect::kRejected, {"wrong_type"}});
  messages.push_back({"record is a number", "42", std::nullopt, Expect::kRejected, {"not_object"}});
  messages.push_back({"batch element is a number",
                      R"({"records":[ 43 ]})",
                      std::nullopt,
                      Expect::kRejected,
                      {"not_object"},
                      "43"});
  const auto props = record.find("\"properties\":{");
  ASSERT_NE(props, std::string::npos);
  messages.push_back({"properties is a string",
                      record.substr(0, props) + "\"properties\":\"not an object\"}", std::nullopt,
                      Expect::kRejected});
  // An errorCode of a type it cannot have is refused naming it (z9a): read as absent, a failed
  // sign-in whose envelope resultType says 0 counted as a success.
  messages.push_back({"status.errorCode is an object",
                      Replace(record, "\"status\":{\"errorCode\":0}",
                              "\"status\":{\"errorCode\":{\"code\":50126}}"),
                      std::nullopt,
                      Expect::kRejected,
                      {"wrong_type"}});
  messages.push_back(
      {"time is a boolean",
       Replace(Replace(record, "\"time\":\"2026-11-10T00:00:02.5158312Z\"", "\"time\":true"),
               "\"createdDateTime\":\"2026-11-10T00:00:02.5158312Z\"", "\"createdDateTime\":true"),
       std::nullopt, Expect::kRejected});

  std::mt19937 rng(20261124);
  for (std::size_t size : {1u, 2u, 16u, 255u, 4096u, 65536u}) {
    std::string garbage(size, '\0');
    for (char& c : garbage) c = static_cast<char>(rng() & 0xff);
    garbage[size / 2] = '\0';
    messages.push_back({"garbage " + std::to_string(size) + " bytes",
                        garbage,
                        std::nullopt,
                        Expect::kRejected,
                        {"invalid_json"}});
  }
  messages.push_back({"NUL inside an object",
                      std::string("{\"a\":\0}", 7),
                      std::nullopt,
                      Expect::kRejected,
                      {"invalid_json"}});
  messages.push_back({"empty message", "", std::nullopt, Expect::kRejected, {"invalid_json"}});

  // A Graph signIn carries no tenant of its own; an empty first frame gives it none either.
  const std::string graph =
      R"({"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-11-24T10:00:00Z",)"
      R"("userPrincipalName":"alex@contoso.com","userId":"d7cc485d-2c1b-422c-98fd-5ce52859a4a3",)"
      R"("appId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064","ipAddress":"131.107.159.37",)"
      R"("clientAppUsed":"Browser","status":{"errorCode":0}})";
  messages.push_back(
      {"two frames, empty tenant", graph, std::string(), Expect::kRejected, {"no_tenant"}});
  // The record's own tenant wins over an empty frame.
  messages.push_back({"two frames, empty tenant, record names its tenant", record, std::string(),
                      Expect::kAccepted});
  // After all that, an ordinary record is still processed.
  messages.push_back({"valid record last", record, std::nullopt, Expect::kAccepted});

  Privmon p = StartPrivmon();
  ASSERT_TRUE(p.process->Alive()) << ReadFile(p.dir + "/stderr");
  DeliverAndCheck(p, messages);
  StopCleanly(p);
}

}  // namespace
}  // namespace privmon::testing
