// State that must survive a restart exactly (k17 audit, DESIGN.md section 9 "Checkpoints"):
// every field case (../shared/cases) and every regression folder of one-line JSON records is fed
// through the parser into one engine, once straight through and once with the engine checkpointed
// after each record and restored into a fresh one (its SaveState records loaded by LoadState, as a
// restart does). Both must raise the same alerts: the same alert ids with the same final counts.
// A piece of per-account or per-tenant state a checkpoint leaves out shows up here as a missing,
// extra or recounted alert.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "core/checkpoint_format.h"
#include "parsers/record_parser.h"
#include "tests/support/engine_helpers.h"
#include "tests/support/sanitized.h"

namespace privmon::testing {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string name;
  std::string config;
  std::string tenant;  // --tenant of its args
  std::vector<std::string> lines;
};

// The cases whose input is one JSON object per line (no frames, byte order marks, values over
// several lines): each line is one message here as in a file source.
std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const fs::path& root : {fs::path(PRIVMON_SOURCE_DIR) / ".." / "shared" / "cases",
                               fs::path(PRIVMON_SOURCE_DIR) / "tests" / "regressions"}) {
    std::error_code ec;
    std::vector<fs::path> dirs;
    for (const auto& d : fs::directory_iterator(root, ec)) dirs.push_back(d.path());
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& dir : dirs) {
      if (!fs::exists(dir / "input.ndjson")) continue;
      Case c;
      c.name = dir.filename().string();
      if (fs::exists(dir / "config.yaml")) c.config = Slurp(dir / "config.yaml");
      if (c.config.find("max_message_bytes") != std::string::npos) continue;
      std::istringstream args(fs::exists(dir / "args") ? Slurp(dir / "args") : "");
      for (std::string a; args >> a;) {
        if (a == "--tenant") args >> c.tenant;
      }
      std::istringstream in(Slurp(dir / "input.ndjson"));
      bool plain = true;
      for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (line.front() != '{') plain = false;
        c.lines.push_back(line);
      }
      if (plain && !c.lines.empty()) out.push_back(std::move(c));
    }
  }
  return out;
}

// Saves shard 0 of `from` and loads it into `to` (a restart from that checkpoint).
void CheckpointEachRecordTransfer(EngineHarness& from, EngineHarness& to) {
  CheckpointShardWriter w(0);
  from.engine().SaveState(w);
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      EXPECT_TRUE(to.engine().LoadState(r)) << "record of kind " << int{r.tag};
    }));
  }
  to.engine().OnRestored();
}

// alert_id -> (rule code, final count) of one pass over the case.
using Outcome = std::map<uint64_t, std::pair<std::string, uint32_t>>;

Outcome Pass(const Case& c, const std::shared_ptr<const CompiledConfig>& config, bool restarts) {
  RecordParser parser(config->pipeline.max_message_bytes);
  ParseContext ctx;
  if (!c.tenant.empty()) {
    ctx.source_tenant = c.tenant;
    ctx.multi_tenant = true;
  }
  auto engine = std::make_unique<EngineHarness>(config);
  Outcome out;
  auto collect = [&] {
    for (const Alert& a : engine->Drain()) {
      out[a.alert_id] = {std::string(GetRuleInfo(a.rule).code), a.count};
    }
  };
  for (const std::string& line : c.lines) {
    for (const Event& e : parser.Parse(line, ctx).events) engine->Feed(e);
    collect();
    if (restarts) {
      auto next = std::make_unique<EngineHarness>(config);
      CheckpointEachRecordTransfer(*engine, *next);
      engine = std::move(next);
    }
  }
  engine->engine().OnFinish(kMinTime);  // the end of the input, as the pipeline settles it
  collect();
  return out;
}

TEST(CheckpointEachRecord, EveryCaseRaisesTheSameAlertsRestartedAfterEachRecord) {
  const std::vector<Case> cases = Cases();
  ASSERT_GT(cases.size(), 50u);
  std::size_t with_alerts = 0;
  for (const Case& c : cases) {
    // A restart after each of thousands of records re-encodes the whole state each time: m21e's
    // 10,075 (a flood of another tenant) took over 600 s under ASan. Its kind is checked through
    // run + replay and the ring's own tests instead. Under a sanitizer the cases of over 300
    // records too (the long Kusto and listing responses: two thirds of the test's 78 s there).
    if (c.lines.size() > (privmon::testing::kSanitized ? 300u : 2000u)) continue;
    ConfigLoadResult loaded = LoadConfigText(c.config);
    if (!loaded.errors.empty()) continue;  // a case about a refused config
    const Outcome straight = Pass(c, loaded.config, false);
    const Outcome restarted = Pass(c, loaded.config, true);
    with_alerts += straight.empty() ? 0 : 1;
    EXPECT_EQ(restarted, straight) << c.name;
  }
  EXPECT_GT(with_alerts, 30u);
}

}  // namespace
}  // namespace privmon::testing
