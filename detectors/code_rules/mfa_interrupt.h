// PRIV-SI-04 "MFA interrupted" (RULES.md, guide row "Interrupt"): for a privileged account, at
// least `threshold` strong-auth failures (500121) within `window` (timed by the window's end, as
// the threshold kind), or an interrupt (50074 / 50076, strong authentication required) that no
// successful sign-in follows within `window` (a non-interactive 50076 is no interrupt: a client
// refreshing its token silently): a verdict that waits for the tenant's watermark to pass the
// window (a TimerKind::kInterruptVerdict), settled by a success whatever order they arrive in. C++
// because it joins a threshold and an absence in one rule. State: PrivilegedState's
// strong_auth_failures ring, its pending interrupts (4 slots, the oldest replaced) and the recent
// successes the engine keeps (also read by PRIV-PA-05); all checkpointed. Thread-safety: the
// shard's thread. Cost: O(ring) per privileged sign-in of those codes, one timer per interrupt.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct MfaInterrupt {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  // The interrupt verdict of `slot`, when its timer is due and the slot still holds its interrupt.
  static void Fire(CodeRuleContext& ctx, uint64_t account_key, PrivilegedState& ps, uint8_t slot,
                   const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
