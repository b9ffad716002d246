// ErrnoText: "<what>: <strerror(errno)>", the message of a failed system call for the files the
// pipeline owns (checkpoints, partition fences). Header-only; any thread (reads errno at once).
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

namespace privmon {

inline std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace privmon
