// What a SIGHUP reload applies (config/reload.h): the sections read at start-up only are named
// when they differ and kept as running in the config published, so no part applies half a change
// (breaker round 137: keep_skipped, checkpoint and max_message_bytes changed by a reload were
// ignored without a word; allowed_lateness moved the engine's eviction margin and not the clocks).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reload.h"
#include "core/hash.h"

namespace privmon {
namespace {

std::shared_ptr<const CompiledConfig> LoadReload(const std::string& yaml) {
  ConfigLoadResult r = LoadConfigText(yaml);
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].message);
  return r.config;
}

constexpr const char* kReloadSectionsTenant = "00000000-0000-4000-8000-0000000000e1";

TEST(ReloadSections, EachStartUpSettingIsNamedAndKeptAsRunning) {
  const auto running = LoadReload("dead_letter: {path: rejected.ndjson, keep_skipped: false}\n");
  ASSERT_NE(running, nullptr);
  struct Change {
    std::string yaml;
    std::string section;
  };
  const std::vector<Change> changes = {
      {"dead_letter: {path: rejected.ndjson, keep_skipped: true}\n", "dead_letter"},
      {"checkpoint: {dir: /tmp/privmon-ck, interval: 10s}\n", "checkpoint"},
      {"pipeline: {max_message_bytes: 1024}\n", "pipeline"},
      {"pipeline: {allowed_lateness: 1m}\n", "pipeline"},
      {"pipeline: {max_future_skew: 1d}\n", "pipeline"},
      {"pipeline: {tenant_idle_timeout: 1m}\n", "pipeline"},
  };
  for (const Change& c : changes) {
    SCOPED_TRACE(c.yaml);
    const std::string tenants = std::string("tenants:\n  \"") + kReloadSectionsTenant +
                                "\": {break_glass: [bg@contoso.com]}\n";
    const auto next = LoadReload(c.yaml + tenants);
    ASSERT_NE(next, nullptr);
    EXPECT_EQ(SectionsNeedingRestart(*running, *next), std::vector<std::string>{c.section});
    const auto published = KeepStartupSections(*running, *next);
    EXPECT_TRUE(SectionsNeedingRestart(*running, *published).empty());
    // What a reload does apply comes through: the new tenant.
    EXPECT_TRUE(published->tenants.contains(HashLower(kReloadSectionsTenant)));
    EXPECT_EQ(published->pipeline.allowed_lateness_s, running->pipeline.allowed_lateness_s);
    EXPECT_EQ(published->pipeline.max_message_bytes, running->pipeline.max_message_bytes);
    EXPECT_EQ(published->dead_letter_keep_skipped, running->dead_letter_keep_skipped);
    EXPECT_EQ(published->checkpoint.dir, running->checkpoint.dir);
  }
  // A reload changing only what it applies names nothing.
  const auto same =
      LoadReload(std::string("tenants:\n  \"") + kReloadSectionsTenant + "\": {name: Contoso}\n");
  EXPECT_TRUE(SectionsNeedingRestart(*running, *same).empty());
}

}  // namespace
}  // namespace privmon
