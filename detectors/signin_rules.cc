// Sign-in rules written in C++ still in the engine: PRIV-SI-03/04, and the sign-in half of EL-06
// and PA-05. SI-08, SI-09, SI-10, SI-13/14 are small classes in detectors/code_rules/. BG-01,
// SI-01/02/06/07/11/16 and PA-06 are data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "state/time_ring_window.h"

namespace privmon {
namespace {

constexpr int32_t kStrongAuthRequired = 50074;
constexpr int32_t kStrongAuthFailed = 500121;

}  // namespace

void DetectionEngine::OnSignIn(const Event& e, const TenantSettings& tenant) {
  const AccountRef& who = e.account;
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool success = e.signin.error_code == 0;

  if (success && t > st.last_success) {
    st.last_success = t;
    ArmAbsence(who.key, st, tenant);
  }
  const bool privileged = st.privileged();
  const bool from_paw = !tenant.paw_devices.empty() && !e.signin.device_id.empty() &&
                        tenant.paw_devices.contains(HashLower(e.signin.device_id.view()));
  if (!tenant.paw_devices.empty()) {
    st.last_signin = std::max(st.last_signin, t);
    if (!from_paw) st.last_non_paw_signin = std::max(st.last_non_paw_signin, t);
  }
  if (!privileged) return;

  PrivilegedState& ps = accounts_.Privileged(st);
  CheckNamingPolicy(st, who, e, tenant);
  SignInThresholds(e, st, ps, tenant);

  // Remember the sign-in for PRIV-EL-06 (is it from a privileged access workstation?), as runs
  // that do not depend on the order sign-ins arrived in.
  if (!tenant.paw_devices.empty()) {
    SignInPoint p;
    p.time = t;
    p.device_id = e.signin.device_id;
    p.device_label = e.signin.device_label;
    p.record_id = e.record_id;
    ps.signins.Add(p, from_paw, tenant.rule(RuleId::kEL06).window_s);
  }
}

void DetectionEngine::SignInThresholds(const Event& e, AccountState& st, PrivilegedState& ps,
                                       const TenantSettings& tenant) {
  const Seconds32 t = ToSeconds32(e.time);
  const int32_t code = e.signin.error_code;
  auto threshold = [&](RuleId rule, auto& ring) {
    ring.Add(t);
    const RuleSettings& rs = tenant.rule(rule);
    const WindowCount w = BestWindowContaining(ring, t, rs.window_s);
    if (w.count < rs.threshold) return;
    Alert a = AlertEmitter::Begin(rule, e, e.account);
    // Timed by the window's end, not by whichever event of the burst arrived last.
    if (ToSeconds32(e.time) != w.last) a.time = static_cast<EventTime>(w.last) * kMicrosPerSecond;
    a.first_seen = static_cast<EventTime>(w.first) * kMicrosPerSecond;
    a.last_seen = std::max(e.time, static_cast<EventTime>(w.last) * kMicrosPerSecond);
    a.count = w.count;
    a.AddNumber("error_code", code);
    AddPlace(a, e);
    Emit(a, e.account.key, tenant);
  };
  if (code == 0) {
    ps.successes.Add(t);
    // A success settles every PRIV-SI-04 interrupt that it follows within the window.
    const int64_t w = tenant.rule(RuleId::kSI04).window_s;
    for (auto& p : ps.interrupts) {
      if (p.time != 0 && t > p.time && static_cast<int64_t>(t - p.time) <= w) p.time = 0;
    }
  } else if (code == kStrongAuthFailed) {
    threshold(RuleId::kSI04, ps.strong_auth_failures);
  } else if (code == kStrongAuthRequired) {
    const int64_t w = tenant.rule(RuleId::kSI04).window_s;
    if (ps.successes.AnyWithin(t + 1, static_cast<Seconds32>(t + w))) return;  // already settled
    auto slot = std::find_if(ps.interrupts.begin(), ps.interrupts.end(),
                             [](const PendingInterrupt& p) { return p.time == 0; });
    if (slot == ps.interrupts.end()) {
      slot = std::min_element(ps.interrupts.begin(), ps.interrupts.end(),
                              [](const auto& a, const auto& b) { return a.time < b.time; });
    }
    slot->time = t;
    slot->record_id = e.record_id;
    Timer timer;
    timer.due = e.time + w * kMicrosPerSecond;
    timer.account = e.account.key;
    timer.kind = TimerKind::kInterruptVerdict;
    timer.slot = static_cast<uint8_t>(slot - ps.interrupts.begin());
    timer.basis = t;
    PushTimer(e.tenant_hash, timer);
  }
  (void)st;
}

}  // namespace privmon
