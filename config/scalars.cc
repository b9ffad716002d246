#include "config/scalars.h"

#include <array>
#include <limits>

#include "core/hash.h"
#include "parsers/ip_address.h"

namespace privmon::config {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ParseUnsigned(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

bool ParseBool(std::string_view text, bool* out) {
  for (std::string_view t : {"true", "yes", "on"}) {
    if (EqualsIgnoreCase(text, t)) return *out = true, true;
  }
  for (std::string_view f : {"false", "no", "off"}) {
    if (EqualsIgnoreCase(text, f)) return *out = false, true;
  }
  return false;
}

bool ParseDuration(std::string_view text, int64_t* seconds, std::string* error) {
  constexpr int64_t kMax = 100LL * 365 * kDay;
  *error = "expected a duration like 30s, 5m, 1h, 14d or 1h5m (a plain number is seconds)";
  if (!text.empty() && text.front() == '-') {
    *error = "a duration cannot be negative";
    return false;
  }
  uint64_t plain = 0;
  if (ParseUnsigned(text, &plain)) {
    if (plain > static_cast<uint64_t>(kMax)) return *error = "duration too long", false;
    *seconds = static_cast<int64_t>(plain);
    return true;
  }
  int64_t total = 0;
  std::size_t i = 0;
  if (text.empty()) return false;
  while (i < text.size()) {
    const std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    uint64_t amount = 0;
    if (i == digits_start || i == text.size() ||
        !ParseUnsigned(text.substr(digits_start, i - digits_start), &amount)) {
      return false;
    }
    int64_t unit = 0;
    switch (text[i]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = kMinute;
        break;
      case 'h':
        unit = kHour;
        break;
      case 'd':
        unit = kDay;
        break;
      case 'w':
        unit = 7 * kDay;
        break;
      default:
        return false;
    }
    ++i;
    if (amount > static_cast<uint64_t>(kMax / unit)) return *error = "duration too long", false;
    total += static_cast<int64_t>(amount) * unit;
    if (total > kMax) return *error = "duration too long", false;
  }
  *seconds = total;
  return true;
}

bool ParseSeverity(std::string_view text, Severity* out) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh}) {
    if (EqualsIgnoreCase(text, SeverityName(s))) return *out = s, true;
  }
  return false;
}

bool ParseAlertFormat(std::string_view text, AlertFormat* out) {
  if (EqualsIgnoreCase(text, "native")) return *out = AlertFormat::kNative, true;
  if (EqualsIgnoreCase(text, "ocsf")) return *out = AlertFormat::kOcsf, true;
  return false;
}

bool ParseCidr(std::string_view text, CidrRange* out, std::string* error) {
  const std::size_t slash = text.find('/');
  CidrRange range;
  const uint8_t family = parsers::ParseIpAddress(text.substr(0, slash), range.addr);
  if (family == 0) {
    *error = "expected an IP range like 203.0.113.0/24, 2001:db8::/32 or a single address";
    return false;
  }
  const unsigned max_bits = family == 4 ? 32 : 128, offset = family == 4 ? 96 : 0;
  uint64_t bits = max_bits;
  if (slash != std::string_view::npos &&
      (!ParseUnsigned(text.substr(slash + 1), &bits) || bits > max_bits)) {
    *error = "prefix length must be a number from 0 to " + std::to_string(max_bits);
    return false;
  }
  range.prefix_bits = static_cast<uint8_t>(bits + offset);
  for (unsigned bit = range.prefix_bits; bit < 128; ++bit) {  // clear host bits
    range.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  *out = range;
  return true;
}

bool ParseCountry(std::string_view text, uint16_t* out) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (text.size() != 2 || !letter(text[0]) || !letter(text[1])) return false;
  auto upper = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; };
  *out = TenantSettings::PackCountry(upper(text[0]), upper(text[1]));
  return true;
}

bool IsAssignedCountry(uint16_t packed) {
  // ISO 3166-1 alpha-2, as tzdata's iso3166.tab lists them, and XK (Kosovo), which sign-in logs
  // also write: two letters each.
  static constexpr std::string_view kAssigned =
      "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
      "CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
      "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
      "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
      "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
      "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
      "VNVUWFWSYEYTZAZMZWXK";
  for (std::size_t i = 0; i + 1 < kAssigned.size(); i += 2) {
    if (TenantSettings::PackCountry(kAssigned[i], kAssigned[i + 1]) == packed) return true;
  }
  return false;
}

namespace {

constexpr std::array<std::string_view, 7> kShortDays = {"mon", "tue", "wed", "thu",
                                                        "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

int DayIndex(std::string_view name) {
  name = Trim(name);
  for (int d = 0; d < 7; ++d) {
    if (EqualsIgnoreCase(name, kShortDays[d]) || EqualsIgnoreCase(name, kLongDays[d])) return d;
  }
  return -1;
}

}  // namespace

bool ParseWeekdays(std::string_view text, uint8_t* mask, std::string* error) {
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    const std::size_t dash = item.find('-');
    const int first = DayIndex(item.substr(0, dash));
    const int last = dash == std::string_view::npos ? first : DayIndex(item.substr(dash + 1));
    if (first < 0 || last < 0) {
      *error =
          "expected days like Mon-Fri, Sat or [Mon, Tue] (Mon Tue Wed Thu Fri Sat Sun), got \"" +
          std::string(item) + "\"";
      return false;
    }
    for (int d = first;; d = (d + 1) % 7) {
      *mask |= static_cast<uint8_t>(1u << d);
      if (d == last) break;
    }
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

namespace {

bool ParseClock(std::string_view text, int* minute) {
  text = Trim(text);
  const std::size_t colon = text.find(':');
  uint64_t h = 0, m = 0;
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3 ||
      !ParseUnsigned(text.substr(0, colon), &h) || !ParseUnsigned(text.substr(colon + 1), &m) ||
      m > 59 || h > 24 || (h == 24 && m != 0)) {
    return false;
  }
  *minute = static_cast<int>(h * 60 + m);
  return true;
}

}  // namespace

bool ParseHourRange(std::string_view text, int* start_minute, int* end_minute, std::string* error) {
  const std::size_t dash = text.find('-');
  int start = 0, end = 0;
  if (dash == std::string_view::npos || !ParseClock(text.substr(0, dash), &start) ||
      !ParseClock(text.substr(dash + 1), &end) || start == 24 * 60) {
    *error = "expected hours like \"07:00-19:00\" (HH:MM-HH:MM, 24-hour clock)";
    return false;
  }
  if (start == end) {
    *error = "working hours start and end at the same time";
    return false;
  }
  *start_minute = start;
  *end_minute = end;
  return true;
}

}  // namespace privmon::config
