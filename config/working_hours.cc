// ReadWorkingHours: `working_hours: {timezone, days, hours}` into a WorkingHours with its zone
// loaded (absl reads the system tzdata, so DST follows the zone's rules).
#include <array>

#include "config/reader.h"
#include "config/scalars.h"
#include "config/tenant.h"

namespace privmon::config {
namespace {

bool ReadDays(const YAML::Node& node, std::string_view path, Diagnostics& diag, uint8_t* mask) {
  uint8_t days = 0;
  bool ok = true;
  auto add = [&](const std::string& text, const YAML::Node& at, const std::string& at_path) {
    std::string error;
    if (!ParseWeekdays(text, &days, &error)) {
      diag.Error(at, at_path, error);
      ok = false;
    }
  };
  if (node.IsScalar()) {
    add(node.Scalar(), node, std::string(path));
  } else if (node.IsSequence()) {
    ok = ForEachScalarItem(node, path, diag, add) && ok;
  } else {
    diag.Error(node, path, "expected days like Mon-Fri or [Mon, Tue], got " + Describe(node));
    return false;
  }
  if (ok && days == 0) {
    diag.Error(node, path, "no working days listed");
    return false;
  }
  if (ok) *mask = days;
  return ok;
}

}  // namespace

bool ReadWorkingHours(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                      WorkingHours* out) {
  if (node.IsNull()) {
    *out = WorkingHours{};
    return true;
  }
  static constexpr std::array<std::string_view, 3> kKeys = {"timezone", "days", "hours"};
  // A tenant's map overrides the inherited one key by key (as `approved`): its `hours` alone keep
  // the defaults' timezone and days (breaker round 32: they were read in UTC, Mon-Fri).
  WorkingHours hours = *out;
  bool ok = true, has_hours = hours.configured;
  if (!hours.configured) {
    hours.configured = true;
    hours.zone = absl::UTCTimeZone();
    hours.day_mask = 0x1F;  // Mon-Fri unless told otherwise
  }
  const bool is_map =
      ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
        const std::string key_path = Child(path, key);
        if (key == "timezone") {
          std::string name;
          if (!ReadString(value, key_path, diag, &name)) {
            ok = false;
          } else if (name.empty() || !absl::LoadTimeZone(name, &hours.zone)) {
            diag.Error(value, key_path,
                       "unknown time zone \"" + name +
                           "\" (expected an IANA name like America/New_York, Europe/Paris or UTC)");
            ok = false;
          }
        } else if (key == "days") {
          ok = ReadDays(value, key_path, diag, &hours.day_mask) && ok;
        } else if (key == "hours") {
          std::string text, error;
          has_hours = true;
          if (!ReadString(value, key_path, diag, &text)) {
            ok = false;
          } else if (!ParseHourRange(text, &hours.start_minute, &hours.end_minute, &error)) {
            diag.Error(value, key_path, error + ", got \"" + text + "\"");
            ok = false;
          }
        }
      });
  if (!is_map) return false;
  if (!has_hours) {
    diag.Error(node, path, "working_hours needs hours, e.g. hours: \"07:00-19:00\"");
    ok = false;
  }
  if (ok) *out = hours;
  return ok;
}

}  // namespace privmon::config
