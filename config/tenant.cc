#include "config/tenant.h"

#include <array>
#include <optional>
#include <string>

#include "config/reader.h"
#include "config/scalars.h"
#include "core/alert.h"
#include "core/hash.h"
#include "core/role_templates.h"
#include "parsers/text_util.h"
#include "state/privileged_state.h"

namespace privmon::config {
namespace {

constexpr std::size_t kTenantNameCapacity = decltype(Alert::tenant_name)::capacity();

constexpr std::array<std::string_view, 14> kTenantKeys = {
    "name",     "privileged_roles", "break_glass",   "privileged_accounts", "paw_devices",
    "approved", "naming_policy",    "working_hours", "high_value_apps",     "learning_period",
    "rules",    "suppression",      "silence_after", "silence_learn"};

// A list of accounts (break_glass, privileged_accounts): each entry by its UPN or object id, and
// also by its account name as Domain Services' Windows events write it ("DOMAIN\\sam", or the bare
// "sam"): "adm-x@contoso.com" and "CONTOSO\\adm-x" both list the name "adm-x"
// (parsers/event_builder.cc keys those events by it). The names go to `names`, which only
// security events match: another record naming a principal so (a group or an app given a role is
// named by its display name) is not that account.
bool ReadAccountList(const YAML::Node& n, std::string_view path, Diagnostics& diag,
                     absl::flat_hash_set<uint64_t>* out, absl::flat_hash_set<uint64_t>* names) {
  if (!ReadHashList(n, path, diag, out) || !n.IsSequence()) return false;
  names->clear();
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) continue;
    std::string_view text = parsers::NormalizeId(item.Scalar());
    // A personal Microsoft account listed as Azure names it ("live.com#<address>": the Activity
    // log's caller, `az account show`): records name it by the address (parsers FillAccount drops
    // the prefix), so the list holds the address too (breaker round 108).
    if (text.size() > 9 && parsers::StartsWithIgnoreCase(text, "live.com#") &&
        text.find('@') != std::string_view::npos) {
      text.remove_prefix(9);
      out->insert(HashLower(text));
    }
    // A guest listed by its #EXT# UPN is also listed by the home UPN its sign-ins name.
    char home_buffer[256];
    const std::string_view home = parsers::GuestHomeUpn(text, home_buffer, sizeof(home_buffer));
    if (!home.empty()) out->insert(HashLower(home));
    // A UPN longer than an account's state keeps: also as that state names it
    // (state/privileged_state.h).
    if (const uint64_t cut = KeptUpnCutHashOf(text); cut != 0) out->insert(cut);
    // A guest listed by its home address: its #EXT# UPN ("user_home.example#EXT#@tenant...")
    // begins with the address, '@' written '_', then "#EXT#@". When that much is longer than an
    // account's state keeps, the kept UPN (the cut) holds no whole "#EXT#@" to read the address
    // back from: the list holds the cut as the state names it, the same whatever the tenant's
    // domain after it.
    if (const std::size_t at = text.rfind('@'); home.empty() && at != std::string_view::npos &&
                                                at > 0 && text.size() + 6 > kKeptUpnCapacity &&
                                                text.find('#') == std::string_view::npos) {
      std::string ext_prefix(text);
      ext_prefix[at] = '_';
      ext_prefix += "#EXT#@";
      if (const uint64_t cut = KeptUpnCutHashOf(ext_prefix); cut != 0) out->insert(cut);
    }
    if (const std::size_t slash = text.rfind('\\'); slash != std::string_view::npos) {
      text = text.substr(slash + 1);
    } else if (const std::size_t at = text.find('@'); at != std::string_view::npos && at > 0) {
      text = text.substr(0, at);
    } else {
      continue;
    }
    if (!text.empty()) names->insert(HashLower(text));
  }
  return true;
}

void ReadNamingPolicy(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                      TenantSettings* tenant) {
  if (node.IsNull() || (node.IsScalar() && node.Scalar().empty())) {
    tenant->naming_policy.reset();
    tenant->naming_policy_text.clear();
    return;
  }
  std::string text;
  if (!ReadString(node, path, diag, &text)) return;
  std::string error;
  std::optional<UserRegex> re = UserRegex::Compile(text, &error);
  if (!re) {
    diag.Error(node, path, "invalid regular expression \"" + text + "\": " + error);
    return;
  }
  tenant->naming_policy = std::move(re);
  tenant->naming_policy_text = text;
}

}  // namespace

