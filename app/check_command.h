// `privmon check [--config] CONFIG`: validates a config file and explains it.
// Text (default): "OK: <file>: N tenants, M rules enabled" and the notes on `out`, each error on
// `err`. Notes that repeat across tenants are aggregated to one line with a tenant count (every
// tenant is listed with `details`); `quiet` prints nothing but errors. JSON (`format = kJson`):
// one object on `out`, errors included, for CI:
//   {"file":..,"valid":bool,"tenants":N,"rules_enabled":M,
//    "errors":[{"line":L,"column":C,"message":..}],
//    "notes":[{"text":..,"subjects":[..],"count":K}]}
// With `host` (check --host), a valid config is also checked against this host (app/host_check.h):
// each failure one "host: ..." line on `err` (JSON: "host_errors":[..]).
// Returns the process exit code: 0 valid, 2 invalid or unreadable, 1 valid but the host fails
// what `run` needs. Never throws.
#pragma once

#include <ostream>
#include <string>

namespace privmon {

struct CheckOptions {
  enum class Format { kText, kJson };
  std::string path;
  Format format = Format::kText;
  bool quiet = false;    // text: errors only
  bool details = false;  // text: one line per (tenant, note) instead of aggregated lines
  bool host = false;     // also check what `run` needs from this host
};

int RunCheck(const CheckOptions& options, std::ostream& out, std::ostream& err);

// The text form with default options (kept for callers that name only the file).
inline int RunCheck(const std::string& path, std::ostream& out, std::ostream& err) {
  return RunCheck(CheckOptions{path}, out, err);
}

}  // namespace privmon
