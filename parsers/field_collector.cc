#include "parsers/field_collector.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

using simdjson::error_code;
using simdjson::SUCCESS;

enum class Key : uint8_t {
  kUnknown,
  kAadTenantId,
  kAccount,
  kActivityDateTime,
  kActivityDisplayName,
  kAppId,
  kAuthenticationDetails,
  kCaller,
  kCallerIpAddress,
  kCategory,
  kClaims,
  kClientAppUsed,
  kComputer,
  kConditionalAccessStatus,
  kCorrelationId,
  kCreatedDateTime,
  kDeviceDetail,
  kEventId,
  kEventTimestamp,
  kHomeTenantId,
  kId,
  kIdentity,
  kInitiatedBy,
  kIpAddress,
  kIsAdmin,
  kIsInteractive,
  kIsMfaRegistered,
  kLastUpdatedDateTime,
  kLocation,
  kLocationDetails,
  kLoggedByService,
  kOperationName,
  kOperationNameValue,
  kProperties,
  kResourceId,
  kResourceTenantId,
  kResult,
  kResultReason,
  kResultType,
  kRiskLevelAggregated,
  kRiskLevelDuringSignIn,
  kRiskState,
  kServicePrincipalId,
  kStatus,
  kSubjectUserName,
  kTargetResources,
  kTenantId,
  kTime,
  kTimeGenerated,
  kType,
  kUserId,
  kUserPrincipalName,
  kUserType,
};

// Record keys, lower-cased and sorted: Graph/diag camelCase and LA PascalCase spell the same
// column, and real exports drift in key case (SCHEMA-detail.md section 5.3), so record-level keys
// match case-insensitively. The one clash, LA "TenantId" (the workspace), is handled before lookup.
constexpr std::array<std::pair<std::string_view, Key>, 52> kRecordKeys = {{
    {"aadtenantid", Key::kAadTenantId},
    {"account", Key::kAccount},
    {"activitydatetime", Key::kActivityDateTime},
    {"activitydisplayname", Key::kActivityDisplayName},
    {"appid", Key::kAppId},
    {"authenticationdetails", Key::kAuthenticationDetails},
    {"caller", Key::kCaller},
    {"calleripaddress", Key::kCallerIpAddress},
    {"category", Key::kCategory},
    {"claims", Key::kClaims},
    {"clientappused", Key::kClientAppUsed},
    {"computer", Key::kComputer},
    {"conditionalaccessstatus", Key::kConditionalAccessStatus},
    {"correlationid", Key::kCorrelationId},
    {"createddatetime", Key::kCreatedDateTime},
    {"devicedetail", Key::kDeviceDetail},
    {"eventid", Key::kEventId},
    {"eventtimestamp", Key::kEventTimestamp},
    {"hometenantid", Key::kHomeTenantId},
    {"id", Key::kId},
    {"identity", Key::kIdentity},
    {"initiatedby", Key::kInitiatedBy},
    {"ipaddress", Key::kIpAddress},
    {"isadmin", Key::kIsAdmin},
    {"isinteractive", Key::kIsInteractive},
    {"ismfaregistered", Key::kIsMfaRegistered},
    {"lastupdateddatetime", Key::kLastUpdatedDateTime},
    {"location", Key::kLocation},
    {"locationdetails", Key::kLocationDetails},
    {"loggedbyservice", Key::kLoggedByService},
    {"operationname", Key::kOperationName},
    {"operationnamevalue", Key::kOperationNameValue},
    {"properties", Key::kProperties},
    {"resourceid", Key::kResourceId},
    {"resourcetenantid", Key::kResourceTenantId},
    {"result", Key::kResult},
    {"resultreason", Key::kResultReason},
    {"resulttype", Key::kResultType},
    {"risklevelaggregated", Key::kRiskLevelAggregated},
    {"risklevelduringsignin", Key::kRiskLevelDuringSignIn},
    {"riskstate", Key::kRiskState},
    {"serviceprincipalid", Key::kServicePrincipalId},
    {"status", Key::kStatus},
    {"subjectusername", Key::kSubjectUserName},
    {"targetresources", Key::kTargetResources},
    {"tenantid", Key::kTenantId},
    {"time", Key::kTime},
    {"timegenerated", Key::kTimeGenerated},
    {"type", Key::kType},
    {"userid", Key::kUserId},
    {"userprincipalname", Key::kUserPrincipalName},
    {"usertype", Key::kUserType},
}};

