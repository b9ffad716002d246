// `privmon check --host`: what `run` needs from the host, beyond the config file itself (DESIGN.md
// section 10 "check"): secret files (CURVE keys, SASL passwords) readable and not readable by
// others, output paths (alert files, dead-letter file, checkpoint directory) writable and not
// symlinks, input files readable, TCP bind addresses (ZeroMQ binds, PUB sinks, metrics) free now.
// Each failure is one line naming the setting, the path or address and the fix; a note says what
// `run` will do where that depends on the host (output kinds: the rule `run` applies, one function
// each: sinks/fd_output.h AlertFileKind, sinks/dead_letter.h DeadLetterFileKindProblem). Reads the
// file system and binds (then closes) sockets; no state. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace privmon {

struct HostCheck {
  std::vector<std::string> problems;  // `run` would fail or be unsafe here: exit 1
  // What `run` will do that the operator should know, no problem in itself (a FIFO sink is
  // written only while its reader runs).
  std::vector<std::string> notes;
};
HostCheck CheckHost(const CompiledConfig& config);

}  // namespace privmon
