// privmon_catalogue_check: run by the build (CMakeLists.txt) before `privmon` links. Loads the
// embedded rules/*.yaml and compares them with core/rule_catalog.h and core/rule_params.h; any
// load error or difference fails the build with the rule, the file and both values, so the
// tables cannot drift from the files. Single-threaded, run once per build of the rules.
#include <cstdio>

#include "rules/builtin_rules.h"

int main() {
  privmon::CompiledRuleSet set;
  std::vector<privmon::RuleFileError> errors;
  privmon::LoadBuiltinRules(&set, &errors);
  std::vector<std::string> problems;
  for (const privmon::RuleFileError& e : errors) problems.push_back(e.message);
  if (errors.empty()) problems = privmon::CatalogueDifferences(set);
  for (const std::string& p : problems) std::fprintf(stderr, "builtin rules: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr,
                 "builtin rules: rules/*.yaml and core/rule_catalog.h / core/rule_params.h "
                 "disagree (%zu differences)\n",
                 problems.size());
    return 1;
  }
  return 0;
}