static_assert(std::is_sorted(kRecordKeys.begin(), kRecordKeys.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

// Perfect hash of a record key, case-insensitive: its first and last 8 bytes (zero-filled when
// shorter, ASCII letters folded to lower case by |0x20) and length, multiplied and cut to 7 bits.
// The multiplier was searched so that the 52 names above land in distinct slots (asserted below);
// a hit is confirmed by a full case-insensitive compare, so other keys may share slots.
constexpr int kKeyHashBits = 7;
constexpr uint64_t kKeyHashMultiplier = 0x5b256cec507f1d99ull;

constexpr uint64_t KeyHash(std::string_view key) {
  const std::size_t n = key.size();
  uint64_t first = 0, last = 0;
  if (!std::is_constant_evaluated() && n >= 8) {
    std::memcpy(&first, key.data(), 8);
    std::memcpy(&last, key.data() + n - 8, 8);
  } else {
    for (std::size_t i = 0; i < n && i < 8; ++i) {
      first |= uint64_t{static_cast<unsigned char>(key[i])} << (8 * i);
    }
    for (std::size_t i = 0; i < n && i < 8; ++i) {
      last |= uint64_t{static_cast<unsigned char>(key[n - 1 - i])} << (8 * (7 - i));
    }
  }
  constexpr uint64_t kFold = 0x2020202020202020ull;
  return (((first | kFold) + (last | kFold) * 3 + n) * kKeyHashMultiplier) >> (64 - kKeyHashBits);
}

// Slot -> 1 + index into kRecordKeys, 0 = empty.
constexpr std::array<uint8_t, 1u << kKeyHashBits> kKeySlots = [] {
  std::array<uint8_t, 1u << kKeyHashBits> slots{};
  for (std::size_t i = 0; i < kRecordKeys.size(); ++i) {
    uint8_t& slot = slots[KeyHash(kRecordKeys[i].first)];
    if (slot != 0) throw "kKeyHashMultiplier: two record keys share a slot";
    slot = static_cast<uint8_t>(i + 1);
  }
  return slots;
}();

Key LookupRecordKey(std::string_view key) {
  const uint8_t slot = kKeySlots[KeyHash(key)];
  if (slot == 0) return Key::kUnknown;
  const auto& [name, id] = kRecordKeys[slot - 1];
  if (name.size() != key.size()) return Key::kUnknown;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (AsciiLower(key[i]) != name[i]) return Key::kUnknown;
  }
  return id;
}

// Reads a scalar into `out` when present (strings, numbers and booleans as text); other types
// leave `out` unchanged.
error_code Text(od::value v, int depth, std::string_view& out) {
  Scalar s;
  if (auto e = ReadScalar(v, depth, s)) return e;
  if (s.present()) out = s.text;
  return SUCCESS;
}

// Booleans, and "true"/"false" text.
error_code Bool(od::value v, int depth, TriBool& out) {
  Scalar s;
  if (auto e = ReadScalar(v, depth, s)) return e;
  if (s.kind == Scalar::kBool) {
    out = s.boolean ? 1 : 0;
  } else if (s.kind == Scalar::kString) {
    if (auto b = ParseBoolText(s.text)) out = *b ? 1 : 0;
  }
  return SUCCESS;
}

// A string, or an ACT-REST {"value": "...", "localizedValue": "..."} wrapper.
error_code TextOrValueObject(od::value v, int depth, std::string_view& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::object) return Text(v, depth, out);
  if (depth + 1 > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::object obj;
  if (auto e = v.get_object().get(obj)) return e;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value child;
    if (auto e = field.value().get(child)) return e;
    error_code e = key == "value" ? Text(child, depth + 1, out) : SkipValue(child, depth + 1);
    if (e) return e;
  }
  return SUCCESS;
}

