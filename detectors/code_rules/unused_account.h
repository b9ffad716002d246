// PRIV-PA-05 "Unused privileged account" (RULES.md, guide row "Unused privileged accounts"): a
// privileged account with no successful sign-in for `window` (the absence period) since its latest
// success or since it became privileged, whichever is later. C++ because the basis rolls (each
// success moves it; one pending timer per account re-arms itself when it fires early), not a
// trigger event as in the absence kind. A success inside the period that arrived late still
// counts; an account deleted during the period (and not restored before its end: DeletionHistory)
// is gone, not unused, and one whose learned privilege was un-learned during it was not
// privileged all along (no alert). A timer that fires for an account no longer privileged drops
// itself. The engine arms it when an account becomes
// privileged (again); a success re-arms it (OnSignIn). State: AccountState::last_success,
// PrivilegedState::since / absence_timer_pending / absence_reported_for and the recent successes
// the engine keeps; all checkpointed. Thread-safety: the shard's thread. Cost: O(1) per
// successful sign-in, one timer per privileged account at a time.
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct UnusedAccount {
  // A successful sign-in later than the last one moves the basis.
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  // Arms the account's absence timer unless one is pending (privileged accounts only), from
  // `basis` (0: the account's current basis: its latest success, privilege or restore).
  static void Arm(CodeRuleContext& ctx, uint64_t account_key, AccountState& st,
                  const TenantSettings& tenant, Seconds32 basis = 0);
  // The verdict when the timer armed from `basis` is due.
  static void Fire(CodeRuleContext& ctx, uint64_t account_key, AccountState& st,
                   PrivilegedState& ps, uint32_t basis, const TenantSettings& tenant);
};

}  // namespace privmon::code_rules
