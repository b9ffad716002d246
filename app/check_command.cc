#include "app/check_command.h"

#include "app/config_lint.h"
#include "app/config_loader.h"

namespace privmon {

int RunCheck(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    ConfigLoadResult result = LoadConfigFile(path);
    if (result.errors.empty()) result.errors = LintConfigFile(path);
    if (!result.errors.empty()) {
      for (const ConfigError& e : result.errors) err << e.message << '\n';
      err << path << ": " << result.errors.size()
          << (result.errors.size() == 1 ? " error" : " errors") << ", config not valid\n";
      return 2;
    }
    const CompiledConfig& config = *result.config;  // set: LoadConfigFile found no error
    std::size_t enabled = 0;
    for (const RuleSettings& rule : config.defaults->rules) enabled += rule.enabled ? 1 : 0;
    out << "OK: " << path << ": " << config.tenants.size()
        << (config.tenants.size() == 1 ? " tenant, " : " tenants, ") << enabled
        << " rules enabled\n";
    for (const std::string& note : result.notes) out << "note: " << note << '\n';
    return 0;
  } catch (...) {
    err << path << ": cannot check config: unexpected error\n";
    return 2;
  }
}

}  // namespace privmon
