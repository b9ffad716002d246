// Loading rule files (rules/*.yaml, the config's `rule_files`) with yaml-cpp into a
// CompiledRuleSet: every key validated, field names and values resolved to enums and hashes once,
// errors as "<file>:<line>:<column>: <path>: <what>". Runs on the config-loading thread; registers
// custom rule ids (core/custom_rules.h) as a side effect. The language: docs/rules-language.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_language.h"

namespace privmon {

struct RuleFileError {
  int line = 0;  // 1-based, 0 = the whole file
  int column = 0;
  std::string message;  // complete, with file:line:column
};

// Appends the rules of one file to `out`. Builtin files may hold `kind: code` rules (C++ in
// detectors/) and must name catalogue ids; custom files hold match and threshold rules with new
// ids.
void LoadRuleText(std::string_view yaml, const std::string& origin, bool builtin,
                  CompiledRuleSet* out, std::vector<RuleFileError>* errors);

// Reads and loads a custom rule file; a missing or unreadable file is an error naming the path.
void LoadRuleFile(const std::string& path, CompiledRuleSet* out,
                  std::vector<RuleFileError>* errors);

// "10m", "14d", "1h", "90s" or a plain number of seconds, at most 100 years; false otherwise.
bool ParseRuleDuration(std::string_view text, int64_t* seconds);

}  // namespace privmon
