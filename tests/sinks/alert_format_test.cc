// Per-sink formats: each configured sink gets its alerts in its own format, formatted once per
// format whatever the number of sinks sharing it. Real files, a real dispatcher thread.
#include "sinks/alert_format.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/stats.h"
#include "sinks/alert_dispatcher.h"
#include "sinks/alert_output.h"

namespace privmon {
namespace {

Alert Sample(uint64_t id) {
  Alert a;
  a.rule = RuleId::kPA04;
  a.alert_id = id;
  a.tenant_id.assign("t1");
  a.tenant_name.assign("Contoso");
  a.account_upn.assign("alice-admin@contoso.com");
  return a;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(AlertLines, FormatsEachFormatOncePerAlert) {
  AlertLines lines;
  const Alert a = Sample(1);
  lines.Reset();
  const std::string_view native = lines.Get(a, AlertFormat::kNative);
  const std::string_view ocsf = lines.Get(a, AlertFormat::kOcsf);
  EXPECT_EQ(lines.Get(a, AlertFormat::kNative).data(), native.data());  // cached, not redone
  EXPECT_NE(native.find("\"rule_id\":\"PRIV-PA-04\""), std::string_view::npos);
  EXPECT_NE(ocsf.find("\"class_uid\":2004"), std::string_view::npos);
  lines.Reset();
  const Alert b = Sample(2);
  EXPECT_NE(lines.Get(b, AlertFormat::kNative).find("\"alert_id\":\"0000000000000002\""),
            std::string_view::npos);
}

TEST(AlertDispatcher, WritesEachSinkInItsConfiguredFormat) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("privmon_formats_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string native_path = (dir / "native.jsonl").string();
  const std::string ocsf_path = (dir / "ocsf.jsonl").string();
  const std::string ocsf2_path = (dir / "ocsf2.jsonl").string();
  std::vector<SinkSettings> sinks(3);
  sinks[0].type = sinks[1].type = sinks[2].type = SinkType::kFile;
  sinks[0].path = native_path;
  sinks[1].path = ocsf_path;
  sinks[1].format = AlertFormat::kOcsf;
  sinks[2].path = ocsf2_path;
  sinks[2].format = AlertFormat::kOcsf;
  zmq::context_t ctx(1);
  {
    SpscQueue<Alert> queue(16);
    PipelineStats stats(1, 1, 4);
    AlertDispatcher dispatcher({&queue}, MakeAlertOutputs(sinks, ctx), &stats);
    for (uint64_t id = 1; id <= 3; ++id) ASSERT_TRUE(queue.push(Sample(id)));
    dispatcher.Stop();
    ASSERT_EQ(stats.sinks.size(), 3u);
    for (const SinkStats& s : stats.sinks) EXPECT_EQ(s.written.load(), 3u) << s.name;
  }
  const auto native = Lines(native_path);
  const auto ocsf = Lines(ocsf_path);
  ASSERT_EQ(native.size(), 3u);
  ASSERT_EQ(ocsf.size(), 3u);
  EXPECT_EQ(Lines(ocsf2_path), ocsf);
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < 3; ++i) {
    simdjson::dom::element n, o;
    ASSERT_EQ(parser.parse(native[i]).get(n), simdjson::SUCCESS) << native[i];
    EXPECT_EQ(int64_t(n["schema"]), 2);
    EXPECT_EQ(std::string_view(n["tenant_name"]), "Contoso");
    const std::string native_id{std::string_view(n["alert_id"])};
    ASSERT_EQ(parser.parse(ocsf[i]).get(o), simdjson::SUCCESS) << ocsf[i];
    EXPECT_EQ(int64_t(o["class_uid"]), 2004);
    EXPECT_EQ(std::string_view(o["finding_info"]["uid"]), native_id);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace privmon
