// The alert formats a sink can write (config `format: native|ocsf`), and AlertLines, which formats
// the alert in hand at most once per format however many outputs share that format.
// AlertLines is owned by the sink thread (not thread-safe); its buffers are reused, so it
// allocates nothing once they have grown to the largest alert.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/alert.h"
#include "core/config.h"

namespace privmon {

// Appends `a` as one line ending '\n' in `format` (sinks/alert_json.h, sinks/alert_ocsf.h).
void AppendAlert(const Alert& a, AlertFormat format, std::string& out);

class AlertLines {
 public:
  AlertLines();
  // Forgets the previous alert's lines; call once per alert before Get().
  void Reset() { ready_ = {}; }
  // `a` formatted in `format`; valid until the next Reset(). `a` must be the same alert for every
  // call between two Reset()s.
  std::string_view Get(const Alert& a, AlertFormat format);

 private:
  static constexpr std::size_t kFormats = 2;
  std::array<std::string, kFormats> lines_;
  std::array<bool, kFormats> ready_{};
};

}  // namespace privmon
