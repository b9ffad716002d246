#include "detectors/code_rules/pim_activations.h"

#include <algorithm>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "parsers/activity_names.h"

namespace privmon::code_rules {
namespace {

// Whether an activation's end (expiry or deactivation) and an activation name the same role, as
// au.role_hash keys it (a built-in role by the catalogue's name, whether the record named it by
// template id or by any of its names; a custom role by its name, else its id). A record that
// names no role (0) is paired by time alone, as every end was before the role was kept.
bool SameActivatedRole(uint64_t end_role, uint64_t activation_role) {
  return end_role == 0 || activation_role == 0 || end_role == activation_role;
}

// The same for a kept role and the record at hand, which may name a custom role by its name and
// its id (au.role_id_hash): the kept one (an end or an activation seen first) named it by either.
bool SameRoleAsRecord(uint64_t kept_role, const AuditFields& au) {
  return SameActivatedRole(kept_role, au.role_hash) ||
         (au.role_id_hash != 0 && kept_role == au.role_id_hash);
}

}  // namespace

namespace {

// A sign-in as PRIV-EL-06 reads it: its point and whether it came from a PAW; false for one that
// opens no session an activation can come from.
bool SessionSignIn(const Event& e, const TenantSettings& tenant, SignInPoint* p, bool* from_paw) {
  // Only a successful sign-in opens a session an activation can come from: a failed one (a
  // password spray's 50126, a 53003 blocked by Conditional Access) or an interrupt (50074, an MFA
  // prompt nobody answered; 50140) from another machine shows no elevation came from there.
  if (e.signin.error_code != 0) return false;
  // An AD FS sign-in states no device (FirstFactorOnly): the Entra sign-in that follows it, in
  // which the session is opened, says where it came from.
  if (FirstFactorOnly(e.signin)) return false;
  // A sign-in into a partner tenant opens no session in this one (tests/regressions/m16i_*).
  if (IntoAnotherTenant(e.signin, e.tenant_hash)) return false;
  *from_paw = !e.signin.device_id.empty() &&
              tenant.paw_devices.contains(HashLower(e.signin.device_id.view()));
  p->time = ToSeconds32(e.time);
  p->device_id = e.signin.device_id;
  p->device_label = e.signin.device_label;
  p->record_id = e.record_id;
  return true;
}

// Whether a verdict still pending reads `run` (SignInRuns::Add keeps those first): an
// activation whose PAW verdict waits, or a kept request, whose hour the verdict of the activation
// an approver completes later reads too. The tenant's watermark may lag its newest records by
// hours (held back by a lagging partition of its Kafka source): sign-ins after the activation
// arrive before its verdict (breaker round 93).
struct ReadByPendingVerdict {
  const PrivilegedState& ps;
  int64_t window;
  bool operator()(const SignInRun& run) const {
    for (const PendingActivation& a : ps.activations) {
      if (a.time == 0 || (!a.paw_verdict_due && a.request == 0)) continue;
      const auto from = static_cast<Seconds32>(std::max<int64_t>(0, a.time - window));
      if (run.Overlaps(from, a.time)) return true;
    }
    return false;
  }
};

}  // namespace

void PimActivations::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& /*who*/,
                              AccountState& st, const TenantSettings& tenant) {
  if (tenant.paw_devices.empty()) return;
  SignInPoint p;
  bool from_paw = false;
  if (!SessionSignIn(e, tenant, &p, &from_paw)) return;
  st.last_signin = std::max(st.last_signin, p.time);
  if (!from_paw) st.last_non_paw_signin = std::max(st.last_non_paw_signin, p.time);
  if (!st.privileged()) return;
  // As runs that do not depend on the order sign-ins arrived in.
  PrivilegedState& ps = ctx.Privileged(st);
  const int64_t window = tenant.rule(RuleId::kEL06).window_s;
  ps.signins.Add(p, from_paw, window, ReadByPendingVerdict{ps, window});
}

