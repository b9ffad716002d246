// Multipart ZeroMQ messages through a real `privmon run` over TCP (DESIGN.md section 3: two frames
// are [tenant, payload], one frame is the payload). Every other shape is read whole and rejected
// as bad_frames, counted and dead-lettered with its frames, and never shifts the stream: a three-
// frame message does not lose its middle frame, and [record, ""] does not take the record for a
// tenant id, nor a tenant frame that is no GUID for a tenant ("{GUID}" in any case is one).
#include <gtest/gtest.h>

#include <zmq.hpp>

#include "sinks/dead_letter.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {
namespace {

const std::string kTenant = "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b";

std::string MultipartFramesRecord(const char* id) {
  return std::string(R"({"id":")") + id +
         R"(","createdDateTime":"2026-11-24T10:00:00Z","userPrincipalName":"alex@contoso.com",)"
         R"("userId":"d7cc485d-2c1b-422c-98fd-5ce52859a4a3","appId":"app","ipAddress":"131.107.159.37",)"
         R"("clientAppUsed":"Browser","status":{"errorCode":0}})";
}

TEST(MultipartFrames, EveryFrameShapeIsReadOrRejectedAsBadFramesAndDeadLettered) {
  const std::string dir = TempDir("frames");
  TempDirCleanup cleanup(dir);
  const int port = FreeTcpPort(), metrics_port = FreeTcpPort();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  std::ofstream(dir + "/config.yaml")
      << "pipeline: {shards: 2}\n"
      << "sources: [{zmq: {endpoint: \"" << endpoint << "\", bind: true, name: frames}}]\n"
      << "sinks: [{file: {path: \"" << dir << "/alerts.jsonl\"}}]\n"
      << "metrics: {listen: \"127.0.0.1:" << metrics_port << "\"}\n"
      << "dead_letter: {path: \"" << dir << "/rejected.ndjson\"}\n";
  Child privmon(Spawn({PRIVMON_BINARY, "run", "--config", dir + "/config.yaml"}, dir + "/stdout",
                      dir + "/stderr"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!HttpGetBody(metrics_port, "/metrics") && std::chrono::steady_clock::now() < deadline &&
         privmon.Alive()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(privmon.Alive()) << ReadFile(dir + "/stderr");

  zmq::context_t ctx(1);
  zmq::socket_t push(ctx, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 30'000);
  push.connect(endpoint);
  auto send = [&](const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      push.send(zmq::buffer(frames[i]),
                i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  };
  send({kTenant, MultipartFramesRecord("r1")});  // read: tenant frame, payload
  send({MultipartFramesRecord("r2")});           // read: payload alone (tenant: none -> no_tenant)
  send({kTenant, MultipartFramesRecord("r3"), MultipartFramesRecord("r4")});  // three frames
  send({MultipartFramesRecord("r5"), ""});  // the record in the tenant frame, empty payload
  send({MultipartFramesRecord("r6"),
        MultipartFramesRecord("r7")});                    // a record where the tenant id should be
  send({kTenant, "", MultipartFramesRecord("r8"), "x"});  // four frames
  send({kTenant, MultipartFramesRecord("r9")});           // the stream is still in step
  send({"not-a-guid", MultipartFramesRecord("r10")});     // a tenant frame that is no GUID
  send({"{0C7E2F4A-5B6D-4E8F-9A1B-2C3D4E5F6A7B}",
        MultipartFramesRecord("r11")});  // read: the GUID as `tenants:` accepts it, braces, case

  std::string metrics;
  std::vector<DeadLetterEntry> dead;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    metrics = HttpGetBody(metrics_port, "/metrics").value_or("");
    if (MetricSum(metrics, "privmon_events_total") +
            MetricSum(metrics, "privmon_events_rejected_total") >=
        9) {
      try {
        dead = ReadDeadLetterFile(dir + "/rejected.ndjson");
        if (dead.size() >= 6) break;
      } catch (const std::runtime_error&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(MetricSum(metrics, "privmon_events_total"), 3) << metrics;
  EXPECT_EQ(MetricSum(metrics, "privmon_events_rejected_total", "reason=\"bad_frames\""), 5);
  EXPECT_EQ(MetricSum(metrics, "privmon_events_rejected_total", "reason=\"no_tenant\""), 1);
  ASSERT_EQ(dead.size(), 6u);
  std::vector<std::string> bad;
  for (const auto& d : dead) {
    if (d.reason == "bad_frames") bad.push_back(d.raw);
  }
  ASSERT_EQ(bad.size(), 5u);
  // Every frame is kept, in order, one per line.
  EXPECT_EQ(bad[0],
            kTenant + "\n" + MultipartFramesRecord("r3") + "\n" + MultipartFramesRecord("r4"));
  EXPECT_EQ(bad[1], MultipartFramesRecord("r5") + "\n");
  EXPECT_EQ(bad[2], MultipartFramesRecord("r6") + "\n" + MultipartFramesRecord("r7"));
  EXPECT_EQ(bad[3], kTenant + "\n\n" + MultipartFramesRecord("r8") + "\nx");
  // A tenant frame that is no GUID: refused (its records' lists would never apply), its frames
  // kept.
  EXPECT_EQ(bad[4], "not-a-guid\n" + MultipartFramesRecord("r10"));
  EXPECT_EQ(privmon.Stop(SIGTERM, std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace privmon::testing
