// Which injected attacks the rules can raise, so `gen --truth` and privmon's alerts compare
// exactly. Judged for privmon on the config `gen --config-out` writes, with the builtin rule
// parameters (14-day learning period per account, one alert per rule and account per hour):
// - a novelty scenario (PRIV-SI-13 legacy protocol, PRIV-SI-14 new device/place) inside its
//   account's learning period, counted from the account's first record other than a
//   registration (whose time is when the registration last changed), is not raisable;
// - PRIV-SI-13 for a protocol the account already used (an earlier scenario) is not raisable;
// - a scenario of the same rule and account in the suppression bucket of a raisable one
//   (floor(time / 1 h), DESIGN.md section 10) is counted in that alert, not raised again.
// `needs` names the tenant list a rule reads (break_glass, paw_devices, privileged_accounts): on
// the builtin config, with no lists, those scenarios stay silent. Tool code, O(scenarios).
#pragma once

#include <vector>

#include "tools/gen/scenarios.h"

namespace privmon {

// first_seen[i]: event time of account i's first record in the output other than a registration
// (kMaxTime when none).
void MarkRaisable(std::vector<GenTruth>& truth, const std::vector<EventTime>& first_seen);

}  // namespace privmon