namespace {

// The request an activation waits on while an approver decides: "Add member to role requested
// (PIM activation)" (the audit activity reference's name, "ActivationRequested" in 2019's, read
// through CanonicalActivityKey; PIM's approved, denied and canceled
// records carry kPimActivationRequest too, but they are no attempt of the requester's).
constexpr uint64_t kActivationRequested =
    HashLower("Add member to role requested (PIM activation)");
// How long PIM keeps a request waiting for its approval (it expires after 24 hours).
constexpr int64_t kApprovalWait = 24 * 3600;
// A request completed within this is a self-activation's (no approver): PIM completes one in
// seconds to minutes.
constexpr int64_t kSelfActivationGap = 10 * 60;

// Sign-ins from before the account was known as privileged (its privilege learned from this
// very activation or request, say) left only their times in AccountState, which a sign-in after
// it moves on before the verdict: kept as points of the runs now (breaker rounds 69, 71: a
// learned admin's PAW sign-in before its activation was lost, a false PRIV-EL-06).
void SeedSignIns(CodeRuleContext& ctx, const AccountRef& who, const AccountState& st,
                 PrivilegedState& ps, Seconds32 t, const TenantSettings& tenant) {
  const int64_t window = tenant.rule(RuleId::kEL06).window_s;
  const auto keep = [&](Seconds32 x, bool paw) {
    if (x == 0 || x > t || static_cast<int64_t>(t - x) > window) return;
    if (ps.signins.Covers(x, paw)) return;  // recorded whole (a listed admin's: its device)
    SignInPoint p;
    p.time = x;
    ps.signins.Add(p, paw, window, ReadByPendingVerdict{ps, window});
  };
  // Those the privilege replay keeps whole (an ordinary account's records, not late): a PAW
  // sign-in after the activation that arrived before it moved AccountState's times past the
  // one before (breaker round 79: a false "no sign-in seen").
  struct Seed {
    const TenantSettings& tenant;
    PrivilegedState& ps;
    int64_t window;
  } seed{tenant, ps, window};
  const auto from = static_cast<Seconds32>(std::max<int64_t>(0, t - window));
  ctx.ForEachKeptSignIn(
      who.key, from, t,
      [](void* arg, const Event& kept) {
        auto& sd = *static_cast<Seed*>(arg);
        SignInPoint p;
        bool paw = false;
        if (SessionSignIn(kept, sd.tenant, &p, &paw) && !sd.ps.signins.Covers(p.time, paw)) {
          sd.ps.signins.Add(p, paw, sd.window, ReadByPendingVerdict{sd.ps, sd.window});
        }
      },
      &seed);
  // Then AccountState's times, where nothing kept names them.
  keep(st.last_non_paw_signin, false);
  if (st.last_signin != st.last_non_paw_signin) keep(st.last_signin, true);
}

// The role a kept request stands for in activation_roles: never a role's own key, so no end of a
// role (EL-08) pairs with it.
uint64_t RequestRole(uint64_t role_hash) { return HashCombine(role_hash, 0x72657175657374ULL); }

// Keeps the request in a slot of its own (PendingActivation::request): a free one, else the
// oldest kept request, else the oldest activation whose verdicts are all given; never one whose
// verdict waits (the request is then not kept: its activation is judged as before).
void KeepRequest(const Event& e, PrivilegedState& ps, Seconds32 t) {
  const AuditFields& au = e.audit;
  auto slot = ps.activations.end();
  const auto rank = [](const PendingActivation& p) {
    return p.time == 0 ? 0 : p.request != 0 ? 1 : !p.paw_verdict_due && !p.expiry_due ? 2 : 3;
  };
  for (auto it = ps.activations.begin(); it != ps.activations.end(); ++it) {
    if (rank(*it) == 3) continue;
    if (slot == ps.activations.end() || rank(*it) < rank(*slot) ||
        (rank(*it) == rank(*slot) && it->time < slot->time)) {
      slot = it;
    }
  }
  if (slot == ps.activations.end()) return;
  *slot = PendingActivation{};
  slot->time = t;
  slot->role = au.role_name;
  slot->record_id = e.record_id;
  slot->request = 1;
  ps.activation_roles[static_cast<std::size_t>(slot - ps.activations.begin())] =
      RequestRole(au.role_hash);
}

}  // namespace

