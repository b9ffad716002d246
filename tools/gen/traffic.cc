#include "tools/gen/traffic.h"

#include <algorithm>

#include "core/hash.h"

namespace privmon {
namespace {

constexpr int64_t kDay = 86400;

}  // namespace

GenFormatPicker::GenFormatPicker(std::array<double, 3> w) {
  const double total = w[0] + w[1] + w[2];
  cumulative_ = {w[0] / total, (w[0] + w[1]) / total, 1.0};
}

GenFormat GenFormatPicker::Pick(GenRandom& rng) const {
  const double u = rng.Unit();
  if (u < cumulative_[0]) return GenFormat::kDiag;
  if (u < cumulative_[1]) return GenFormat::kGraph;
  return GenFormat::kLa;
}

EventTime GenDayTime(EventTime day_start, int tz_hours, int64_t local_second) {
  int64_t utc = (local_second - tz_hours * 3600) % kDay;
  if (utc < 0) utc += kDay;
  return day_start + utc * kSecond;
}

namespace {

GenEvent PimEnd(const GenEvent& activation, EventTime day_start, GenRandom& rng) {
  GenEvent end = activation;
  const EventTime day_end = day_start + kDay * kSecond - 3 * 60 * kSecond;
  const EventTime expiry = activation.time + 3600 * kSecond + rng.Range(0, 30) * kSecond;
  end.activity = expiry <= day_end ? GenActivity::kPimExpired : GenActivity::kPimDeactivate;
  end.time = expiry <= day_end ? expiry : std::max(activation.time + kSecond, day_end);
  end.rnd = rng.Next();
  GenJitter(end, rng);
  return end;
}

}  // namespace

GenTraffic::GenTraffic(const GenWorld& world, const GenFormatPicker& formats, EventTime start)
    : world_(world), formats_(formats), start_(start) {}

void GenTraffic::Day(int day, uint64_t count, std::vector<GenEvent>& out) const {
  GenRandom rng(HashCombine(world_.seed(), 0x64617900ULL + static_cast<uint64_t>(day)));
  const EventTime day_start = start_ + static_cast<EventTime>(day) * kDay * kSecond;
  const auto& tenants = world_.tenants();
  const auto& accounts = world_.accounts();
  const std::size_t target_size = out.size() + count;
  while (out.size() < target_size) {
    const GenTenant& tenant = tenants[rng.Below(tenants.size())];
    const uint32_t who = tenant.accounts[rng.Below(tenant.accounts.size())];
    const GenAccount& acct = accounts[who];
    // Working hours 08:00-18:00 local; regular users also sometimes at any hour.
    const bool any_hour = !acct.privileged && rng.Chance(0.1);
    const int64_t local = any_hour ? rng.Range(0, kDay) : rng.Range(8 * 3600, 18 * 3600);
    GenEvent e;
    e.time = GenDayTime(day_start, tenant.tz_hours, local) + rng.Range(0, kSecond);
    e.rnd = rng.Next();
    e.account = who;
    e.format = formats_.Pick(rng);
    const double kind = rng.Unit();
    if (kind < 0.003) {
      e.kind = GenKind::kRegistration;
      e.format = GenFormat::kGraph;
    } else if (kind < 0.093) {
      e.kind = GenKind::kAudit;
      const uint32_t admin = tenant.admins[rng.Below(tenant.admins.size())];
      const double a = rng.Unit();
      // An admin's own work (an update, a role grant, a PIM activation and its PAW sign-in) is
      // in working hours, whoever `who` is: one drawn at any hour made the config gen writes
      // raise PRIV-SI-10 and EL-03 on benign traffic (breaker round 34). Same draws, so the
      // rest of the stream is unchanged.
      if (any_hour && (a < 0.45 || a >= 0.75)) {
        e.time = GenDayTime(day_start, tenant.tz_hours, 8 * 3600 + local % (10 * 3600)) +
                 (e.time - GenDayTime(day_start, tenant.tz_hours, local));
      }
      // A PIM activation needs its PAW sign-in and its end in this day's records: without room
      // for all three the sign-in or the end was dropped (PRIV-EL-06 "no sign-in seen", EL-08).
      const bool room_for_pim = out.size() + 3 <= target_size;
      if (a < 0.45) {
        e.activity = GenActivity::kUpdateUser;
        e.account = admin;
        e.target = who;
      } else if (a < 0.75) {
        e.activity = GenActivity::kUpdateDevice;
        e.account = kNoAccount;
        e.target = who;
        e.device = static_cast<uint8_t>(rng.Below(acct.devices.size()));
      } else if (a < 0.95 && room_for_pim) {
        // PIM activation, preceded by the admin's sign-in from its PAW.
        e.activity = GenActivity::kPimActivation;
        e.account = e.target = admin;
        e.role = accounts[admin].role;
        GenEvent s;
        s.time = e.time - rng.Range(60, 600) * kSecond;
        if (s.time < day_start) s.time = day_start;
        s.rnd = rng.Next();
        s.account = admin;
        s.format = formats_.Pick(rng);
        s.app = 4;  // Azure Portal
        GenJitter(s, rng);
        out.push_back(s);
        // PIM's default activation lasts one hour; one that would run past this day's end is
        // deactivated early (records stay in their day, so the stream stays in time order).
        out.push_back(PimEnd(e, day_start, rng));
      } else {
        e.activity = GenActivity::kAddMemberToRole;
        e.account = admin;
        e.target = who;
        e.plain_role = true;
        e.role = static_cast<uint8_t>(rng.Below(GenWorld::plain_roles().size()));
      }
    } else {
      e.kind = GenKind::kSignIn;
      e.interactive = rng.Chance(0.4);
      e.app = static_cast<uint8_t>(
          acct.privileged && rng.Chance(0.5) ? 4 : rng.Below(GenWorld::apps().size()));
      // An admin signs in from its PAW (device 0, the paw_devices gen writes): another device in
      // the hour before one of its activations raised PRIV-EL-06 on benign traffic (breaker
      // round 34). Attacks from other devices are planted by the scenarios.
      const bool first_device = rng.Chance(acct.privileged ? 0.9 : 0.8);
      e.device = static_cast<uint8_t>(first_device || acct.privileged ? 0 : 1);
      e.client = e.interactive && rng.Chance(0.7) ? GenClient::kBrowser : GenClient::kMobileDesktop;
      if (e.interactive) {
        const double f = rng.Unit();
        if (f < 0.03) {
          e.error_code = 50126;
        } else if (f < 0.05) {
          e.error_code = 50140;
        } else if (f < 0.06) {
          GenEvent ok = e;
          ok.error_code = 0;
          ok.time = e.time + rng.Range(20, 90) * kSecond;
          ok.rnd = rng.Next();
          GenJitter(ok, rng);
          // The user then completes MFA; without room for the success, no interrupt (an
          // unanswered 50074 is PRIV-SI-04's).
          if (out.size() + 2 <= target_size) {
            e.error_code = 50074;
            out.push_back(ok);
          }
        }
      }
    }
    GenJitter(e, rng);
    out.push_back(e);
  }
}

}  // namespace privmon
