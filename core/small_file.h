// ReadSmallFile: a whole small file (a config, a rule file) into memory, refusing one past a size
// bound instead of holding all of it: a path mistyped to a log of gigabytes, /dev/zero or a pipe
// that never ends made the loaders read until memory ran out. Pipes (--config <(...)) still work.
// O(file size), one 64 KiB buffer; thread-safe.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace privmon {

// Config and rule files are kilobytes; a thousand tenants' lists stay far below this.
inline constexpr std::size_t kMaxSmallFileBytes = 32u << 20;

// Fills `out` with the file's bytes; returns "" on success, else why it was not read.
inline std::string ReadSmallFile(const std::string& path, std::string* out,
                                 std::size_t max_bytes = kMaxSmallFileBytes) {
  out->clear();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::strerror(errno);
  char buf[1 << 16];
  std::string error;
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    if (n == 0) {
      if (std::ferror(f)) error = std::strerror(errno);
      break;
    }
    if (out->size() + n > max_bytes) {
      error =
          "larger than " + std::to_string(max_bytes >> 20) + " MiB (not a config or rule file?)";
      break;
    }
    out->append(buf, n);
  }
  std::fclose(f);
  if (!error.empty()) out->clear();
  return error;
}

}  // namespace privmon
