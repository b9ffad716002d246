#include "detectors/code_rules/signin_novelty.h"

#include <array>
#include <span>

#include "core/hash.h"
#include "detectors/alert_details.h"
#include "detectors/alert_emitter.h"
#include "parsers/legacy_clients.h"

namespace privmon::code_rules {

void SignInNovelty::OnSignIn(CodeRuleContext& ctx, const Event& e, const AccountRef& who,
                             AccountState& st, const TenantSettings& tenant) {
  const SignInFields& si = e.signin;
  const Seconds32 t = ToSeconds32(e.time);
  const bool learning = ctx.InLearning(st, t, tenant);
  const bool privileged = st.privileged();
  // PRIV-SI-13: a legacy protocol this account did not use while learning.
  // A legacy client is learned by its protocol whatever its spelling; a key a checkpoint holds
  // for one of the protocol's spellings (learned before the protocols were keyed) still counts.
  if (si.client_app_hash != 0) {
    std::array<uint64_t, 8> former{};
    std::size_t n = 0;
    if (si.client_app == ClientApp::kLegacy) {
      former[n++] = si.former_client_app_hash;
      n += parsers::LegacyProtocolSpellingKeys(si.client_app_hash,
                                               std::span<uint64_t>(former).subspan(n));
    }
    // A protocol the account signed in with and one it only failed with are learned apart: a
    // password spray over IMAP while the account learns is no use of IMAP by it, and must not
    // hide the spray that later succeeds (as PRIV-SI-14 and SI-10 learn successes only), while a
    // failed attempt is new only where neither was seen (one alert for a spray, none for the
    // account's own client that Conditional Access blocks every day).
    const std::span<const uint64_t> formers(former.data(), n);
    bool fresh = ctx.LearnFolded(
        who.key, si.error_code == 0 ? NoveltyKind::kClientApp : NoveltyKind::kClientAppAttempt,
        si.client_app_hash, formers, t);
    if (si.error_code != 0 && fresh) {
      fresh = ctx.NewFolded(who.key, NoveltyKind::kClientApp, si.client_app_hash, formers, t);
    }
    if (fresh && !learning && privileged && si.client_app == ClientApp::kLegacy) {
      Alert a = AlertEmitter::Begin(RuleId::kSI13, e, who);
      a.AddDetail("client_app", si.client_app_name.view());
      ctx.Emit(a, who.key, tenant);
    }
  }
  if (si.error_code != 0) return;
  // PRIV-SI-14 judges and learns only a sign-in the person made. A non-interactive one is a client
  // renewing its token by itself (Outlook or Teams left on, a phone whose carrier's egress
  // geolocates to another city each hour): its place and device are those of a session already
  // open, not of an admin signing in, and learning them would hide the admin's own. As PRIV-SI-10
  // (z3a), and as the Microsoft Sentinel queries tagged for the guide's privileged rows read
  // SigninLogs alone. PRIV-SI-09 still judges it against the tenant's approved controls.
  if (si.channel == SignInChannel::kNonInteractive) return;
  // PRIV-SI-14: a device or a place this account did not use while learning. A sign-in whose
  // city is unknown (its address located to the country only, as many mobile and IPv6 addresses
  // are) is no new place in a country the account was seen in: every sign-in with a city also
  // teaches its country alone, the key of a cityless sign-in there.
  if (const uint64_t country = CountryOnlyKey(si); country != 0) {
    ctx.Learn(who.key, NoveltyKind::kLocation, country, t);
  }
  // A device named by OS and browser is keyed by them folded (case, spaces, the browser's
  // version and "Microsoft "); the key of its spelling before the fold still counts.
  // A device named by its id is judged by the id alone.
  const bool named_by_id = !si.device_id.empty();
  const uint64_t former_device[] = {named_by_id ? 0 : si.device_alias_hash};
  const bool new_device = si.device_hash != 0 && ctx.LearnFolded(who.key, NoveltyKind::kDevice,
                                                                 si.device_hash, former_device, t);
  const bool new_place =
      si.location_hash != 0 && ctx.Learn(who.key, NoveltyKind::kLocation, si.location_hash, t);
  // It teaches its OS and browser too: the same device signing in without its id (an InPrivate
  // window, a browser profile without the device's token) is then no new device.
  if (named_by_id && si.device_alias_hash != 0) {
    ctx.Learn(who.key, NoveltyKind::kDevice, si.device_alias_hash, t);
  }
  if ((new_device || new_place) && !learning && privileged) {
    Alert a = AlertEmitter::Begin(RuleId::kSI14, e, who);
    a.AddDetail("new", new_device && new_place ? "device and location"
                       : new_device            ? "device"
                                               : "location");
    a.AddDetail("device", si.device_id.empty() ? si.device_label.view() : si.device_id.view());
    AddPlace(a, e);
    ctx.Emit(a, who.key, tenant);
  }
}

uint64_t SignInNovelty::CountryOnlyKey(const SignInFields& si) {
  if (si.city.empty() || si.country[0] == 0) return 0;
  const char country_only[3] = {si.country[0], si.country[1], '/'};
  return HashLower(std::string_view(country_only, 3));
}

}  // namespace privmon::code_rules
