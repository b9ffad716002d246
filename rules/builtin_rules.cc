#include "rules/builtin_rules.h"

#include <cstdio>
#include <cstdlib>

#include "core/rule_params.h"

namespace privmon {
namespace {

std::string Num(int64_t v) { return std::to_string(v); }

void Differ(std::vector<std::string>* out, const RuleDefinition& d, std::string_view what,
            const std::string& in_file, const std::string& in_table) {
  if (in_file == in_table) return;
  out->push_back(d.code + ": " + std::string(what) + " is \"" + in_file + "\" in " + d.file +
                 ", \"" + in_table + "\" in core/rule_catalog.h / core/rule_params.h");
}

}  // namespace

void LoadBuiltinRules(CompiledRuleSet* out, std::vector<RuleFileError>* errors) {
  for (const EmbeddedRuleFile& f : BuiltinRuleFiles()) {
    LoadRuleText(f.text, std::string(f.path), /*builtin=*/true, out, errors);
  }
  for (const RuleInfo& info : kRuleCatalog) {
    if (out->Find(info.id) == nullptr) {
      errors->push_back({0, 0, "rules/: " + std::string(info.code) + " is in no builtin file"});
    }
  }
}

std::vector<std::string> CatalogueDifferences(const CompiledRuleSet& set) {
  std::vector<std::string> out;
  for (const RuleDefinition& d : set.definitions) {
    if (!d.builtin) continue;
    const RuleInfo& info = GetRuleInfo(d.id);
    Differ(&out, d, "name", d.name, std::string(info.name));
    Differ(&out, d, "guide_row", d.guide_row, std::string(info.guide_row));
    Differ(&out, d, "catalogue kind", std::string(CatalogueKindName(d.catalogue_kind)),
           std::string(CatalogueKindName(info.kind)));
    Differ(&out, d, "severity", std::string(SeverityName(d.severity)),
           std::string(SeverityName(info.severity)));
    Differ(&out, d, "needs", std::string(TenantListName(d.needs)),
           std::string(TenantListName(info.needs)));
    const RuleParams p = ParamsOf(d.id);
    Differ(&out, d, "takes threshold", d.threshold.set ? "yes" : "no",
           (p.accepts & kParamThreshold) ? "yes" : "no");
    Differ(&out, d, "takes window", d.window.set ? "yes" : "no",
           (p.accepts & kParamWindow) ? "yes" : "no");
    Differ(&out, d, "threshold meaning", d.threshold.means, std::string(p.threshold_means));
    Differ(&out, d, "window meaning", d.window.means, std::string(p.window_means));
    Differ(&out, d, "default threshold", Num(d.threshold.set ? d.threshold.value : 1),
           Num(info.threshold));
    const int64_t window = d.window.set            ? d.window.value
                           : d.learning_period.set ? d.learning_period.value
                                                   : 0;
    Differ(&out, d, "default window", Num(window), Num(info.window_s));
    const RuleAttack& attack = GetRuleAttack(d.id);
    std::string table_attack;
    for (std::string_view t : attack.techniques) {
      if (!t.empty()) table_attack += (table_attack.empty() ? "" : ",") + std::string(t);
    }
    std::string file_attack;
    for (const std::string& t : d.attack) file_attack += (file_attack.empty() ? "" : ",") + t;
    Differ(&out, d, "attack", file_attack, table_attack);
    Differ(&out, d, "tactic", d.tactic, std::string(attack.tactic.id));
  }
  return out;
}

const std::shared_ptr<const CompiledRuleSet>& BuiltinRuleSet() {
  static const std::shared_ptr<const CompiledRuleSet> kSet = [] {
    auto set = std::make_shared<CompiledRuleSet>();
    std::vector<RuleFileError> errors;
    LoadBuiltinRules(set.get(), &errors);
    std::vector<std::string> problems;
    for (const RuleFileError& e : errors) problems.push_back(e.message);
    if (errors.empty()) problems = CatalogueDifferences(*set);
    if (!problems.empty()) {
      for (const std::string& p : problems)
        std::fprintf(stderr, "builtin rules: error: %s\n", p.c_str());
      std::abort();
    }
    return std::shared_ptr<const CompiledRuleSet>(std::move(set));
  }();
  return kSet;
}

}  // namespace privmon
