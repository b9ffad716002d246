#include "app/check_command.h"

#include <map>
#include <vector>

#include "app/host_check.h"
#include "config/lint.h"
#include "config/loader.h"
#include "core/json_writer.h"
#include "core/small_file.h"
#include "pipeline/zap_authenticator.h"

namespace privmon {
namespace {

// Notes with the same text, in order of first appearance, with every subject that has it.
struct NoteGroup {
  std::string text;
  std::vector<std::string> subjects;
};

std::vector<NoteGroup> GroupNotes(const std::vector<ConfigNote>& notes) {
  std::vector<NoteGroup> groups;
  std::map<std::string, std::size_t> index;
  for (const ConfigNote& n : notes) {
    auto [it, inserted] = index.try_emplace(n.text, groups.size());
    if (inserted) groups.push_back({n.text, {}});
    if (!n.subject.empty()) groups[it->second].subjects.push_back(n.subject);
  }
  return groups;
}

std::size_t EnabledRules(const CompiledConfig& config) {
  std::size_t enabled = 0;
  for (const RuleSettings& rule : config.defaults->rules) enabled += rule.enabled ? 1 : 0;
  return enabled;
}

void PrintText(const CheckOptions& o, const ConfigLoadResult& result, std::ostream& out,
               std::ostream& err) {
  if (!result.errors.empty()) {
    for (const ConfigError& e : result.errors) err << e.message << '\n';
    err << o.path << ": " << result.errors.size()
        << (result.errors.size() == 1 ? " error" : " errors") << ", config not valid\n";
    return;
  }
  if (o.quiet) return;
  const CompiledConfig& config = *result.config;
  out << "OK: " << o.path << ": " << config.tenants.size()
      << (config.tenants.size() == 1 ? " tenant, " : " tenants, ") << EnabledRules(config)
      << " rules enabled\n";
  if (o.details) {
    for (const ConfigNote& note : result.notes) out << "note: " << note.Line() << '\n';
    return;
  }
  bool aggregated = false;
  for (const NoteGroup& g : GroupNotes(result.notes)) {
    if (g.subjects.size() <= 1) {
      out << "note: " << (g.subjects.empty() ? g.text : g.subjects[0] + ": " + g.text) << '\n';
      continue;
    }
    aggregated = true;
    out << "note: " << g.text << ": " << g.subjects.size() << " tenants (" << g.subjects[0] << ", "
        << g.subjects[1] << (g.subjects.size() > 2 ? ", ...)" : ")") << '\n';
  }
  if (aggregated) out << "(privmon check --details lists every tenant of each note)\n";
}

// A JSON array of strings.
void AppendJsonStrings(const std::vector<std::string>& items, std::string& s) {
  s += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ',';
    AppendJsonString(items[i], s);
  }
  s += ']';
}

void PrintJson(const CheckOptions& o, const ConfigLoadResult& result, const HostCheck& host,
               std::ostream& out) {
  std::string s = "{";
  AppendJsonKey("file", true, s);
  AppendJsonString(o.path, s);
  AppendJsonKey("valid", false, s);
  s += result.errors.empty() ? "true" : "false";
  if (result.config) {
    AppendJsonKey("tenants", false, s);
    AppendJsonUint(result.config->tenants.size(), s);
    AppendJsonKey("rules_enabled", false, s);
    AppendJsonUint(EnabledRules(*result.config), s);
  }
  AppendJsonKey("errors", false, s);
  s += '[';
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    const ConfigError& e = result.errors[i];
    if (i > 0) s += ',';
    s += '{';
    AppendJsonKey("line", true, s);
    AppendJsonInt(e.line, s);
    AppendJsonKey("column", false, s);
    AppendJsonInt(e.column, s);
    AppendJsonKey("message", false, s);
    AppendJsonString(e.message, s);
    s += '}';
  }
  s += ']';
  AppendJsonKey("notes", false, s);
  s += '[';
  bool first = true;
  for (const NoteGroup& g : GroupNotes(result.notes)) {
    if (!first) s += ',';
    first = false;
    s += '{';
    AppendJsonKey("text", true, s);
    AppendJsonString(g.text, s);
    AppendJsonKey("subjects", false, s);
    AppendJsonStrings(g.subjects, s);
    AppendJsonKey("count", false, s);
    AppendJsonUint(g.subjects.size(), s);
    s += '}';
  }
  s += ']';
  if (o.host) {
    AppendJsonKey("host_errors", false, s);
    AppendJsonStrings(host.problems, s);
    AppendJsonKey("host_notes", false, s);
    AppendJsonStrings(host.notes, s);
  }
  s += "}\n";
  out << s;
}

}  // namespace

int RunCheck(const CheckOptions& o, std::ostream& out, std::ostream& err) {
  try {
    // Loading includes the cross-checks (duplicate binds), as for run and scan; check adds tenant
    // ids that are not GUIDs (config/lint.h).
    ConfigLoadResult result = LoadConfigFile(o.path);
    if (std::string text; result.errors.empty() && ReadSmallFile(o.path, &text).empty()) {
      result.errors = LintConfigText(text, o.path, LintScope::kCheck);
    }
    // A secret readable beyond owner and group is a warning, not an error: the file may be fixed
    // on the host that runs privmon.
    if (result.config) {
      for (const SourceSettings& s : result.config->sources) {
        if (s.curve_secret_key_file.empty()) continue;
        if (const std::string w = CurveKeyFileWarning(s.curve_secret_key_file); !w.empty()) {
          err << o.path << ": warning: " << w << "\n";
        }
      }
    }
    HostCheck host;
    if (o.host && result.errors.empty() && result.config) host = CheckHost(*result.config);
    const std::vector<std::string>& host_errors = host.problems;
    if (o.format == CheckOptions::Format::kJson) {
      PrintJson(o, result, host, out);
    } else {
      PrintText(o, result, out, err);
      for (const std::string& n : host.notes) err << o.path << ": host: note: " << n << '\n';
      for (const std::string& e : host_errors) err << o.path << ": host: " << e << '\n';
      if (!host_errors.empty()) {
        err << o.path << ": " << host_errors.size()
            << (host_errors.size() == 1 ? " host problem" : " host problems")
            << ": `run` would fail or be unsafe here\n";
      }
    }
    if (!result.errors.empty()) return 2;
    return host_errors.empty() ? 0 : 1;
  } catch (...) {
    err << o.path << ": cannot check config: unexpected error\n";
    return 2;
  }
}

}  // namespace privmon