bool MentionsFraudDenied(std::string_view s) {
  return !s.empty() && ContainsIgnoreCase(s, "fraud") && ContainsIgnoreCase(s, "denied");
}

bool MentionsMfaOrApproval(std::string_view s) {
  return ContainsIgnoreCase(s, "mfa") || ContainsIgnoreCase(s, "multi-factor") ||
         ContainsIgnoreCase(s, "multifactor") || ContainsIgnoreCase(s, "approval");
}

bool MentionsDisabled(std::string_view s) {
  return ContainsIgnoreCase(s, "disabled") || ContainsIgnoreCase(s, "false") ||
         ContainsIgnoreCase(s, "removed");
}

// Iterates an object's fields, calling on_field(key, value) -> error_code.
template <typename OnField>
error_code ForEachField(od::value v, int depth, OnField&& on_field) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::object) return SkipValue(v, depth);  // wrong type: absent
  od::object obj;
  if (auto e = v.get_object().get(obj)) return e;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value child;
    if (auto e = field.value().get(child)) return e;
    if (auto e = on_field(key, child)) return e;
  }
  return SUCCESS;
}

// Iterates an array's elements, calling on_element(value) -> error_code.
template <typename OnElement>
error_code ForEachElement(od::value v, int depth, OnElement&& on_element) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::array) return SkipValue(v, depth);  // wrong type: absent
  od::array arr;
  if (auto e = v.get_array().get(arr)) return e;
  for (auto element : arr) {
    od::value child;
    if (auto e = element.get(child)) return e;
    if (auto e = on_element(child)) return e;
  }
  return SUCCESS;
}

}  // namespace