void OverlayTenant(const YAML::Node& node, std::string_view path, bool is_defaults,
                   Diagnostics& diag, TenantSettings* tenant) {
  std::span<const std::string_view> valid(kTenantKeys);
  if (is_defaults) valid = valid.subspan(1);  // no `name` in defaults
  std::optional<YAML::Node> rules, suppression;
  ForEachEntry(node, path, valid, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "name") {
      ReadString(value, key_path, diag, &tenant->name);
      if (tenant->name.size() > kTenantNameCapacity) {  // Alert::tenant_name
        diag.Note(key_path + ": " + std::to_string(tenant->name.size()) +
                  " bytes; alerts carry the first " + std::to_string(kTenantNameCapacity) +
                  " (tenant_name, the message, OCSF cloud.account.name), cut at a character");
      }
    } else if (key == "privileged_roles") {
      // Left empty (`privileged_roles:`, a template's placeholder): the inherited list stays, the
      // built-in one by default; an empty list `[]` means no role (check notes it).
      if (value.IsNull()) return;
      if (ReadHashList(value, key_path, diag, &tenant->privileged_roles) && value.IsSequence()) {
        // A built-in role listed by its template id: records name it by its display name.
        for (const YAML::Node& item : value) {
          if (!item.IsScalar()) continue;
          const std::string_view name = BuiltinRoleName(item.Scalar());
          if (!name.empty()) tenant->privileged_roles.insert(HashLower(name));
          // A built-in role listed by another of its names: records are read under the
          // catalogue's (core/role_templates.h).
          const std::string_view canonical = CanonicalRoleName(item.Scalar());
          tenant->privileged_roles.insert(HashLower(canonical));
        }
      }
    } else if (key == "break_glass") {
      ReadAccountList(value, key_path, diag, &tenant->break_glass, &tenant->break_glass_names);
    } else if (key == "privileged_accounts") {
      ReadAccountList(value, key_path, diag, &tenant->privileged_accounts,
                      &tenant->privileged_account_names);
    } else if (key == "paw_devices") {
      if (ReadHashList(value, key_path, diag, &tenant->paw_devices) && value.IsSequence()) {
        // Sign-ins are matched by deviceDetail.deviceId, as the guide's row says: a device's
        // display name (what the Intune portal shows first) never matches (breaker round 32).
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (!value[i].IsScalar()) continue;
          const std::string item = value[i].Scalar();
          const std::string_view text = parsers::TrimSpaces(item);
          char id_buffer[36];
          if (parsers::IsGuidText(parsers::CanonicalId(text, id_buffer))) continue;
          diag.Note(Index(key_path, i) + ": \"" + std::string(text) +
                    "\" is not a device id: sign-ins match paw_devices by deviceDetail.deviceId "
                    "(the device id Entra gives it, a GUID), never by its display name");
        }
      }
    } else if (key == "high_value_apps") {
      ReadHashList(value, key_path, diag, &tenant->high_value_apps);
    } else if (key == "approved") {
      OverlayApproved(value, key_path, diag, tenant);
    } else if (key == "naming_policy") {
      ReadNamingPolicy(value, key_path, diag, tenant);
    } else if (key == "working_hours") {
      ReadWorkingHours(value, key_path, diag, &tenant->working_hours);
    } else if (key == "learning_period") {
      ReadDuration(value, key_path, diag, &tenant->learning_period_s);
    } else if (key == "silence_after") {
      ReadDuration(value, key_path, diag, &tenant->silence_after_s);
    } else if (key == "silence_learn") {
      ReadUint32(value, key_path, diag, 0, 100, &tenant->silence_learn);
    } else if (key == "rules") {
      rules = value;
    } else if (key == "suppression") {
      suppression = value;
    }
  });
  // The level-wide suppression first, so a rule's own `suppress` wins whatever the key order.
  if (suppression) OverlaySuppression(*suppression, Child(path, "suppression"), diag, tenant);
  if (rules) OverlayRules(*rules, Child(path, "rules"), diag, tenant);
}

void OverlaySuppression(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                        TenantSettings* tenant) {
  static constexpr std::array<std::string_view, 1> kKeys = {"period"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    int64_t period = 0;
    if (!ReadDuration(value, Child(path, key), diag, &period)) return;
    for (RuleSettings& rule : tenant->rules) {
      if (!rule.suppress_given) rule.suppress_s = period;
    }
  });
}

void OverlayApproved(const YAML::Node& node, std::string_view path, Diagnostics& diag,
                     TenantSettings* tenant) {
  static constexpr std::array<std::string_view, 4> kKeys = {"countries", "ip_ranges", "inviters",
                                                            "require_managed_device"};
  ForEachEntry(node, path, kKeys, diag, [&](const std::string& key, const YAML::Node& value) {
    const std::string key_path = Child(path, key);
    if (key == "countries") {
      absl::flat_hash_set<uint16_t> countries;
      ForEachScalarItem(
          value, key_path, diag,
          [&](const std::string& text, const YAML::Node& item, const std::string& item_path) {
            uint16_t packed = 0;
            if (!ParseCountry(text, &packed)) {
              diag.Error(item, item_path,
                         "expected a two-letter country code like US, got \"" + text + "\"");
              return;
            }
            if (packed == TenantSettings::PackCountry('U', 'K')) {
              // Entra writes the United Kingdom as GB (ISO 3166-1); "UK" never matched.
              diag.Note(item_path + ": UK read as GB (sign-in logs write ISO 3166-1 codes)");
              packed = TenantSettings::PackCountry('G', 'B');
            } else if (!IsAssignedCountry(packed)) {
              diag.Note(item_path + ": \"" + text +
                        "\" is no ISO 3166-1 country code: no sign-in names it");
            }
            countries.insert(packed);
          });
      tenant->approved_countries = std::move(countries);
    } else if (key == "ip_ranges") {
      std::vector<CidrRange> ranges;
      ForEachScalarItem(
          value, key_path, diag,
          [&](const std::string& text, const YAML::Node& item, const std::string& item_path) {
            CidrRange range;
            std::string error;
            if (!ParseCidr(text, &range, &error)) {
              diag.Error(item, item_path, error + ", got \"" + text + "\"");
              return;
            }
            ranges.push_back(range);
          });
      tenant->approved_ip_ranges = std::move(ranges);
    } else if (key == "inviters") {
      // Accounts, as break_glass lists them: a guest listed by its #EXT# UPN is also listed by
      // the home UPN it spells (no Domain Services names: only audit actors are judged).
      absl::flat_hash_set<uint64_t> names;
      ReadAccountList(value, key_path, diag, &tenant->approved_inviters, &names);
    } else if (key == "require_managed_device") {
      ReadBool(value, key_path, diag, &tenant->require_managed_device);
    }
  });
}

}  // namespace privmon::config
