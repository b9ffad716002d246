// The checks `privmon check` adds to loading (DESIGN.md section 10: check validates the file):
// tenant ids that are not GUIDs (Entra tenant ids always are: a typo would silently make a tenant
// whose records never match), endpoint schemes ZeroMQ does not speak, and two sockets bound on
// one address (sources, zmq_pub sinks, the metrics listener). Run on a file that loaded without
// errors; each finding is a ConfigError with its line. Start-up only; never throws.
#pragma once

#include <string>
#include <vector>

#include "config/loader.h"

namespace privmon {

std::vector<ConfigError> LintConfigFile(const std::string& path);

// "tcp://host:port", "ipc://path", "inproc://name", "pgm://..", "epgm://..": true when ZeroMQ
// knows the scheme (and a tcp endpoint names a port).
bool IsKnownEndpoint(std::string_view endpoint);
inline constexpr std::string_view kEndpointForms =
    "expected tcp://host:port (a port 1-65535, or * when bound), ipc://path, inproc://name, "
    "pgm:// or epgm://";
bool IsGuid(std::string_view text);

}  // namespace privmon
