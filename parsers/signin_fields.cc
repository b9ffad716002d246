// Sign-in specific fields of an Event (SignInFields) from RecordFields.
#include <algorithm>
#include <array>

#include "core/hash.h"
#include "parsers/event_builder.h"
#include "parsers/hash_memo.h"
#include "parsers/ip_address.h"
#include "parsers/legacy_clients.h"
#include "parsers/outcome.h"
#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

// Exports that write Graph enums by their numeric value (as the audit `result` 0 of a documented
// example): the members in the order Graph declares them, from 0.
int EnumNumber(std::string_view s) {
  if (s.empty() || s.size() > 2) return -1;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

CaStatus ParseCaStatus(std::string_view s) {
  switch (EnumNumber(s)) {  // conditionalAccessStatus: success, failure, notApplied
    case 0:
      return CaStatus::kSuccess;
    case 1:
      return CaStatus::kFailure;
    case 2:
      return CaStatus::kNotApplied;
    default:
      break;
  }
  if (EqualsIgnoreCase(s, "success")) return CaStatus::kSuccess;
  if (EqualsIgnoreCase(s, "failure")) return CaStatus::kFailure;
  if (EqualsIgnoreCase(s, "notApplied")) return CaStatus::kNotApplied;
  return CaStatus::kUnknown;
}

RiskState ParseRiskState(std::string_view s) {
  if (s.empty()) return RiskState::kUnknown;
  // riskState: none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised
  switch (EnumNumber(s)) {
    case -1:
      break;
    case 0:
      return RiskState::kNone;
    case 4:
      return RiskState::kAtRisk;
    case 5:
      return RiskState::kConfirmedCompromised;
    default:
      return RiskState::kOther;
  }
  if (EqualsIgnoreCase(s, "none")) return RiskState::kNone;
  if (EqualsIgnoreCase(s, "atRisk")) return RiskState::kAtRisk;
  if (EqualsIgnoreCase(s, "confirmedCompromised")) return RiskState::kConfirmedCompromised;
  return RiskState::kOther;
}

RiskLevel ParseRiskLevel(std::string_view s) {
  switch (EnumNumber(s)) {  // riskLevel: low, medium, high, hidden, none
    case -1:
      break;
    case 0:
      return RiskLevel::kLow;
    case 1:
      return RiskLevel::kMedium;
    case 2:
      return RiskLevel::kHigh;
    case 3:
      return RiskLevel::kHidden;
    case 4:
      return RiskLevel::kNone;
    default:
      return RiskLevel::kUnknown;
  }
  if (EqualsIgnoreCase(s, "none")) return RiskLevel::kNone;
  if (EqualsIgnoreCase(s, "low")) return RiskLevel::kLow;
  if (EqualsIgnoreCase(s, "medium")) return RiskLevel::kMedium;
  if (EqualsIgnoreCase(s, "high")) return RiskLevel::kHigh;
  if (EqualsIgnoreCase(s, "hidden")) return RiskLevel::kHidden;
  return RiskLevel::kUnknown;
}

// Texts that repeat (tenant ids, client apps) through the thread's memo.
uint64_t HashOptional(std::string_view s) { return s.empty() ? 0 : MemoHashLower(s); }

// A browser without its version ("Chrome 120.0.6099" -> "Chrome", "Rich Client 4.40.0.0" ->
// "Rich Client"): the browser updates itself on the same device, and each new version is not a
// new device (PRIV-SI-14).
std::string_view WithoutVersion(std::string_view name) {
  while (true) {
    const std::size_t space = name.find_last_of(' ');
    if (space == std::string_view::npos || space + 1 >= name.size()) return name;
    const char c = name[space + 1];
    if (c < '0' || c > '9') return name;
    name = TrimSpaces(name.substr(0, space));
  }
}

// HashLower(a + sep + b) without building the string (through the thread's memo: places repeat).
uint64_t HashJoined(std::string_view a, std::string_view sep, std::string_view b) {
  char buffer[256];
  if (a.size() + sep.size() + b.size() > sizeof(buffer)) {
    a = a.substr(0, 120), b = b.substr(0, 120);
  }
  char* end = std::copy(a.begin(), a.end(), buffer);
  end = std::copy(sep.begin(), sep.end(), end);
  end = std::copy(b.begin(), b.end(), end);
  return MemoHashLower(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
}

// The device a sign-in came from as PRIV-SI-14 learns it when it names no device id: its OS and
// browser compared without case and spaces ("Windows10" / "Windows 10", "MacOs" / "macOS"), the
// browser without its version and without "Microsoft " before it ("Microsoft Edge" / "Edge
// 120.0"). Written to `out` (capacity >= 2 * 120 + 1); returns its length.
std::size_t FoldDevice(std::string_view os, std::string_view browser, char* out) {
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    for (char c : s.substr(0, 120)) {
      if (c != ' ') out[n++] = AsciiLower(c);
    }
  };
  put(os);
  out[n++] = '|';
  browser = WithoutVersion(browser);
  if (browser.size() > 10 && StartsWithIgnoreCase(browser, "Microsoft ")) browser.remove_prefix(10);
  put(browser);
  return n;
}

}  // namespace

