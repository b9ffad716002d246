// ReadRuleFiles: `rule_files: [path, ...]`, the custom rules (docs/rules-language.md) loaded after
// the builtin catalogue into the config's CompiledRuleSet; each custom rule starts enabled with
// its file's severity and parameters in `defaults`, which defaults/tenants then override.
#include "config/reader.h"
#include "config/sections.h"
#include "rules/builtin_rules.h"

namespace privmon::config {

void ReadRuleFiles(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                   std::vector<ConfigError>* file_errors, CompiledConfig* out,
                   TenantSettings* defaults) {
  if (!node.IsSequence()) {
    diag.Error(node, path, "expected a list of rule file paths");
    return;
  }
  auto set = std::make_shared<CompiledRuleSet>(*BuiltinRuleSet());
  std::vector<RuleFileError> errors;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string file;
    if (!ReadString(node[i], Index(path, i), diag, &file)) continue;
    const std::size_t before = errors.size();
    LoadRuleFile(file, set.get(), &errors);
    if (errors.size() > before && errors[before].line == 0) {
      // An unreadable file: point at the config line that names it.
      diag.Error(node[i], Index(path, i), errors[before].message);
      errors.erase(errors.begin() + static_cast<std::ptrdiff_t>(before));
    }
  }
  for (RuleFileError& e : errors) file_errors->push_back({e.line, e.column, std::move(e.message)});
  for (const RuleDefinition& d : set->definitions) {
    if (d.builtin) continue;
    RuleSettings& rs = defaults->rules[static_cast<std::size_t>(d.id)];
    rs.enabled = true;
    rs.severity = d.severity;
    rs.threshold = d.threshold.set ? static_cast<uint32_t>(d.threshold.value) : 1;
    rs.window_s = d.window.set ? d.window.value : 0;
    rs.suppress_s = kHour;
  }
  out->rules = std::move(set);
}

}  // namespace privmon::config
