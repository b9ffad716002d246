// privmon: command-line entry. Subcommands: run, scan, replay, check, gen (see --help).
// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "app/check_command.h"
#include "app/json_log.h"
#include "app/rules_command.h"
#include "app/service.h"
#include "config/loader.h"
#include "config/scalars.h"
#include "core/version.h"
#include "parsers/text_util.h"
#include "pipeline/tenant_id.h"
#include "tools/gen/command.h"
#include "tools/replay/command.h"

namespace privmon {
namespace {

// Loads --config (or the builtin default). Prints errors and returns null on failure.
std::shared_ptr<const CompiledConfig> LoadOrDefault(const std::string& path) {
  if (path.empty()) return BuiltinDefaultConfig();
  ConfigLoadResult r = LoadConfigFile(path);
  if (!r.errors.empty()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.message.c_str());
    std::fprintf(stderr, "privmon: %zu error(s) in %s (see 'privmon check %s')\n", r.errors.size(),
                 path.c_str(), path.c_str());
    return nullptr;
  }
  return r.config;
}

// An input `scan` cannot read is a usage error named before anything starts: a directory or a
// missing file would otherwise be a scan that "succeeds" having read nothing.
bool InputsReadable(const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  for (const std::string& f : files) {
    if (f == "-") continue;
    std::error_code ec;
    const fs::file_status st = fs::status(f, ec);
    const char* why = nullptr;
    if (ec || !fs::exists(st)) {
      why = "no such file";
    } else if (fs::is_directory(st)) {
      why = "is a directory (name the NDJSON files in it, e.g. DIR/*.ndjson)";
    } else if (access(f.c_str(), R_OK) != 0) {
      why = "not readable (permission denied)";
    } else if (!fs::is_regular_file(st)) {
      // A pipe (`privmon scan <(zcat x.gz)`, a FIFO) is read once: looking at its first bytes
      // here took them (stdio reads 4 KiB), and the scan lost them uncounted (breaker round 96).
    } else if (std::FILE* in = std::fopen(f.c_str(), "rb"); in != nullptr) {
      // A compressed export read as text is hundreds of rejects whose reasons guess at UTF-16,
      // CSV or a torn write (breaker round 59): said once, by its magic bytes.
      unsigned char magic[4] = {0, 0, 0, 0};
      const std::size_t n = std::fread(magic, 1, sizeof magic, in);
      std::fclose(in);
      if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        why = "is gzip-compressed: decompress it first (zcat FILE | privmon scan -)";
      } else if (n >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
        why = "is a zip archive: extract the NDJSON files in it and name them";
      } else if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
        why = "is bzip2-compressed: decompress it first (bzcat FILE | privmon scan -)";
      } else if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
                 magic[3] == 0xfd) {
        why = "is zstd-compressed: decompress it first (zstdcat FILE | privmon scan -)";
      }
    }
    if (why != nullptr) {
      std::fprintf(stderr, "privmon scan: error: %s: %s\n", f.c_str(), why);
      return false;
    }
  }
  return true;
}

// Inputs `scan` must not read together with its own outputs (breaker round 59): standard input
// named twice (two readers would split its lines), or an input that is the dead-letter file
// (`privmon scan *.ndjson` beside the default rejected.ndjson read back every entry it appended
// and never ended, filling the disk). Printed, false when one clashes.
bool InputsApartFromOutputs(const std::vector<std::string>& files, const std::string& dead_letter) {
  std::size_t stdin_count = 0;
  struct stat dead {};
  const bool dead_exists = !dead_letter.empty() && ::stat(dead_letter.c_str(), &dead) == 0;
  for (const std::string& f : files) {
    if (f == "-" || f == "/dev/stdin" || f == "/dev/fd/0") {
      if (++stdin_count == 2) {
        std::fprintf(stderr,
                     "privmon scan: error: standard input is named twice: each reader would take "
                     "lines the other should read\n");
        return false;
      }
      continue;
    }
    struct stat in {};
    if (dead_exists && ::stat(f.c_str(), &in) == 0 && in.st_dev == dead.st_dev &&
        in.st_ino == dead.st_ino) {
      std::fprintf(stderr,
                   "privmon scan: error: %s is the dead-letter file (dead_letter.path %s): scan "
                   "would read back the records it rejects as it appends them; leave it out or "
                   "name another dead_letter.path\n",
                   f.c_str(), dead_letter.c_str());
      return false;
    }
  }
  return true;
}

constexpr std::string_view kCommands[] = {"run", "scan", "replay", "gen", "check", "rules"};

// CLI11 reads an unknown first word as a stray positional ("A subcommand is required"): name it.
bool UnknownCommand(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (std::string_view c : kCommands) {
    if (c == argv[1]) return false;
  }
  std::fprintf(
      stderr,
      "privmon: error: unknown command '%s' (commands: run, scan, replay, gen, check, rules; "
      "see privmon --help)\n",
      argv[1]);
  return true;
}

}  // namespace
}  // namespace privmon

