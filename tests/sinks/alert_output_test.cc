#include "sinks/alert_output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace privmon {
namespace {

std::string TempPath(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("privmon_sinks_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FileOutput, WritesLinesAndAppendsAcrossOpens) {
  const std::string path = TempPath("alerts.jsonl");
  std::filesystem::remove(path);
  {
    FileOutput out(path, /*append=*/true);
    out.Write("{\"a\":1}\n");
    out.Write("{\"a\":2}\n");
    out.Flush();
    EXPECT_EQ(ReadAll(path), "{\"a\":1}\n{\"a\":2}\n");
  }
  {
    FileOutput out(path, /*append=*/true);
    out.Write("{\"a\":3}\n");
  }
  EXPECT_EQ(ReadAll(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  {
    FileOutput out(path, /*append=*/false);
    out.Write("{\"a\":4}\n");
  }
  EXPECT_EQ(ReadAll(path), "{\"a\":4}\n");
}

TEST(FileOutput, ThrowsNamingThePathWhenItCannotOpen) {
  try {
    FileOutput out("/nonexistent-dir/alerts.jsonl", true);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/alerts.jsonl"), std::string::npos);
  }
}

TEST(ZmqPubOutput, DeliversEachAlertAsOneMessageToASubscriber) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "tcp://127.0.0.1:*");
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvtimeo, 100);
  sub.connect(pub.last_endpoint());
  // PUB drops messages until the subscription has propagated: publish until one arrives.
  zmq::message_t msg;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool got = false;
  while (!got && std::chrono::steady_clock::now() < deadline) {
    pub.Write("{\"probe\":true}\n");
    got = sub.recv(msg).has_value();
  }
  ASSERT_TRUE(got);
  while (sub.recv(msg, zmq::recv_flags::dontwait)) {
  }
  pub.Write("{\"alert\":1}\n");
  pub.Write("{\"alert\":2}\n");
  ASSERT_TRUE(sub.recv(msg));
  EXPECT_EQ(msg.to_string(), "{\"alert\":1}");
  ASSERT_TRUE(sub.recv(msg));
  EXPECT_EQ(msg.to_string(), "{\"alert\":2}");
}

TEST(MakeAlertOutputs, BuildsOneOutputPerSinkInOrder) {
  zmq::context_t ctx;
  const std::string path = TempPath("made.jsonl");
  std::vector<SinkSettings> sinks = {{SinkType::kStdout, "", ""},
                                     {SinkType::kFile, path, ""},
                                     {SinkType::kZmqPub, "", "tcp://127.0.0.1:*"}};
  auto outputs = MakeAlertOutputs(sinks, ctx);
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_NE(dynamic_cast<StdoutOutput*>(outputs[0].get()), nullptr);
  EXPECT_NE(dynamic_cast<FileOutput*>(outputs[1].get()), nullptr);
  EXPECT_NE(dynamic_cast<ZmqPubOutput*>(outputs[2].get()), nullptr);
}

TEST(MakeAlertOutputs, ThrowsAClearErrorWhenAnEndpointCannotBeBound) {
  zmq::context_t ctx;
  std::vector<SinkSettings> sinks = {{SinkType::kZmqPub, "", "tcp://no-such-host.invalid:1"}};
  try {
    MakeAlertOutputs(sinks, ctx);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tcp://no-such-host.invalid:1"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(MakeAlertOutputs({{SinkType::kFile, "", ""}}, ctx), std::runtime_error);
}

}  // namespace
}  // namespace privmon
