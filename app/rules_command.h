// `privmon rules [--config F]`: lists every rule of the catalogue, one line each: id, kind,
// severity (the defaults'), the parameters it takes with their values, the tenant list it needs,
// its ATT&CK techniques and, with a config, how many tenants have it enabled and how many lack
// its list. Load-time tool; returns the exit code (0, or 2 for an invalid config).
#pragma once

#include <ostream>
#include <string>

namespace privmon {

int RunRules(const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace privmon
