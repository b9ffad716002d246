#include "sinks/alert_format.h"

#include "sinks/alert_json.h"
#include "sinks/alert_ocsf.h"

namespace privmon {

void AppendAlert(const Alert& a, AlertFormat format, std::string& out) {
  if (format == AlertFormat::kOcsf) {
    AppendAlertOcsf(a, out);
  } else {
    AppendAlertJson(a, out);
  }
}

AlertLines::AlertLines() {
  for (auto& line : lines_) line.reserve(4096);
}

std::string_view AlertLines::Get(const Alert& a, AlertFormat format) {
  const auto i = static_cast<std::size_t>(format);
  if (!ready_[i]) {
    lines_[i].clear();
    AppendAlert(a, format, lines_[i]);
    ready_[i] = true;
  }
  return lines_[i];
}

}  // namespace privmon
