// ReadCheckpoint: the `checkpoint: {dir, interval}` section (docs/operations.md "Checkpoints").
#include <array>

#include "config/reader.h"
#include "config/sections.h"

namespace privmon::config {

void ReadCheckpoint(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                    CheckpointSettings* out) {
  static constexpr std::array<std::string_view, 2> kKeys = {"dir", "interval"};
  bool has_dir = false;
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "dir") {
      has_dir = true;
      if (ReadString(value, key_path, diag, &out->dir) && out->dir.empty()) {
        diag.Error(value, key_path, "must name a directory (leave the section out for none)");
      }
    } else if (key == "interval") {
      int64_t s = 0;
      if (!ReadDuration(value, key_path, diag, &s)) return;
      if (s < 1) {
        diag.Error(value, key_path, "must be at least 1s");
        return;
      }
      out->interval_s = s;
    }
  });
  if (!has_dir && node.IsMap()) diag.Error(node, path, "needs `dir`: where checkpoints are kept");
}

}  // namespace privmon::config
