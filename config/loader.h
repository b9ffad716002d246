// Loads privmon's YAML configuration (DESIGN.md section 6) into a CompiledConfig: the builtin
// defaults overlaid by the file, every name hashed, regexes compiled, tenants resolved. Collects
// every error (with file:line:column and key path) instead of stopping at the first. Never
// throws; safe to call from any thread (start-up and SIGHUP reload). Cost: one pass over the file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace privmon {

struct ConfigError {
  int line = 0;         // 1-based; 0 when unknown (unreadable file)
  int column = 0;       // 1-based; 0 when unknown
  std::string message;  // complete text: "<origin>:<line>:<column>: <key path>: <what is wrong>"
};

// Advice that is not an error. `subject` names what it is about ("tenant Contoso (<id>)",
// "defaults (unlisted tenants)", or empty for the file as a whole); `text` says what, in words that
// repeat across tenants ("PRIV-EL-06 silent: no paw_devices"), so `check` can aggregate them.
struct ConfigNote {
  std::string subject;
  std::string text;
  std::string Line() const { return subject.empty() ? text : subject + ": " + text; }
};

struct ConfigLoadResult {
  std::shared_ptr<const CompiledConfig> config;  // set if and only if errors is empty
  std::vector<ConfigError> errors;
  std::vector<ConfigNote> notes;  // in file order: general notes, then per tenant, then defaults
};

// Reads and compiles the file at `path`; an unreadable file is one error with line 0.
ConfigLoadResult LoadConfigFile(const std::string& path);

// Compiles YAML text; `origin` names it in messages (a path, or "<text>").
ConfigLoadResult LoadConfigText(std::string_view yaml, std::string_view origin = "<text>");

}  // namespace privmon
