// `privmon check --host`: what `run` needs from the host, beyond the config file itself (DESIGN.md
// section 10 "check"): secret files (CURVE keys, SASL passwords) readable and not readable by
// others, output paths (alert files, dead-letter file, checkpoint directory) writable and not
// symlinks, input files readable, TCP bind addresses (ZeroMQ binds, PUB sinks, metrics) free now.
// Each failure is one line naming the setting, the path or address and the fix. Reads the file
// system and binds (then closes) sockets; no state. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace privmon {

std::vector<std::string> CheckHost(const CompiledConfig& config);

}  // namespace privmon
