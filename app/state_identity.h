// What the state partitions' checkpoints in a checkpoint.dir belong to (README "Running N
// instances"): the mode (state_topic or keyed_by_tenant), the input topic(s), the group, the state
// topic and the partition count. The checkpoints store offsets and state by partition number only,
// so a directory reused for another topic, group or mode would restore offsets of one topic on
// another (records silently skipped). The first start writes <dir>/state-partitions.identity
// (key=value lines); every later start compares and refuses a different identity.
#pragma once

#include <map>
#include <string>

#include "core/config.h"

namespace privmon {

inline constexpr const char* kStateIdentityFile = "state-partitions.identity";

// The identity of the state-partition mode `source` runs (key -> value).
std::map<std::string, std::string> StateIdentityOf(const SourceSettings& source);
// key=value lines, sorted by key, after one comment line.
std::string FormatStateIdentity(const std::map<std::string, std::string>& identity);
// Parses key=value lines; '#' lines and blank lines are ignored. False on a line without '='.
bool ParseStateIdentity(const std::string& text, std::map<std::string, std::string>* identity);

// Writes `identity` to <dir>/state-partitions.identity when none exists (atomically: a temporary
// file linked into place, so of two concurrent first starts one wins and the other compares), or
// compares it with the one there. False, with a message naming both identities and what to do,
// when they differ or the file cannot be read or written.
bool CheckStateIdentity(const std::string& dir, const std::map<std::string, std::string>& identity,
                        std::string* error);

}  // namespace privmon
