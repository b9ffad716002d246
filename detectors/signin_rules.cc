// The sign-in family: the account's state (the recent successes ring PRIV-SI-04 and PA-05 read).
// Its C++ rules are small classes in detectors/code_rules/ (SI-03, SI-04, SI-08, SI-09, SI-10,
// SI-13/14, EL-06's sign-in memory, PA-05's basis), run after this. BG-01,
// SI-01/02/06/07/11/16 and PA-06 are data (rules/*.yaml, generic_rules.cc).
#include <algorithm>
#include <string>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/detection_engine.h"
#include "state/time_ring_window.h"

namespace privmon {

bool DetectionEngine::OnSignIn(const Event& e, const TenantSettings& tenant) {
  const AccountRef& who = e.account;
  AccountState& st = Resolve(who, e, tenant);
  const Seconds32 t = ToSeconds32(e.time);
  const bool success = e.signin.error_code == 0;
  // A sign-in older than the account's learned privilege is judged without it, by this family
  // and the rules after it (the caller gives it back).
  const bool hidden = HideLaterPrivilege(who.key, e.time);

  if (!st.privileged()) return hidden;

  PrivilegedState& ps = accounts_.Privileged(st);
  // The recent successes PRIV-SI-04's interrupts and PRIV-PA-05's absence verdicts read, and which
  // of them were interactive (only those complete an MFA prompt: PRIV-SI-04).
  if (success) {
    // An AD FS success (FirstFactorOnly) is the password alone: no MFA prompt completed.
    const bool interactive =
        e.signin.channel != SignInChannel::kNonInteractive && !FirstFactorOnly(e.signin);
    // A background token refresh pushes out no interactive success: a run of them (Teams,
    // Outlook) after an admin's MFA pushed out the success that settles an interrupt arriving
    // later, a false PRIV-SI-04 (breaker round 125). An interactive one takes the oldest slot.
    const int slot =
        interactive ? ps.successes.Put(t) : ps.successes.PutSparing(t, ps.interactive_successes);
    if (slot >= 0) {
      const auto bit = static_cast<uint8_t>(1u << slot);
      if (interactive) {
        ps.interactive_successes |= bit;
      } else {
        ps.interactive_successes &= static_cast<uint8_t>(~bit);
      }
    }
  }
  return hidden;
}

}  // namespace privmon