void PimActivations::OnAuditTarget(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                                   AccountState& st, const TenantSettings& tenant) {
  const AuditFields& au = e.audit;
  // A failed activation elevated nothing (no PAW verdict, no expiry to wait for); a failed removal
  // removed nothing (the activation still runs).
  if ((au.flags & kAuditSuccess) == 0) return;
  // An Azure resource role's or a group's activation (and its end) is no directory role's
  // elevation: the guide's rows name category Role management.
  if ((au.flags & kPimOtherProvider) != 0) return;
  const Seconds32 t = ToSeconds32(e.time);
  const int64_t policy = tenant.rule(RuleId::kEL08).window_s;
  // A request waiting for an approver (breaker round 83): the attempt to elevate is made when it
  // is asked, hours before an approver completes it. Kept so that the activation's PAW verdict
  // also reads the sign-ins of the hour before the request (FirePawVerdict): an attacker's request
  // from an unmanaged laptop is not hidden by the real admin's PAW sign-in before the approval,
  // and an admin who asked from the PAW and was approved hours later, signing in nowhere since,
  // is no "no sign-in seen".
  if (parsers::CanonicalActivityKey(au.activity_hash) == kActivationRequested &&
      (au.flags & kPimActivationRequest) != 0) {
    if (tenant.paw_devices.empty() || !st.privileged()) return;
    PrivilegedState& ps = ctx.Privileged(st);
    SeedSignIns(ctx, who, st, ps, t, tenant);
    KeepRequest(e, ps, t);
    return;
  }
  if (au.activity == Activity::kAddMemberToRolePimActivation) {
    if (!st.privileged()) return;
    PrivilegedState& ps = ctx.Privileged(st);
    if (!tenant.paw_devices.empty()) SeedSignIns(ctx, who, st, ps, t, tenant);
    // Its request (KeepRequest): one a few minutes before is a self-activation's, whose hour is
    // the activation's own: its slot is freed now. One an approver kept waiting stays for the
    // PAW verdict and gives way last among the slots whose verdicts are out (breaker round 86:
    // two self-activations while Global Administrator waited for approval took its request's
    // slot, a miss, or a false "no sign-in seen").
    const uint64_t own_request = RequestRole(au.role_hash);
    for (std::size_t i = 0; i < ps.activations.size(); ++i) {
      PendingActivation& r = ps.activations[i];
      if (r.request != 0 && ps.activation_roles[i] == own_request && r.time <= t &&
          static_cast<int64_t>(t - r.time) <= kSelfActivationGap) {
        r = PendingActivation{};
        ps.activation_roles[i] = 0;
      }
    }
    auto slot = std::find_if(ps.activations.begin(), ps.activations.end(),
                             [](const PendingActivation& p) { return p.time == 0; });
    if (slot == ps.activations.end()) {
      // Full: an activation whose verdicts are all given (its PAW verdict out, its end seen or
      // its expiry judged) or another role's request gives way first, then this activation's own
      // request, then one whose PAW verdict is out (only its EL-08 waits), the oldest first: four
      // roles activated in the morning do not hide the afternoon's fifth from a non-PAW device
      // (breaker round 74). When all four still wait for their PAW verdicts (activated within the
      // lateness), the new one is not kept: a script activating five roles at once, Global
      // Administrator first, lost the first one's EL-08 to the fifth (breaker round 72).
      const auto giving_way = [&](std::size_t i) {
        const PendingActivation& p = ps.activations[i];
        if (p.paw_verdict_due) return 0;
        if (p.request != 0) return ps.activation_roles[i] == own_request ? 2 : 3;
        return p.expiry_due ? 1 : 3;
      };
      std::size_t chosen = ps.activations.size();
      for (std::size_t i = 0; i < ps.activations.size(); ++i) {
        if (giving_way(i) == 0) continue;
        if (chosen == ps.activations.size() || giving_way(i) > giving_way(chosen) ||
            (giving_way(i) == giving_way(chosen) &&
             ps.activations[i].time < ps.activations[chosen].time)) {
          chosen = i;
        }
      }
      if (chosen == ps.activations.size()) return;
      slot = ps.activations.begin() + static_cast<std::ptrdiff_t>(chosen);
    }
    const auto index = static_cast<std::size_t>(slot - ps.activations.begin());
    slot->request = 0;
    slot->time = t;
    slot->role = au.role_name;
    slot->record_id = e.record_id;
    slot->paw_verdict_due = !tenant.paw_devices.empty();
    ps.activation_roles[index] = au.role_hash;
    // Ended by a kept end of the same role (or of a role not named) within the policy length.
    uint32_t same_role = 0;
    for (std::size_t i = 0; i < ps.role_removal_roles.size(); ++i) {
      if (SameRoleAsRecord(ps.role_removal_roles[i], au)) same_role |= 1u << i;
    }
    slot->expiry_due =
        !ps.role_removals.AnyWithinSlots(t, static_cast<Seconds32>(t + policy), same_role);
    Timer timer;
    timer.account = who.key;
    timer.slot = static_cast<uint8_t>(index);
    timer.basis = t;
    if (slot->paw_verdict_due) {
      timer.due = e.time;
      timer.kind = TimerKind::kPawVerdict;
      ctx.PushTimer(e.tenant_hash, timer);
    }
    if (slot->expiry_due) {
      timer.due = e.time + policy * kMicrosPerSecond;
      timer.kind = TimerKind::kActivationExpiry;
      ctx.PushTimer(e.tenant_hash, timer);
    }
  } else if (au.activity == Activity::kRemoveMemberFromRolePimExpired ||
             au.activity == Activity::kRemoveMemberFromRolePimDeactivate ||
             (au.activity == Activity::kRemoveMemberFromRole &&
              (au.flags & (kInitiatedByPim | kInitiatorNamedPim)) != 0)) {
    // PIM also writes every end into Core Directory as "Remove member from role" initiated by its
    // own app ("MS-PIM", "MS-PIM-Fairfax"), naming the role in Role.DisplayName's old value: an
    // export holding only that copy (or PIM's record under another name) still saw the end. Its
    // name alone is trusted here (no appId: PIM's records carry none): whoever wrote it, the
    // removal it records ended the role.
    // Kept for an activation that arrives later to find (the engine made the account privileged
    // when the removed role is privileged).
    PrivilegedState* ps = ctx.PrivilegedIfAny(st);
    if (ps == nullptr) return;
    // One end is kept once: PIM's record and Core Directory's copy of it (a second or two apart)
    // took two of the 4 slots, and a third role's end, arriving before its activation, was lost
    // (breaker round 125: a false PRIV-EL-08 after three deactivations read newest first). Within
    // a minute only: two real ends of one role minutes apart (deactivated, re-activated,
    // deactivated again) are both kept (breaker round 126: with 5 minutes the second was dropped
    // and the re-activation judged never ended).
    constexpr Seconds32 kCopyS = 60;
    const bool end_kept =
        au.role_hash != 0 && ps->role_removals.AnySlotWithin(
                                 t > kCopyS ? t - kCopyS : 0, t + kCopyS, [&](std::size_t i) {
                                   return ps->role_removal_roles[i] == au.role_hash;
                                 });
    const int kept = end_kept ? -1 : ps->role_removals.Put(t);
    if (kept >= 0) ps->role_removal_roles[static_cast<std::size_t>(kept)] = au.role_hash;
    // It ends the activation of its own role: another role activated by the account runs on.
    for (std::size_t i = 0; i < ps->activations.size(); ++i) {
      PendingActivation& act = ps->activations[i];
      if (act.time != 0 && t >= act.time && static_cast<int64_t>(t - act.time) <= policy &&
          SameRoleAsRecord(ps->activation_roles[i], au)) {
        act.expiry_due = false;
      }
    }
  }
}

