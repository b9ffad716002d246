// LoadConfigFile / LoadConfigText: parse the YAML, walk the top-level sections in a fixed order
// (defaults before tenants, whatever the file order) and assemble the CompiledConfig.
#include "config/loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "config/diagnostics.h"
#include "config/lint.h"
#include "config/notes.h"
#include "config/reader.h"
#include "config/sections.h"
#include "config/tenant.h"
#include "core/custom_rules.h"
#include "core/hash.h"
#include "core/small_file.h"
#include "parsers/text_util.h"
#include "rules/builtin_rules.h"
#include "sinks/dead_letter.h"

namespace privmon {
namespace {

using config::Diagnostics;

constexpr std::array<std::string_view, 10> kTopKeys = {
    "pipeline", "sources",  "sinks",   "metrics",    "dead_letter",
    "alerts",   "defaults", "tenants", "checkpoint", "rule_files"};

// One file written or read twice by one config: a file sink on a followed source's path (its
// alerts read back as records), the dead-letter file on a source's or a sink's (every rejected
// message read back and rejected again, the file growing without end: breaker round 9), two file
// sinks on one path (alerts written twice, lines interleaved), any of them on the checkpoint
// directory. Paths compare as files: one that exists is its device and inode (a hard link, a
// symlink or another spelling of it is the same file: breaker round 10), one that does not yet as
// written after `.` and `..` are resolved, from the working directory; device files (/dev/...)
// are left alone. Also: a dead-letter path that exists must be a regular file or a character
// device (a FIFO blocked `run` in open(), unkillable but by SIGKILL: breaker round 10).
void LoaderCheckPathsApart(const CompiledConfig& config, const std::optional<YAML::Node>& sources,
                           const std::optional<YAML::Node>& sinks,
                           const std::optional<YAML::Node>& dead_letter,
                           const std::optional<YAML::Node>& checkpoint, Diagnostics& diag) {
  namespace fs = std::filesystem;
  struct Use {
    std::string key;  // normalised path
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    std::string what;                // what uses it
    std::optional<YAML::Node> node;  // its section, absent for a built-in default
    std::string_view section;
  };
  std::vector<Use> seen;
  // A part whose section is absent uses its built-in default (the dead letter's rejected.ndjson):
  // compared too, the error then placed at the other part's section (breaker round 133: a file
  // sink on rejected.ndjson passed, and alerts and dead letters were written into one file).
  const auto use = [&](const std::string& path, const std::string& what,
                       const std::optional<YAML::Node>& node, std::string_view section) {
    if (path.empty() || path.starts_with("/dev/")) return;
    std::error_code ec;
    const fs::path absolute = fs::absolute(fs::path(path), ec);
    Use u;
    u.key = (ec ? fs::path(path) : absolute).lexically_normal().string();
    u.what = what;
    if (struct stat st{}; ::stat(path.c_str(), &st) == 0) {
      u.exists = true;
      u.dev = st.st_dev;
      u.ino = st.st_ino;
    }
    for (const Use& other : seen) {
      const bool same_file = u.exists && other.exists && u.dev == other.dev && u.ino == other.ino;
      if (other.key == u.key || same_file) {
        if (!node && !other.node) return;
        diag.Error(node ? *node : *other.node, node ? section : other.section,
                   what + (node ? "" : " (its default)") + " and " + other.what +
                       (other.node ? "" : " (its default)") + " are one file (" + path +
                       (other.key == u.key ? "" : " is " + other.key + " under another name") +
                       "): each file a config names is read or written by one part only");
        return;
      }
    }
    u.node = node;
    u.section = section;
    seen.push_back(std::move(u));
  };
  // Standard input, however named, is one stream: two sources on it would split its lines
  // between them (breaker round 10: 1,103 of 20,000 rejected, alerts changed, exit 0).
  std::string stdin_reader;
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const SourceSettings& s = config.sources[i];
    const std::string what = "sources[" + std::to_string(i) + "]";
    const bool reads_stdin = s.type == SourceType::kStdin ||
                             (s.type == SourceType::kFile &&
                              (s.path == "-" || s.path == "/dev/stdin" || s.path == "/dev/fd/0"));
    if (reads_stdin && sources) {
      if (!stdin_reader.empty()) {
        diag.Error(*sources, "sources",
                   what + " and " + stdin_reader +
                       " both read standard input: each would take lines the other should read");
      }
      stdin_reader = what;
      continue;
    }
    if (s.type == SourceType::kFile) use(s.path, what, sources, "sources");
  }
  for (std::size_t i = 0; i < config.sinks.size(); ++i) {
    if (config.sinks[i].type == SinkType::kFile) {
      use(config.sinks[i].path, "sinks[" + std::to_string(i) + "]", sinks, "sinks");
    }
  }
  use(config.dead_letter_path, "dead_letter.path", dead_letter, "dead_letter");
  use(config.checkpoint.dir, "checkpoint.dir", checkpoint, "checkpoint");
  if (struct stat st{}; dead_letter && !config.dead_letter_path.empty() &&
                        ::stat(config.dead_letter_path.c_str(), &st) == 0) {
    if (const char* why = DeadLetterFileKindProblem(st.st_mode); why != nullptr) {
      diag.Error(*dead_letter, "dead_letter",
                 "dead_letter.path " + config.dead_letter_path + " " + why);
    }
  }
}

// Sections present in the file (a default-constructed YAML::Node would read as a present null).
struct TopLevel {
  std::optional<YAML::Node> pipeline, sources, sinks, metrics, dead_letter, alerts, defaults,
      tenants, checkpoint, rule_files;
};

std::size_t EnabledRules(const TenantSettings& t) {
  return static_cast<std::size_t>(
      std::count_if(t.rules.begin(), t.rules.begin() + static_cast<std::ptrdiff_t>(RulesInUse()),
                    [](const RuleSettings& r) { return r.enabled; }));
}

void CompileTenants(const YAML::Node& node, const TenantSettings& defaults, Diagnostics& diag,
                    CompiledConfig* out, std::vector<ConfigNote>* notes) {
  config::ForEachKeyedEntry(
      node, "tenants", diag, [&](const YAML::Node& key, const YAML::Node& value) {
        // As records' tenant ids compare (parsers CanonicalId): trimmed, case, the braces of the
        // registry form "{GUID}" and a GUID's missing dashes ignored. A key written so named no
        // tenant of any record.
        char id_buffer[36];
        const std::string id(parsers::CanonicalId(key.Scalar(), id_buffer));
        const std::string path = config::Quoted("tenants", key.Scalar());
        if (id.empty()) {
          diag.Error(key, path, "a tenant id cannot be empty");
          return;
        }
        const uint64_t hash = HashLower(id);
        if (out->tenants.contains(hash)) {
          diag.Error(key, path, "tenant listed twice (tenant ids compare case-insensitively)");
          return;
        }
        auto tenant = std::make_shared<TenantSettings>(defaults);
        tenant->tenant_id = id;
        config::OverlayTenant(value, path, /*is_defaults=*/false, diag, tenant.get());
        if (const std::size_t enabled = EnabledRules(*tenant); enabled != EnabledRules(defaults)) {
          notes->push_back(
              {config::TenantLabel(*tenant),
               std::to_string(enabled) + " of " + std::to_string(RulesInUse()) + " rules enabled"});
        }
        for (auto& note : config::SilentRuleNotes(*tenant)) {
          notes->push_back({config::TenantLabel(*tenant), std::move(note)});
        }
        out->tenants.emplace(hash, std::move(tenant));
      });
}

ConfigLoadResult Compile(const YAML::Node& root, Diagnostics& diag) {
  auto config = std::make_shared<CompiledConfig>(*BuiltinDefaultConfig());
  // The builtin catalogue is loaded and validated with every config (rules/builtin_rules.h).
  config->rules = BuiltinRuleSet();
  TopLevel top;
  const bool is_map = config::ForEachEntry(root, "", kTopKeys, diag,
                                           [&](const std::string& key, const YAML::Node& v) {
                                             if (key == "pipeline") top.pipeline = v;
                                             if (key == "sources") top.sources = v;
                                             if (key == "sinks") top.sinks = v;
                                             if (key == "metrics") top.metrics = v;
                                             if (key == "dead_letter") top.dead_letter = v;
                                             if (key == "alerts") top.alerts = v;
                                             if (key == "defaults") top.defaults = v;
                                             if (key == "tenants") top.tenants = v;
                                             if (key == "checkpoint") top.checkpoint = v;
                                             if (key == "rule_files") top.rule_files = v;
                                           });
  std::vector<ConfigNote> tenant_notes;
  std::vector<ConfigError> rule_file_errors;
  if (is_map) {
    if (top.pipeline) config::ReadPipeline(*top.pipeline, "pipeline", diag, &config->pipeline);
    if (top.sources) config::ReadSources(*top.sources, "sources", diag, &config->sources);
    if (top.sinks) config::ReadSinks(*top.sinks, "sinks", diag, &config->sinks);
    if (top.metrics) config::ReadMetrics(*top.metrics, "metrics", diag, &config->metrics_listen);
    if (top.dead_letter) {
      config::ReadDeadLetter(*top.dead_letter, "dead_letter", diag, &config->dead_letter_path,
                             &config->dead_letter_keep_skipped, &config->dead_letter_kafka);
    }
    if (top.checkpoint) {
      config::ReadCheckpoint(*top.checkpoint, "checkpoint", diag, &config->checkpoint);
    }
    LoaderCheckPathsApart(*config, top.sources, top.sinks, top.dead_letter, top.checkpoint, diag);
    for (const SourceSettings& s : config->sources) {
      if (s.type != SourceType::kKafka || !s.kafka.state_partitioned()) continue;
      const std::string key = s.kafka.keyed_by_tenant ? "keyed_by_tenant" : "state_topic";
      // Pointed at the sources list (a state-partitioned source exists, so it does).
      const YAML::Mark at = top.sources ? top.sources->Mark() : YAML::Mark::null_mark();
      if (config->checkpoint.dir.empty()) {
        diag.Error(at, "sources",
                   "kafka " + key +
                       " needs checkpoint.dir (each state partition's state moves with it "
                       "through its checkpoints; a shared directory for a group)");
      }
      if (config->sources.size() != 1) {
        diag.Error(at, "sources", "a kafka source with " + key + " must be the only source");
      }
    }
    auto defaults = std::make_shared<TenantSettings>(*config->defaults);
    if (top.rule_files) {
      config::ReadRuleFiles(*top.rule_files, "rule_files", diag, &rule_file_errors, config.get(),
                            defaults.get());
    }
    if (top.alerts) config::ReadAlerts(*top.alerts, "alerts", diag, &defaults->incident_span_s);
    if (top.defaults) {
      config::OverlayTenant(*top.defaults, "defaults", /*is_defaults=*/true, diag, defaults.get());
    }
    if (top.tenants) CompileTenants(*top.tenants, *defaults, diag, config.get(), &tenant_notes);
    if (std::string note = config::SilentRuleSummary(*defaults); !note.empty()) {
      tenant_notes.push_back({config::TenantLabel(*defaults), std::move(note)});
    }
    config->defaults = std::move(defaults);
  }
  ConfigLoadResult result;
  result.errors = diag.TakeErrors();
  // Sections are compiled in dependency order (defaults before tenants); report in file order.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  // Errors inside rule files follow, in their files' order.
  result.errors.insert(result.errors.end(), std::make_move_iterator(rule_file_errors.begin()),
                       std::make_move_iterator(rule_file_errors.end()));
  result.notes = diag.TakeNotes();
  result.notes.insert(result.notes.end(), std::make_move_iterator(tenant_notes.begin()),
                      std::make_move_iterator(tenant_notes.end()));
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace

ConfigLoadResult LoadConfigText(std::string_view yaml, std::string_view origin) {
  Diagnostics diag{std::string(origin)};
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) {
      // An empty file (or one of comments only) is far more often a failed write or a truncation
      // than a wish for the builtin defaults, and loading it would drop every tenant.
      diag.Error(YAML::Mark::null_mark(), "",
                 "the config is empty (no section at all); write {} for the builtin defaults");
    } else {
      return Compile(root, diag);
    }
  } catch (const YAML::ParserException& e) {
    diag.Error(e.mark, "", "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    diag.Error(e.mark, "", "YAML error: " + e.msg);
  } catch (const std::exception& e) {
    diag.Error(YAML::Mark::null_mark(), "", std::string("cannot load config: ") + e.what());
  } catch (...) {
    diag.Error(YAML::Mark::null_mark(), "", "cannot load config: unknown error");
  }
  ConfigLoadResult result;
  result.errors = diag.TakeErrors();
  return result;
}

namespace {

// A config file cut short by a failed write or copy often still parses as YAML, and what was cut
// off (tenants, their lists) would silently be gone on start or SIGHUP. Text files end with a
// newline, and none ends on a key without a value: either is taken as a cut. A cut exactly at the
// end of a line inside a list or after a complete value cannot be told from a shorter file.
std::optional<ConfigError> CutShort(std::string_view text, const std::string& path) {
  if (text.empty()) return std::nullopt;  // LoadConfigText says "empty"
  int line = 1;
  std::string_view last;  // the last line with something besides blanks and a comment
  int last_line = 0;
  for (std::size_t start = 0; start < text.size(); ++line) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view l = text.substr(start, end - start);
    if (const std::size_t hash = l.find('#');
        hash != std::string_view::npos &&
        (hash == 0 || l[hash - 1] == ' ' || l[hash - 1] == '\t')) {
      l = l.substr(0, hash);  // a comment (a '#' inside a quoted value is rare in a last line)
    }
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r'))
      l.remove_suffix(1);
    if (l.find_first_not_of(" \t") != std::string_view::npos) {
      last = l;
      last_line = line;
    }
    start = end + 1;
  }
  auto error = [&](int at, const std::string& why) {
    return ConfigError{at, 1, path + ":" + std::to_string(at) + ":1: " + why};
  };
  if (text.back() != '\n') {
    return error(line - 1,
                 "the file does not end with a newline: cut short by a failed write or copy? "
                 "(every line of a config file ends with one)");
  }
  if (!last.empty() && last.back() == ':') {
    return error(last_line,
                 "the file ends with a key and no value: cut short by a failed write or copy? "
                 "(write {} or [] for an empty section or list)");
  }
  return std::nullopt;
}

}  // namespace

ConfigLoadResult LoadConfigFile(const std::string& path) {
  auto unreadable = [&](const std::string& why) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{0, 0, path + ": cannot read config file: " + why});
    return result;
  };
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return unreadable("is a directory");
    std::string text;
    if (const std::string why = ReadSmallFile(path, &text); !why.empty()) return unreadable(why);
    ConfigLoadResult result = LoadConfigText(text, path);
    if (auto cut = CutShort(text, path)) {
      result.errors.insert(result.errors.begin(), std::move(*cut));
      result.config = nullptr;
    }
    // `check`'s cross-checks (config/lint.h: two sockets bound on one address) are every
    // command's: `run` refuses at load what `check` refuses, exit 2 with the same message
    // (breaker round 10: `run` exited 1 at the bind).
    if (result.errors.empty()) {
      result.errors = LintConfigText(text, path, LintScope::kLoad);
      if (!result.errors.empty()) result.config = nullptr;
    }
    return result;
  } catch (const std::exception& e) {
    return unreadable(e.what());
  }
}

}  // namespace privmon
