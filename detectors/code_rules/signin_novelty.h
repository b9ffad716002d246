// The sign-in novelty family (RULES.md): PRIV-SI-13 "Legacy authentication protocol" (a legacy
// client app a privileged account did not use while learning: every account's client apps are
// learned, the alert names the app) and PRIV-SI-14 "New device or location" (a successful
// interactive sign-in of a privileged account from a device or a place it did not use while
// learning, one alert whose `new` detail says which). C++ because the novelty kind learns only what
// its `when` admits and judges one value per rule. State: the shard's KnownValues
// (NoveltyKind::kClientApp, kDevice, kLocation; checkpointed). Thread-safety: the shard's thread.
// Cost: up to four KnownValues probes per sign-in (and one per former spelling of a new value).
#pragma once

#include "detectors/code_rules/code_rule.h"

namespace privmon::code_rules {

struct SignInNovelty {
  static void OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                       AccountState& st, const TenantSettings& tenant);
  // The key of the sign-in's country alone (learned beside every place with a city: a sign-in
  // located to the country only is no new place there); 0 when it names no city or no country.
  static uint64_t CountryOnlyKey(const SignInFields& si);
};

}  // namespace privmon::code_rules