static int Main(int argc, char** argv) {
  using namespace privmon;
  CLI::App app{
      "privmon: real-time detection of threats to privileged accounts in Microsoft Entra ID "
      "sign-in and audit logs"};
  app.set_version_flag(
      "--version,-V",
      std::string("privmon ") + PRIVMON_VERSION + " (commit " + PRIVMON_COMMIT +
          ", -march=" + (*PRIVMON_BUILT_FOR_MARCH ? PRIVMON_BUILT_FOR_MARCH : "default") + ")");
  app.require_subcommand(1);
  // An option a command does not know is matched against the root's: `privmon scan --log-format
  // json` means what `privmon --log-format json scan` does (set before the commands are added,
  // which inherit it). An option neither knows is still an error.
  app.fallthrough();
  int exit_code = 0;

  // JSON logs: installed once the command line is parsed, before the command runs; the guard
  // (static: also destroyed on exit()) forwards the last lines and restores stderr.
  std::string log_format = "text", log_level = "info";
  app.add_option("--log-format", log_format,
                 "text (default) or json: every stderr line as {\"ts\",\"level\",\"msg\"} "
                 "(before or after the command)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", log_level, "json logs: lowest level kept (info, warn, error)")
      ->check(CLI::IsMember({"info", "warn", "error"}));
  static std::unique_ptr<JsonStderr> json_logs;
  app.parse_complete_callback([&] {
    if (log_format != "json") return;
    json_logs = JsonStderr::Install(log_level == "error"  ? LogLevel::kError
                                    : log_level == "warn" ? LogLevel::kWarn
                                                          : LogLevel::kInfo);
  });

  std::string run_config;
  auto* run = app.add_subcommand(
      "run",
      "The service: read the configured sources (default: ZeroMQ PULL bound on "
      "tcp://127.0.0.1:5556), write alerts to the sinks (default: stdout), serve metrics "
      "(default: 127.0.0.1:9464). SIGTERM/SIGINT drain and exit; SIGHUP reloads --config.");
  run->add_option("--config,-c", run_config, "YAML config file (default: builtin config)")
      ->check(CLI::ExistingFile);
  bool run_fresh = false;
  run->add_flag("--fresh", run_fresh,
                "Start with empty state even when the checkpoint directory holds checkpoints "
                "(they are kept until new ones replace them)");
  run->callback([&] {
    auto config = LoadOrDefault(run_config);
    if (!config) {
      exit_code = 2;
      return;
    }
    ServiceOptions o;
    o.config = config;
    o.config_path = run_config;
    o.fresh = run_fresh;
    exit_code = RunService(o);
  });

  std::string scan_config, scan_tenant, scan_format = "native";
  std::vector<std::string> scan_files;
  bool scan_quiet = false;
  auto* scan = app.add_subcommand(
      "scan",
      "Run the same engine over NDJSON files ('-' = stdin): alerts to stdout as JSON "
      "lines, a summary on stderr. Honours the config's rules, tenants, dead_letter and "
      "pipeline; ignores its sources and sinks.");
  scan->add_option("--config,-c", scan_config, "YAML config file (default: builtin config)")
      ->check(CLI::ExistingFile);
  scan->add_option("--tenant,-t", scan_tenant, "Tenant id for records that carry none")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.empty() ? std::string("an empty tenant id names no tenant") : std::string();
          },
          "TENANT"));
  scan->add_flag("--quiet,-q", scan_quiet, "No progress line");
  scan->add_option("--format", scan_format, "Alert format on stdout: native (default) or ocsf")
      ->check(CLI::IsMember({"native", "ocsf"}, CLI::ignore_case));
  std::string scan_checkpoint_out;
  scan->add_option("--checkpoint-out", scan_checkpoint_out,
                   "Learn from the files without emitting alerts and write the state as a "
                   "checkpoint into this directory, for `run` to continue from (onboarding)");
  scan->add_option("files", scan_files, "NDJSON files, '-' for stdin")->required();
  scan->callback([&] {
    if (!InputsReadable(scan_files)) {
      exit_code = 2;
      return;
    }
    if (!scan_tenant.empty() && !IsTenantId(scan_tenant)) {
      std::fprintf(stderr, "privmon scan: error: --tenant \"%s\" is not a tenant id: %.*s\n",
                   scan_tenant.c_str(), static_cast<int>(kTenantIdHint.size()),
                   kTenantIdHint.data());
      exit_code = 2;
      return;
    }
    char tenant_buffer[36];  // as records and `tenants:` spell it (pipeline/tenant_id.h)
    const std::string tenant(parsers::CanonicalId(scan_tenant, tenant_buffer));
    auto config = LoadOrDefault(scan_config);
    if (!config) {
      exit_code = 2;
      return;
    }
    if (!InputsApartFromOutputs(scan_files, config->dead_letter_path)) {
      exit_code = 2;
      return;
    }
    ServiceOptions o;
    o.config = config;
    o.config_path = scan_config;
    o.scan = true;
    o.quiet = scan_quiet;
    o.checkpoint_out = scan_checkpoint_out;
    config::ParseAlertFormat(scan_format, &o.scan_format);
    for (const auto& f : scan_files) {
      SourceSettings s;
      s.type = f == "-" ? SourceType::kStdin : SourceType::kFile;
      s.path = f;
      s.tenant = tenant;
      s.multi_tenant = true;  // scan: --tenant only fills in for records naming none
      s.name = f == "-" ? "stdin" : "file";
      o.scan_sources.push_back(s);
    }
    exit_code = RunService(o);
  });

  CheckOptions check_options;
  std::string check_positional, check_format = "text";
  auto* check = app.add_subcommand(
      "check", "Validate a config file: every error with its line; exit 2 when invalid");
  auto* check_config = check->add_option("--config,-c", check_options.path, "YAML config file");
  auto* check_file = check->add_option("config", check_positional, "YAML config file (same)");
  check_config->excludes(check_file);
  check->add_flag("--quiet,-q", check_options.quiet, "Print errors only (exit code says the rest)");
  check->add_flag("--host", check_options.host,
                  "Also check this host: secret files and their modes, writable output paths, "
                  "free bind addresses (exit 1 when one fails)");
  check->add_flag("--details", check_options.details,
                  "One note line per tenant instead of one line per kind of note");
  check->add_option("--format", check_format, "text (default) or json (one object, for CI)")
      ->check(CLI::IsMember({"text", "json"}));
  check->callback([&] {
    if (check_options.path.empty()) check_options.path = check_positional;
    if (check_options.path.empty()) {
      std::fprintf(stderr,
                   "privmon check: error: name the config file (privmon check --config F)\n");
      exit_code = 2;
      return;
    }
    check_options.format =
        check_format == "json" ? CheckOptions::Format::kJson : CheckOptions::Format::kText;
    exit_code = RunCheck(check_options, std::cout, std::cerr);
  });

  std::string rules_config;
  auto* rules = app.add_subcommand(
      "rules",
      "List every rule: id, kind, severity, parameters, the tenant list it needs, ATT&CK "
      "techniques; with --config, how many tenants have it enabled and how many lack its list");
  rules->add_option("--config,-c", rules_config, "YAML config file (default: builtin config)")
      ->check(CLI::ExistingFile);
  rules->callback([&] { exit_code = RunRules(rules_config, std::cout, std::cerr); });

  RegisterReplayCommand(app, &exit_code);
  RegisterGenCommand(app, &exit_code);

  if (UnknownCommand(argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // JSON logs asked for (the option may have been read before the mistake): the usage error is
    // a JSON line too, level error (breaker round 96: it was CLI11's plain text, the one line
    // that says why a systemd unit fails).
    // A mistake CLI11 finds before it assigns any option (an option left without its value)
    // leaves log_format unset: the command line says it (breaker round 97).
    bool json = log_format == "json";
    for (int i = 1; i + 1 < argc && !json; ++i) {
      json = std::string_view(argv[i]) == "--log-format" && std::string_view(argv[i + 1]) == "json";
    }
    for (int i = 1; i < argc && !json; ++i) json = std::string_view(argv[i]) == "--log-format=json";
    if (e.get_exit_code() != 0 && json) {
      if (!json_logs) json_logs = JsonStderr::Install(LogLevel::kInfo);
      std::fprintf(stderr, "privmon: error: %s (privmon --help)\n", e.what());
      return 2;
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}

// An exception no command caught (out of memory, a library failure) ends privmon with its
// message and exit code 1, not std::terminate's abort.
int main(int argc, char** argv) {
  // glibc gives a heap's free top back to the kernel once it passes 128 KiB (M_TRIM_THRESHOLD)
  // and grows it again page by page. Under `run`, libzmq's I/O thread allocates each ~4 KB message
  // and the parse thread frees it, so a backlog's heap was trimmed and faulted in again and again
  // (sysmalloc and its page faults were about a sixth of run's CPU in a profile). Freed heap up to
  // 256 MiB is kept and the heap grows 64 MiB at a time: run's CPU per record about 13-15% lower
  // (BENCHMARKS.md session 50). Resident memory keeps its high-water mark (a backlog is bounded
  // by each source's high_water_mark).
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "privmon: error: %s\n", e.what());
  } catch (...) {
    std::fputs("privmon: unknown error\n", stderr);
  }
  return 1;
}
