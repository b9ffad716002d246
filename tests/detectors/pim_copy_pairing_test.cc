// Core Directory's copy of a PIM grant whose initiator names no app (a Graph directoryAudit's
// `initiatedBy.app` by its servicePrincipalId alone) is PIM's when PIM's own record of the same
// role and account lies within 5 minutes of it, in either arrival order, across a checkpoint
// (docs/RULES.md, "PIM's copies"); unpaired, it is a direct assignment (PRIV-EL-02, PA-04).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kPimCopyPairingTenant = "11111111-2222-3333-4444-555555555555";
constexpr std::string_view kPimCopyPairingAdmin = "admin@contoso.com";

Event PimRecord(const char* time, std::string_view role = "Global Administrator") {
  Event e = PimActivation(kPimCopyPairingTenant, kPimCopyPairingAdmin, time, role);
  e.audit.service = AuditService::kPim;
  return e;
}

Event Copy(const char* time, std::string_view role = "Global Administrator") {
  Event e = Audit(kPimCopyPairingTenant, Activity::kAddMemberToRole, "Add member to role",
                  kPimCopyPairingAdmin, time, role);
  e.audit.flags |= kActorIsApp | kInitiatorUnnamed;
  e.actor = Account(kPimCopyPairingTenant, "e46f111c-b240-5904-b152-b09594051556");
  return e;
}

// The direct-assignment verdicts raised once the input ends.
std::vector<RuleId> Direct(EngineHarness& h) {
  h.Finish();
  std::vector<RuleId> out;
  for (const Alert& a : h.Drain()) {
    if ((a.rule == RuleId::kEL02 || a.rule == RuleId::kPA04) && !a.update) out.push_back(a.rule);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<RuleId> kBoth = {RuleId::kPA04, RuleId::kEL02};
std::vector<RuleId> Sorted(std::vector<RuleId> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(PimCopyPairing, ACopyAfterPimsRecordIsPims) {
  EngineHarness h;
  h.Feed(PimRecord("2026-11-24T10:00:02Z"));
  h.Feed(Copy("2026-11-24T10:00:03Z"));
  EXPECT_TRUE(Direct(h).empty());
}

TEST(PimCopyPairing, ACopyBeforePimsRecordWaitsForIt) {
  EngineHarness h;
  h.Feed(Copy("2026-11-24T10:00:03Z"));
  h.Feed(PimRecord("2026-11-24T10:04:00Z"));
  h.Feed(SignIn(kPimCopyPairingTenant, "someone@contoso.com", "2026-11-24T10:30:00Z"));
  EXPECT_TRUE(Direct(h).empty());
}

TEST(PimCopyPairing, AnUnpairedCopyIsADirectAssignment) {
  {
    EngineHarness h;
    h.Feed(Copy("2026-11-24T10:00:03Z"));
    h.Feed(SignIn(kPimCopyPairingTenant, "someone@contoso.com", "2026-11-24T10:30:00Z"));
    EXPECT_EQ(Direct(h), Sorted(kBoth));
  }
  {  // PIM's record of another role, or beyond the window, pairs nothing
    EngineHarness h;
    h.Feed(PimRecord("2026-11-24T10:00:02Z", "Privileged Role Administrator"));
    h.Feed(Copy("2026-11-24T10:00:03Z"));
    h.Feed(PimRecord("2026-11-24T10:05:04Z"));
    EXPECT_EQ(Direct(h), Sorted(kBoth));
  }
  {  // at the input's end, a held verdict is settled
    EngineHarness h;
    h.Feed(Copy("2026-11-24T10:00:03Z"));
    EXPECT_EQ(Direct(h), Sorted(kBoth));
  }
}

void PimCopyPairingTransfer(EngineHarness& from, EngineHarness& to) {
  CheckpointShardWriter w(0);
  from.engine().SaveState(w);
  for (const std::string& part : w.partitions()) {
    ASSERT_TRUE(ForEachCheckpointRecord(
        part, [&](CheckpointRecordView r) { EXPECT_TRUE(to.engine().LoadState(r)); }));
  }
  to.engine().OnRestored();
}

TEST(PimCopyPairing, TheHeldVerdictAndPimsRecordsSurviveACheckpoint) {
  {
    EngineHarness before;
    before.Feed(Copy("2026-11-24T10:00:03Z"));
    EngineHarness after;
    PimCopyPairingTransfer(before, after);
    after.Feed(PimRecord("2026-11-24T10:01:00Z"));
    EXPECT_TRUE(Direct(after).empty());
  }
  {
    EngineHarness before;
    before.Feed(Copy("2026-11-24T10:00:03Z"));
    EngineHarness after;
    PimCopyPairingTransfer(before, after);
    EXPECT_EQ(Direct(after), Sorted(kBoth));
  }
  {
    EngineHarness before;
    before.Feed(PimRecord("2026-11-24T10:00:02Z"));
    EngineHarness after;
    PimCopyPairingTransfer(before, after);
    after.Feed(Copy("2026-11-24T10:00:03Z"));
    EXPECT_TRUE(Direct(after).empty());
  }
}

}  // namespace
}  // namespace privmon::testing
