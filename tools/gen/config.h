// `privmon gen --config-out F`: the tenant config of the generated world, so that the rules that
// need a tenant list (break-glass, PAW devices, approved countries, naming policy) can raise the
// attacks gen injects. Per tenant: its name (the domain), break_glass (its breakglass@ account),
// privileged_accounts (its adm_ accounts), paw_devices (each admin's PAW), approved countries
// (its region's), naming_policy "^(adm_|breakglass@)" and working hours (07:00-19:00 local).
// Load-time tool code; O(accounts).
#pragma once

#include <string>

#include "tools/gen/world.h"

namespace privmon {

// The YAML text; `command` (the gen command line) is written as a comment at the top.
std::string GenConfigYaml(const GenWorld& world, const std::string& command);

}  // namespace privmon
