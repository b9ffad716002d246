// Sign-in records (SignInLogs / NonInteractiveUserSignInLogs) in the three formats.
#include <string_view>

#include "core/json_writer.h"
#include "tools/gen/json.h"
#include "tools/gen/render.h"

namespace privmon {
namespace {

using namespace genjson;  // NOLINT: a family of tiny writers

// Everything a sign-in record shows, resolved once from the event.
struct SignInView {
  const GenAccount* account;
  const GenTenant* tenant;
  const GenPlace* place;
  const GenApp* app;
  std::string ip;
  std::string id, correlation_id, device_id, device_name, token_id;
  const char* os;
  const char* browser;
  const char* trust_type;
  bool compliant, managed;
  const char* client;
  const char* user_agent;
  const char* failure_reason = nullptr;
  const char* additional_details = nullptr;
  const char* ca_status;
  bool mfa;
};

constexpr std::string_view kWindowsUa =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91";
constexpr std::string_view kMacUa =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15";
constexpr std::string_view kMobileUa =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
constexpr std::string_view kChromeUa =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/121.0.0.0 Safari/537.36";

SignInView Resolve(const GenWorld& world, const GenEvent& e) {
  SignInView v{};
  v.account = &world.accounts()[e.account];
  v.tenant = &world.tenants()[v.account->tenant];
  v.app = &GenWorld::apps()[e.app % GenWorld::apps().size()];
  v.id = world.Guid(10, e.rnd);
  v.correlation_id = world.Guid(11, e.rnd);
  AppendHex(v.token_id, e.rnd, 16);
  AppendHex(v.token_id, e.rnd >> 7, 16);
  if (e.place == kHomePlace) {
    v.place = &GenWorld::places()[v.account->place];
    v.ip = v.account->ip;
  } else {
    v.place = &GenWorld::foreign_places()[e.place % GenWorld::foreign_places().size()];
    AppendJsonInt(v.place->ip_a, v.ip);
    v.ip += '.';
    AppendJsonInt(v.place->ip_b, v.ip);
    v.ip += '.';
    AppendJsonInt(static_cast<int64_t>((e.rnd >> 8) % 256), v.ip);
    v.ip += '.';
    AppendJsonInt(static_cast<int64_t>(1 + (e.rnd >> 16) % 254), v.ip);
  }
  if (e.device == kNewDevice) {
    v.device_id = world.Guid(12, e.rnd);
    v.device_name = "DESKTOP-";
    AppendHex(v.device_name, e.rnd >> 3, 7);
    v.os = "Windows 10";
    v.browser = "Chrome 121.0.0";
    v.trust_type = nullptr;
    v.compliant = v.managed = false;
    v.user_agent = kChromeUa.data();
  } else {
    const GenDevice& d = v.account->devices[e.device % v.account->devices.size()];
    v.device_id = d.id;
    v.device_name = d.name;
    v.os = d.os;
    v.browser = d.browser;
    v.trust_type = d.trust_type;
    v.compliant = d.compliant;
    v.managed = d.managed;
    v.user_agent = d.os[0] == 'W'   ? kWindowsUa.data()
                   : d.os[0] == 'M' ? kMacUa.data()
                                    : kMobileUa.data();
  }
  switch (e.client) {
    case GenClient::kBrowser:
      v.client = "Browser";
      break;
    case GenClient::kMobileDesktop:
      v.client = "Mobile Apps and Desktop clients";
      break;
    case GenClient::kImap4:
      v.client = "IMAP4";
      v.user_agent = "BAV2ROPC";
      break;
  }
  v.ca_status = "success";
  switch (e.error_code) {
    case 0:
      if (e.interactive) v.additional_details = "MFA requirement satisfied by claim in the token";
      break;
    case 50126:
      v.failure_reason = "Invalid username or password";
      break;
    case 50140:
      v.failure_reason =
          "This error occurred due to 'Keep me signed in' interrupt when the user was signing-in.";
      v.additional_details = "MFA required";
      break;
    case 50074:
      v.failure_reason = "Strong Authentication is required.";
      v.additional_details = "MFA required";
      break;
    case 50053:
      v.failure_reason =
          "Account is locked. The user has tried to sign in too many times with an incorrect user "
          "ID or password.";
      break;
    case 53003:
      v.failure_reason =
          "Access has been blocked by Conditional Access policies. The access policy does not "
          "allow token issuance.";
      v.ca_status = "failure";
      break;
    default:
      v.failure_reason = "Other.";
  }
  if (e.error_code != 0 && e.error_code != 53003) v.ca_status = "notApplied";
  v.mfa = e.error_code == 0 && e.interactive && v.account->privileged;
  return v;
}

void DeviceDetail(std::string& o, const SignInView& v) {
  o += '{';
  Str(o, "deviceId", v.device_id);
  Str(o, "displayName", v.device_name);
  Str(o, "operatingSystem", v.os);
  Str(o, "browser", v.browser);
  Bool(o, "isCompliant", v.compliant);
  Bool(o, "isManaged", v.managed);
  if (v.trust_type != nullptr) Str(o, "trustType", v.trust_type);
  o += '}';
}

void Location(std::string& o, const SignInView& v) {
  o += '{';
  Str(o, "city", v.place->city);
  Str(o, "state", v.place->state);
  Str(o, "countryOrRegion", v.place->country);
  Open(o, "geoCoordinates", '{');
  Key(o, "latitude");
  AppendDouble(o, v.place->latitude);
  Key(o, "longitude");
  AppendDouble(o, v.place->longitude);
  o += "}}";
}

void Status(std::string& o, const GenEvent& e, const SignInView& v) {
  o += '{';
  Int(o, "errorCode", e.error_code);
  if (v.failure_reason != nullptr) Str(o, "failureReason", v.failure_reason);
  if (v.additional_details != nullptr) Str(o, "additionalDetails", v.additional_details);
  o += '}';
}

// conditionsSatisfied is a bit-mask in diagnostic and Log Analytics records; Graph omits it.
void Policies(std::string& o, const GenEvent& e, const SignInView& v, bool with_conditions) {
  o += '[';
  int i = 0;
  for (const GenPolicy& p : v.tenant->policies) {
    const char* result = "notApplied";
    if (i == 2 && v.account->privileged && e.error_code == 0) result = "success";
    if (i == 0 && e.error_code == 0 && v.trust_type != nullptr) result = "success";
    if (i == 5) result = "notEnabled";
    if (i == 7 && e.error_code == 53003) result = "failure";
    Open(o, "", '{');
    Str(o, "id", p.id);
    Str(o, "displayName", p.name);
    Open(o, "enforcedGrantControls", '[');
    Elem(o, p.grant);
    o += ']';
    Open(o, "enforcedSessionControls", '[');
    o += ']';
    Str(o, "result", result);
    if (with_conditions) {
      Int(o, "conditionsSatisfied", result[0] == 's' || result[0] == 'f' ? 7 : 1);
      Int(o, "conditionsNotSatisfied", result[0] == 's' || result[0] == 'f' ? 0 : 2);
    }
    o += '}';
    ++i;
  }
  o += ']';
}

void AuthDetails(std::string& o, const GenEvent& e, const SignInView& v, bool with_sequence) {
  o += '[';
  auto step = [&](const char* method, bool ok, const char* detail, const char* requirement,
                  int seq) {
    Open(o, "", '{');
    Key(o, "authenticationStepDateTime");
    o += '"';
    AppendTime(o, e.time, TimeStyle::kOffset7, static_cast<int>(e.rnd % 10));
    o += '"';
    Str(o, "authenticationMethod", method);
    Bool(o, "succeeded", ok);
    Str(o, "authenticationStepResultDetail", detail);
    Str(o, "authenticationStepRequirement", requirement);
    if (with_sequence) {
      Int(o, "StatusSequence", seq);
      Int(o, "RequestSequence", seq);
    }
    o += '}';
  };
  if (!e.interactive) {
    step("Previously satisfied", true, "First factor requirement satisfied by claim in the token",
         "Primary authentication", 0);
  } else if (e.error_code == 50126 || e.error_code == 50053) {
    step("Password", false, "Invalid username or password", "Primary authentication", 0);
  } else {
    step("Password", true, "Correct password", "Primary authentication", 0);
    if (v.mfa) {
      step("Previously satisfied", true, "MFA requirement satisfied by claim in the token",
           "Multi-factor authentication", 1);
    }
  }
  o += ']';
}

void ProcessingDetails(std::string& o, const SignInView& v) {
  o += '[';
  auto kv = [&](const char* k, const char* val) {
    Open(o, "", '{');
    Str(o, "key", k);
    Str(o, "value", val);
    o += '}';
  };
  kv("Login Hint Present", "True");
  kv("Legacy TLS (TLS 1.0, 1.1, 3DES)", "False");
  kv("Oauth Scope Info", "");
  kv("Is CAE Token", v.account->privileged ? "True" : "False");
  o += ']';
}

void RiskEventTypes(std::string& o, const GenEvent& e) {
  o += '[';
  if (e.risky) Elem(o, "unfamiliarFeatures");
  o += ']';
}

const char* RiskLevel(const GenEvent& e) { return e.risky ? "high" : "none"; }
const char* RiskState(const GenEvent& e) { return e.risky ? "atRisk" : "none"; }
const char* AuthRequirement(const SignInView& v) {
  return v.mfa ? "multiFactorAuthentication" : "singleFactorAuthentication";
}

// The Graph-shaped sign-in object body (diagnostic `properties`, or the Graph resource).
void Properties(std::string& o, const GenEvent& e, const SignInView& v, bool graph) {
  o += '{';
  Str(o, "id", v.id);
  Key(o, "createdDateTime");
  o += '"';
  AppendTime(o, e.time, graph ? TimeStyle::kZ7 : TimeStyle::kOffset7, static_cast<int>(e.rnd % 10));
  o += '"';
  Str(o, "userDisplayName", v.account->display_name);
  Str(o, "userPrincipalName", v.account->upn);
  Str(o, "userId", v.account->id);
  Str(o, "appId", v.app->id);
  Str(o, "appDisplayName", v.app->name);
  Str(o, "ipAddress", v.ip);
  Key(o, "status");
  Status(o, e, v);
  Str(o, "clientAppUsed", v.client);
  Str(o, "userAgent", v.user_agent);
  Key(o, "deviceDetail");
  DeviceDetail(o, v);
  Key(o, "location");
  Location(o, v);
  Key(o, "mfaDetail");
  o += "{}";
  Str(o, "correlationId", v.correlation_id);
  Str(o, "conditionalAccessStatus", v.ca_status);
  Key(o, "appliedConditionalAccessPolicies");
  Policies(o, e, v, !graph);
  Str(o, "originalRequestId", v.id);
  Bool(o, "isInteractive", e.interactive);
  Str(o, "tokenIssuerName", "");
  Str(o, "tokenIssuerType", "AzureAD");
  Key(o, "authenticationProcessingDetails");
  ProcessingDetails(o, v);
  Open(o, "networkLocationDetails", '[');
  o += ']';
  Int(o, "processingTimeInMilliseconds", static_cast<int64_t>(40 + (e.rnd >> 20) % 400));
  Str(o, "riskDetail", "none");
  Str(o, "riskLevelAggregated", RiskLevel(e));
  Str(o, "riskLevelDuringSignIn", RiskLevel(e));
  Str(o, "riskState", RiskState(e));
  Key(o, "riskEventTypes");
  RiskEventTypes(o, e);
  Key(o, "riskEventTypes_v2");
  RiskEventTypes(o, e);
  Str(o, "resourceDisplayName", v.app->resource_name);
  Str(o, "resourceId", v.app->resource_id);
  Str(o, "resourceTenantId", v.tenant->id);
  Str(o, "homeTenantId", v.tenant->id);
  Key(o, "authenticationDetails");
  AuthDetails(o, e, v, !graph);
  Open(o, "authenticationRequirementPolicies", '[');
  o += ']';
  Str(o, "authenticationRequirement", AuthRequirement(v));
  Str(o, "servicePrincipalId", "");
  Str(o, "userType", "Member");
  Bool(o, "flaggedForReview", false);
  Bool(o, "isTenantRestricted", false);
  Int(o, "autonomousSystemNumber", 3320 + v.place->ip_a);
  Str(o, "crossTenantAccessType", "none");
  Key(o, "privateLinkDetails");
  o += "{}";
  Str(o, "ssoExtensionVersion", "");
  Str(o, "uniqueTokenIdentifier", v.token_id);
  Str(o, "incomingTokenType", "none");
  Str(o, "authenticationProtocol", "none");
  o += '}';
}

const char* Category(const GenEvent& e) {
  return e.interactive ? "SignInLogs" : "NonInteractiveUserSignInLogs";
}

}  // namespace

void GenRenderer::SignIn(const GenEvent& e, std::string& o) {
  const SignInView v = Resolve(world_, e);
  const int digit = static_cast<int>(e.rnd % 10);
  const EventTime logged = e.time + static_cast<EventTime>((e.rnd >> 24) % 3'000'000);
  if (e.format == GenFormat::kGraph) {
    Properties(o, e, v, true);
    return;
  }
  if (e.format == GenFormat::kDiag) {
    o += '{';
    Key(o, "time");
    o += '"';
    AppendTime(o, logged, TimeStyle::kZ7, digit);
    o += '"';
    Str(o, "resourceId", "/tenants/" + v.tenant->id + "/providers/Microsoft.aadiam");
    Str(o, "operationName", "Sign-in activity");
    Str(o, "operationVersion", "1.0");
    Str(o, "category", Category(e));
    Str(o, "tenantId", v.tenant->id);
    Key(o, "resultType");
    o += '"';
    AppendJsonInt(e.error_code, o);
    o += '"';
    Str(o, "resultSignature", "None");
    if (v.failure_reason != nullptr) Str(o, "resultDescription", v.failure_reason);
    Int(o, "durationMs", 0);
    Str(o, "callerIpAddress", v.ip);
    Str(o, "correlationId", v.correlation_id);
    Str(o, "identity", v.account->display_name);
    Int(o, "Level", 4);
    Str(o, "location", v.place->country);
    Key(o, "properties");
    Properties(o, e, v, false);
    o += '}';
    return;
  }
  // Log Analytics row: PascalCase columns, dynamic columns as JSON text.
  std::string& s = scratch_;
  o += '{';
  Str(o, "TenantId", v.tenant->workspace_id);
  Str(o, "SourceSystem", "Azure AD");
  Key(o, "TimeGenerated");
  o += '"';
  AppendTime(o, logged, TimeStyle::kZ3);
  o += '"';
  Str(o, "ResourceId", "/tenants/" + v.tenant->id + "/providers/Microsoft.aadiam");
  Str(o, "OperationName", "Sign-in activity");
  Str(o, "OperationVersion", "1.0");
  Str(o, "Category", Category(e));
  Key(o, "ResultType");
  o += '"';
  AppendJsonInt(e.error_code, o);
  o += '"';
  Str(o, "ResultSignature", "None");
  Str(o, "ResultDescription", v.failure_reason != nullptr ? v.failure_reason : "");
  Str(o, "DurationMs", "0");
  Str(o, "CorrelationId", v.correlation_id);
  Str(o, "Resource", "Microsoft.aadiam");
  Str(o, "ResourceGroup", "Microsoft.aadiam");
  Str(o, "Identity", v.account->display_name);
  Str(o, "Level", "4");
  Str(o, "Location", v.place->country);
  Str(o, "AppDisplayName", v.app->name);
  Str(o, "AppId", v.app->id);
  s.clear();
  AuthDetails(s, e, v, true);
  JsonTextStr(o, "AuthenticationDetails", s);
  s.clear();
  ProcessingDetails(s, v);
  JsonTextStr(o, "AuthenticationProcessingDetails", s);
  Str(o, "AuthenticationRequirement", AuthRequirement(v));
  Str(o, "AuthenticationRequirementPolicies", "[]");
  Str(o, "ClientAppUsed", v.client);
  s.clear();
  Policies(s, e, v, true);
  JsonTextStr(o, "ConditionalAccessPolicies", s);
  Str(o, "ConditionalAccessStatus", v.ca_status);
  Key(o, "CreatedDateTime");
  o += '"';
  AppendTime(o, e.time, TimeStyle::kZ7, digit);
  o += '"';
  s.clear();
  DeviceDetail(s, v);
  JsonTextStr(o, "DeviceDetail", s);
  Bool(o, "IsInteractive", e.interactive);
  Str(o, "Id", v.id);
  Str(o, "IPAddress", v.ip);
  Bool(o, "IsRisky", e.risky);
  s.clear();
  Location(s, v);
  JsonTextStr(o, "LocationDetails", s);
  Str(o, "MfaDetail", "{}");
  Str(o, "NetworkLocationDetails", "[]");
  Str(o, "OriginalRequestId", v.id);
  Int(o, "ProcessingTimeInMilliseconds", static_cast<int64_t>(40 + (e.rnd >> 20) % 400));
  Str(o, "RiskDetail", "none");
  s.clear();
  RiskEventTypes(s, e);
  JsonTextStr(o, "RiskEventTypes", s);
  JsonTextStr(o, "RiskEventTypes_V2", s);
  Str(o, "RiskLevelAggregated", RiskLevel(e));
  Str(o, "RiskLevelDuringSignIn", RiskLevel(e));
  Str(o, "RiskState", RiskState(e));
  Str(o, "ResourceDisplayName", v.app->resource_name);
  Str(o, "ResourceIdentity", v.app->resource_id);
  Str(o, "ServicePrincipalId", "");
  s.clear();
  Status(s, e, v);
  JsonTextStr(o, "Status", s);
  Str(o, "TokenIssuerName", "");
  Str(o, "TokenIssuerType", "AzureAD");
  Str(o, "UserAgent", v.user_agent);
  Str(o, "UserDisplayName", v.account->display_name);
  Str(o, "UserId", v.account->id);
  Str(o, "UserPrincipalName", v.account->upn);
  Str(o, "AADTenantId", v.tenant->id);
  Str(o, "UserType", "Member");
  Bool(o, "FlaggedForReview", false);
  Str(o, "ResourceTenantId", v.tenant->id);
  Str(o, "HomeTenantId", v.tenant->id);
  Str(o, "Type", e.interactive ? "SigninLogs" : "AADNonInteractiveUserSignInLogs");
  o += '}';
}

}  // namespace privmon
