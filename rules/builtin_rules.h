// The builtin rule catalogue: rules/*.yaml, embedded in the binary at build time
// (cmake/embed_rules.cmake), loaded and validated with yaml-cpp once per process. The compile-time
// tables of core/rule_catalog.h and core/rule_params.h must say exactly what these files say:
// CatalogueDifferences lists every disagreement (the build runs it, rules/main_catalogue_check.cc,
// and fails on any; so do tests/rules/rule_files_test.cc and BuiltinRuleSet at start). Thread-safe:
// BuiltinRuleSet is built once (static).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_language.h"
#include "rules/rule_loader.h"

namespace privmon {

struct EmbeddedRuleFile {
  std::string_view path;  // "rules/sign-in.yaml"
  std::string_view text;
};

std::span<const EmbeddedRuleFile> BuiltinRuleFiles();  // generated

// Loads every builtin file into `out`, then checks that each catalogue rule is defined once.
void LoadBuiltinRules(CompiledRuleSet* out, std::vector<RuleFileError>* errors);

// Every difference between the loaded builtin definitions and core/rule_catalog.h,
// core/rule_params.h ("PRIV-SI-01: severity high in rules/sign-in.yaml, medium in the table").
std::vector<std::string> CatalogueDifferences(const CompiledRuleSet& set);

// The builtin catalogue, compiled on first use. A defect in the embedded files (errors or
// differences) is fatal: it prints them and aborts.
const std::shared_ptr<const CompiledRuleSet>& BuiltinRuleSet();

}  // namespace privmon
