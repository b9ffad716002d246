#include "tools/gen/truth.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

namespace privmon {
namespace {

constexpr EventTime kLearning = 14 * 86400 * kMicrosPerSecond;  // TenantSettings default
constexpr EventTime kSuppress = 3600 * kMicrosPerSecond;        // RuleSettings default

const char* Needs(GenScenario s) {
  switch (s) {
    case GenScenario::kBreakGlassSignIn:
      return "break_glass";
    case GenScenario::kPimNonPaw:
      return "paw_devices";
    case GenScenario::kNewUserGlobalAdmin:
      return nullptr;  // learned from the role assignment itself
    default:
      return "privileged_accounts";  // sign-in rules judge accounts known as privileged
  }
}

bool IsNovelty(GenScenario s) {
  return s == GenScenario::kLegacyProtocol || s == GenScenario::kNewCountryDevice;
}

}  // namespace

void MarkRaisable(std::vector<GenTruth>& truth, const std::vector<EventTime>& first_seen) {
  std::vector<GenTruth*> order;
  for (GenTruth& t : truth) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [](const GenTruth* a, const GenTruth* b) { return a->time < b->time; });
  std::set<uint32_t> legacy_used;                             // accounts that used IMAP
  std::set<std::tuple<int, std::string, EventTime>> alerted;  // (scenario, upn, bucket)
  for (GenTruth* t : order) {
    t->needs = Needs(t->scenario);
    t->raisable = true;
    t->why_not.clear();
    if (IsNovelty(t->scenario) && t->account != kNoAccount &&
        t->time - first_seen[t->account] < kLearning) {
      t->raisable = false;
      t->why_not = "inside the account's 14-day learning period";
    }
    if (t->scenario == GenScenario::kLegacyProtocol && t->account != kNoAccount) {
      if (t->raisable && legacy_used.contains(t->account)) {
        t->raisable = false;
        t->why_not = "the account already used this protocol (an earlier scenario)";
      }
      legacy_used.insert(t->account);
    }
    if (!t->raisable) continue;
    // DESIGN.md section 10: one alert per (rule, account) per suppression bucket
    // floor(event time / suppress); later ones in the bucket are counted in it.
    const auto key = std::make_tuple(static_cast<int>(t->scenario), t->upn, t->time / kSuppress);
    if (!alerted.insert(key).second) {
      t->raisable = false;
      t->why_not = "suppressed: same rule and account already alerted in this hour's bucket";
    }
  }
}

}  // namespace privmon
