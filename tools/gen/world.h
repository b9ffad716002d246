// The synthetic Entra estate behind `privmon gen`: tenants (GUIDs and domains derived from the
// seed), their accounts (a share privileged, named adm_..., plus one breakglass@ account per
// tenant), each account's usual devices and home place, and each tenant's Conditional Access
// policies. Built once (O(accounts)), then read-only while records are rendered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace privmon {

struct GenPlace {
  const char* city;
  const char* state;
  const char* country;  // ISO-2
  double latitude;
  double longitude;
  int ip_a, ip_b;  // first two octets of addresses there
  int tz_hours;    // UTC offset of local time
};

struct GenApp {
  const char* name;
  const char* id;
  const char* resource_name;
  const char* resource_id;
};

struct GenDevice {
  std::string id;    // "" when not registered
  std::string name;  // displayName
  const char* os;
  const char* browser;
  const char* trust_type;  // nullptr when not joined
  bool compliant;
  bool managed;
};

struct GenAccount {
  uint32_t tenant;
  std::string id;  // object id
  std::string upn;
  std::string display_name;
  bool privileged;
  bool breakglass;
  uint16_t place;                  // index into GenWorld::places()
  std::string ip;                  // usual address
  std::vector<GenDevice> devices;  // usual devices; an admin's first is its PAW
  uint8_t role;                    // index into GenWorld::roles() (privileged accounts)
};

struct GenPolicy {
  std::string id;
  const char* name;
  const char* grant;  // enforcedGrantControls entry
};

struct GenTenant {
  std::string id;
  std::string domain;
  std::string workspace_id;  // Log Analytics workspace (LA column TenantId)
  uint16_t region;           // first place index of the tenant's region
  int tz_hours;
  std::vector<uint32_t> accounts;  // regular and privileged, not break-glass
  std::vector<uint32_t> admins;    // privileged, not break-glass
  uint32_t breakglass;
  std::vector<GenPolicy> policies;
};

class GenWorld {
 public:
  // privileged_share: fraction of the accounts that are admins (at least one per tenant).
  GenWorld(uint64_t seed, int tenants, int accounts, double privileged_share);

  const std::vector<GenTenant>& tenants() const { return tenants_; }
  const std::vector<GenAccount>& accounts() const { return accounts_; }
  uint64_t seed() const { return seed_; }

  static const std::vector<GenPlace>& places();          // home places, grouped by region
  static const std::vector<GenPlace>& foreign_places();  // places no account lives in
  static const std::vector<GenApp>& apps();
  static const std::vector<const char*>&
  roles();  // privileged role names; [0] Global Administrator
  static const std::vector<const char*>& plain_roles();  // non-privileged role names

  // Deterministic GUID for (tag, n) under this world's seed.
  std::string Guid(uint64_t tag, uint64_t n) const;

 private:
  uint64_t seed_;
  std::vector<GenTenant> tenants_;
  std::vector<GenAccount> accounts_;
};

}  // namespace privmon
