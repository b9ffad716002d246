// Sign-in rules written in C++ still in the engine: PRIV-SI-03, and the sign-in half of EL-06 and
// PA-05. SI-04, SI-08, SI-09, SI-10, SI-13/14 are small classes in detectors/code_rules/. BG-01,
// SI-01/02/06/07/11/16 and PA-06 are data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "state/time_ring_window.h"

namespace privmon {
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
  // The recent successes PRIV-SI-04's interrupts and PRIV-PA-05's absence verdicts read.
  if (success) ps.successes.Add(t);

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

}  // namespace privmon