void PimActivations::FirePawVerdict(CodeRuleContext& ctx, uint64_t account_key, AccountState& st,
                                    PrivilegedState& ps, uint8_t slot,
                                    const TenantSettings& tenant) {
  PendingActivation& act = ps.activations[slot];
  act.paw_verdict_due = false;
  if (tenant.paw_devices.empty() || act.request != 0) return;
  const int64_t window = tenant.rule(RuleId::kEL06).window_s;
  const auto from = static_cast<Seconds32>(std::max<int64_t>(0, act.time - window));
  // The latest kept request for the same role in the day before: its hour is read too.
  Seconds32 requested = 0;
  const uint64_t request_role = RequestRole(ps.activation_roles[slot]);
  for (std::size_t i = 0; i < ps.activations.size(); ++i) {
    const PendingActivation& r = ps.activations[i];
    if (r.request != 0 && ps.activation_roles[i] == request_role && r.time <= act.time &&
        static_cast<int64_t>(act.time - r.time) <= kApprovalWait && r.time > requested) {
      requested = r.time;
    }
  }
  const auto request_from = static_cast<Seconds32>(std::max<int64_t>(0, requested - window));
  const SignInPoint* offender = nullptr;
  bool any = false;
  for (const SignInRun& run : ps.signins.runs()) {
    for (const auto& [lo, hi] : {std::pair{from, act.time}, std::pair{request_from, requested}}) {
      if (hi == 0 || !run.Overlaps(lo, hi)) continue;
      any = true;
      if (run.paw) continue;
      const SignInPoint& s = run.Inside(lo, hi);
      if (offender == nullptr || s.time > offender->time) offender = &s;
    }
  }
  // Sign-ins from before the account was privileged left only their times in AccountState.
  auto in_window = [&](Seconds32 x) {
    return x != 0 &&
           ((x <= act.time && static_cast<int64_t>(act.time - x) <= window) ||
            (requested != 0 && x <= requested && static_cast<int64_t>(requested - x) <= window));
  };
  const bool unrecorded_non_paw = offender == nullptr && in_window(st.last_non_paw_signin);
  any = any || in_window(st.last_signin);
  if (any && offender == nullptr && !unrecorded_non_paw) return;  // all from a PAW
  Alert a = TimerAlert(RuleId::kEL06, ps, Micros(act.time));
  // A point kept from AccountState's times names nothing of the sign-in.
  if (offender != nullptr && offender->record_id.empty() && offender->device_id.empty() &&
      offender->device_label.empty()) {
    a.first_seen = Micros(offender->time);
    a.AddDetail("device_id", "(not a PAW; signed in before the account was known as privileged)");
  } else if (offender != nullptr) {
    AddTimerEvidence(a, EventKind::kSignIn, Micros(offender->time), offender->record_id);
    a.first_seen = Micros(offender->time);
    a.AddDetail("device_id", offender->device_id.empty() ? "(none)" : offender->device_id.view());
    a.AddDetail("device", offender->device_label.view());
  } else if (unrecorded_non_paw) {
    a.first_seen = Micros(st.last_non_paw_signin);
    a.AddDetail("device_id", "(not a PAW; signed in before the account was known as privileged)");
  } else {
    a.AddDetail("device_id", "(no sign-in seen in the hour before)");
  }
  AddTimerEvidence(a, EventKind::kAudit, Micros(act.time), act.record_id);
  a.AddDetail("role", act.role.view());
  ctx.Emit(a, account_key, tenant);
}

void PimActivations::FireExpiry(CodeRuleContext& ctx, uint64_t account_key, PrivilegedState& ps,
                                uint8_t slot, const TenantSettings& tenant) {
  PendingActivation& act = ps.activations[slot];
  if (!act.expiry_due) return;
  act.expiry_due = false;
  const int64_t policy = tenant.rule(RuleId::kEL08).window_s;
  // An account deleted during its activation (and not restored before the policy's end) lost
  // its role assignments with it: the elevation ended, not outlived the policy (breaker round 49).
  const auto due = static_cast<Seconds32>(std::min<int64_t>(act.time + policy, UINT32_MAX));
  if (const DeletionHistory* d = ctx.DeletionsOf(account_key);
      d != nullptr && d->GoneAt(act.time, due)) {
    return;
  }
  Alert a = TimerAlert(RuleId::kEL08, ps, Micros(act.time) + policy * kMicrosPerSecond);
  a.first_seen = Micros(act.time);
  AddTimerEvidence(a, EventKind::kAudit, Micros(act.time), act.record_id);
  a.AddDetail("role", act.role.view());
  a.AddNumber("policy_seconds", policy);
  ctx.Emit(a, account_key, tenant);
}

}  // namespace privmon::code_rules
