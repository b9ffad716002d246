// Checkpoint records are plain structs copied byte for byte (state/checkpoint_codec.h). The file's
// checksums catch truncation and flipped bits, but not a file whose bytes were written wrong with
// their checksums right (by hand, by a faulty writer): DetectionEngine::LoadState refuses a record
// whose values would index past an array or a string's capacity, or whose bools are neither 0 nor
// 1, so RestoreCheckpoint refuses the file with a clear message instead of loading garbage (a
// timer slot past its four activations was read and written out of bounds when it fired).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"

namespace privmon {
namespace {

using testing::EngineHarness;

constexpr uint64_t kCheckpointRecordsTenant = 0x1234;
constexpr uint64_t kAccount = 0x5678;

CheckpointRecordView Record(uint8_t tag, const std::string& payload) {
  CheckpointRecordView r;
  r.tag = tag;
  r.key = kAccount;
  r.payload = payload;
  return r;
}

std::string TimerPayload(const Timer& t) {
  std::string out;
  PutU64(out, kCheckpointRecordsTenant);
  PutRaw(out, t);
  return out;
}

// The offset of `member` inside `object` (a FixedString's first byte is its length).
template <class T, class M>
std::size_t OffsetOf(const T& object, const M& member) {
  return static_cast<std::size_t>(reinterpret_cast<const char*>(&member) -
                                  reinterpret_cast<const char*>(&object));
}

TEST(CheckpointRecords, ATimerSlotPastItsArrayIsRefused) {
  EngineHarness h;
  Timer t;
  t.due = 1'700'000'000'000'000;
  t.account = kAccount;
  t.kind = TimerKind::kPawVerdict;
  t.slot = 3;  // the last of four activations
  std::string ok = TimerPayload(t);
  EXPECT_TRUE(h.engine().LoadState(Record(kCkTimer, ok)));
  for (const TimerKind kind :
       {TimerKind::kPawVerdict, TimerKind::kActivationExpiry, TimerKind::kInterruptVerdict}) {
    t.kind = kind;
    t.slot = 9;
    const std::string bad = TimerPayload(t);
    EXPECT_FALSE(h.engine().LoadState(Record(kCkTimer, bad))) << static_cast<int>(kind);
  }
  t.kind = static_cast<TimerKind>(77);
  t.slot = 0;
  const std::string unknown = TimerPayload(t);
  EXPECT_FALSE(h.engine().LoadState(Record(kCkTimer, unknown)));
}

TEST(CheckpointRecords, APrivilegedAccountWithAStringLongerThanItsCapacityIsRefused) {
  EngineHarness h;
  AccountState st;
  st.first_seen = st.last_seen = 1'700'000'000;
  PrivilegedState ps;
  ps.upn.assign("admin@contoso.com");
  ps.activations[1].role.assign("Global Administrator");
  std::string good;
  EncodeAccount(good, kCheckpointRecordsTenant, st, &ps);
  EXPECT_TRUE(h.engine().LoadState(Record(kCkAccount, good)));
  const std::size_t ps_at = 8 + sizeof(AccountState) + 1;
  for (const std::size_t at : {OffsetOf(ps, ps.upn), OffsetOf(ps, ps.activations[1].role)}) {
    std::string bad = good;
    bad[ps_at + at] = static_cast<char>(250);  // the length byte
    EXPECT_FALSE(h.engine().LoadState(Record(kCkAccount, bad))) << "string at " << at;
  }
  std::string bad_bool = good;
  bad_bool[ps_at + OffsetOf(ps, ps.activations[1].expiry_due)] = 2;
  EXPECT_FALSE(h.engine().LoadState(Record(kCkAccount, bad_bool)));
}

TEST(CheckpointRecords, ASuppressionUpdateOfAnUnknownRuleOrOverlongStringIsRefused) {
  EngineHarness h;
  auto payload = [](const Alert& a) {
    std::string out;
    PutU64(out, kCheckpointRecordsTenant);
    PutU64(out, static_cast<uint64_t>(1'700'000'000'000'000));
    PutU32(out, 2);
    out.push_back(1);  // an update is pending
    EncodeAlert(out, a);
    return out;
  };
  Alert a;
  a.rule = RuleId::kSI01;
  a.account_upn.assign("admin@contoso.com");
  const std::string good = payload(a);
  EXPECT_TRUE(h.engine().LoadState(Record(kCkSuppression, good)));
  Alert unknown = a;
  unknown.rule = static_cast<RuleId>(200);
  const std::string bad_rule = payload(unknown);
  EXPECT_FALSE(h.engine().LoadState(Record(kCkSuppression, bad_rule)));
  std::string bad_upn = good;
  bad_upn[8 + 8 + 4 + 1 + OffsetOf(a, a.account_upn)] = static_cast<char>(200);
  EXPECT_FALSE(h.engine().LoadState(Record(kCkSuppression, bad_upn)));
  std::string bad_update = good;
  bad_update[8 + 8 + 4 + 1 + OffsetOf(a, a.update)] = 5;
  EXPECT_FALSE(h.engine().LoadState(Record(kCkSuppression, bad_update)));
}

// k12: an alert names an account by its whole UPN (Entra ID allows 113 characters). A checkpoint
// keeps the Alert's bytes as format 5 stored them and the UPN whole after the detail keys, so a
// pending update keeps it, and a record written before reads as it did.
TEST(CheckpointRecords, AnAlertKeepsItsWholeUpnAndAnEarlierRecordReadsAsBefore) {
  std::string upn(64, 'a');
  upn += "@" + std::string(36, 'x') + ".example.com";  // 113 characters
  Alert a;
  a.rule = RuleId::kBG01;
  a.SetUpn(upn);
  a.AddDetail("app", "Azure Portal");
  EXPECT_EQ(a.upn(), upn);
  std::string out;
  EncodeAlert(out, a);
  EXPECT_EQ(out.size(), kAlertStoredBytes + 1 + 3 + 2 + upn.size());
  std::string_view in = out;
  Alert back;
  ASSERT_TRUE(DecodeAlert(in, &back));
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.upn(), upn);
  EXPECT_EQ(back.details[0].value.view(), "Azure Portal");
  // A record of a build before: the stored bytes and the detail keys, no whole UPN.
  std::string_view before(out.data(), kAlertStoredBytes + 1 + 3);
  Alert old;
  ASSERT_TRUE(DecodeAlert(before, &old));
  EXPECT_EQ(old.upn(), upn.substr(0, 96));
  // A UPN that fits appends nothing.
  Alert short_upn;
  short_upn.SetUpn("admin@contoso.com");
  std::string plain;
  EncodeAlert(plain, short_upn);
  EXPECT_EQ(plain.size(), kAlertStoredBytes);
  // An overlong stated length is refused, not read past the record.
  std::string bad = out;
  bad[kAlertStoredBytes + 1 + 3 + 1] = static_cast<char>(250);
  std::string_view bad_in = bad;
  Alert refused;
  EXPECT_FALSE(DecodeAlert(bad_in, &refused));
}

}  // namespace
}  // namespace privmon
