// Sign-in rules written in C++ still in the engine: PRIV-SI-03/04/09/10/13/14, and the sign-in
// half of EL-06 and PA-05 (SI-08: detectors/code_rules/mfa_fraud.h). BG-01, SI-01/02/06/07/11/16
// and PA-06 are data (rules/*.yaml, generic_rules.cc).
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
  SignInNovelty(e, st, privileged, tenant);
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
  SignInControls(e, st, ps, tenant);

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

void DetectionEngine::SignInControls(const Event& e, AccountState& st, PrivilegedState& ps,
                                     const TenantSettings& tenant) {
  const SignInFields& si = e.signin;
  const bool success = si.error_code == 0;
  const Seconds32 t = ToSeconds32(e.time);
  const AccountRef& who = e.account;

  // PRIV-SI-09: only the lists the tenant configured are checked.
  std::string_view violation;
  if (!tenant.approved_countries.empty() && si.country[0] != 0 &&
      !tenant.approved_countries.contains(
          TenantSettings::PackCountry(si.country[0], si.country[1]))) {
    violation = "country not approved";
  } else if (!tenant.approved_ip_ranges.empty() && si.ip_family != 0 &&
             std::none_of(tenant.approved_ip_ranges.begin(), tenant.approved_ip_ranges.end(),
                          [&](const CidrRange& r) { return r.Contains(si.ip); })) {
    violation = "IP address not in approved ranges";
  } else if (tenant.require_managed_device && !si.device_compliant && !si.device_managed) {
    violation = "device neither compliant nor managed";
  }
  if (!violation.empty()) {
    Alert a = AlertEmitter::Begin(RuleId::kSI09, e, who);
    a.AddDetail("violation", violation);
    AddPlace(a, e);
    Emit(a, who.key, tenant);
  }
  if (!success) return;
  // PRIV-SI-10: configured working hours, else the hours this account learned.
  if (tenant.working_hours.configured) {
    if (!tenant.working_hours.Contains(t)) {
      Alert a = AlertEmitter::Begin(RuleId::kSI10, e, who);
      a.AddDetail("working_hours", "outside the tenant's working hours");
      Emit(a, who.key, tenant);
    }
  } else {
    const int hour = static_cast<int>((t % 86400) / 3600);
    if (InLearning(st, t, tenant)) {
      ++ps.learning_hours[hour];
      ++ps.learning_signins;
    } else if (ps.learning_signins >= tenant.rule(RuleId::kSI10).threshold &&
               ps.learning_hours[hour] * 100u < ps.learning_signins) {
      Alert a = AlertEmitter::Begin(RuleId::kSI10, e, who);
      a.AddNumber("hour_utc", hour);
      Emit(a, who.key, tenant);
    }
  }
  // PRIV-SI-16 is a match rule (signin.cross_tenant, rules/sign-in.yaml).
}

void DetectionEngine::SignInNovelty(const Event& e, AccountState& st, bool privileged,
                                    const TenantSettings& tenant) {
  const SignInFields& si = e.signin;
  const Seconds32 t = ToSeconds32(e.time);
  const bool learning = InLearning(st, t, tenant);
  const uint64_t key = e.account.key;
  // PRIV-SI-13: a legacy protocol this account did not use while learning.
  if (si.client_app_hash != 0) {
    const bool fresh =
        known_.Add(key, NoveltyKind::kClientApp, si.client_app_hash, t, current_tenant_);
    if (fresh && !learning && privileged && si.client_app == ClientApp::kLegacy) {
      Alert a = AlertEmitter::Begin(RuleId::kSI13, e, e.account);
      a.AddDetail("client_app", si.client_app_name.view());
      Emit(a, key, tenant);
    }
  }
  if (si.error_code != 0) return;
  // PRIV-SI-14: a device or a place this account did not use while learning.
  const bool new_device = si.device_hash != 0 &&
                          known_.Add(key, NoveltyKind::kDevice, si.device_hash, t, current_tenant_);
  const bool new_place = si.location_hash != 0 && known_.Add(key, NoveltyKind::kLocation,
                                                             si.location_hash, t, current_tenant_);
  if ((new_device || new_place) && !learning && privileged) {
    Alert a = AlertEmitter::Begin(RuleId::kSI14, e, e.account);
    a.AddDetail("new", new_device && new_place ? "device and location"
                       : new_device            ? "device"
                                               : "location");
    a.AddDetail("device", si.device_id.empty() ? si.device_label.view() : si.device_id.view());
    AddPlace(a, e);
    Emit(a, key, tenant);
  }
}

}  // namespace privmon