error_code FieldCollector::Field(std::string_view key, od::value v, int depth, bool in_properties,
                                 RecordFields& out) {
  if (key == "TenantId") return SkipValue(v, depth);  // LA: the workspace, not the Entra tenant
  switch (LookupRecordKey(key)) {
    case Key::kUnknown:
      return SkipValue(v, depth);
    case Key::kAadTenantId:
      return Text(v, depth, out.aad_tenant_id);
    case Key::kAccount:
      return Text(v, depth, out.account);
    case Key::kActivityDateTime:
      return Text(v, depth, out.activity_date_time);
    case Key::kActivityDisplayName:
      return Text(v, depth, out.activity_display_name);
    case Key::kAppId:
      return Text(v, depth, out.app_id);
    case Key::kAuthenticationDetails:
      return Dynamic(JsonTextFields::kAuthenticationDetails, v, depth, out,
                     &FieldCollector::AuthenticationDetails);
    case Key::kCaller:
      return Text(v, depth, out.caller);
    case Key::kCallerIpAddress:
      return Text(v, depth, out.caller_ip_address);
    case Key::kCategory:
      return TextOrValueObject(v, depth, in_properties ? out.props_category : out.category);
    case Key::kClaims:
      return Claims(v, depth, out);
    case Key::kClientAppUsed:
      return Text(v, depth, out.client_app);
    case Key::kComputer:
      return Text(v, depth, out.computer);
    case Key::kConditionalAccessStatus:
      return Text(v, depth, out.ca_status);
    case Key::kCorrelationId:
      return Text(v, depth, out.correlation_id);
    case Key::kCreatedDateTime:
      return Text(v, depth, out.created_date_time);
    case Key::kDeviceDetail:
      return Dynamic(JsonTextFields::kDeviceDetail, v, depth, out, &FieldCollector::DeviceDetail);
    case Key::kEventId:
      return Text(v, depth, out.event_id);
    case Key::kEventTimestamp:
      return Text(v, depth, out.event_timestamp);
    case Key::kHomeTenantId:
      return Text(v, depth, out.home_tenant_id);
    case Key::kId:
      return Text(v, depth, out.id);
    case Key::kIdentity:
      return Identity(v, depth, out);
    case Key::kInitiatedBy:
      return Dynamic(JsonTextFields::kInitiatedBy, v, depth, out, &FieldCollector::InitiatedBy);
    case Key::kIpAddress:
      return Text(v, depth, out.ip_address);
    case Key::kIsAdmin:
      return Bool(v, depth, out.is_admin);
    case Key::kIsInteractive:
      return Bool(v, depth, out.is_interactive);
    case Key::kIsMfaRegistered:
      return Bool(v, depth, out.is_mfa_registered);
    case Key::kLastUpdatedDateTime:
      return Text(v, depth, out.last_updated_date_time);
    case Key::kLocation: {
      // Envelope / LA `Location` is the country (a string); Graph `location` is an object.
      od::json_type type;
      if (auto e = v.type().get(type)) return e;
      if (type == od::json_type::object) return Location(v, depth, out);
      return Text(v, depth, out.location_country);
    }
    case Key::kLocationDetails:
      return Dynamic(JsonTextFields::kLocationDetails, v, depth, out, &FieldCollector::Location);
    case Key::kLoggedByService:
      return Text(v, depth, out.logged_by_service);
    case Key::kOperationName:
      return TextOrValueObject(v, depth, out.operation_name);
    case Key::kOperationNameValue:
      return Text(v, depth, out.operation_name_value);
    case Key::kProperties:
      if (in_properties) return SkipValue(v, depth);
      return Properties(v, depth, out);
    case Key::kResourceId:
      // Inside diag sign-in properties, resourceId is the resource app id, not the ARM path.
      if (in_properties) return SkipValue(v, depth);
      return Text(v, depth, out.resource_id);
    case Key::kResourceTenantId:
      return Text(v, depth, out.resource_tenant_id);
    case Key::kResult:
      return Text(v, depth, out.result);
    case Key::kResultReason:
      return Text(v, depth, out.result_reason);
    case Key::kResultType:
      return Text(v, depth, out.result_type);
    case Key::kRiskLevelAggregated:
      return Text(v, depth, out.risk_aggregated);
    case Key::kRiskLevelDuringSignIn:
      return Text(v, depth, out.risk_during);
    case Key::kRiskState:
      return Text(v, depth, out.risk_state);
    case Key::kServicePrincipalId:
      return Text(v, depth, out.service_principal_id);
    case Key::kStatus:
      return Dynamic(JsonTextFields::kStatus, v, depth, out, &FieldCollector::Status);
    case Key::kSubjectUserName:
      return Text(v, depth, out.subject_user_name);
    case Key::kTargetResources:
      return Dynamic(JsonTextFields::kTargetResources, v, depth, out,
                     &FieldCollector::TargetResources);
    case Key::kTenantId: {
      std::string_view tenant;
      if (auto e = Text(v, depth, tenant)) return e;
      if (!in_properties || out.tenant_id.empty()) out.tenant_id = tenant;
      return SUCCESS;
    }
    case Key::kTime:
      if (in_properties) return SkipValue(v, depth);
      return Text(v, depth, out.time);
    case Key::kTimeGenerated:
      return Text(v, depth, out.time_generated);
    case Key::kType:
      return Text(v, depth, out.type);
    case Key::kUserId:
      return Text(v, depth, out.user_id);
    case Key::kUserPrincipalName:
      return Text(v, depth, out.upn);
    case Key::kUserType:
      return Text(v, depth, out.user_type);
  }
  return SkipValue(v, depth);
}

error_code FieldCollector::Properties(od::value v, int depth, RecordFields& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == od::json_type::object) out.has_properties = true;
  return ForEachField(v, depth, [&](std::string_view key, od::value child) {
    return Field(key, child, depth + 1, /*in_properties=*/true, out);
  });
}

error_code FieldCollector::Status(od::value v, int depth, RecordFields& out) {
  return ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "errorCode") return Text(child, depth + 1, out.error_code);
    if (key == "additionalDetails") {
      std::string_view details;
      if (auto e = Text(child, depth + 1, details)) return e;
      if (MentionsFraudDenied(details)) out.fraud_denied = true;
      return SUCCESS;
    }
    return SkipValue(child, depth + 1);
  });
}

