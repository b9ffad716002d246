// ZeroMQ CURVE on a real `privmon run`: the server's secret key comes from a file, and only clients
// whose public key is on sources[].zmq.curve.allowed_clients are admitted (ZAP). A client with an
// unlisted key and a plain client without CURVE are refused at the handshake: their records are
// never counted and privmon keeps serving the allowed client.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <zmq.hpp>

#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kBinary = PRIVMON_BINARY;
const std::string kStream = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/pipeline/stream.ndjson";

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;
};

KeyPair NewKeyPair() {
  std::array<char, 41> pub{}, sec{};
  EXPECT_EQ(zmq_curve_keypair(pub.data(), sec.data()), 0) << "libzmq built without CURVE";
  return {pub.data(), sec.data()};
}

std::vector<std::string> StreamLines(std::size_t n) {
  std::ifstream in(kStream);
  std::vector<std::string> lines;
  std::string line;
  while (lines.size() < n && std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A PUSH client with its own context; `curve` null means the plain NULL mechanism. A monitor
// records the handshake outcome so the test can wait for the refusal instead of sleeping.
class Client {
 public:
  Client(const std::string& endpoint, const std::string& server_public, const KeyPair* curve)
      : push_(ctx_, zmq::socket_type::push), monitor_(ctx_, zmq::socket_type::pair) {
    push_.set(zmq::sockopt::linger, 0);
    if (curve != nullptr) {
      push_.set(zmq::sockopt::curve_serverkey, server_public);
      push_.set(zmq::sockopt::curve_publickey, curve->public_key);
      push_.set(zmq::sockopt::curve_secretkey, curve->secret_key);
    }
    const std::string address =
        "inproc://monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    EXPECT_EQ(zmq_socket_monitor(push_.handle(), address.c_str(),
                                 ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
              0);
    monitor_.connect(address);
    push_.connect(endpoint);
  }
  ~Client() { zmq_socket_monitor(push_.handle(), nullptr, 0); }

  // Queues the lines without blocking (a refused client never drains its queue).
  void Send(const std::vector<std::string>& lines) {
    for (const auto& l : lines) (void)push_.send(zmq::buffer(l), zmq::send_flags::dontwait);
  }

  // Waits for the first handshake verdict: the ZMQ_EVENT_* value, or 0 on timeout.
  uint16_t WaitHandshake(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{monitor_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      zmq::message_t event, address;
      if (!monitor_.recv(event) || !monitor_.recv(address)) continue;
      uint16_t id = 0;
      std::memcpy(&id, event.data(), sizeof id);
      return id;
    }
    return 0;
  }

 private:
  zmq::context_t ctx_{1};
  zmq::socket_t push_;
  zmq::socket_t monitor_;
};

double Metric(int port, const std::string& name) {
  return MetricSum(HttpGetBody(port, "/metrics").value_or(""), name);
}

// Polls until the records counted reach `n`; returns the last count.
double WaitForRecords(int metrics_port, double n, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    // A record sent again is counted once as a duplicate (privmon_duplicates_total).
    seen = Metric(metrics_port, "privmon_events_total") +
           Metric(metrics_port, "privmon_events_rejected_total") +
           Metric(metrics_port, "privmon_duplicates_total");
    if (seen >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return seen;
}

TEST(Curve, OnlyAllowListedClientKeysAreCountedAndPrivmonStaysUp) {
  const KeyPair server = NewKeyPair(), allowed = NewKeyPair(), stranger = NewKeyPair();
  const std::string dir = TempDir("curve");
  const TempDirCleanup cleanup(dir);
  // The certificate form of docs/operations.md: privmon must pick the secret key, not the public.
  std::ofstream(dir + "/server.key") << "public-key = \"" << server.public_key << "\"\n"
                                     << "secret-key = \"" << server.secret_key << "\"\n";
  const int ingest_port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(ingest_port);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 1}\n"
      << "sources:\n"
      << "  - zmq:\n"
      << "      endpoint: \"" << endpoint << "\"\n"
      << "      bind: true\n"
      << "      curve:\n"
      << "        secret_key_file: \"" << dir << "/server.key\"\n"
      << "        allowed_clients: [\"" << allowed.public_key << "\"]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child privmon(
      Spawn({kBinary, "run", "--config", dir + "/config.yaml"}, dir + "/stdout", dir + "/stderr"));
  for (int i = 0; i < 1500 && !HttpGetBody(metrics_port, "/metrics") && privmon.Alive(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(HttpGetBody(metrics_port, "/metrics")) << ReadFile(dir + "/stderr");

  const std::vector<std::string> lines = StreamLines(20);
  {
    Client a(endpoint, server.public_key, &allowed);
    EXPECT_EQ(a.WaitHandshake(std::chrono::seconds(30)), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    a.Send(lines);
    EXPECT_EQ(WaitForRecords(metrics_port, 20, std::chrono::seconds(60)), 20);
  }

  {
    Client b(endpoint, server.public_key, &stranger);
    b.Send(lines);
    // The server's ZAP handler answers 400; the client sees an authentication failure.
    EXPECT_EQ(b.WaitHandshake(std::chrono::seconds(30)), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    Client plain(endpoint, server.public_key, nullptr);
    plain.Send(lines);
    // NULL against a CURVE server: the greetings' mechanisms differ. The client reports a protocol
    // failure, or no detail when the server has already dropped the connection.
    const uint16_t verdict = plain.WaitHandshake(std::chrono::seconds(30));
    EXPECT_TRUE(verdict == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                verdict == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        << "handshake event " << verdict;
  }
  ASSERT_TRUE(privmon.Alive()) << ReadFile(dir + "/stderr");
  EXPECT_EQ(Metric(metrics_port, "privmon_messages_received_total"), 20);

  {
    // Still serving the allowed key after the refusals; the refused records never showed up.
    Client a(endpoint, server.public_key, &allowed);
    a.Send({lines.front()});
    EXPECT_EQ(WaitForRecords(metrics_port, 21, std::chrono::seconds(60)), 21);
  }
  EXPECT_EQ(Metric(metrics_port, "privmon_messages_received_total"), 21);

  const auto code = privmon.Stop(SIGTERM, std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << ReadFile(dir + "/stderr");
}

// Fail closed: a CURVE source whose key cannot be read must not fall back to plain text.
TEST(Curve, MissingSecretKeyFileStopsStartupInsteadOfServingInPlainText) {
  const std::string dir = TempDir("curve-nokey");
  const TempDirCleanup cleanup(dir);
  const int ingest_port = FreeTcpPort(), metrics_port = FreeTcpPort();
  std::ofstream(dir + "/config.yaml")
      << "sources: [{zmq: {endpoint: \"tcp://127.0.0.1:" << ingest_port << "\", bind: true, "
      << "curve: {secret_key_file: \"" << dir << "/missing.key\", allowed_clients: []}}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"\"}\n";
  Child privmon(
      Spawn({kBinary, "run", "--config", dir + "/config.yaml"}, dir + "/stdout", dir + "/stderr"));
  const auto code = privmon.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "privmon kept running without its CURVE key";
  EXPECT_EQ(*code, 1);
  EXPECT_NE(ReadFile(dir + "/stderr").find("missing.key"), std::string::npos)
      << ReadFile(dir + "/stderr");
}

}  // namespace
}  // namespace privmon::testing
