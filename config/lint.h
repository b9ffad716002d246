// The checks `privmon check` adds to loading (DESIGN.md section 10: check validates the file):
// tenant ids that are not GUIDs (Entra tenant ids always are: a typo would silently make a tenant
// whose records never match), endpoint schemes ZeroMQ does not speak, and two sockets bound on
// one address (sources, zmq_pub sinks, the metrics listener). Run on a file that loaded without
// errors, by LoadConfigFile itself (so by every command that loads a file, not only check); each
// finding is a ConfigError with its line. Start-up and SIGHUP only; never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"

namespace privmon {

// `text`: the config file's YAML, `origin` its path (named in each error). LoadConfigFile runs
// the load checks (kLoad: endpoints, two sockets on one address) on every file it loads (run,
// scan, check, rules, SIGHUP), so every command refuses them with check's message; `check` adds
// the tenant ids (kCheck: `run` and `scan` take a tenant key that is no GUID, as the test corpus
// names its tenants; README "Known limits").
enum class LintScope { kLoad, kCheck };
std::vector<ConfigError> LintConfigText(std::string_view text, std::string_view origin,
                                        LintScope scope);

// "tcp://host:port", "ipc://path", "inproc://name", "pgm://..", "epgm://..": true when ZeroMQ
// knows the scheme (and a tcp endpoint names a port).
bool IsKnownEndpoint(std::string_view endpoint);
inline constexpr std::string_view kEndpointForms =
    "expected tcp://host:port (a port 1-65535, or * when bound), ipc://path, inproc://name, "
    "pgm:// or epgm://";
bool IsGuid(std::string_view text);

}  // namespace privmon