error_code FieldCollector::DeviceDetail(od::value v, int depth, RecordFields& out) {
  return ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "deviceId") return Text(child, depth + 1, out.device_id);
    if (key == "displayName") return Text(child, depth + 1, out.device_name);
    if (key == "operatingSystem") return Text(child, depth + 1, out.operating_system);
    if (key == "browser") return Text(child, depth + 1, out.browser);
    if (key == "isCompliant") return Bool(child, depth + 1, out.device_compliant);
    if (key == "isManaged") return Bool(child, depth + 1, out.device_managed);
    return SkipValue(child, depth + 1);
  });
}

error_code FieldCollector::Location(od::value v, int depth, RecordFields& out) {
  return ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "city") return Text(child, depth + 1, out.city);
    if (key == "countryOrRegion") return Text(child, depth + 1, out.country_or_region);
    return SkipValue(child, depth + 1);
  });
}

error_code FieldCollector::AuthenticationDetails(od::value v, int depth, RecordFields& out) {
  return ForEachElement(v, depth, [&](od::value step) {
    return ForEachField(step, depth + 1, [&](std::string_view key, od::value child) -> error_code {
      if (key != "authenticationStepResultDetail") return SkipValue(child, depth + 2);
      std::string_view detail;
      if (auto e = Text(child, depth + 2, detail)) return e;
      if (MentionsFraudDenied(detail)) out.fraud_denied = true;
      return SUCCESS;
    });
  });
}

error_code FieldCollector::InitiatedBy(od::value v, int depth, RecordFields& out) {
  return ForEachField(v, depth, [&](std::string_view key, od::value who) -> error_code {
    if (key == "user") {
      return ForEachField(who, depth + 1, [&](std::string_view k, od::value child) -> error_code {
        if (k == "id") return Text(child, depth + 2, out.actor_user_id);
        if (k == "userPrincipalName") return Text(child, depth + 2, out.actor_user_upn);
        return SkipValue(child, depth + 2);
      });
    }
    if (key == "app") {
      return ForEachField(who, depth + 1, [&](std::string_view k, od::value child) -> error_code {
        if (k == "servicePrincipalId") return Text(child, depth + 2, out.actor_app_sp_id);
        if (k == "appId") return Text(child, depth + 2, out.actor_app_id);
        if (k == "displayName") return Text(child, depth + 2, out.actor_app_name);
        return SkipValue(child, depth + 2);
      });
    }
    return SkipValue(who, depth + 1);
  });
}

error_code FieldCollector::TargetResources(od::value v, int depth, RecordFields& out) {
  return ForEachElement(v, depth, [&](od::value target) { return Target(target, depth + 1, out); });
}

