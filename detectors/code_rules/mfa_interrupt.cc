#include "detectors/code_rules/mfa_interrupt.h"

#include <algorithm>

#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "state/time_ring_window.h"

namespace privmon::code_rules {
namespace {

constexpr int32_t kStrongAuthRequired = 50074;
// "Due to a configuration change made by your administrator, or because you moved to a new
// location, you must use multi-factor authentication": the same interrupt (strong authentication
// required, the password was right), as common in real logs as 50074.
constexpr int32_t kStrongAuthRequiredConfig = 50076;
constexpr int32_t kStrongAuthFailed = 500121;
// "External security challenge was not satisfied": an external MFA provider's or a custom
// control's challenge (the sign-in error code reference, beside 50074) the user did not pass; an
// interrupt as 50074 is, as the guide's Sigma rule for the row reads it (breaker round 75).
constexpr int32_t kExternalChallengeNotSatisfied = 50158;

// Whether a success within [from, to] settles an interrupt. A non-interactive success is a client
// refreshing its token in the background (Teams, Outlook): it completes no MFA prompt, so it
// settles only a non-interactive interrupt; an interactive success settles either.
bool SettledWithin(const PrivilegedState& ps, Seconds32 from, Seconds32 to, bool non_interactive) {
  return non_interactive ? ps.successes.AnyWithin(from, to)
                         : ps.successes.AnyWithinSlots(from, to, ps.interactive_successes);
}

}  // namespace

void MfaInterrupt::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                            AccountState& st, const TenantSettings& tenant) {
  if (!st.privileged()) return;
  const int32_t code = e.signin.error_code;
  if (code != 0 && code != kStrongAuthFailed && code != kStrongAuthRequired &&
      code != kStrongAuthRequiredConfig && code != kExternalChallengeNotSatisfied) {
    return;
  }
  // A non-interactive 50076 is a client refreshing its token silently (Outlook, Teams, OneDrive
  // for a resource whose policy now wants MFA): nobody was there to be prompted, and the client
  // prompts interactively when the user next opens it. No MFA was owed by a person and none
  // refused; counted, every admin with a desktop client left open raised PRIV-SI-04.
  // So too a non-interactive 50158: an external challenge is met only in an interactive redirect
  // (breaker round 76).
  if ((code == kStrongAuthRequiredConfig || code == kExternalChallengeNotSatisfied) &&
      e.signin.channel == SignInChannel::kNonInteractive) {
    return;
  }
  // One sign-in counts once however a KQL mv-expand split it into rows (the failed step and the
  // fraud report of one sign-in are one interrupt; its code is the record's, not the row's).
  if (ctx.RowCounted(RuleId::kSI04, who.key)) return;
  PrivilegedState& ps = ctx.Privileged(st);
  const Seconds32 t = ToSeconds32(e.time);
  const RuleSettings& rs = tenant.rule(RuleId::kSI04);
  const int64_t w = rs.window_s;
  const bool non_interactive = e.signin.channel == SignInChannel::kNonInteractive;
  if (code == 0) {
    // A success settles every interrupt that it follows within the window, one in the same second
    // included: times are kept in seconds (and Graph v1.0 writes whole seconds), so an interrupt
    // and the success that settles it a fraction later read as the same time. A non-interactive
    // success (a background token refresh) settles only non-interactive interrupts, as an AD FS
    // success does (the password alone, FirstFactorOnly: it completes no MFA prompt).
    const bool completes_no_prompt = non_interactive || FirstFactorOnly(e.signin);
    for (auto& p : ps.interrupts) {
      if (p.time != 0 && t >= p.time && static_cast<int64_t>(t - p.time) <= w &&
          (!completes_no_prompt || p.non_interactive == 1)) {
        p.time = 0;
      }
    }
  } else if (code == kStrongAuthFailed) {
    // A verdict per failure that holds the threshold, in any arrival order, as the threshold
    // rules count (state/time_ring_window.h, detectors/generic_rules.cc; breaker round 31).
    const auto before = ps.strong_auth_failures;
    if (ps.strong_auth_failures.Put(t) < 0) return;  // older than a full ring of newer ones
    ForEachThresholdReached(before, ps.strong_auth_failures, t, w, rs.threshold,
                            [&](const WindowCount& c, uint32_t records) {
                              Alert a = AlertEmitter::Begin(RuleId::kSI04, e, who);
                              // Timed by the window's end (its suppression bucket), not by
                              // whichever failure of the burst arrived last.
                              if (t != c.last) a.time = Micros(c.last);
                              a.first_seen = Micros(c.first);
                              a.last_seen =
                                  t != c.last ? Micros(c.last) : std::max(e.time, Micros(c.last));
                              a.count = rs.threshold;
                              a.AddNumber("error_code", code);
                              AddPlace(a, e);
                              // This record was counted once (RowCounted above): its verdicts are
                              // all its own.
                              for (uint32_t i = 0; i < records; ++i)
                                ctx.Emit(a, who.key, tenant, true);
                            });
  } else {
    if (SettledWithin(ps, t, static_cast<Seconds32>(t + w), non_interactive)) return;  // settled
    auto slot = std::find_if(ps.interrupts.begin(), ps.interrupts.end(),
                             [](const PendingInterrupt& p) { return p.time == 0; });
    if (slot == ps.interrupts.end()) {
      // Full: a non-interactive interrupt (a client's token refresh, which the same client's
      // next refresh settles) gives way before a person's. A phone re-authenticating four apps
      // at once pushed out the attacker's interactive 50074 (breaker round 71).
      const auto older_giving_way = [](const PendingInterrupt& a, const PendingInterrupt& b) {
        if (a.non_interactive != b.non_interactive) return a.non_interactive > b.non_interactive;
        return a.time < b.time;
      };
      slot = std::min_element(ps.interrupts.begin(), ps.interrupts.end(), older_giving_way);
      if (non_interactive && slot->non_interactive == 0) return;  // four of a person's pending
    }
    slot->time = t;
    slot->record_id = e.record_id;
    slot->code_50076 = code == kStrongAuthRequiredConfig        ? 1
                       : code == kExternalChallengeNotSatisfied ? 2
                                                                : 0;
    slot->non_interactive = non_interactive ? 1 : 0;
    Timer timer;
    timer.due = e.time + w * kMicrosPerSecond;
    timer.account = who.key;
    timer.kind = TimerKind::kInterruptVerdict;
    timer.slot = static_cast<uint8_t>(slot - ps.interrupts.begin());
    timer.basis = t;
    ctx.PushTimer(e.tenant_hash, timer);
  }
}

void MfaInterrupt::Fire(CodeRuleContext& ctx, uint64_t account_key, PrivilegedState& ps,
                        uint8_t slot, const TenantSettings& tenant) {
  PendingInterrupt& p = ps.interrupts[slot];
  const int64_t window = tenant.rule(RuleId::kSI04).window_s;
  const bool settled =
      SettledWithin(ps, p.time, static_cast<Seconds32>(p.time + window), p.non_interactive == 1);
  const Seconds32 when = p.time;
  const FixedString<80> record = p.record_id;
  const int32_t code = p.code_50076 == 1   ? kStrongAuthRequiredConfig
                       : p.code_50076 == 2 ? kExternalChallengeNotSatisfied
                                           : kStrongAuthRequired;
  p.time = 0;
  if (settled) return;
  Alert a = TimerAlert(RuleId::kSI04, ps, Micros(when));
  AddTimerEvidence(a, EventKind::kSignIn, Micros(when), record);
  a.AddNumber("error_code", code);
  a.AddDetail("detail", "strong authentication required, no success followed");
  ctx.Emit(a, account_key, tenant);
}

}  // namespace privmon::code_rules
