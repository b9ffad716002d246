#include "tools/gen/config.h"

#include <cstdlib>
#include <set>

namespace privmon {

std::string GenConfigYaml(const GenWorld& world, const std::string& command) {
  std::string y = "# The tenant config of the world written by: " + command +
                  "\n# Scan or run with it so the rules that need tenant lists can fire.\n"
                  "tenants:\n";
  for (const GenTenant& t : world.tenants()) {
    y += "  \"" + t.id + "\":\n";
    y += "    name: " + t.domain + "\n";
    y += "    break_glass: [\"" + world.accounts()[t.breakglass].upn + "\"]\n";
    y += "    privileged_accounts:\n";
    for (uint32_t a : t.admins) y += "      - \"" + world.accounts()[a].upn + "\"\n";
    y += "    paw_devices:\n";
    for (uint32_t a : t.admins) {
      const GenAccount& admin = world.accounts()[a];
      if (!admin.devices.empty() && !admin.devices[0].id.empty()) {
        y += "      - \"" + admin.devices[0].id + "\"  # " + admin.devices[0].name + "\n";
      }
    }
    // Every place an account of this tenant lives in: the tenant's own region.
    std::set<std::string> countries;
    for (uint32_t a : t.accounts)
      countries.insert(GenWorld::places()[world.accounts()[a].place].country);
    countries.insert(GenWorld::places()[world.accounts()[t.breakglass].place].country);
    y += "    approved: {countries: [";
    bool first = true;
    for (const std::string& c : countries) {
      y += (first ? "" : ", ") + c;
      first = false;
    }
    y += "]}\n";
    y += "    naming_policy: \"^(adm_|breakglass@)\"\n";
    // gen's people work 08:00-18:00 local, every day; a fixed-offset zone (Etc/GMT-1 is UTC+1).
    std::string zone = "Etc/GMT";
    if (t.tz_hours != 0)
      zone += (t.tz_hours > 0 ? "-" : "+") + std::to_string(std::abs(t.tz_hours));
    y += "    working_hours: {timezone: " + zone + ", days: Mon-Sun, hours: \"07:00-19:00\"}\n";
  }
  return y;
}

}  // namespace privmon
