#include "tools/gen/world.h"

#include <algorithm>

#include "core/hash.h"
#include "core/json_writer.h"
#include "tools/gen/json.h"
#include "tools/gen/random.h"

namespace privmon {
namespace {

constexpr int kPlacesPerRegion = 2;

const char* const kCompanies[] = {"contoso",        "fabrikam",           "northwind",
                                  "tailspintoys",   "wingtiptoys",        "adatum",
                                  "litware",        "proseware",          "woodgrove",
                                  "fourthcoffee",   "alpineskihouse",     "lucernepublishing",
                                  "margiestravel",  "treyresearch",       "wideworldimporters",
                                  "cohowinery",     "humongousinsurance", "blueyonderairlines",
                                  "adventureworks", "relecloud"};
const char* const kFirst[] = {"alex",  "maria", "john",  "li",    "fatima", "david", "sofia",
                              "omar",  "emma",  "raj",   "yuki",  "lucas",  "anna",  "kofi",
                              "chen",  "laura", "ivan",  "priya", "noah",   "sara",  "mateo",
                              "aisha", "tom",   "elena", "hiro",  "grace",  "ali",   "nina"};
const char* const kLast[] = {"smith",  "garcia", "mueller", "wang",    "khan",   "johnson",
                             "rossi",  "kim",    "patel",   "tanaka",  "silva",  "novak",
                             "brown",  "dubois", "ivanova", "mensah",  "cohen",  "nguyen",
                             "larsen", "lopez",  "okafor",  "schmidt", "moreau", "haddad"};
const char* const kPolicyNames[] = {"01 - Require Windows Hybrid AD Joined Device",
                                    "02 - Mobile Device Policy",
                                    "03 - Require MFA for Admins",
                                    "04 - Block Legacy Authentication",
                                    "05 - MFA für Gäste",
                                    "06 - Enterprise Apps",
                                    "07 - Require compliant device for admins",
                                    "08 - Block access from untrusted countries",
                                    "09 - Sign-in risk policy"};
const char* const kPolicyGrants[] = {
    "RequireDomainJoinedDevice", "Block", "Mfa", "Block", "Mfa", "Block",
    "RequireCompliantDevice",    "Block", "Mfa"};

std::string Capitalized(const char* s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string Ip(int a, int b, uint64_t r) {
  std::string o;
  AppendJsonInt(a, o);
  o += '.';
  AppendJsonInt(b, o);
  o += '.';
  AppendJsonInt(static_cast<int64_t>(r % 256), o);
  o += '.';
  AppendJsonInt(static_cast<int64_t>(1 + (r >> 8) % 254), o);
  return o;
}

}  // namespace

const std::vector<GenPlace>& GenWorld::places() {
  static const std::vector<GenPlace> kPlaces = {
      {"Redmond", "Washington", "US", 47.6805, -122.1209, 131, 107, -8},
      {"Seattle", "Washington", "US", 47.6062, -122.3321, 20, 190, -8},
      {"New York", "New York", "US", 40.7128, -74.006, 72, 229, -5},
      {"Boston", "Massachusetts", "US", 42.3601, -71.0589, 66, 31, -5},
      {"London", "England", "GB", 51.5072, -0.1276, 81, 171, 0},
      {"Manchester", "England", "GB", 53.4808, -2.2426, 86, 13, 0},
      {"Berlin", "Berlin", "DE", 52.52, 13.405, 11, 22, 1},
      {"Munich", "Bavaria", "DE", 48.1351, 11.582, 84, 150, 1},
      {"Paris", "Ile-de-France", "FR", 48.8566, 2.3522, 90, 63, 1},
      {"Lyon", "Auvergne-Rhone-Alpes", "FR", 45.764, 4.8357, 92, 184, 1},
      {"Nizampet", "Telangana", "IN", 17.5164, 78.3766, 1, 128, 5},
      {"Bengaluru", "Karnataka", "IN", 12.9716, 77.5946, 49, 207, 5},
      {"Tokyo", "Tokyo", "JP", 35.6762, 139.6503, 126, 72, 9},
      {"Osaka", "Osaka", "JP", 34.6937, 135.5023, 133, 106, 9},
      {"Sydney", "New South Wales", "AU", -33.8688, 151.2093, 101, 160, 10},
      {"Melbourne", "Victoria", "AU", -37.8136, 144.9631, 124, 168, 10},
      {"Toronto", "Ontario", "CA", 43.6532, -79.3832, 99, 224, -5},
      {"Montreal", "Quebec", "CA", 45.5019, -73.5674, 70, 81, -5},
      {"Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333, 177, 92, -3},
      {"Curitiba", "Parana", "BR", -25.4284, -49.2733, 189, 4, -3},
  };
  return kPlaces;
}

const std::vector<GenPlace>& GenWorld::foreign_places() {
  static const std::vector<GenPlace> kForeign = {
      {"Lagos", "Lagos", "NG", 6.5244, 3.3792, 102, 89, 1},
      {"Moscow", "Moscow", "RU", 55.7558, 37.6173, 95, 165, 3},
      {"Hanoi", "Hanoi", "VN", 21.0278, 105.8342, 113, 160, 7},
      {"Bucharest", "Bucuresti", "RO", 44.4268, 26.1025, 86, 105, 2},
      {"Shanghai", "Shanghai", "CN", 31.2304, 121.4737, 58, 246, 8},
  };
  return kForeign;
}

const std::vector<GenApp>& GenWorld::apps() {
  static const std::vector<GenApp> kApps = {
      {"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services",
       "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"},
      {"Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000",
       "Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"},
      {"Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Graph",
       "00000003-0000-0000-c000-000000000000"},
      {"Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000",
       "Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000"},
      {"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
       "Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013"},
      {"Graph explorer", "de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Microsoft Graph",
       "00000003-0000-0000-c000-000000000000"},
  };
  return kApps;
}

const std::vector<const char*>& GenWorld::roles() {
  static const std::vector<const char*> kRoles = {
      "Global Administrator",      "Privileged Role Administrator",
      "Security Administrator",    "User Administrator",
      "Exchange Administrator",    "SharePoint Administrator",
      "Application Administrator", "Helpdesk Administrator",
      "Intune Administrator",      "Conditional Access Administrator"};
  return kRoles;
}

const std::vector<const char*>& GenWorld::plain_roles() {
  static const std::vector<const char*> kPlain = {"Reports Reader", "Message Center Reader",
                                                  "Directory Readers",
                                                  "Usage Summary Reports Reader"};
  return kPlain;
}

std::string GenWorld::Guid(uint64_t tag, uint64_t n) const {
  const uint64_t h = HashCombine(HashCombine(seed_, tag), n);
  std::string o;
  genjson::AppendGuid(o, h, Mix64(h ^ 0xA5A5A5A5A5A5A5A5ULL));
  return o;
}

GenWorld::GenWorld(uint64_t seed, int tenants, int accounts, double privileged_share)
    : seed_(seed) {
  GenRandom rng(HashCombine(seed, 0x776F726CULL));
  const int regions = static_cast<int>(places().size()) / kPlacesPerRegion;
  constexpr int kCompanyCount = static_cast<int>(std::size(kCompanies));
  const int company_offset = static_cast<int>(rng.Below(kCompanyCount));
  tenants_.resize(static_cast<std::size_t>(tenants));
  for (int t = 0; t < tenants; ++t) {
    GenTenant& tenant = tenants_[static_cast<std::size_t>(t)];
    tenant.id = Guid(1, static_cast<uint64_t>(t));
    tenant.workspace_id = Guid(2, static_cast<uint64_t>(t));
    tenant.domain = kCompanies[(t + company_offset) % kCompanyCount];
    if (t >= kCompanyCount) AppendJsonInt(t / kCompanyCount, tenant.domain);
    tenant.domain += ".onmicrosoft.com";
    tenant.region =
        static_cast<uint16_t>(rng.Below(static_cast<uint64_t>(regions)) * kPlacesPerRegion);
    tenant.tz_hours = places()[tenant.region].tz_hours;
    const int n_policies = 6 + static_cast<int>(rng.Below(4));
    for (int p = 0; p < n_policies; ++p) {
      tenant.policies.push_back({Guid(3, static_cast<uint64_t>(t) * 16 + static_cast<uint64_t>(p)),
                                 kPolicyNames[p], kPolicyGrants[p]});
    }
  }
  auto add_account = [&](uint32_t t, bool privileged, bool breakglass, uint64_t local) {
    GenTenant& tenant = tenants_[t];
    GenAccount a;
    a.tenant = t;
    a.id = Guid(4, accounts_.size());
    a.privileged = privileged || breakglass;
    a.breakglass = breakglass;
    constexpr uint64_t kF = std::size(kFirst), kL = std::size(kLast);
    const char* first = kFirst[local % kF];
    const char* last = kLast[(local / kF + local) % kL];
    std::string user = std::string(first) + "." + last;
    if (local >= kF * kL) AppendJsonInt(static_cast<int64_t>(local / (kF * kL)), user);
    if (breakglass) {
      a.upn = "breakglass@" + tenant.domain;
      a.display_name = "Break Glass";
    } else {
      a.upn = (privileged ? "adm_" : "") + user + "@" + tenant.domain;
      a.display_name =
          Capitalized(first) + " " + Capitalized(last) + (privileged ? " (Admin)" : "");
    }
    a.place = static_cast<uint16_t>(tenant.region + rng.Below(kPlacesPerRegion));
    const GenPlace& place = places()[a.place];
    a.ip = Ip(place.ip_a, place.ip_b, rng.Next());
    a.role =
        static_cast<uint8_t>(privileged ? (local % 4 == 0 ? 0 : rng.Below(roles().size())) : 0);
    const uint64_t dev_base = accounts_.size() * 4;
    if (a.privileged) {
      a.devices.push_back({Guid(5, dev_base), "PAW-", "Windows 10", "Edge 120.0.2210",
                           "Azure AD joined", true, true});
    } else if (rng.Chance(0.7)) {
      a.devices.push_back({Guid(5, dev_base), "LAPTOP-", "Windows 10", "Edge 120.0.2210",
                           rng.Chance(0.5) ? "Hybrid Azure AD joined" : "Azure AD joined", true,
                           true});
    } else {
      a.devices.push_back(
          {Guid(5, dev_base), "MBP-", "MacOs", "Safari 17.1", "Azure AD registered", false, true});
    }
    a.devices.push_back({Guid(5, dev_base + 1), "", rng.Chance(0.5) ? "Ios" : "Android",
                         "Mobile Safari", "Azure AD registered", false, false});
    for (GenDevice& d : a.devices) {
      if (d.name.empty()) {
        d.name = std::string(d.os[0] == 'I' ? "iPhone-" : "Pixel-");
      }
      genjson::AppendHex(d.name, rng.Next(), 7);
    }
    if (breakglass) a.devices.resize(1);
    const auto index = static_cast<uint32_t>(accounts_.size());
    if (breakglass) {
      tenant.breakglass = index;
    } else {
      tenant.accounts.push_back(index);
      if (privileged) tenant.admins.push_back(index);
    }
    accounts_.push_back(std::move(a));
  };
  std::vector<uint64_t> local(tenants_.size(), 0);
  for (int i = 0; i < accounts; ++i) {
    const auto t = static_cast<uint32_t>(i % tenants);
    const uint64_t n = local[t]++;
    // The first account of each tenant is an admin; then about privileged_share of them.
    const bool privileged = n == 0 || rng.Chance(privileged_share);
    add_account(t, privileged, false, n);
  }
  for (uint32_t t = 0; t < tenants_.size(); ++t) add_account(t, true, true, 0);
}

}  // namespace privmon