error_code FieldCollector::Target(od::value v, int depth, RecordFields& out) {
  std::string_view type, id, display_name, upn, app_id, role_property, upn_property;
  auto on_modified = [&](od::value property) {
    std::string_view name, old_value, new_value;
    error_code e = ForEachField(property, depth + 2, [&](std::string_view k, od::value child) {
      if (k == "displayName") return Text(child, depth + 3, name);
      if (k == "oldValue") return Text(child, depth + 3, old_value);
      if (k == "newValue") return Text(child, depth + 3, new_value);
      return SkipValue(child, depth + 3);
    });
    if (e) return e;
    if (EqualsIgnoreCase(name, "StrongAuthenticationMethod") ||
        (EqualsIgnoreCase(name, "Included Updated Properties") &&
         ContainsIgnoreCase(new_value, "StrongAuthenticationMethod"))) {
      out.strong_auth_method_modified = true;
    }
    if (EqualsIgnoreCase(name, "UserType") && ContainsIgnoreCase(old_value, "Guest") &&
        ContainsIgnoreCase(new_value, "Member")) {
      out.guest_to_member = true;
    }
    if (EqualsIgnoreCase(name, "UserPrincipalName")) upn_property = new_value;
    if (EqualsIgnoreCase(name, "Role.DisplayName") && role_property.empty()) {
      role_property = new_value;
    }
    // PIM role-setting heuristic: the property (name or new value) is about MFA or approval, the
    // new value says disabled/false/removed and the old value did not.
    if ((MentionsMfaOrApproval(name) || MentionsMfaOrApproval(new_value)) &&
        MentionsDisabled(new_value) && !MentionsDisabled(old_value)) {
      out.mfa_or_approval_disabled = true;
    }
    return SUCCESS;
  };
  error_code e = ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "type" || key == "Type") return Text(child, depth + 1, type);
    if (key == "id") return Text(child, depth + 1, id);
    if (key == "displayName") return Text(child, depth + 1, display_name);
    if (key == "userPrincipalName") return Text(child, depth + 1, upn);
    if (key == "appId") return Text(child, depth + 1, app_id);
    if (key == "modifiedProperties") return ForEachElement(child, depth + 1, on_modified);
    return SkipValue(child, depth + 1);
  });
  if (e) return e;

  if (EqualsIgnoreCase(type, "User") && !out.has_target_user) {
    out.has_target_user = true;
    out.target_user_id = id;
    out.target_user_upn = upn;
    out.target_user_new_upn = upn_property;
  }
  if (!role_property.empty() && out.role_from_property.empty()) {
    out.role_from_property = role_property;
  }
  if (EqualsIgnoreCase(type, "Role") && out.role_target_name.empty()) {
    out.role_target_name = display_name;
  }
  if (EqualsIgnoreCase(type, "Application") || EqualsIgnoreCase(type, "ServicePrincipal")) {
    for (std::string_view k : {id, app_id, display_name}) {
      if (!k.empty() && out.app_key_count < out.app_keys.size()) {
        out.app_keys[out.app_key_count++] = k;
      }
    }
    if (out.app_name.empty()) out.app_name = display_name;
  }
  return SUCCESS;
}

error_code FieldCollector::Identity(od::value v, int depth, RecordFields& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::object) return SkipValue(v, depth);  // sign-in: a display name
  return ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "claims") return Claims(child, depth + 1, out);
    return SkipValue(child, depth + 1);
  });
}

error_code FieldCollector::Claims(od::value v, int depth, RecordFields& out) {
  return ForEachField(v, depth, [&](std::string_view key, od::value child) -> error_code {
    if (key == "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn" || key == "upn") {
      return Text(child, depth + 1, out.claims_upn);
    }
    if (key == "http://schemas.microsoft.com/identity/claims/objectidentifier" || key == "oid") {
      return Text(child, depth + 1, out.claims_object_id);
    }
    if (key == "http://schemas.microsoft.com/identity/claims/tenantid" || key == "tid") {
      return Text(child, depth + 1, out.claims_tenant_id);
    }
    return SkipValue(child, depth + 1);
  });
}

error_code FieldCollector::Dynamic(JsonTextFields::Slot slot, od::value v, int depth,
                                   RecordFields& out,
                                   error_code (FieldCollector::*walk)(od::value, int,
                                                                      RecordFields&)) {
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == od::json_type::object || type == od::json_type::array) {
    return (this->*walk)(v, depth, out);
  }
  Scalar s;
  if (auto e = ReadScalar(v, depth, s)) return e;
  if (s.kind != Scalar::kString || s.text.empty()) return SUCCESS;
  // JSON text inside a string: a bad inner document makes the column absent, not the message bad.
  od::document* doc = nullptr;
  if (text_fields_.Open(slot, s.text, doc) != SUCCESS) return SUCCESS;
  od::value root;
  if (doc->get_value().get(root) != SUCCESS) return SUCCESS;
  if ((this->*walk)(root, 1, out) != SUCCESS) return SUCCESS;
  (void)CheckAtEnd(*doc);
  return SUCCESS;
}

}  // namespace privmon::parsers
