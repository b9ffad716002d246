#include "tools/gen/scenarios.h"

#include "core/hash.h"
#include "tools/gen/random.h"

namespace privmon {
namespace {

constexpr EventTime kMinute = 60 * kSecond;

int ScenarioSize(GenScenario s, GenRandom& rng) {
  switch (s) {
    case GenScenario::kBadPasswordBurst:
      return 5 + static_cast<int>(rng.Below(4));
    case GenScenario::kNewUserGlobalAdmin:
      return 2;
    case GenScenario::kPimNonPaw:
      return 3;
    default:
      return 1;
  }
}

class Builder {
 public:
  Builder(const GenWorld& world, const GenFormatPicker& formats, GenAttacks& out, GenRandom& rng)
      : world_(world), formats_(formats), out_(out), rng_(rng) {}

  void Add(GenScenario kind, EventTime t, int size) {
    const auto index = static_cast<uint32_t>(out_.truth.size());
    const GenTenant& tenant = world_.tenants()[rng_.Below(world_.tenants().size())];
    const uint32_t admin = tenant.admins[rng_.Below(tenant.admins.size())];
    const GenAccount& acct = world_.accounts()[admin];
    GenTruth truth{kind, acct.tenant, acct.upn, t, size};
    truth.account = admin;
    truth.start = t;
    auto sign_in = [&](EventTime at, int32_t error) -> GenEvent& {
      GenEvent& e = Push(at, index);
      e.account = admin;
      e.error_code = error;
      e.app = 4;
      return e;
    };
    switch (kind) {
      case GenScenario::kBadPasswordBurst: {
        EventTime at = t;
        for (int i = 0; i < size; ++i) {
          GenEvent& e = sign_in(at, 50126);
          e.place = static_cast<uint8_t>(rng_.Below(GenWorld::foreign_places().size()));
          e.device = kNewDevice;
          truth.time = at;
          at += rng_.Range(15, 60) * kSecond;
        }
        break;
      }
      case GenScenario::kNewCountryDevice: {
        GenEvent& e = sign_in(t, 0);
        e.place = static_cast<uint8_t>(rng_.Below(GenWorld::foreign_places().size()));
        e.device = kNewDevice;
        break;
      }
      case GenScenario::kBreakGlassSignIn: {
        GenEvent& e = sign_in(t, 0);
        e.account = tenant.breakglass;
        truth.upn = world_.accounts()[tenant.breakglass].upn;
        truth.account = tenant.breakglass;
        break;
      }
      case GenScenario::kNewUserGlobalAdmin: {
        GenEvent& add = Push(t, index);
        add.kind = GenKind::kAudit;
        add.activity = GenActivity::kAddUser;
        add.account = admin;
        const EventTime later = t + rng_.Range(2, 30) * kMinute;
        GenEvent& role = Push(later, index);
        role.kind = GenKind::kAudit;
        role.activity = GenActivity::kAddMemberToRole;
        role.account = admin;
        role.role = 0;  // Global Administrator
        truth.time = later;
        truth.upn.clear();  // filled by the caller, who can render the new user's UPN
        truth.account = kNoAccount;
        break;
      }
      case GenScenario::kPimNonPaw: {
        GenEvent& s = sign_in(t, 0);
        s.device = 1;  // the admin's phone: a known device, not its PAW
        const EventTime later = t + rng_.Range(5, 20) * kMinute;
        GenEvent& pim = Push(later, index);
        pim.kind = GenKind::kAudit;
        pim.activity = GenActivity::kPimActivation;
        pim.account = pim.target = admin;
        pim.role = acct.role;
        truth.time = later;
        // The activation ends within policy (deactivated after 30 minutes): only PRIV-EL-06.
        GenEvent& end = Push(later + 30 * kMinute, index);
        end.kind = GenKind::kAudit;
        end.activity = GenActivity::kPimDeactivate;
        end.account = end.target = admin;
        end.role = acct.role;
        break;
      }
      case GenScenario::kLockout:
        sign_in(t, 50053);
        break;
      case GenScenario::kRiskySignIn:
        sign_in(t, 0).risky = true;
        break;
      case GenScenario::kCaBlock: {
        GenEvent& e = sign_in(t, 53003);
        e.place = static_cast<uint8_t>(rng_.Below(GenWorld::foreign_places().size()));
        break;
      }
      case GenScenario::kLegacyProtocol: {
        GenEvent& e = sign_in(t, 0);
        e.client = GenClient::kImap4;
        e.app = 1;  // Exchange Online
        break;
      }
    }
    out_.truth.push_back(std::move(truth));
  }

 private:
  GenEvent& Push(EventTime t, uint32_t index) {
    GenEvent e;
    e.time = t;
    e.rnd = rng_.Next();
    e.scenario = index;
    e.format = formats_.Pick(rng_);
    GenJitter(e, rng_);
    out_.events.push_back(e);
    return out_.events.back();
  }

  const GenWorld& world_;
  const GenFormatPicker& formats_;
  GenAttacks& out_;
  GenRandom& rng_;
};

}  // namespace

const char* GenScenarioName(GenScenario s) {
  static constexpr const char* kNames[kGenScenarioCount] = {
      "bad_password_burst",    "new_country_device",          "breakglass_signin",
      "new_user_global_admin", "pim_activation_not_from_paw", "account_lockout",
      "risky_signin",          "conditional_access_block",    "legacy_protocol"};
  return kNames[static_cast<int>(s)];
}

const char* GenScenarioRule(GenScenario s) {
  static constexpr const char* kRules[kGenScenarioCount] = {
      "PRIV-SI-01", "PRIV-SI-14", "PRIV-BG-01", "PRIV-PA-01", "PRIV-EL-06",
      "PRIV-SI-06", "PRIV-SI-11", "PRIV-SI-02", "PRIV-SI-13"};
  return kRules[static_cast<int>(s)];
}

GenAttacks GenerateAttacks(const GenWorld& world, const GenFormatPicker& formats, EventTime start,
                           int days, uint64_t records) {
  GenAttacks out;
  GenRandom rng(HashCombine(world.seed(), 0x61747461636BULL));
  Builder builder(world, formats, out, rng);
  const int first_day = days > 14 ? 14 : days / 2;
  uint64_t used = 0;
  int next = static_cast<int>(rng.Below(kGenScenarioCount));
  while (used < records) {
    auto kind = static_cast<GenScenario>(next);
    next = (next + 1) % kGenScenarioCount;
    int size = ScenarioSize(kind, rng);
    if (used + static_cast<uint64_t>(size) > records) {
      kind = GenScenario::kRiskySignIn;  // a one-record scenario fills the remainder
      size = 1;
    }
    const int day =
        first_day + static_cast<int>(rng.Below(static_cast<uint64_t>(days - first_day)));
    // 00:30-22:30 UTC keeps the whole scenario (at most ~40 min) inside its day.
    const EventTime t = start + static_cast<EventTime>(day) * 86400 * kSecond +
                        rng.Range(1800, 22 * 3600 + 1800) * kSecond + rng.Range(0, kSecond);
    builder.Add(kind, t, size);
    used += static_cast<uint64_t>(size);
  }
  return out;
}

}  // namespace privmon
