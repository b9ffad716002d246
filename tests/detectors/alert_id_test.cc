// Golden alert ids, pinned as hash libraries pin test vectors: a change of any of these values is
// a change of every SIEM's de-duplication key and must be deliberate (docs/operations.md "Alert
// ids" states the hash). Also: the id of a suppressed rule is the bucket's, whichever verdict of
// the bucket came first, and the bucket's repeats leave as one update line with the final count.
#include <gtest/gtest.h>

#include "detectors/alert_emitter.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kAlertIdTenant = "11111111-2222-3333-4444-555555555555";

std::shared_ptr<TenantSettings> BreakGlassTenant() {
  auto t = EngineHarness::Tenant(kAlertIdTenant);
  t->break_glass.insert(HashLower("bg1@contoso.com"));
  return t;
}

TEST(AlertIds, GoldenIdsOfABreakGlassSignIn) {
  EngineHarness h(BreakGlassTenant());
  h.Feed(SignIn(kAlertIdTenant, "bg1@contoso.com", "2026-11-24T10:00:00Z"));
  h.Feed(SignIn(kAlertIdTenant, "bg1@contoso.com", "2026-11-24T12:30:00Z"));
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].alert_id, 0x5274ca138344f783ULL);
  EXPECT_EQ(alerts[1].alert_id, 0xbe56adafc0dca332ULL);
}

// The documented formula, computed here from core/hash.h alone.
TEST(AlertIds, SuppressedRuleIdIsRuleCodeTenantAccountAndBucket) {
  EngineHarness h(BreakGlassTenant());
  h.Feed(SignIn(kAlertIdTenant, "bg1@contoso.com", "2026-11-24T10:20:00Z"));
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  const uint64_t account = HashCombine(HashLower(kAlertIdTenant), HashLower("bg1@contoso.com"));
  const int64_t bucket = *ParseIsoTime("2026-11-24T10:00:00Z") / kMicrosPerSecond / 3600;
  const uint64_t expected = HashCombine(
      HashCombine(HashCombine(HashBytes("PRIV-BG-01"), HashLower(kAlertIdTenant)), account),
      static_cast<uint64_t>(bucket));
  EXPECT_EQ(alerts[0].alert_id, expected);
}

TEST(AlertIds, GoldenIdOfAnUnsuppressedRuleHashesTimeAndEvidence) {
  auto t = BreakGlassTenant();
  t->rules[static_cast<std::size_t>(RuleId::kBG01)].suppress_s = 0;
  EngineHarness h(t);
  h.Feed(SignIn(kAlertIdTenant, "bg1@contoso.com", "2026-11-24T10:00:00Z"));
  const auto alerts = h.Drain();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert_id, 0xfb5ffb3d50cf45eaULL);
}

TEST(AlertIds, RepeatsInABucketGiveOneUpdateWithTheSameIdAndTheFinalCount) {
  for (bool reversed : {false, true}) {
    EngineHarness h(BreakGlassTenant());
    const char* times[] = {"2026-11-24T10:05:00Z", "2026-11-24T10:15:00Z", "2026-11-24T10:45:00Z"};
    for (int i = 0; i < 3; ++i)
      h.Feed(SignIn(kAlertIdTenant, "bg1@contoso.com", times[reversed ? 2 - i : i]));
    h.Feed(SignIn(kAlertIdTenant, "other@contoso.com",
                  "2026-11-24T11:30:00Z"));  // the bucket is passed
    const auto alerts = h.Drain();
    ASSERT_EQ(alerts.size(), 2u) << "reversed " << reversed;
    EXPECT_FALSE(alerts[0].update);
    EXPECT_TRUE(alerts[1].update);
    EXPECT_EQ(alerts[1].alert_id, alerts[0].alert_id);
    EXPECT_EQ(alerts[0].alert_id,
              0x5274ca138344f783ULL);  // the 10:00 bucket, whichever sign-in came first
    EXPECT_EQ(alerts[1].count, 3u);
  }
}

}  // namespace
}  // namespace privmon::testing