void FillSignInFields(const RecordFields& f, Event& ev) {
  SignInFields& s = ev.signin;
  // status.errorCode (number) is authoritative; the envelope/LA resultType is text, a code or,
  // in some exports, "Success" / "Failure" (parsers/outcome.h).
  s.error_code = SignInErrorCode(f.error_code, f.result_type);
  if (s.channel != SignInChannel::kOther && f.is_interactive == 0 &&
      ev.format == RecordFormat::kGraph) {
    s.channel = SignInChannel::kNonInteractive;
  }
  s.ca_status = ParseCaStatus(TrimSpaces(f.ca_status));
  s.risk_state = ParseRiskState(TrimSpaces(f.risk_state));
  s.risk_during = ParseRiskLevel(TrimSpaces(f.risk_during));
  s.risk_aggregated = ParseRiskLevel(TrimSpaces(f.risk_aggregated));

  const std::string_view app = TrimSpaces(f.client_app);
  const ClientAppClass app_class = ClassifyClientApp(app);
  s.client_app = app_class.app;
  // A legacy client is learned by its protocol (PRIV-SI-13: "IMAP4", "IMAP" and "Other clients;
  // IMAP" are one); the key its own name had before is kept for state learned under it.
  const uint64_t app_name_key = HashOptional(app);
  s.client_app_hash = app_class.protocol_key != 0 ? app_class.protocol_key : app_name_key;
  s.former_client_app_hash = s.client_app_hash != app_name_key ? app_name_key : 0;
  s.client_app_name.assign(app);
  s.fraud_reported = f.fraud_denied;
  s.device_unstated = f.summarized_signin;

  // A guest's sign-in in the resource tenant's log names its device "{PII Removed}" (id and
  // display name: "removed from resource tenant due to privacy implications", the sign-in log
  // schema's guest sample): no device named, so OS and browser tell devices apart (PRIV-SI-14;
  // read as one device, every device of a guest admin was the same: breaker round 101).
  const auto redacted = [](std::string_view v) {
    v = TrimSpaces(v);
    if (v.size() >= 2 && v.front() == '{' && v.back() == '}')
      v = TrimSpaces(v.substr(1, v.size() - 2));
    return EqualsIgnoreCase(v, "PII Removed");
  };
  char device_id_buffer[36];  // a device id without its dashes is the dashed one (CanonicalId)
  const std::string_view device_id =
      redacted(f.device_id) ? std::string_view{} : CanonicalId(f.device_id, device_id_buffer);
  const std::string_view os = TrimSpaces(f.operating_system);
  const std::string_view browser = TrimSpaces(f.browser);
  if (!os.empty() || !browser.empty()) {
    char folded[2 * 120 + 1];
    const uint64_t key = MemoHashLower(std::string_view(folded, FoldDevice(os, browser, folded)));
    if (device_id.empty()) {
      s.device_hash = key;
      // The key builds before this one learned the device under (spelling kept): it still counts.
      const uint64_t former = HashJoined(os, "|", WithoutVersion(browser));
      s.device_alias_hash = former != key ? former : 0;
    } else {
      s.device_alias_hash = key;  // learned beside the id (SignInFields::device_alias_hash)
    }
  }
  if (!device_id.empty()) s.device_hash = HashLower(device_id);
  s.device_id.assign(device_id);
  const std::string_view device_name =
      redacted(f.device_name) ? std::string_view{} : TrimSpaces(f.device_name);
  if (!device_name.empty()) {
    s.device_label.assign(device_name);
  } else if (!os.empty() || !browser.empty()) {
    char label[96];
    const std::string_view sep = " / ";
    char* end = std::copy_n(os.begin(), std::min<std::size_t>(os.size(), 45), label);
    end = std::copy(sep.begin(), sep.end(), end);
    end = std::copy_n(browser.begin(), std::min<std::size_t>(browser.size(), 45), end);
    s.device_label.assign(std::string_view(label, static_cast<std::size_t>(end - label)));
  }
  s.device_compliant = f.device_compliant == 1;
  s.device_managed = f.device_managed == 1;
  s.guest = EqualsIgnoreCase(TrimSpaces(f.user_type), "Guest");

  std::string_view country = TrimSpaces(f.country_or_region);
  if (country.empty()) country = TrimSpaces(f.location_country);
  const std::string_view city = TrimSpaces(f.city);
  if (country.size() == 2) {
    for (int i = 0; i < 2; ++i) {
      const char c = country[i];
      s.country[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    }
  }
  s.city.assign(city);
  if (!country.empty() || !city.empty()) s.location_hash = HashJoined(country, "/", city);

  std::string_view ip = TrimSpaces(f.ip_address);
  if (ip.empty()) ip = TrimSpaces(f.caller_ip_address);
  s.ip_text.assign(ip);
  s.ip_family = ip.empty() ? 0 : ParseRecordIpAddress(ip, s.ip);

  char home_tenant_buffer[36], resource_tenant_buffer[36];  // without dashes: the dashed id
  s.home_tenant_hash = HashOptional(CanonicalId(f.home_tenant_id, home_tenant_buffer));
  s.resource_tenant_hash = HashOptional(CanonicalId(f.resource_tenant_id, resource_tenant_buffer));
  // A tenant's log holds its own users' sign-ins (into any tenant) and other tenants' users'
  // sign-ins into it. A user's sign-in that names no home tenant ("", null or absent, as older
  // records and projections leave it) into another tenant's resource is therefore one of this
  // tenant's users signing in elsewhere (PRIV-SI-16): its home is the log's tenant.
  if (s.home_tenant_hash == 0 && s.resource_tenant_hash != 0 &&
      s.resource_tenant_hash != ev.tenant_hash && s.principal == PrincipalType::kUser) {
    s.home_tenant_hash = ev.tenant_hash;
  }
}

}  // namespace privmon::parsers
