#include "core/incident_key.h"

#include <gtest/gtest.h>

#include "core/event_time.h"

namespace privmon {
namespace {

constexpr uint64_t kTenant = 0x7e;
constexpr uint64_t kAlice = 0xa11ce, kBob = 0xb0b;

Evidence Record(const char* id, const char* iso) {
  Evidence ev;
  ev.kind = EventKind::kAudit;
  ev.time = *ParseIsoTime(iso);
  ev.record_id.assign(id);
  return ev;
}

Alert AlertOf(RuleId rule, std::initializer_list<Evidence> evidence) {
  Alert a;
  a.rule = rule;
  a.tenant_hash = kTenant;
  a.time = kMinTime;
  for (const Evidence& ev : evidence) {
    a.evidence[a.evidence_count++] = ev;
    a.time = std::max(a.time, ev.time);
  }
  return a;
}

TEST(IncidentKey, OneRoleAssignmentGivesPa01Pa04El02OneKey) {
  const Evidence assign = Record("aud-assign", "2026-11-24T10:05:00Z");
  const Evidence add_user = Record("aud-add", "2026-11-24T09:58:00Z");
  const Alert pa01 = AlertOf(RuleId::kPA01, {add_user, assign});
  const Alert pa04 = AlertOf(RuleId::kPA04, {assign});
  const Alert el02 = AlertOf(RuleId::kEL02, {assign});
  for (int64_t span : {int64_t{0}, kHour}) {
    const uint64_t key = IncidentKey(pa04, kAlice, span);
    EXPECT_EQ(IncidentKey(el02, kAlice, span), key) << span;
    EXPECT_EQ(IncidentKey(pa01, kAlice, span), key) << span;
  }
}

TEST(IncidentKey, OneAccountWithinTheSpanSharesTheKeyAndTheNextBucketDoesNot) {
  const Alert a = AlertOf(RuleId::kSI01, {Record("s1", "2026-11-24T10:00:00Z")});
  const Alert b = AlertOf(RuleId::kSI14, {Record("s2", "2026-11-24T10:59:59.999Z")});
  const Alert c = AlertOf(RuleId::kSI14, {Record("s3", "2026-11-24T11:00:00Z")});
  EXPECT_EQ(IncidentKey(a, kAlice, kHour), IncidentKey(b, kAlice, kHour));
  EXPECT_NE(IncidentKey(b, kAlice, kHour), IncidentKey(c, kAlice, kHour));
  EXPECT_NE(IncidentKey(a, kAlice, kHour), IncidentKey(a, kBob, kHour));
  EXPECT_EQ(IncidentKey(b, kAlice, 2 * kHour), IncidentKey(c, kAlice, 2 * kHour));
  Alert other_tenant = a;
  other_tenant.tenant_hash = kTenant + 1;
  EXPECT_NE(IncidentKey(other_tenant, kAlice, kHour), IncidentKey(a, kAlice, kHour));
}

TEST(IncidentKey, SpanZeroGroupsByTheTriggeringRecordWhicheverAccountIsNamed) {
  const Evidence change = Record("aud-1", "2026-11-24T10:00:00Z");
  const Alert actor_side = AlertOf(RuleId::kCH01, {change});
  const Alert target_side = AlertOf(RuleId::kPA04, {change});
  EXPECT_EQ(IncidentKey(actor_side, kBob, 0), IncidentKey(target_side, kAlice, 0));
  const Alert next = AlertOf(RuleId::kPA04, {Record("aud-2", "2026-11-24T10:00:00Z")});
  EXPECT_NE(IncidentKey(next, kAlice, 0), IncidentKey(target_side, kAlice, 0));
}

TEST(IncidentKey, DoesNotDependOnTheOrderEvidenceArrivedIn) {
  const Evidence x = Record("aud-x", "2026-11-24T10:00:00Z");
  const Evidence y = Record("aud-y", "2026-11-24T10:00:00Z");
  const Evidence early = Record("aud-0", "2026-11-24T09:00:00Z");
  for (int64_t span : {int64_t{0}, kHour}) {
    EXPECT_EQ(IncidentKey(AlertOf(RuleId::kEL06, {x, y, early}), kAlice, span),
              IncidentKey(AlertOf(RuleId::kEL06, {early, y, x}), kAlice, span));
  }
}

TEST(IncidentKey, BucketsTimesBeforeTheEpochDownward) {
  const Alert before = AlertOf(RuleId::kSI01, {Record("s1", "1969-12-31T23:30:00Z")});
  const Alert after = AlertOf(RuleId::kSI01, {Record("s2", "1970-01-01T00:30:00Z")});
  EXPECT_NE(IncidentKey(before, kAlice, kHour), IncidentKey(after, kAlice, kHour));
}

}  // namespace
}  // namespace privmon
