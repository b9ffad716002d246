#include "parsers/field_collector.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

enum class Key : uint8_t {
  kUnknown,
  kAadTenantId,
  kAccount,
  kActivityStatus,
  kAlternateSignInName,
  kActivityDateTime,
  kActivityDisplayName,
  kAppId,
  kAuthenticationDetails,
  kCaller,
  kCallerIpAddress,
  kCategory,
  kCategoryValue,
  kClaims,
  kClientAppUsed,
  kComputer,
  kConditionalAccessStatus,
  kCorrelationId,
  kCreatedDateTime,
  kFirstSignInDateTime,
  kDeviceDetail,
  kEventId,
  kEventTimestamp,
  kHierarchy,
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
  kResultDescription,
  kResultReason,
  kResultType,
  kRiskLevelAggregated,
  kRiskLevelDuringSignIn,
  kRiskState,
  kServicePrincipalId,
  kSignInEventTypes,
  kSignInIdentifier,
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
  // A column of Defender XDR's Entra sign-in table (DefenderSignInColumns), by its name.
  kDefenderColumn,
  // A search job's results row: its source table's Type and its source row's TimeGenerated (also
  // with a portal export's " [UTC]").
  kOriginalType,
  kOriginalTimeGenerated,
  // A column only a sign-in row has, read for its presence alone (RecordFields::signin_column).
  kSignInColumn,
  // Names that are no column of a sign-in or audit row, read by what they are where they are:
  // in the perfect hash too, so that a key that is none of these nor a column costs one lookup
  // rather than a string compare per rare name (RareKeyField).
  kAdditionalDetails,
  kLegacyTarget,        // the 2018 audit schema's target in `properties`
  kIdentityType,        // the 2018 audit schema's initiator kind, in `properties`
  kAuditEventCategory,  // the 2018 audit schema's category, in `properties`
  kAuthorization,       // an Azure Activity record's RBAC action
  kSplunkRaw,           // "_raw": a Splunk event exported alone
  kShippedText,         // "message", "log", "payload": a shipper's event holding the message
  kShippedBody,         // "body": an Event Hubs event as a shipper indexed it
  kEsSource,            // "_source": an Elasticsearch hit's document
  kEcs,                 // an ECS document's "ecs"
  kEcsEvent,            // an ECS document's "event"
  kHiddenResourceId,    // Log Analytics' hidden "_ResourceId"
  // The OtherLogMember bits (record_fields.h): a key another log's record carries.
  kDirectoryObjectMember,
  kNetworkAccessMember,
  kRiskDetectionMember,
  kRiskEventType,  // a risk detection's riskEventType: kRiskDetectionMember, and its value read
  kProvisioningMember,
  kRiskyPrincipalMember,
  kRegistrationMember,  // isMfaCapable, methodsRegistered: a userRegistrationDetails' own
  kMethodsRegistered,   // ... methodsRegistered, whose emptiness is read too
  kGraphActivityMember,
  kM365AuditMember,
};
constexpr Key kFirstRareKey = Key::kAdditionalDetails;

// Record keys, lower-cased and sorted: Graph/diag camelCase and LA PascalCase spell the same
// column, and real exports drift in key case (SCHEMA-detail.md section 5.3), so record-level keys
// match case-insensitively. The one clash, LA "TenantId" (the workspace), is handled before lookup.
// The rare names (kFirstRareKey on) are matched as exactly (their case ignored) as before.
constexpr std::array<std::pair<std::string_view, Key>, 141> kRecordKeys = {{
    {"_originaltimegenerated", Key::kOriginalTimeGenerated},
    {"_originaltype", Key::kOriginalType},
    {"_raw", Key::kSplunkRaw},
    {"_resourceid", Key::kHiddenResourceId},
    {"_source", Key::kEsSource},
    {"aaddeviceid", Key::kDefenderColumn},
    {"aadtenantid", Key::kAadTenantId},
    {"account", Key::kAccount},
    {"accountobjectid", Key::kDefenderColumn},
    {"accountupn", Key::kDefenderColumn},
    {"activitydatetime", Key::kActivityDateTime},
    {"activitydisplayname", Key::kActivityDisplayName},
    {"activitystatus", Key::kActivityStatus},
    {"activitystatusvalue", Key::kActivityStatus},
    {"additionaldetails", Key::kAdditionalDetails},
    // A sign-in's on-premises UPN (AD FS) / the name typed: read where it names no user else.
    {"alternatesigninname", Key::kAlternateSignInName},
    {"appdisplayname", Key::kSignInColumn},
    {"appid", Key::kAppId},
    {"application", Key::kDefenderColumn},
    {"applicationid", Key::kDefenderColumn},
    {"auditdata", Key::kM365AuditMember},
    {"auditeventcategory", Key::kAuditEventCategory},
    {"auditlogrecordtype", Key::kM365AuditMember},
    {"authenticationdetails", Key::kAuthenticationDetails},
    // The beta credentialUserRegistrationDetails' methods (the API the guide's row links).
    {"authmethods", Key::kMethodsRegistered},
    {"authorization", Key::kAuthorization},
    {"authorization_d", Key::kAuthorization},
    {"body", Key::kShippedBody},
    {"browser", Key::kDefenderColumn},
    {"businessphones", Key::kDirectoryObjectMember},
    {"caller", Key::kCaller},
    {"calleripaddress", Key::kCallerIpAddress},
    {"category", Key::kCategory},
    // Log Analytics AzureActivity: the Activity log category (Administrative, Policy, ...).
    {"categoryvalue", Key::kCategoryValue},
    {"changeid", Key::kProvisioningMember},
    {"city", Key::kDefenderColumn},
    {"claims", Key::kClaims},
    // Log Analytics AzureActivity: the dynamic copy of Claims (the string column may be empty).
    {"claims_d", Key::kClaims},
    {"clientappused", Key::kClientAppUsed},
    {"computer", Key::kComputer},
    {"conditionalaccessstatus", Key::kConditionalAccessStatus},
    {"correlationid", Key::kCorrelationId},
    {"country", Key::kDefenderColumn},
    {"createddatetime", Key::kCreatedDateTime},
    {"cycleid", Key::kProvisioningMember},
    {"destinationfqdn", Key::kNetworkAccessMember},
    {"detecteddatetime", Key::kRiskDetectionMember},
    {"detectiontimingtype", Key::kRiskDetectionMember},
    {"devicedetail", Key::kDeviceDetail},
    {"devicename", Key::kDefenderColumn},
    {"ecs", Key::kEcs},
    {"entraiddeviceid", Key::kDefenderColumn},
    {"errorcode", Key::kDefenderColumn},
    {"event", Key::kEcsEvent},
    {"eventid", Key::kEventId},
    {"eventtimestamp", Key::kEventTimestamp},
    // Graph beta's summarizedSignIn (getSummarizedNonInteractiveSignIns): its first sign-in.
    {"firstsignindatetime", Key::kFirstSignInDateTime},
    {"givenname", Key::kDirectoryObjectMember},
    {"grouptypes", Key::kDirectoryObjectMember},
    {"hierarchy", Key::kHierarchy},
    {"hometenantid", Key::kHomeTenantId},
    {"id", Key::kId},
    {"identity", Key::kIdentity},
    {"identitytype", Key::kIdentityType},
    {"initiatedby", Key::kInitiatedBy},
    {"ipaddress", Key::kIpAddress},
    {"isadmin", Key::kIsAdmin},
    {"iscompliant", Key::kDefenderColumn},
    {"isguestuser", Key::kDefenderColumn},
    {"isinteractive", Key::kIsInteractive},
    {"ismanaged", Key::kDefenderColumn},
    {"ismanagedidentity", Key::kDefenderColumn},
    {"ismfacapable", Key::kRegistrationMember},
    {"ismfaregistered", Key::kIsMfaRegistered},
    {"isprocessing", Key::kRiskyPrincipalMember},
    {"jobid", Key::kProvisioningMember},
    {"jobtitle", Key::kDirectoryObjectMember},
    {"lastupdateddatetime", Key::kLastUpdatedDateTime},
    {"location", Key::kLocation},
    {"locationdetails", Key::kLocationDetails},
    {"log", Key::kShippedText},
    {"loggedbyservice", Key::kLoggedByService},
    {"logontype", Key::kDefenderColumn},
    {"mailenabled", Key::kDirectoryObjectMember},
    {"mailnickname", Key::kDirectoryObjectMember},
    {"message", Key::kShippedText},
    {"methodsregistered", Key::kMethodsRegistered},
    {"mfadetail", Key::kSignInColumn},
    {"mobilephone", Key::kDirectoryObjectMember},
    {"officelocation", Key::kDirectoryObjectMember},
    {"officeworkload", Key::kM365AuditMember},
    {"operationname", Key::kOperationName},
    {"operationnamevalue", Key::kOperationNameValue},
    {"osplatform", Key::kDefenderColumn},
    {"payload", Key::kShippedText},
    {"preferredlanguage", Key::kDirectoryObjectMember},
    {"properties", Key::kProperties},
    {"provisioningaction", Key::kProvisioningMember},
    {"provisioningstatusinfo", Key::kProvisioningMember},
    {"provisioningsteps", Key::kProvisioningMember},
    {"requestid", Key::kDefenderColumn},
    {"requestmethod", Key::kGraphActivityMember},
    {"requesturi", Key::kGraphActivityMember},
    {"resourcedisplayname", Key::kSignInColumn},
    {"resourceid", Key::kResourceId},
    {"resourcetenantid", Key::kResourceTenantId},
    {"responsestatuscode", Key::kGraphActivityMember},
    {"result", Key::kResult},
    // An audit record's reason where resultReason is "" (diagnostic envelope, LA column).
    {"resultdescription", Key::kResultDescription},
    {"resultreason", Key::kResultReason},
    {"resulttype", Key::kResultType},
    {"riskeventtype", Key::kRiskEventType},
    {"risklastupdateddatetime", Key::kRiskyPrincipalMember},
    {"risklevelaggregated", Key::kRiskLevelAggregated},
    {"risklevelduringsignin", Key::kRiskLevelDuringSignIn},
    {"riskstate", Key::kRiskState},
    {"securityenabled", Key::kDirectoryObjectMember},
    {"serviceprincipalid", Key::kServicePrincipalId},
    {"signinactivityid", Key::kGraphActivityMember},
    {"signineventtypes", Key::kSignInEventTypes},
    {"signinidentifier", Key::kSignInIdentifier},
    {"sourceidentity", Key::kProvisioningMember},
    {"status", Key::kStatus},
    {"subjectusername", Key::kSubjectUserName},
    {"surname", Key::kDirectoryObjectMember},
    {"targetidentity", Key::kProvisioningMember},
    {"targetresourcename", Key::kLegacyTarget},
    {"targetresources", Key::kTargetResources},
    {"targetresourcetype", Key::kLegacyTarget},
    {"targetupdatedproperties", Key::kLegacyTarget},
    {"tenantid", Key::kTenantId},
    {"time", Key::kTime},
    {"timegenerated", Key::kTimeGenerated},
    {"timestamp", Key::kDefenderColumn},
    {"tokenissuedat", Key::kGraphActivityMember},
    {"traffictype", Key::kNetworkAccessMember},
    {"transactionid", Key::kNetworkAccessMember},
    {"type", Key::kType},
    {"userid", Key::kUserId},
    {"userprincipalname", Key::kUserPrincipalName},
    {"usertype", Key::kUserType},
}};

static_assert(std::is_sorted(kRecordKeys.begin(), kRecordKeys.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

// Perfect hash of a record key, case-insensitive: its first and last 8 bytes (zero-filled when
// shorter, ASCII letters folded to lower case by |0x20) and length, multiplied and cut to
// kKeyHashBits bits. The multiplier was searched (scripts/record_key_hash_search.py) so that the
// names above land in distinct slots (asserted below); a hit is confirmed by a full
// case-insensitive compare, so other keys may share slots.
constexpr int kKeyHashBits = 10;
constexpr uint64_t kKeyHashMultiplier = 0x278b01af59d8bd9bull;

// Inlined (one call per JSON key of a record: out of line, its call cost as much as its work).
[[gnu::always_inline]] constexpr uint64_t KeyHash(std::string_view key) {
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
static_assert(kRecordKeys.size() < 255);
constexpr std::array<uint8_t, 1u << kKeyHashBits> kKeySlots = [] {
  std::array<uint8_t, 1u << kKeyHashBits> slots{};
  for (std::size_t i = 0; i < kRecordKeys.size(); ++i) {
    uint8_t& slot = slots[KeyHash(kRecordKeys[i].first)];
    if (slot != 0) throw "kKeyHashMultiplier: two record keys share a slot";
    slot = static_cast<uint8_t>(i + 1);
  }
  return slots;
}();

// The names of kRecordKeys as 8-byte words for a compare of a key's bytes in at most three loads
// instead of one AsciiLower per byte: the first 8 bytes, bytes 8-15, and the last 8 (these
// overlap for names shorter than 24 bytes; every name is at most 24 long and, below 8, compared
// byte by byte). `fold` has 0x20 where the name has a letter: (key | fold) == name there exactly
// when the key's byte is that letter in either case (only 'A' and 'a' give 'a' | 0x20), and
// other bytes compare exactly, as AsciiLower folds only A-Z.
struct KeyWords {
  uint64_t name[3] = {0, 0, 0};
  uint64_t fold[3] = {0, 0, 0};
};

constexpr uint64_t LoadWord(std::string_view s, std::size_t at) {
  uint64_t w = 0;
  for (std::size_t i = 0; i < 8 && at + i < s.size(); ++i) {
    w |= uint64_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  }
  return w;
}

constexpr uint64_t FoldWord(std::string_view s, std::size_t at) {
  uint64_t w = 0;
  for (std::size_t i = 0; i < 8 && at + i < s.size(); ++i) {
    const char c = s[at + i];
    if (c >= 'a' && c <= 'z') w |= uint64_t{0x20} << (8 * i);
  }
  return w;
}

constexpr std::array<KeyWords, kRecordKeys.size()> kRecordKeyWords = [] {
  std::array<KeyWords, kRecordKeys.size()> words{};
  for (std::size_t i = 0; i < kRecordKeys.size(); ++i) {
    const std::string_view n = kRecordKeys[i].first;
    if (n.size() > 24) throw "kRecordKeyWords: a record key longer than 24 bytes";
    for (char c : n) {
      if (c >= 'A' && c <= 'Z') throw "kRecordKeys: names are lower case";
    }
    if (n.size() < 8) continue;
    const std::size_t at[3] = {0, n.size() > 16 ? std::size_t{8} : std::size_t{0}, n.size() - 8};
    for (int w = 0; w < 3; ++w) {
      words[i].name[w] = LoadWord(n, at[w]);
      words[i].fold[w] = FoldWord(n, at[w]);
    }
  }
  return words;
}();

inline uint64_t KeyWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The first 8 bytes of the numbered columns' prefixes (Field), lower case; their letters, and so
// their |0x20 fold, are all a-z.
constexpr uint64_t kTargetResourcesHead = LoadWord("targetre", 0);
constexpr uint64_t kInitiatedByHead = LoadWord("initiate", 0);
constexpr uint64_t kAdditionalDetailsHead = LoadWord("addition", 0);

// Inlined into its two callers: one call per JSON key of a record, ~80 a record.
[[gnu::always_inline]] inline Key LookupExactRecordKey(std::string_view key) {
  const uint8_t slot = kKeySlots[KeyHash(key)];
  if (slot == 0) return Key::kUnknown;
  const auto& [name, id] = kRecordKeys[slot - 1];
  const std::size_t n = key.size();
  if (name.size() != n) return Key::kUnknown;
  if (n >= 8) {
    const KeyWords& w = kRecordKeyWords[slot - 1];
    const char* p = key.data();
    const uint64_t diff = ((KeyWord(p) | w.fold[0]) ^ w.name[0]) |
                          ((KeyWord(p + (n > 16 ? 8 : 0)) | w.fold[1]) ^ w.name[1]) |
                          ((KeyWord(p + n - 8) | w.fold[2]) ^ w.name[2]);
    return diff == 0 ? id : Key::kUnknown;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (AsciiLower(key[i]) != name[i]) return Key::kUnknown;
  }
  return id;
}

// A member name of a nested object (status, deviceDetail, a target, ...) compared as a record key
// is (LookupExactRecordKey): in at most three 8-byte loads, its case ignored as EqualsIgnoreCase
// ignores it (A-Z only). Made at compile time from a name of at most 24 bytes.
struct MemberName {
  std::size_t size = 0;
  uint64_t name[3] = {0, 0, 0};             // lower case
  uint64_t fold[3] = {0, 0, 0};             // 0x20 where the name has a letter
  consteval MemberName(const char* text) {  // NOLINT(google-explicit-constructor): a literal
    std::string_view s(text);
    if (s.size() > 24) throw "MemberName: longer than 24 bytes (use EqualsIgnoreCase)";
    size = s.size();
    std::size_t at[3] = {0, 0, 0};
    if (size >= 8) {
      at[1] = size > 16 ? 8 : 0;
      at[2] = size - 8;
    }
    for (int w = 0; w < 3; ++w) {
      for (std::size_t i = 0; i < 8 && at[w] + i < size; ++i) {
        char c = s[at[w] + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
        name[w] |= uint64_t{static_cast<unsigned char>(c)} << (8 * i);
        if (c >= 'a' && c <= 'z') fold[w] |= uint64_t{0x20} << (8 * i);
      }
    }
  }
};

[[gnu::always_inline]] inline bool IsMember(std::string_view key, const MemberName& m) {
  const std::size_t n = key.size();
  if (n != m.size) return false;
  const char* p = key.data();
  if (n >= 8) {
    return (((KeyWord(p) | m.fold[0]) ^ m.name[0]) |
            ((KeyWord(p + (n > 16 ? 8 : 0)) | m.fold[1]) ^ m.name[1]) |
            ((KeyWord(p + n - 8) | m.fold[2]) ^ m.name[2])) == 0;
  }
  uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i) w |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return (w | m.fold[0]) == m.name[0];
}

// A Log Analytics portal export (CSV, then JSON) names its columns as the portal shows them:
// "TimeGenerated [UTC]", "CreatedDateTime [UTC]", and each dynamic column twice, "Status_dynamic"
// and "Status_string" (one of them empty). These are the table's columns: read as such. Only keys
// that are no column otherwise pay for the second look. A rare name (kFirstRareKey on) is a name
// only as itself, not with a portal's suffix.
[[gnu::always_inline]] inline Key ColumnOnly(Key k) {
  return k < kFirstRareKey ? k : Key::kUnknown;
}

[[gnu::always_inline]] inline Key LookupRecordKey(std::string_view key) {
  const Key k = LookupExactRecordKey(key);
  if (k != Key::kUnknown || key.size() < 7) {
    // Log Analytics' hidden column "_ResourceId" ("/tenants/<id>/providers/microsoft.aadiam" in
    // the Entra tables): a KQL projection or export that keeps it may drop AADTenantId and
    // ResourceId.
    return k == Key::kHiddenResourceId ? Key::kResourceId : k;
  }
  switch (key.back()) {  // one byte decides for most keys
    case ']':
      if (EndsWithIgnoreCase(key, " [UTC]")) {
        return ColumnOnly(LookupExactRecordKey(key.substr(0, key.size() - 6)));
      }
      break;
    case 'c':
    case 'C':
      if (EndsWithIgnoreCase(key, "_dynamic")) {
        return ColumnOnly(LookupExactRecordKey(key.substr(0, key.size() - 8)));
      }
      break;
    case 'g':
    case 'G':
      if (EndsWithIgnoreCase(key, "_string")) {
        return ColumnOnly(LookupExactRecordKey(key.substr(0, key.size() - 7)));
      }
      break;
    // Two sign-in columns longer than a record key may be (kRecordKeyWords): read for their
    // presence alone (RecordFields::signin_column), one length compare for any other key.
    case 's':
    case 'S':
      if (key.size() == 25 && EqualsIgnoreCase(key, "ConditionalAccessPolicies")) {
        return Key::kSignInColumn;
      }
      break;
    case 't':
    case 'T':
      if (key.size() == 25 && EqualsIgnoreCase(key, "AuthenticationRequirement")) {
        return Key::kSignInColumn;
      }
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// A registration method that serves self-service password reset alone, no sign-in's second
// factor: e-mail ("available only for self-service password reset", Graph's
// emailAuthenticationMethod) and security questions ("only used for self-service password reset",
// credentialUserRegistrationDetails.authMethods).
bool SsprOnlyMethod(std::string_view m) {
  m = TrimSpaces(m);
  return EqualsIgnoreCase(m, "email") || EqualsIgnoreCase(m, "securityQuestion");
}

// The same for a methods list held as JSON text ("[]", "[\"email\",\"securityQuestion\"]"): no
// method but SSPR-only ones. A text that is no such list is not read as one (false).
bool NoMfaMethodIn(std::string_view text) {
  text = TrimSpaces(text);
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  text = text.substr(1, text.size() - 2);
  while (!TrimSpaces(text).empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = TrimSpaces(text.substr(0, comma));
    if (item.size() < 2 || item.front() != '"' || item.back() != '"') return false;
    if (!SsprOnlyMethod(item.substr(1, item.size() - 2))) return false;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

// A user reporting an MFA prompt it did not start: the fraud alert's result details ("MFA denied;
// Phone App Reported Fraud", "MFA denied, fraud code entered", and the step result detail the Graph
// authenticationDetail documentation gives as its example, "fraud code entered", with no "denied"),
// or the report suspicious activity feature that replaces it, whose step result detail is
// "SuspiciousActivityReported" (error 500121; the sign-in side of the audit log's "Suspicious
// activity reported"). Each phrase also as one camelCase word: Graph beta's enum
// authenticationStepResultDetail writes "fraudCodeEntered", the sign-in service's strong-auth
// results "FraudCodeEntered" and "PhoneAppFraudReported" (breaker round 112: a fraud report in a
// Graph beta page was missed).
bool MentionsFraudReport(std::string_view s) {
  if (s.size() < 5) return false;
  if (ContainsIgnoreCase(s, "fraud") &&
      (ContainsIgnoreCase(s, "denied") || ContainsIgnoreCase(s, "fraud code entered") ||
       ContainsIgnoreCase(s, "fraudcodeentered") || ContainsIgnoreCase(s, "reported fraud") ||
       ContainsIgnoreCase(s, "reportedfraud") || ContainsIgnoreCase(s, "fraud reported") ||
       ContainsIgnoreCase(s, "fraudreported"))) {
    return true;
  }
  // Both phrases of a suspicious-activity report contain "suspicious": one scan rules out most.
  return ContainsIgnoreCase(s, "suspicious") &&
         (ContainsIgnoreCase(s, "SuspiciousActivityReported") ||
          ContainsIgnoreCase(s, "suspicious activity reported"));
}

// PowerShell's ConvertTo-Json writes an object nested below its -Depth (2 by default) as the
// object's .NET type name ("Microsoft.Graph.PowerShell.Models.MicrosoftGraphUserIdentity"; the
// AzureAD module's "Microsoft.Open.MSGraph.Model..."; a dictionary's "System.Collections..."):
// the first such name met where an object is read, for the record's reject detail. Per thread (one
// collector per parse thread); reset by BeginRecord, moved into RecordFields per top-level field.
thread_local std::string_view tl_net_type_name;

bool IsOneNetTypeName(std::string_view s) {
  return (s.starts_with("Microsoft.Graph.") || s.starts_with("Microsoft.Open.") ||
          s.starts_with("System.Collections.")) &&
         s.find(' ') == std::string_view::npos;
}

// An array below the -Depth is written as its elements converted to text, joined by spaces (four
// modified properties: "Microsoft.Graph.PowerShell.Models.MicrosoftGraphModifiedProperty
// Microsoft.Graph.PowerShell.Models.MicrosoftGraphModifiedProperty ..."): each is a type name.
bool IsNetTypeName(std::string_view s) {
  if (!IsOneNetTypeName(s.substr(0, s.find(' ')))) return false;
  for (std::size_t space = s.find(' '); space != std::string_view::npos; space = s.find(' ')) {
    s.remove_prefix(space + 1);
    if (!IsOneNetTypeName(s.substr(0, s.find(' ')))) return false;
  }
  return true;
}

// Notes `v` when it is a type name standing where an object was expected (cold: a failed read).
void NoteTypeName(dom::element v) {
  std::string_view s;
  if (tl_net_type_name.empty() && v.get_string().get(s) == simdjson::SUCCESS && IsNetTypeName(s)) {
    tl_net_type_name = s;
  }
}

// Calls on_field(key, value) for each field of an object; any other type reads as absent. Nested
// keys, like record keys, match case-insensitively: exports drift in key case below the record too
// (Graph v1.0 writes a target's "Type"; Graph PowerShell exports write "ErrorCode", "DeviceId",
// "UserPrincipalName", "ModifiedProperties", ...).
template <typename OnField>
void ForEachField(dom::element v, OnField&& on_field) {
  dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return NoteTypeName(v);
  for (dom::key_value_pair field : obj) on_field(field.key, field.value);
}

// Calls on_element(value) for each element of an array. An object stands for an array of one: a
// KQL `mv-expand` of TargetResources, AuthenticationDetails or modifiedProperties (the vendor's own
// hunting queries expand them so) leaves one element per row, and PowerShell's pipeline and XML
// converters unwrap a single-element array into its element. Any other type reads as absent.
template <typename OnElement>
void ForEachElement(dom::element v, OnElement&& on_element) {
  dom::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) {
    if (v.is_object()) return on_element(v);
    return NoteTypeName(v);
  }
  for (dom::element element : arr) on_element(element);
}

// The target kind an OData type names: "#microsoft.graph.targetResourceUser" -> "User" (the
// type's last segment without its "targetResource" prefix, any case); empty for another type.
std::string_view TargetTypeFromODataType(std::string_view odata_type) {
  odata_type = TrimSpaces(odata_type);
  odata_type.remove_prefix(std::min(odata_type.size(), odata_type.rfind('.') + 1));
  constexpr std::string_view kPrefix = "targetResource";
  if (!StartsWithIgnoreCase(odata_type, kPrefix)) return {};
  return odata_type.substr(kPrefix.size());
}

// Windows PowerShell 5.1's ConvertTo-Json of an array carrying the ETS Count property:
// {"value":[...],"Count":n} (PowerShell issues #3153, #5579), exactly those two members.
bool PowerShellArray(dom::element v, dom::array& array) {
  dom::object object;
  if (v.get_object().get(object) != simdjson::SUCCESS || object.size() != 2) return false;
  dom::element count;
  return object.at_key("value").get_array().get(array) == simdjson::SUCCESS &&
         object.at_key("Count").get(count) == simdjson::SUCCESS && count.is_number();
}

}  // namespace

void FieldCollector::Text(dom::element v, std::string_view& out) {
  // Most fields are strings: read in place, without ReadScalar's Scalar.
  if (v.type() == dom::element_type::STRING) [[likely]] {
    out = v.get_string().value_unsafe();
    return;
  }
  const Scalar s = ReadScalar(v, numbers_);
  if (s.present()) out = s.text;
}

void FieldCollector::IdText(dom::element v, std::string_view& out, RecordFields& fields,
                            std::string_view detail) {
  std::string_view text;
  if (v.get_string().get(text) == simdjson::SUCCESS) {
    out = text;
  } else if (!v.is_null() && fields.wrong_type_detail.empty()) {
    fields.wrong_type_detail = detail;
  }
}

void FieldCollector::NoteWrongType(RecordFields& fields, std::string_view detail) {
  if (fields.wrong_type_detail.empty()) fields.wrong_type_detail = detail;
}

void FieldCollector::ScalarText(dom::element v, std::string_view& out, RecordFields& fields,
                                std::string_view detail) {
  const dom::element_type type = v.type();  // one look at the tape for the common string
  if (type == dom::element_type::STRING) [[likely]] {
    out = v.get_string().value_unsafe();
    return;
  }
  if (type == dom::element_type::OBJECT || type == dom::element_type::ARRAY) [[unlikely]] {
    return NoteWrongType(fields, detail);
  }
  Text(v, out);
}

void FieldCollector::TimeText(dom::element v, std::string_view& out, RecordFields& fields,
                              std::string_view detail) {
  if (v.type() != dom::element_type::OBJECT) [[likely]] {
    return ScalarText(v, out, fields, detail);
  }
  // Windows PowerShell's ConvertTo-Json writes a DateTime that carries its extended members
  // (Get-MgAuditLogSignIn's CreatedDateTime, Get-Date's) as {"value": "\/Date(ms)\/",
  // "DisplayHint": .., "DateTime": "Tuesday, May 6, 2025 7:42:19 AM"}: its value is the time
  // (breaker round 61). Any other object is no time.
  bool read = false;
  ForEachField(v, [&](std::string_view key, dom::element child) {
    if (!read && IsMember(key, "value") && child.is_string()) {
      out = child.get_string().value_unsafe();
      read = true;
    }
  });
  if (!read) NoteWrongType(fields, detail);
}

void FieldCollector::CodeText(dom::element v, std::string_view& out, RecordFields& fields,
                              std::string_view detail) {
  if (v.is_null()) {
    fields.outcome_null = true;
    return;
  }
  const Scalar s = ReadScalar(v, numbers_);
  const bool integral =
      s.kind == Scalar::kString ||
      (s.kind == Scalar::kNumber && (!v.is_double() || ParseInt(s.text).has_value()));
  if (integral) {
    out = s.text;
  } else if (fields.wrong_type_detail.empty()) {
    fields.wrong_type_detail = detail;
  }
}

void FieldCollector::Bool(dom::element v, TriBool& out, RecordFields& fields,
                          std::string_view detail) {
  if (v.is_object() || v.is_array()) [[unlikely]] {
    return NoteWrongType(fields, detail);
  }
  const TriBool before = out;
  out = -1;
  BoolValue(v, out);
  if (out < 0) {
    out = before;
    // Text or a number that is no boolean ("maybe", 2): read as absent, a non-interactive sign-in
    // counted as interactive, a registration as none. Empty text states nothing.
    const Scalar s = ReadScalar(v, numbers_);
    if ((s.kind == Scalar::kString && !TrimJsonText(s.text).empty()) || s.kind == Scalar::kNumber)
        [[unlikely]] {
      NoteWrongType(fields, detail);
    }
  }
}

void FieldCollector::BoolValue(dom::element v, TriBool& out) {
  const Scalar s = ReadScalar(v, numbers_);
  if (s.kind == Scalar::kBool) {
    out = s.boolean ? 1 : 0;
  } else if (s.kind == Scalar::kString) {
    if (auto b = ParseBoolText(s.text)) out = *b ? 1 : 0;
  }
  // Exports that write booleans as 0 / 1, as numbers or as text (also "1.0": a numeric column
  // carried as floating point, as the JSON number 1.0 reads "1").
  if (s.kind == Scalar::kNumber || s.kind == Scalar::kString) {
    if (const auto n = ParseInt(s.text); n && (*n == 0 || *n == 1)) out = *n == 1 ? 1 : 0;
  }
}

void FieldCollector::PropertyValue(dom::element v, std::string_view& out) {
  // JSON text in a string ("[\"Guest\"]"), or, from exports that decode it, the array itself:
  // its first scalar stands for it (["Guest"], ["x@y"], ["Security Administrator"]). An array of
  // objects alone, or an object, is read as its JSON text ([{"Id": ..}] for an Authenticator's
  // details: the members the JSON-text form's readers compare; breaker round 60).
  if (v.is_object()) {
    out = decoded_texts_.Write(v);
    return;
  }
  if (!v.is_array()) return Text(v, out);
  dom::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return;
  for (dom::element element : arr) {
    const Scalar s = ReadScalar(element, numbers_);
    if (s.present()) {
      out = s.text;
      return;
    }
  }
  out = decoded_texts_.Write(v);
}

void FieldCollector::TextOrValueObject(dom::element v, std::string_view& out, RecordFields& fields,
                                       std::string_view detail) {
  if (!v.is_object()) return ScalarText(v, out, fields, detail);
  ForEachField(v, [&](std::string_view key, dom::element child) {
    if (IsMember(key, "value")) Text(child, out);
  });
}

void FieldCollector::Field(std::string_view key, dom::element v, bool in_properties,
                           RecordFields& out) {
  switch (LookupRecordKey(key)) {
    case Key::kUnknown:
      if (!in_properties) {
        // The HTTP Data Collector API's column names: a name and its type's suffix (_s string,
        // _d double, _b boolean, _t date/time, _g GUID). One compare of the last two bytes.
        // Read as the field it names ("UserPrincipalName_s" as UserPrincipalName,
        // "status_errorCode_d" as status.errorCode): a Logic App or Function that forwards the
        // Entra logs to a custom table writes them so (CustomTableByColumns decides the kind).
        // A portal export writes a datetime column "createdDateTime_t [UTC]".
        std::string_view column = key;
        if (column.size() > 8 && column.back() == ']' && EndsWithIgnoreCase(column, " [UTC]")) {
          column.remove_suffix(6);
        }
        if (column.size() > 2 && column[column.size() - 2] == '_') [[unlikely]] {
          const char t = column.back();
          if (t == 's' || t == 'd' || t == 'b' || t == 't' || t == 'g') {
            out.suffixed_columns = true;
            if (SuffixedColumn(column.substr(0, column.size() - 2), v, out)) return;
          }
        }
        // A KQL projection of TargetResources[0].userPrincipalName / InitiatedBy.user.id names
        // its column by the path ("TargetResources_0_userPrincipalName", no type suffix).
        // Its first 8 bytes folded with |0x20 (a superset of the case folding) rule out the other
        // long keys (appliedConditionalAccessPolicies, authenticationProcessingDetails, ...)
        // before a compare.
        if (column.size() > 16) {
          const uint64_t head = KeyWord(column.data()) | 0x2020202020202020ull;
          if ((head == kTargetResourcesHead || head == kInitiatedByHead ||
               head == kAdditionalDetailsHead) &&
              (StartsWithIgnoreCase(column, "targetResources_") ||
               StartsWithIgnoreCase(column, "initiatedBy_") ||
               StartsWithIgnoreCase(column, "additionalDetails_"))) [[unlikely]] {
            SuffixedColumn(column, v, out);
          }
        }
      }
      return;
    case Key::kAdditionalDetails:
      // An audit record's additionalDetails (object array, or JSON text in Log Analytics).
      return Dynamic(JsonTextFields::kAdditionalDetails, v, out,
                     &FieldCollector::AdditionalDetails);
    // The 2018 audit schema's members of `properties` (Microsoft's "legacy" Audit records): its
    // target (read by Properties), its initiator's kind and its audit category.
    case Key::kLegacyTarget:
      if (in_properties) out.legacy_audit = true;
      return;
    case Key::kIdentityType:
      if (in_properties) {
        ScalarText(v, out.legacy_identity_type, out, "identityType is not text");
      }
      return;
    case Key::kAuditEventCategory:
      if (in_properties && out.props_category.empty()) Text(v, out.props_category);
      return;
    case Key::kAuthorization:
      // An Azure Activity record's `authorization` (REST, PSEventData's `Authorization`; Log
      // Analytics' AzureActivity `Authorization` as JSON text, `Authorization_d` as an object):
      // the RBAC action the operation was authorised as, the operation's name where
      // Get-AzActivityLog, or a row of the table's columns before OperationNameValue (2020),
      // writes OperationName as the localized text only.
      // One of the two spellings is enough (a portal export writes both as JSON text).
      if (in_properties || text_fields_.Opened(JsonTextFields::kAuthorization)) return;
      // A column there but empty ("", {}, []) names no action: the display name then decides.
      if (v.is_string()   ? !TrimSpaces(v.get_string().value_unsafe()).empty()
          : v.is_object() ? v.get_object().value_unsafe().size() != 0
          : v.is_array()  ? v.get_array().value_unsafe().size() != 0
                          : !v.is_null()) {
        out.authorization_named = true;
      }
      return Dynamic(JsonTextFields::kAuthorization, v, out, &FieldCollector::Authorization);
    // An ECS document's "ecs" ({"version": ..}) and "event" objects (record_fields.h), at the
    // record's root or in the "_source" of an Elasticsearch hit as elasticdump writes it
    // ({"_index": .., "_id": .., "_source": {..}}).
    case Key::kEcs:
      if (!in_properties && v.is_object()) out.ecs_document = true;
      return;
    case Key::kEcsEvent:
      if (!in_properties) EcsEvent(v, out);
      return;
    case Key::kEsSource:
      if (!in_properties && v.is_object()) {
        ForEachField(v, [&](std::string_view k, dom::element child) {
          if (k.size() == 3 && IsMember(k, "ecs") && child.is_object()) {
            out.ecs_document = true;
          } else if (k.size() == 5 && IsMember(k, "event")) {
            EcsEvent(child, out);
          }
        });
      }
      return;
    // A shipper's event that holds the message as JSON text: Filebeat's azure-eventhub input and
    // Logstash's plain codec ("message"), Vector's kafka sink with its json codec ("message"),
    // Fluent Bit and Fluentd tailing a file without a parser ("log"), `kcat -J` ("payload"). Read
    // as that message when the event is no record itself (RecordParser, breaker round 63).
    // The Splunk Add-on for Microsoft Cloud Services indexes an Event Hubs event as {"body":
    // <the record or batch>, "x-opt-sequence-number": .., "x-opt-offset": .., ..} (sourcetype
    // mscs:azure:eventhub): a body of JSON text is the message it holds (an object body is read
    // by RecordParser::ParseObject).
    case Key::kShippedText:
    case Key::kShippedBody:
      if (!in_properties && v.is_string()) {
        std::string_view text;
        Text(v, text);
        const std::string_view trimmed = TrimJsonText(text);
        if (trimmed.starts_with('{') || trimmed.starts_with('[')) out.shipped_text = text;
      }
      return;
    case Key::kOriginalType:
      if (!in_properties) ScalarText(v, out.original_type, out, "_OriginalType is not text");
      return;
    case Key::kOriginalTimeGenerated:
      if (!in_properties) {
        ScalarText(v, out.original_time_generated, out, "_OriginalTimeGenerated is not text");
      }
      return;
    case Key::kSplunkRaw:
      // A Splunk event exported alone ({"_raw": "<the event>", "_time": .., "sourcetype": ..}).
      if (!in_properties && v.is_string()) Text(v, out.ecs_original);
      return;
    // A directory object writes its every property, null or not (Get-MgUser, `az ad user list`):
    // its null members name it as well.
    case Key::kDirectoryObjectMember:
      if (!in_properties) out.other_log_members |= kDirectoryObjectMember;
      return;
    case Key::kNetworkAccessMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kNetworkAccessMember;
      return;
    case Key::kRegistrationMember:
      if (!in_properties) out.registration_member = true;
      return;
    // A registration's methods (v1.0 methodsRegistered, beta authMethods): none registered ([],
    // or its JSON text from a tool that writes nested arrays so), or only methods that serve
    // self-service password reset alone (e-mail, security questions: Graph's method docs), is no
    // MFA registered, whether or not isMfaRegistered was kept (a `$select` without it; breaker
    // rounds 65, 77).
    case Key::kMethodsRegistered:
      if (in_properties) return;
      out.registration_member = true;
      // Windows PowerShell 5.1 writes the list as {"value":[..],"Count":n} (breaker round 78).
      if (dom::array methods;
          v.get_array().get(methods) == simdjson::SUCCESS || PowerShellArray(v, methods)) {
        bool mfa = false;
        for (dom::element m : methods) {
          std::string_view name;
          mfa = mfa || m.get_string().get(name) != simdjson::SUCCESS || !SsprOnlyMethod(name);
        }
        out.no_methods_registered = !mfa;
      } else if (std::string_view text; v.get_string().get(text) == simdjson::SUCCESS) {
        out.no_methods_registered = NoMfaMethodIn(text);
      }
      return;
    case Key::kRiskDetectionMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kRiskDetectionMember;
      return;
    case Key::kRiskEventType:
      if (!in_properties && !v.is_null()) out.other_log_members |= kRiskDetectionMember;
      if (v.is_string()) {
        std::string_view type;
        Text(v, type);
        if (EqualsIgnoreCase(TrimSpaces(type), "userReportedSuspiciousActivity")) {
          out.user_reported_suspicious = true;
        }
      }
      return;
    case Key::kProvisioningMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kProvisioningMember;
      return;
    case Key::kRiskyPrincipalMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kRiskyPrincipalMember;
      return;
    case Key::kGraphActivityMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kGraphActivityMember;
      return;
    case Key::kM365AuditMember:
      if (!in_properties && !v.is_null()) out.other_log_members |= kM365AuditMember;
      return;
    case Key::kAadTenantId:
      return IdText(v, out.aad_tenant_id, out, "AADTenantId is not a string (a tenant id)");
    case Key::kAccount:
      return IdText(v, out.account, out, "Account is not a string (the account's name)");
    case Key::kActivityDateTime:
      return TimeText(v, out.activity_date_time, out, "activityDateTime is not text (a time)");
    case Key::kActivityDisplayName:
      return ScalarText(v, out.activity_display_name, out,
                        "activityDisplayName is not text (the audit's activity)");
    case Key::kActivityStatus: {
      // Log Analytics AzureActivity has two status columns, `ActivityStatusValue` and the legacy
      // `ActivityStatus`, empty in today's rows and exported after it: an empty one states nothing
      // and must not erase the other ("Failure" read as no status, a success).
      std::string_view status;
      ScalarText(v, status, out, "ActivityStatusValue / ActivityStatus is not text");
      if (!TrimJsonText(status).empty() || out.activity_status.empty())
        out.activity_status = status;
      return;
    }
    case Key::kAppId:
      return IdText(v, out.app_id, out, "appId is not a string (an application id)");
    case Key::kSignInColumn:
      if (!v.is_null()) out.signin_column = true;
      return;
    case Key::kAuthenticationDetails:
      if (!v.is_null()) out.signin_column = true;
      return Dynamic(JsonTextFields::kAuthenticationDetails, v, out,
                     &FieldCollector::AuthenticationDetails);
    case Key::kCaller:
      return IdText(v, out.caller, out, "caller is not a string (the caller's UPN or id)");
    case Key::kCallerIpAddress:
      return ScalarText(v, out.caller_ip_address, out, "callerIpAddress is not text");
    case Key::kCategory:
      return TextOrValueObject(v, in_properties ? out.props_category : out.category, out,
                               "category is neither text nor a {\"value\": ..} object");
    case Key::kCategoryValue:
      return ScalarText(v, out.category_value, out, "CategoryValue is not text");
    case Key::kClaims:
      // Log Analytics AzureActivity `Claims`: an object, or JSON text like every dynamic column.
      return Dynamic(JsonTextFields::kClaims, v, out, &FieldCollector::Claims);
    case Key::kClientAppUsed:
      return ScalarText(v, out.client_app, out, "clientAppUsed is not text (the client)");
    case Key::kComputer:
      return ScalarText(v, out.computer, out, "Computer is not text");
    case Key::kConditionalAccessStatus:
      return ScalarText(v, out.ca_status, out, "conditionalAccessStatus is not text");
    case Key::kCorrelationId:
      return ScalarText(v, out.correlation_id, out, "correlationId is not text");
    case Key::kCreatedDateTime:
      return TimeText(v, out.created_date_time, out, "createdDateTime is not text (a time)");
    case Key::kFirstSignInDateTime:
      // A summarizedSignIn (Graph beta getSummarizedNonInteractiveSignIns) aggregates a user's
      // non-interactive sign-ins of one app from one IP: read as one non-interactive sign-in at
      // its first (it has no createdDateTime; it was bad_time: a break-glass account's use lost,
      // an admin's only use unseen: breaker round 104).
      if (out.is_interactive < 0) out.is_interactive = 0;
      out.summarized_signin = true;
      if (!out.created_date_time.empty()) return;
      return TimeText(v, out.created_date_time, out, "firstSignInDateTime is not text (a time)");
    case Key::kDeviceDetail:
      if (!v.is_null()) out.signin_column = true;
      return Dynamic(JsonTextFields::kDeviceDetail, v, out, &FieldCollector::DeviceDetail);
    case Key::kEventId:
      return ScalarText(v, out.event_id, out, "EventID is not a number or text");
    case Key::kEventTimestamp:
      return TimeText(v, out.event_timestamp, out, "eventTimestamp is not text (a time)");
    case Key::kHierarchy: {
      // Log Analytics AzureActivity: "<tenant id>/<management group>/.../<subscription>".
      std::string_view hierarchy;
      ScalarText(v, hierarchy, out, "Hierarchy is not text");
      hierarchy = TrimSpaces(hierarchy);
      out.hierarchy_tenant_id = hierarchy.substr(0, hierarchy.find('/'));
      return;
    }
    case Key::kHomeTenantId:
      return IdText(v, out.home_tenant_id, out, "homeTenantId is not a string (a tenant id)");
    case Key::kId:
      return IdText(v, out.id, out, "id is not a string (the record's or user's id)");
    case Key::kIdentity:
      // Azure Activity's {"authorization":..,"claims":..}, or that object as JSON text from a
      // shipper that stringifies nested objects; a sign-in's `identity` is a display name.
      if (v.is_string()) {
        std::string_view text;
        Text(v, text);
        if (!TrimJsonText(text).starts_with('{') && !TrimJsonText(text).starts_with("\"{")) {
          if (!in_properties) out.identity_name = text;
          return;
        }
        return Dynamic(JsonTextFields::kIdentity, v, out, &FieldCollector::Identity);
      }
      // A number, a boolean or an array: of a type `identity` cannot have (read as no identity,
      // an Activity record named no caller: no_account).
      if (!v.is_object() && !v.is_null()) [[unlikely]] {
        return NoteWrongType(out,
                             "identity is neither an object, its name, nor JSON text of an object");
      }
      return Identity(v, out);
    case Key::kInitiatedBy:
      out.audit_member |= !v.is_null();
      return Dynamic(JsonTextFields::kInitiatedBy, v, out, &FieldCollector::InitiatedBy);
    case Key::kIpAddress:
      return ScalarText(v, out.ip_address, out, "ipAddress is not text");
    case Key::kIsAdmin:
      return Bool(v, out.is_admin, out, "isAdmin is not a boolean");
    case Key::kIsInteractive:
      return Bool(v, out.is_interactive, out, "isInteractive is not a boolean");
    case Key::kIsMfaRegistered:
      return Bool(v, out.is_mfa_registered, out, "isMfaRegistered is not a boolean");
    case Key::kLastUpdatedDateTime:
      return TimeText(v, out.last_updated_date_time, out,
                      "lastUpdatedDateTime is not text (a time)");
    case Key::kLocation: {
      // Envelope / LA `Location` is the country (a string); Graph `location` is an object, or
      // that object as JSON text (which names no country by itself).
      if (v.is_object()) return Location(v, out);
      if (v.is_array() || v.is_bool()) [[unlikely]] {
        return NoteWrongType(out, "location is neither text (a country) nor an object");
      }
      std::string_view text = out.location_country;
      Text(v, text);
      if (TrimJsonText(text).starts_with('{') || TrimJsonText(text).starts_with("\"{")) {
        return Dynamic(JsonTextFields::kLocationDetails, v, out, &FieldCollector::Location);
      }
      if (!TrimSpaces(text).empty()) out.location_country = text;  // "" names no country
      return;
    }
    case Key::kLocationDetails:
      if (!v.is_null()) out.signin_column = true;
      return Dynamic(JsonTextFields::kLocationDetails, v, out, &FieldCollector::Location);
    case Key::kLoggedByService:
      return ScalarText(v, out.logged_by_service, out, "loggedByService is not text");
    case Key::kOperationName:
      return TextOrValueObject(v, out.operation_name, out,
                               "operationName is neither text nor a {\"value\": ..} object");
    case Key::kOperationNameValue:
      return ScalarText(v, out.operation_name_value, out, "OperationNameValue is not text");
    case Key::kProperties:
      if (in_properties) return;
      // An object, or JSON text from a shipper that stringifies nested objects.
      return Dynamic(JsonTextFields::kProperties, v, out, &FieldCollector::Properties);
    case Key::kHiddenResourceId:  // LookupRecordKey reads it as kResourceId
    case Key::kResourceId:
      // Inside diag sign-in properties, resourceId is the resource app id, not the ARM path.
      if (in_properties) return;
      {
        // "ResourceId" and "_ResourceId" may both come: one naming a tenant is kept.
        std::string_view id;
        IdText(v, id, out, "resourceId is not a string (the resource's path or id)");
        if (!StartsWithIgnoreCase(out.resource_id, "/tenants/") ||
            StartsWithIgnoreCase(id, "/tenants/")) {
          out.resource_id = id;
        }
      }
      return;
    case Key::kResourceTenantId:
      return IdText(v, out.resource_tenant_id, out,
                    "resourceTenantId is not a string (a tenant id)");
    case Key::kResult:
      // A Splunk search export (REST search/jobs/export, output_mode=json): each line
      // {"preview":false,"offset":..,"result":{"_raw":"<the event>","_time":..,"sourcetype":..}}:
      // the event the Splunk add-on indexed (azure:aad:signin, azure:aad:audit: the Graph or
      // diagnostic record) is `_raw`, read as that record, as an ECS document's event.original.
      if (!in_properties && v.is_object()) [[unlikely]] {
        std::string_view raw;
        ForEachField(v, [&](std::string_view k, dom::element child) {
          if (k.size() == 4 && IsMember(k, "_raw")) Text(child, raw);
        });
        if (!TrimJsonText(raw).empty()) {
          out.ecs_original = raw;
          return;
        }
      }
      return CodeText(v, out.result, out, "result is not text or an integer (the outcome)");
    case Key::kResultReason:
      return ScalarText(v, out.result_reason, out, "resultReason is not text");
    case Key::kResultDescription:
      // Free text read only for what it says (a Temporary Access Pass, a PIM setting turned
      // off): a value of another type is no reason and rejects nothing.
      if (v.is_string()) out.result_description = v.get_string().value_unsafe();
      return;
    case Key::kResultType:
      return CodeText(v, out.result_type, out,
                      "resultType is not text or an integer (the outcome code)");
    case Key::kRiskLevelAggregated:
      return ScalarText(v, out.risk_aggregated, out, "riskLevelAggregated is not text");
    case Key::kRiskLevelDuringSignIn:
      return ScalarText(v, out.risk_during, out, "riskLevelDuringSignIn is not text");
    case Key::kRiskState:
      return ScalarText(v, out.risk_state, out, "riskState is not text");
    case Key::kServicePrincipalId:
      return IdText(v, out.service_principal_id, out,
                    "servicePrincipalId is not a string (a service principal id)");
    case Key::kSignInEventTypes:
      // An array, or its JSON text (a Log Analytics dynamic column).
      return Dynamic(JsonTextFields::kSignInEventTypes, v, out, &FieldCollector::SignInEventTypes);
    case Key::kStatus:
      if (!v.is_null()) out.status_named = true;
      return Dynamic(JsonTextFields::kStatus, v, out, &FieldCollector::Status);
    case Key::kSubjectUserName:
      return IdText(v, out.subject_user_name, out, "SubjectUserName is not a string");
    case Key::kTargetResources:
      out.audit_member |= !v.is_null();
      return Dynamic(JsonTextFields::kTargetResources, v, out, &FieldCollector::TargetResources);
    case Key::kTenantId: {
      // LA "TenantId" (exactly so spelled) is the workspace, not the Entra tenant. Checked here,
      // where the lookup already chose the key, rather than by a compare of every key.
      if (key.size() == 8 && std::memcmp(key.data(), "TenantId", 8) == 0) {
        // A null one names nothing (Get-AzActivityLog's PSEventData writes "TenantId": null).
        if (!v.is_null()) out.has_workspace_id = true;
        // Kept: Get-AzLog's PSEventData (the REST EventData's tenantId) names the Azure tenant
        // here (event_builder.cc decides by the record's shape).
        if (v.get_string().get(out.pascal_tenant_id) != simdjson::SUCCESS)
          out.pascal_tenant_id = {};
        return;
      }
      std::string_view tenant;
      IdText(v, tenant, out, "tenantId is not a string (a tenant id)");
      if (!in_properties || out.tenant_id.empty()) out.tenant_id = tenant;
      return;
    }
    case Key::kTime:
      if (in_properties) return;
      return TimeText(v, out.time, out, "time is not text (a time)");
    case Key::kTimeGenerated:
      return TimeText(v, out.time_generated, out, "TimeGenerated is not text (a time)");
    case Key::kType:
      // The Log Analytics table, a column of the row itself: a diagnostic record's properties may
      // hold a `type` of their own (Azure Activity ResourceHealth: "type": "Downtime").
      if (in_properties) return;
      return ScalarText(v, out.type, out, "Type is not text (the Log Analytics table)");
    case Key::kUserId:
      return IdText(v, out.user_id, out, "userId is not a string (a user id)");
    case Key::kUserPrincipalName:
      return IdText(v, out.upn, out, "userPrincipalName is not a string");
    case Key::kAlternateSignInName:
      // Names read only where the record names its user nowhere else (EndRecord): a value of
      // another type is no name and rejects nothing.
      if (v.is_string()) out.alternate_sign_in_name = v.get_string().value_unsafe();
      return;
    case Key::kSignInIdentifier:
      if (v.is_string()) out.sign_in_identifier = v.get_string().value_unsafe();
      return;
    case Key::kUserType:
      return ScalarText(v, out.user_type, out, "userType is not text");
    case Key::kDefenderColumn:
      return DefenderColumn(key, v, out);
  }
}

namespace {
// Defender's sign-in columns held as text, and those read as booleans, by their names.
struct DefenderTextColumn {
  std::string_view name;
  std::string_view DefenderSignInColumns::*member;
};
constexpr DefenderTextColumn kDefenderTextColumns[] = {
    {"Timestamp", &DefenderSignInColumns::timestamp},
    {"AccountUpn", &DefenderSignInColumns::account_upn},
    {"AccountObjectId", &DefenderSignInColumns::account_object_id},
    {"ErrorCode", &DefenderSignInColumns::error_code},
    {"Country", &DefenderSignInColumns::country},
    {"City", &DefenderSignInColumns::city},
    {"ApplicationId", &DefenderSignInColumns::application_id},
    {"AadDeviceId", &DefenderSignInColumns::aad_device_id},
    // EntraIdSignInEvents' name for it (AadDeviceId: legacy).
    {"EntraIdDeviceId", &DefenderSignInColumns::entra_id_device_id},
    {"DeviceName", &DefenderSignInColumns::device_name},
    {"OSPlatform", &DefenderSignInColumns::os_platform},
    {"Browser", &DefenderSignInColumns::browser},
    {"RequestId", &DefenderSignInColumns::request_id},
    {"LogonType", &DefenderSignInColumns::logon_type},
};
struct DefenderFlagColumn {
  std::string_view name;
  int8_t DefenderSignInColumns::*member;
};
constexpr DefenderFlagColumn kDefenderFlagColumns[] = {
    {"IsGuestUser", &DefenderSignInColumns::is_guest_user},
    {"IsManaged", &DefenderSignInColumns::is_managed},
    {"IsManagedIdentity", &DefenderSignInColumns::is_managed_identity},
    {"IsCompliant", &DefenderSignInColumns::is_compliant},
};
}  // namespace

void FieldCollector::DefenderColumn(std::string_view key, dom::element v, RecordFields& out) {
  // Held, not read: these names mean other things in other records. A value of another type than
  // the table's is no value (nothing rejected on it: the record may be no Defender row at all).
  // Only a record holding one of these names pays this scan of them.
  if (v.is_object() || v.is_array() || v.is_null()) return;
  DefenderSignInColumns& d = out.defender;
  std::string_view text;
  Text(v, text);
  for (const DefenderTextColumn& c : kDefenderTextColumns) {
    if (EqualsIgnoreCase(key, c.name)) {
      d.*c.member = text;
      return;
    }
  }
  for (const DefenderFlagColumn& c : kDefenderFlagColumns) {
    if (EqualsIgnoreCase(key, c.name)) {
      BoolValue(v, d.*c.member);
      return;
    }
  }
  if (EqualsIgnoreCase(key, "Application")) d.application = !TrimSpaces(text).empty();
}

namespace {
// Defender's risk levels (0 none, 10 low, 50 medium, 100 high) as the sign-in log names them.
std::string_view DefenderRiskLevel(std::string_view level) {
  const auto n = ParseInt(level);
  if (!n) return level;
  switch (*n) {
    case 0:
      return "none";
    case 10:
      return "low";
    case 50:
      return "medium";
    case 100:
      return "high";
    default:
      return {};
  }
}
}  // namespace

void FieldCollector::ReadDefenderAppSignIn(RecordFields& out) {
  // Defender XDR's table of service principals' and managed identities' sign-ins
  // ("AADSpnSignInEventsBeta", renamed "EntraIdSpnSignInEvents"; MicrosoftDocs/defender-docs
  // advanced-hunting-aadspnsignineventsbeta-table.md): no Account* columns and no LogonType;
  // ServicePrincipalId names the principal, IsManagedIdentity its kind, ErrorCode the outcome,
  // RequestId the record. Read as the Graph signIn of an app it restates (keyed by its service
  // principal, kept out of the user rules, as the diagnostic and Log Analytics app sign-ins are;
  // breaker rounds 111, 112: every such row was rejected unknown_format). A row that names a user
  // or a LogonType is the user table's, and one without a ServicePrincipalId is no app sign-in.
  DefenderSignInColumns& d = out.defender;
  if (!out.upn.empty() || !out.user_id.empty() || !TrimSpaces(d.logon_type).empty() ||
      TrimSpaces(out.service_principal_id).empty() || TrimSpaces(d.timestamp).empty()) {
    return;
  }
  if (out.created_date_time.empty()) out.created_date_time = d.timestamp;
  if (out.error_code.empty()) out.error_code = d.error_code;
  if (out.country_or_region.empty()) out.country_or_region = d.country;
  if (out.city.empty()) out.city = d.city;
  if (out.app_id.empty()) out.app_id = d.application_id;
  if (out.id.empty()) out.id = d.request_id;
  out.defender_row = true;
  out.event_types_named = true;
  if (d.is_managed_identity == 1) {
    out.event_type_managed_identity = true;
  } else {
    out.event_type_service_principal = true;
  }
}

void FieldCollector::ReadDefenderSignIn(RecordFields& out) {
  // Microsoft Defender XDR's advanced hunting table of Entra sign-ins ("AADSignInEventsBeta",
  // renamed "EntraIdSignInEvents"; MicrosoftDocs/defender-docs advanced-hunting-
  // aadsignineventsbeta-table.md): interactive and non-interactive sign-ins under its own column
  // names. Read as the SigninLogs row it restates: Timestamp its time, AccountUpn / AccountObjectId
  // its user, ErrorCode its outcome, RequestId its id (the sign-in's request id), LogonType its
  // signInEventTypes, the device (EntraIdDeviceId, else the legacy AadDeviceId; DeviceName) and
  // place columns as deviceDetail and location, IsGuestUser as userType Guest; its
  // ConditionalAccessStatus and RiskState are the sign-in log's enum numbers, its risk levels
  // 0/10/50/100 (breaker round 104: the rows were rejected unknown_format).
  // Defender's other tables that name an account so (IdentityLogonEvents: on-premises logons,
  // LogonType "Interactive"; CloudAppEvents, IdentityDirectoryEvents: ActionType) have no
  // ErrorCode, nor a LogonType that lists sign-in event types: not sign-ins of this log.
  DefenderSignInColumns& d = out.defender;
  if (!out.upn.empty() || !out.user_id.empty()) return;
  const std::string_view logon_type = TrimSpaces(d.logon_type);
  if (TrimSpaces(d.error_code).empty() || (!logon_type.empty() && logon_type.front() != '[')) {
    return;
  }
  out.upn = d.account_upn;
  out.user_id = d.account_object_id;
  out.defender_row = true;
  if (out.time_generated.empty()) out.time_generated = d.timestamp;
  if (out.error_code.empty()) out.error_code = d.error_code;
  if (out.country_or_region.empty()) out.country_or_region = d.country;
  if (out.city.empty()) out.city = d.city;
  if (out.app_id.empty()) out.app_id = d.application_id;
  if (out.device_id.empty()) {
    out.device_id = d.entra_id_device_id.empty() ? d.aad_device_id : d.entra_id_device_id;
  }
  if (out.device_name.empty()) out.device_name = d.device_name;
  if (out.user_type.empty() && d.is_guest_user == 1) out.user_type = "Guest";
  if (out.operating_system.empty()) out.operating_system = d.os_platform;
  if (out.browser.empty()) out.browser = d.browser;
  if (out.id.empty()) out.id = d.request_id;
  if (out.device_managed < 0) out.device_managed = d.is_managed;
  if (out.device_compliant < 0) out.device_compliant = d.is_compliant;
  out.risk_during = DefenderRiskLevel(TrimSpaces(out.risk_during));
  out.risk_aggregated = DefenderRiskLevel(TrimSpaces(out.risk_aggregated));
  if (d.application || !d.logon_type.empty()) out.signin_column = true;
  // LogonType: the sign-in's event types as JSON text ("[\"interactiveUser\"]").
  std::string_view types = logon_type;
  if (types.size() >= 2 && types.front() == '[' && types.back() == ']') {
    types = types.substr(1, types.size() - 2);
  }
  for (std::size_t at = 0; at < types.size();) {
    std::size_t end = types.find(',', at);
    if (end == std::string_view::npos) end = types.size();
    std::string_view name = TrimSpaces(types.substr(at, end - at));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    if (!name.empty()) {
      out.event_types_named = true;
      EventTypeName(name, out);
    }
    at = end + 1;
  }
}

void FieldCollector::EcsEvent(dom::element v, RecordFields& out) {
  ForEachField(v, [&](std::string_view name, dom::element value) {
    if (IsMember(name, "original") && value.is_string()) Text(value, out.ecs_original);
  });
}

void FieldCollector::Properties(dom::element v, RecordFields& out) {
  if (v.is_object()) out.has_properties = true;
  ForEachField(v, [&](std::string_view key, dom::element child) {
    Field(key, child, /*in_properties=*/true, out);
  });
  // The 2018 audit schema (diagnostic category "Audit") keeps its one target in `properties`
  // itself (targetResourceType, targetResourceName, targetUpdatedProperties): read as a target.
  if (out.legacy_audit) [[unlikely]] {
    Target(v, out);
  }
}

void FieldCollector::Status(dom::element v, RecordFields& out) {
  ForEachField(v, [&](std::string_view key, dom::element child) { StatusMember(key, child, out); });
}

void FieldCollector::StatusMember(std::string_view key, dom::element child, RecordFields& out) {
  {
    if (IsMember(key, "errorCode")) {
      CodeText(child, out.error_code, out,
               "status.errorCode is not an integer or text (the sign-in's outcome)");
    } else if (IsMember(key, "value")) {
      // Azure Activity REST: {"value":"Succeeded",...}; an empty one states nothing.
      std::string_view status;
      ScalarText(child, status, out, "status.value is not text (the operation's outcome)");
      if (!TrimJsonText(status).empty() || out.activity_status.empty())
        out.activity_status = status;
    } else if (IsMember(key, "localizedValue")) {
      // The wrapper's display text, read where it alone states the status (an export keeping
      // only {"localizedValue": "Failed"}): `value` wins when both are there.
      std::string_view status;
      ScalarText(child, status, out, "status.localizedValue is not text (the outcome)");
      if (TrimJsonText(out.activity_status).empty()) out.activity_status = status;
    } else if (IsMember(key, "additionalDetails")) {
      std::string_view details;
      ScalarText(child, details, out, "status.additionalDetails is not text");
      if (MentionsFraudReport(details)) out.fraud_denied = true;
    }
  }
}

void FieldCollector::DeviceDetail(dom::element v, RecordFields& out) {
  ForEachField(
      v, [&](std::string_view key, dom::element child) { DeviceDetailMember(key, child, out); });
}

void FieldCollector::DeviceDetailMember(std::string_view key, dom::element child,
                                        RecordFields& out) {
  {
    if (IsMember(key, "deviceId")) {
      ScalarText(child, out.device_id, out, "deviceDetail.deviceId is not text");
    } else if (IsMember(key, "displayName")) {
      ScalarText(child, out.device_name, out, "deviceDetail.displayName is not text");
    } else if (IsMember(key, "operatingSystem")) {
      ScalarText(child, out.operating_system, out, "deviceDetail.operatingSystem is not text");
    } else if (IsMember(key, "browser")) {
      ScalarText(child, out.browser, out, "deviceDetail.browser is not text");
    } else if (IsMember(key, "isCompliant")) {
      Bool(child, out.device_compliant, out, "deviceDetail.isCompliant is not a boolean");
    } else if (IsMember(key, "isManaged")) {
      Bool(child, out.device_managed, out, "deviceDetail.isManaged is not a boolean");
    }
  }
}

void FieldCollector::Location(dom::element v, RecordFields& out) {
  ForEachField(v,
               [&](std::string_view key, dom::element child) { LocationMember(key, child, out); });
}

void FieldCollector::LocationMember(std::string_view key, dom::element child, RecordFields& out) {
  if (IsMember(key, "city")) {
    ScalarText(child, out.city, out, "location.city is not text");
  } else if (IsMember(key, "countryOrRegion")) {
    ScalarText(child, out.country_or_region, out, "location.countryOrRegion is not text");
  }
}

void FieldCollector::AuthenticationDetails(dom::element v, RecordFields& out) {
  ForEachElement(v, [&](dom::element step) {
    ForEachField(step, [&](std::string_view key, dom::element child) {
      constexpr std::string_view kDetail = "authenticationStepResultDetail";
      if (key.size() != kDetail.size() || !EqualsIgnoreCase(key, kDetail)) return;
      std::string_view detail;
      ScalarText(child, detail, out,
                 "authenticationDetails[].authenticationStepResultDetail is not text");
      if (MentionsFraudReport(detail)) out.fraud_denied = true;
    });
  });
}

void FieldCollector::InitiatedBy(dom::element v, RecordFields& out) {
  ForEachField(v, [&](std::string_view key, dom::element who) {
    const bool user = IsMember(key, "user");
    if ((user || IsMember(key, "app")) && !who.is_object() && !who.is_null()) [[unlikely]] {
      // An initiator that is no object (a name, a number): read as none, the audit record named
      // no actor. A .NET type name is PowerShell's depth cut (noted as such by ForEachField);
      // empty text is a flattening export's null (an app's change names no user).
      std::string_view name;
      if (who.get_string().get(name) != simdjson::SUCCESS ||
          (!TrimJsonText(name).empty() && !IsNetTypeName(name))) {
        NoteWrongType(
            out, user ? "initiatedBy.user is not an object" : "initiatedBy.app is not an object");
      }
    }
    if (user) {
      ForEachField(
          who, [&](std::string_view k, dom::element child) { InitiatorUserMember(k, child, out); });
    } else if (IsMember(key, "app")) {
      ForEachField(
          who, [&](std::string_view k, dom::element child) { InitiatorAppMember(k, child, out); });
    }
  });
}

void FieldCollector::InitiatorUserMember(std::string_view k, dom::element child,
                                         RecordFields& out) {
  if (IsMember(k, "id")) {
    IdText(child, out.actor_user_id, out, "initiatedBy.user.id is not a string");
  } else if (IsMember(k, "userPrincipalName")) {
    IdText(child, out.actor_user_upn, out, "initiatedBy.user.userPrincipalName is not a string");
  }
}

void FieldCollector::InitiatorAppMember(std::string_view k, dom::element child, RecordFields& out) {
  if (IsMember(k, "servicePrincipalId")) {
    IdText(child, out.actor_app_sp_id, out, "initiatedBy.app.servicePrincipalId is not a string");
  } else if (IsMember(k, "appId")) {
    IdText(child, out.actor_app_id, out, "initiatedBy.app.appId is not a string");
  } else if (IsMember(k, "displayName")) {
    ScalarText(child, out.actor_app_name, out, "initiatedBy.app.displayName is not text");
  } else if (IsMember(k, "servicePrincipalName")) {
    ScalarText(child, out.actor_app_sp_name, out,
               "initiatedBy.app.servicePrincipalName is not text");
  }
}

namespace {
// The index that starts a numbered column's rest ("3_userPrincipalName" -> 3, rest
// "userPrincipalName"); -1 when it starts with no number and '_'.
int32_t NumberedColumnIndex(std::string_view& rest) {
  std::size_t digits = 0;
  int32_t index = 0;
  while (digits < rest.size() && digits < 4 && rest[digits] >= '0' && rest[digits] <= '9') {
    index = index * 10 + (rest[digits] - '0');
    ++digits;
  }
  if (digits == 0 || digits >= rest.size() || rest[digits] != '_') return -1;
  rest.remove_prefix(digits + 1);
  return index;
}
}  // namespace

bool FieldCollector::SuffixedColumn(std::string_view name, dom::element v, RecordFields& out) {
  // A diagnostic-settings record forwarded whole: its `properties` flattened as well
  // ("properties_userPrincipalName_s"), read as the members of `properties` are.
  bool in_properties = false;
  if (StartsWithIgnoreCase(name, "properties_")) {
    name.remove_prefix(11);
    in_properties = true;
  }
  const Key key = LookupRecordKey(name);
  // Not `Type` (the custom table's own column names its table; a sender's "Type_s" does not). Of
  // the rare names, only additionalDetails is a column.
  if ((key != Key::kUnknown && key < kFirstRareKey && key != Key::kType &&
       key != Key::kProperties) ||
      key == Key::kAdditionalDetails) {
    Field(name, v, in_properties, out);
    return true;
  }
  // A nested object flattened into columns: its path joined by '_'.
  const std::size_t cut = name.find('_');
  if (cut == std::string_view::npos) return false;
  const std::string_view head = name.substr(0, cut);
  std::string_view member = name.substr(cut + 1);
  if (IsMember(head, "status")) {
    if (!v.is_null()) out.status_named = true;
    if (v.is_object() || v.is_array()) [[unlikely]] {
      NoteWrongType(out, "a status member column is not a scalar");
      return true;
    }
    StatusMember(member, v, out);
  } else if (IsMember(head, "deviceDetail")) {
    DeviceDetailMember(member, v, out);
  } else if (IsMember(head, "location") || IsMember(head, "locationDetails")) {
    LocationMember(member, v, out);
  } else if (IsMember(head, "targetResources")) {
    out.audit_member |= !v.is_null();
    return NumberedTargetColumn(member, v, out);
  } else if (IsMember(head, "additionalDetails")) {
    // "additionalDetails_0_key_s" / "additionalDetails_0_value_s": a detail per slot, read at the
    // record's end as the array's elements are (a role's template id, an app's id).
    const int32_t index = NumberedColumnIndex(member);
    if (index < 0) return false;
    if (v.is_object() || v.is_array()) [[unlikely]] {
      NoteWrongType(out, "an additionalDetails member column is not a scalar");
      return true;
    }
    if (static_cast<uint32_t>(index) >= kNumberedDetails) return true;  // past the slots
    NumberedDetail& detail = numbered_details_[index];
    const uint32_t bit = 1u << static_cast<uint32_t>(index);
    if ((numbered_detail_bits_ & bit) == 0) {
      numbered_detail_bits_ |= bit;
      detail = {};
    }
    if (IsMember(member, "key")) {
      Text(v, detail.key);
    } else if (IsMember(member, "value")) {
      Text(v, detail.value);
    } else {
      return false;
    }
  } else if (IsMember(head, "initiatedBy")) {
    out.audit_member |= !v.is_null();
    const std::size_t next = member.find('_');
    if (next == std::string_view::npos) return false;
    const std::string_view who = member.substr(0, next);
    member.remove_prefix(next + 1);
    if (IsMember(who, "user")) {
      InitiatorUserMember(member, v, out);
    } else if (IsMember(who, "app")) {
      InitiatorAppMember(member, v, out);
    } else {
      return false;
    }
  } else {
    return false;
  }
  return true;
}

bool FieldCollector::NumberedTargetColumn(std::string_view rest, dom::element v,
                                          RecordFields& out) {
  // The HTTP Data Collector API flattens a record's arrays into numbered columns
  // ("targetResources_0_userPrincipalName_s", "targetResources_0_modifiedProperties_1_newValue_s"),
  // as a KQL projection of TargetResources[0].userPrincipalName names its column
  // ("TargetResources_0_userPrincipalName"). Read into a bounded slot per target (no allocation),
  // finished as a target at the record's end: read as absent before, a break-glass account's MFA
  // change or password reset in such a row was nobody's.
  const int32_t index = NumberedColumnIndex(rest);
  if (index < 0) return false;
  if (v.is_object() || v.is_array()) [[unlikely]] {
    NoteWrongType(out, "a targetResources member column is not a scalar");
    return true;
  }
  if (static_cast<uint32_t>(index) >= kNumberedTargets) return true;  // past the slots: not read
  NumberedTarget& target = numbered_[index];
  const uint32_t bit = 1u << static_cast<uint32_t>(index);
  if ((numbered_targets_ & bit) == 0) {
    numbered_targets_ |= bit;
    target.views = {};
    target.properties = 0;
  }
  TargetViews& t = target.views;
  if (IsMember(rest, "type")) {
    Text(v, t.type);
  } else if (IsMember(rest, "id")) {
    Text(v, t.id);
  } else if (IsMember(rest, "displayName")) {
    Text(v, t.display_name);
  } else if (IsMember(rest, "userPrincipalName")) {
    Text(v, t.upn);
  } else if (IsMember(rest, "appId")) {
    Text(v, t.app_id);
  } else if (StartsWithIgnoreCase(rest, "modifiedProperties_")) {
    rest.remove_prefix(19);
    const int32_t p = NumberedColumnIndex(rest);
    if (p < 0) return false;
    if (static_cast<uint32_t>(p) >= kNumberedProperties) return true;  // past the slots
    NumberedProperty& property = target.property[p];
    const uint32_t pbit = 1u << static_cast<uint32_t>(p);
    if ((target.properties & pbit) == 0) {
      target.properties |= pbit;
      property = {};
    }
    if (IsMember(rest, "displayName")) {
      Text(v, property.name);
    } else if (IsMember(rest, "oldValue")) {
      PropertyValue(v, property.old_value);
    } else if (IsMember(rest, "newValue")) {
      PropertyValue(v, property.new_value);
    } else {
      return false;
    }
  } else {
    return false;
  }
  return true;
}

void FieldCollector::EndRecord(RecordFields& out) {
  if (!out.defender.account_upn.empty() || !out.defender.account_object_id.empty()) [[unlikely]] {
    ReadDefenderSignIn(out);
  } else if (!out.defender.error_code.empty() && (!out.defender.application_id.empty() ||
                                                  !out.service_principal_id.empty())) [[unlikely]] {
    ReadDefenderAppSignIn(out);
  }
  // A Log Analytics search job's results (a table named "<name>_SRCH": the source table's
  // columns, its Type in _OriginalType and its TimeGenerated in _OriginalTimeGenerated, while
  // TimeGenerated is when the job ran) and a restored table ("<table>_RST") hold the source
  // table's rows: read as its (Microsoft Learn, "Search jobs in Azure Monitor", "Restore logs in
  // Azure Monitor"; breaker round 61).
  if (out.type.size() > 4 && (out.type.back() == 'H' || out.type.back() == 'h' ||
                              out.type.back() == 'T' || out.type.back() == 't')) [[unlikely]] {
    const std::string_view type = TrimSpaces(out.type);
    const std::string_view original = TrimSpaces(out.original_type);
    if (EndsWithIgnoreCase(type, "_SRCH") && !original.empty()) {
      out.type = original;
      if (!TrimSpaces(out.original_time_generated).empty()) {
        out.time_generated = out.original_time_generated;
      }
    } else if (EndsWithIgnoreCase(type, "_RST") && type.size() > 4) {
      out.type = type.substr(0, type.size() - 4);
    }
  }
  // A sign-in that names its user only by the name it signed in with (an AD FS sign-in, whose
  // AlternateSignInName "provides the on-premises UPN of the user", with userPrincipalName and
  // userId left ""): that name is its UPN, when it is one (a phone number or a bare name is not).
  if (out.upn.empty() && out.user_id.empty() &&
      !(out.alternate_sign_in_name.empty() && out.sign_in_identifier.empty())) [[unlikely]] {
    for (const std::string_view name : {out.alternate_sign_in_name, out.sign_in_identifier}) {
      const std::string_view trimmed = TrimSpaces(name);
      if (trimmed.find('@') != std::string_view::npos) {
        out.upn = trimmed;
        break;
      }
    }
  }
  if ((numbered_targets_ | numbered_detail_bits_) == 0) [[likely]] {
    return;
  }
  if (numbered_detail_bits_ != 0) {
    std::string_view origin;
    for (uint32_t i = 0; i < kNumberedDetails; ++i) {
      if ((numbered_detail_bits_ >> i & 1u) == 0) continue;
      Detail(numbered_details_[i].key, numbered_details_[i].value, origin, out);
    }
    if (out.details_role_template.empty()) out.details_role_template = origin;
    numbered_detail_bits_ = 0;
  }
  // In their order, as the array they were flattened from.
  for (uint32_t i = 0; i < kNumberedTargets; ++i) {
    if ((numbered_targets_ >> i & 1u) == 0) continue;
    NumberedTarget& target = numbered_[i];
    for (uint32_t j = 0; j < kNumberedProperties; ++j) {
      if ((target.properties >> j & 1u) == 0) continue;
      const NumberedProperty& p = target.property[j];
      ModifiedProperty(p.name, p.old_value, p.new_value, /*keep_views=*/true, target.views, out);
    }
    FinishTarget(target.views, out);
  }
  numbered_targets_ = 0;
}

namespace {
// The first GUID (8-4-4-4-12 hex digits) in a modified property's value: the application id in
// "AppId" / "AppPrincipalId" / "ServicePrincipalName" (`["<app id>"]`) and first in
// "TargetId.ServicePrincipalNames" (`"<app id>;https://..."`); empty when there is none.
std::string_view FirstGuidInPropertyValue(std::string_view v) {
  constexpr std::size_t kGuidLength = 36;
  for (std::size_t at = 0; at + kGuidLength <= v.size(); ++at) {
    const std::string_view window = v.substr(at, kGuidLength);
    if (IsGuidText(window)) return window;
  }
  return {};
}

// A modified property's value that names nothing: absent, null, or an empty JSON string.
bool PropertyValueEmpty(std::string_view v) {
  v = TrimSpaces(v);
  return v.empty() || v == "\"\"" || v == "null" || v == "[]";
}

// The values of the JSON member `key` in a modified property's value (JSON text, once or twice
// encoded: `{"Id":"..."}`, `{\"Id\":\"...\"}`), as a set that ignores their order: how many,
// and the sum and xor of their hashes. A member whose name only ends in `key` ("DeviceId" for
// "Id") is not it. O(length of the value), no allocation.
struct MemberValues {
  uint32_t count = 0;
  uint64_t sum = 0, mix = 0;
  bool operator==(const MemberValues&) const = default;
};
template <typename OnValue>
void ForEachMemberValue(std::string_view text, std::string_view key, OnValue on_value) {
  for (std::size_t at = text.find(key); at != std::string_view::npos;
       at = text.find(key, at + key.size())) {
    // Before the name: its opening quote, any escapes, then `{`, `,` or a blank.
    std::size_t b = at;
    if (b == 0 || text[b - 1] != '"') continue;
    --b;
    while (b > 0 && text[b - 1] == '\\') --b;
    if (b > 0 && text[b - 1] != '{' && text[b - 1] != ',' && text[b - 1] != ' ') continue;
    // After it: escapes, its closing quote, blanks, ':', blanks, escapes and quotes, the value.
    std::size_t e = at + key.size();
    while (e < text.size() && text[e] == '\\') ++e;
    if (e >= text.size() || text[e] != '"') continue;
    ++e;
    while (e < text.size() && text[e] == ' ') ++e;
    if (e >= text.size() || text[e] != ':') continue;
    ++e;
    while (e < text.size() && (text[e] == ' ' || text[e] == '\\' || text[e] == '"')) ++e;
    std::size_t end = e;
    while (end < text.size() && text[end] != '"' && text[end] != '\\' && text[end] != ',' &&
           text[end] != '}') {
      ++end;
    }
    on_value(text.substr(e, end - e));
  }
}

MemberValues MemberValuesIn(std::string_view text, std::string_view key) {
  MemberValues out;
  ForEachMemberValue(text, key, [&](std::string_view value) {
    const uint64_t h = HashLower(value);
    ++out.count;
    out.sum += h;
    out.mix ^= h;
  });
  return out;
}

// The highest per-user MFA state of the member `key` in a modified property's value: a number (0
// disabled, 1 enabled, 2 enforced), or the word MSOnline's StrongAuthenticationRequirement object
// writes; 0 when it has none (`[]` is off, as State 0 is: breaker round 108, a disabled user's
// requirement cleared is no lowering).
int64_t HighestMfaState(std::string_view text, std::string_view key) {
  int64_t highest = 0;
  ForEachMemberValue(text, key, [&](std::string_view value) {
    std::optional<int64_t> n = ParseInt(value);
    if (!n && EqualsIgnoreCase(value, "Disabled")) n = 0;
    if (!n && EqualsIgnoreCase(value, "Enabled")) n = 1;
    if (!n && EqualsIgnoreCase(value, "Enforced")) n = 2;
    if (n) highest = std::max(highest, *n);
  });
  return highest;
}
}  // namespace

void FieldCollector::TargetResources(dom::element v, RecordFields& out) {
  ForEachElement(v, [&](dom::element target) {
    if (!target.is_object() && !target.is_null()) [[unlikely]] {
      std::string_view name;
      if (target.get_string().get(name) != simdjson::SUCCESS || !IsNetTypeName(name)) {
        NoteWrongType(out, "targetResources[] holds an element that is not an object");
      }
    }
    Target(target, out);
  });
}

template <typename OnModified>
void FieldCollector::ModifiedPropertiesText(dom::element v, RecordFields& out,
                                            OnModified& on_modified, bool& keep_views) {
  // Text where the array belongs. Empty ("" of a flattening export, as a null) or "[]": none.
  // JSON text of the array (a shipper that stringifies nested arrays, as Log Analytics does the
  // targetResources column around it): read as the array; read as none, the role a grant names
  // or a break-glass account's MFA change was missed. A number or other text is of the wrong
  // type; a .NET type name is PowerShell's depth cut (noted as such where the record is read).
  // Each target's text is parsed in a slot of its own, so the views read from one target stay
  // valid while the next is read (one slot per record refused a second target's text as
  // wrong_type, the whole record lost). Bounded: the targets past the first
  // kModifiedPropertiesSlots - 1 share the last slot and are read for what they change (an MFA
  // method, a Temporary Access Pass, a guest made member, MFA or approval disabled), not for the
  // names they carry (a role, a template, an app id, a new UPN), which the earlier targets name
  // first (docs/RULES.md "Known limits"). Never a rejection.
  constexpr std::string_view kDetail = "targetResources[].modifiedProperties is not an array";
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS) return NoteWrongType(out, kDetail);
  text = TrimJsonText(text);
  if (IsNetTypeName(text)) return NoteTypeName(v);
  if (text.empty() || text == "[]") return;
  if (text.front() != '[') [[unlikely]] {
    return NoteWrongType(out, kDetail);
  }
  constexpr uint32_t kLast = JsonTextFields::kModifiedPropertiesSlots - 1;
  const uint32_t used = std::min(modified_text_slots_, kLast);
  const auto slot = static_cast<JsonTextFields::Slot>(JsonTextFields::kModifiedProperties + used);
  dom::element root;
  simdjson::error_code err;
  if (used < kLast) {
    ++modified_text_slots_;
    err = text_fields_.Open(slot, text, root);
  } else {
    keep_views = false;  // this slot is read again by the next such target
    err = text_fields_.OpenAgain(slot, text, root);
  }
  if (err == simdjson::SUCCESS && root.is_array()) {
    ForEachElement(root, on_modified);
  } else if (err != simdjson::MEMALLOC) [[unlikely]] {
    NoteWrongType(out, kDetail);  // not JSON (cut short), or JSON of no array
  }
  keep_views = true;
}

void FieldCollector::Target(dom::element v, RecordFields& out) {
  TargetViews t;
  bool keep_views = true;  // false: the property's views go with the slot (ModifiedPropertiesText)
  auto on_modified = [&](dom::element property) {
    std::string_view name, old_value, new_value;
    ForEachField(property, [&](std::string_view k, dom::element child) {
      // "Name": the 2018 audit schema's targetUpdatedProperties[] ({Name, OldValue, NewValue}).
      if (IsMember(k, "displayName") || IsMember(k, "Name")) {
        ScalarText(child, name, out,
                   "targetResources[].modifiedProperties[].displayName is not text");
      } else if (IsMember(k, "oldValue")) {
        PropertyValue(child, old_value);
      } else if (IsMember(k, "newValue")) {
        PropertyValue(child, new_value);
      }
    });
    ModifiedProperty(name, old_value, new_value, keep_views, t, out);
  };
  ForEachField(v, [&](std::string_view key, dom::element child) {
    if (IsMember(key, "type")) {
      ScalarText(child, t.type, out, "targetResources[].type is not text");
    } else if (IsMember(key, "@odata.type")) {
      Text(child, t.odata_type);
    } else if (IsMember(key, "id")) {
      IdText(child, t.id, out, "targetResources[].id is not a string");
    } else if (IsMember(key, "displayName")) {
      Text(child, t.display_name);
    } else if (IsMember(key, "userPrincipalName")) {
      IdText(child, t.upn, out, "targetResources[].userPrincipalName is not a string");
    } else if (IsMember(key, "appId")) {
      IdText(child, t.app_id, out, "targetResources[].appId is not a string");
    } else if (IsMember(key, "modifiedProperties") || IsMember(key, "targetUpdatedProperties")) {
      if (!child.is_array() && !child.is_object() && !child.is_null()) [[unlikely]] {
        return ModifiedPropertiesText(child, out, on_modified, keep_views);
      }
      ForEachElement(child, on_modified);
    } else if (IsMember(key, "targetResourceType")) [[unlikely]] {
      Text(child, t.legacy_fields);
    } else if (IsMember(key, "targetResourceName")) [[unlikely]] {
      Text(child, t.legacy_values);
    }
  });
  FinishTarget(t, out);
}

void FieldCollector::ModifiedProperty(std::string_view name, std::string_view old_value,
                                      std::string_view new_value, bool keep_views, TargetViews& t,
                                      RecordFields& out) {
  // The per-user MFA methods (StrongAuthenticationMethod) and their phone numbers and e-mail
  // (StrongAuthenticationUserDetails, changed alone when only the number changes): both are the
  // account's credentials. StrongAuthenticationPhoneAppDetail, which every MFA sign-in updates
  // (its last-authenticated time), only when its authenticators changed: the set of their "Id"s
  // differs (one added or removed); likewise the FIDO keys Device Registration Service writes
  // (SearchableDeviceKey: their "KeyIdentifier"s; breaker round 56).
  // A decoded value too long to write back as text (JsonTexts::kTooLong) says nothing of what
  // changed: the diffs below read it as unchanged, not as emptied (breaker round 62).
  const bool comparable = old_value != JsonTexts::kTooLong && new_value != JsonTexts::kTooLong;
  if (EqualsIgnoreCase(name, "StrongAuthenticationMethod") ||
      EqualsIgnoreCase(name, "StrongAuthenticationUserDetails") ||
      (EqualsIgnoreCase(name, "Included Updated Properties") &&
       (ContainsIgnoreCase(new_value, "StrongAuthenticationMethod") ||
        ContainsIgnoreCase(new_value, "StrongAuthenticationUserDetails")))) {
    out.strong_auth_method_modified = true;
  } else if (comparable && EqualsIgnoreCase(name, "StrongAuthenticationPhoneAppDetail")) {
    if (!(MemberValuesIn(old_value, "Id") == MemberValuesIn(new_value, "Id"))) {
      out.strong_auth_method_modified = true;
    }
  } else if (comparable && EqualsIgnoreCase(name, "SearchableDeviceKey")) {
    if (!(MemberValuesIn(old_value, "KeyIdentifier") ==
          MemberValuesIn(new_value, "KeyIdentifier"))) {
      out.strong_auth_method_modified = true;
    }
  } else if (comparable && EqualsIgnoreCase(name, "StrongAuthenticationRequirement")) {
    // Per-user MFA ([{"RelyingParty":"*","State":1}]: 1 enabled, 2 enforced; [] none): its state
    // turned on, up or off ("MFA disable via 'Update user' + StrongAuthenticationRequirement",
    // SCHEMA-detail section 2.2; breaker round 56). A reset of the remembered devices alone
    // (RememberDevicesNotIssuedBefore) leaves the states as they were.
    if (!(MemberValuesIn(old_value, "State") == MemberValuesIn(new_value, "State"))) {
      out.strong_auth_method_modified = true;
    }
    // Lowered (PRIV-CH-02, as "Disable Strong Authentication"): its highest state went down,
    // enforced to enabled or to none (SCHEMA-detail section 2.2's "MFA disable via 'Update
    // user'"; breaker round 103). A value cut short (kTooLong) was excluded above.
    if (HighestMfaState(new_value, "State") < HighestMfaState(old_value, "State")) {
      out.per_user_mfa_lowered = true;
    }
  }
  if (comparable && EqualsIgnoreCase(name, "AccountEnabled") &&
      ContainsIgnoreCase(old_value, "true") != ContainsIgnoreCase(new_value, "true")) {
    out.account_enabled_changed = true;  // "[true]" -> "[false]", or back
  }
  if (StartsWithIgnoreCase(name, "TemporaryAccessPass.")) out.temporary_access_pass_modified = true;
  if (!EqualsIgnoreCase(name, "Included Updated Properties")) out.property_named = true;
  if (EqualsIgnoreCase(name, "Password")) out.password_property = true;
  // "TargetId.UserType" is the type Core Directory appends to every "Update user" (old value
  // null, new the type the account has: Microsoft's directoryAudit example); a guest made member
  // is that property from "Guest" to "Member" too, as the row's Sentinel template
  // (UserStatechangedfromGuesttoMember.yaml) matches it, its values JSON text once or twice
  // encoded.
  if ((IsMember(name, "UserType") || IsMember(name, "TargetId.UserType")) &&
      ContainsIgnoreCase(old_value, "Guest") && ContainsIgnoreCase(new_value, "Member")) {
    out.guest_to_member = true;
  }
  // An app's application (client) id, which a target never carries itself: "AppId" (Add
  // application), "AppPrincipalId" and "ServicePrincipalName" (Add service principal),
  // "TargetId.ServicePrincipalNames" (Add service principal credentials, Update service
  // principal); the old value where a removal leaves the new one empty.
  // PIM role-setting heuristic: the property (name or new value) is about MFA or approval, the
  // new value says disabled/false/removed and the old value did not.
  if ((MentionsMfaOrApproval(name) || MentionsMfaOrApproval(new_value)) &&
      MentionsDisabled(new_value) && !MentionsDisabled(old_value)) {
    out.mfa_or_approval_disabled = true;
  }
  if (NamesTrustedLocation(new_value) && !NamesTrustedLocation(old_value)) {
    out.trusted_location = true;
  }
  if (!keep_views) [[unlikely]] {
    return;
  }
  if (t.property_app_id.empty() && (IsMember(name, "AppId") || IsMember(name, "AppPrincipalId") ||
                                    IsMember(name, "ServicePrincipalName") ||
                                    EqualsIgnoreCase(name, "TargetId.ServicePrincipalNames"))) {
    t.property_app_id = FirstGuidInPropertyValue(new_value);
    if (t.property_app_id.empty()) t.property_app_id = FirstGuidInPropertyValue(old_value);
  }
  // The client a consent ("Add delegated permission grant", "Add app role assignment to
  // service principal") grants access to the API its target is, as the API's modified
  // properties name it.
  if (StartsWithIgnoreCase(name, "ServicePrincipal.")) [[unlikely]] {
    const std::string_view value = PropertyValueEmpty(new_value) ? old_value : new_value;
    if (EqualsIgnoreCase(name, "ServicePrincipal.ObjectID")) {
      if (out.consent_client_id.empty()) out.consent_client_id = FirstGuidInPropertyValue(value);
    } else if (IsMember(name, "ServicePrincipal.AppId")) {
      if (out.consent_client_app_id.empty()) {
        out.consent_client_app_id = FirstGuidInPropertyValue(value);
      }
    } else if (EqualsIgnoreCase(name, "ServicePrincipal.DisplayName") &&
               !PropertyValueEmpty(value) && out.consent_client_name.empty()) {
      out.consent_client_name = value;
    }
  }
  if (IsMember(name, "UserPrincipalName")) {
    t.upn_property = new_value;
    t.old_upn_property = old_value;
  }
  // A removal ("Remove member from role") names the role it took away in the old value only
  // (its new value is null): the role is the new value, else the old one.
  const std::string_view role_value = PropertyValueEmpty(new_value) ? old_value : new_value;
  if (IsMember(name, "Role.DisplayName") && t.role_property.empty()) {
    t.role_property = role_value;
  }
  if ((IsMember(name, "Role.TemplateId") || IsMember(name, "TemplateId") ||
       IsMember(name, "RoleDefinitionOriginId")) &&
      t.template_id.empty()) {
    t.template_id = role_value;
  }
}

void FieldCollector::FinishTarget(TargetViews& t, RecordFields& out) {
  // The 2018 audit schema names its one target by two texts joined by "__", the field names
  // ("UPN__TenantContextID__PUID__ObjectID__ObjectClass") and their values
  // ("x@y__<tenant>__<puid>__<object id>__User"): read as the target's upn, id, type, name and
  // app id (the last field takes the rest of the values).
  while (!t.legacy_fields.empty() && !t.legacy_values.empty()) [[unlikely]] {
      const std::size_t field_end = t.legacy_fields.find("__");
      const std::string_view field = t.legacy_fields.substr(0, field_end);
      const bool last = field_end == std::string_view::npos;
      const std::size_t value_end = last ? std::string_view::npos : t.legacy_values.find("__");
      const std::string_view value = TrimSpaces(t.legacy_values.substr(0, value_end));
      std::string_view* into = IsMember(field, "UPN")           ? &t.upn
                               : IsMember(field, "ObjectID")    ? &t.id
                               : IsMember(field, "ObjectClass") ? &t.type
                               : IsMember(field, "Name")        ? &t.display_name
                               : IsMember(field, "AppId")       ? &t.app_id
                                                                : nullptr;
      if (into != nullptr && into->empty()) *into = value;
      if (last || value_end == std::string_view::npos) break;
      t.legacy_fields.remove_prefix(field_end + 2);
      t.legacy_values.remove_prefix(value_end + 2);
    }

  // Graph beta names a target's kind by its OData type alone ("@odata.type":
  // "#microsoft.graph.targetResourceUser", "#microsoft.graph.TargetResourceGroup", the
  // documented beta directoryAudit response): the kind is what follows "targetResource".
  if (TrimSpaces(t.type).empty()) t.type = TargetTypeFromODataType(t.odata_type);
  if (EqualsIgnoreCase(t.type, "User") && !out.has_target_user) {
    out.has_target_user = true;
    out.target_user_id = t.id;
    out.target_user_upn = t.upn;
    out.target_user_new_upn = t.upn_property;
    out.target_user_old_upn = t.old_upn_property;
  }
  if (!t.role_property.empty() && out.role_from_property.empty()) {
    out.role_from_property = t.role_property;
  }
  if (EqualsIgnoreCase(t.type, "Role") && out.role_target_name.empty()) {
    out.role_target_name = t.display_name;
  }
  if (!t.template_id.empty() && out.role_template.empty()) out.role_template = t.template_id;
  if ((EqualsIgnoreCase(t.type, "ServicePrincipal") || EqualsIgnoreCase(t.type, "Group")) &&
      out.target_principal_id.empty() && out.target_principal_name.empty()) {
    out.target_principal_id = t.id;
    out.target_principal_name = t.display_name;
  }
  if (EqualsIgnoreCase(t.type, "Application") || EqualsIgnoreCase(t.type, "ServicePrincipal")) {
    if (TrimSpaces(t.app_id).empty()) t.app_id = t.property_app_id;
    const bool first_app_target = out.app_key_count == 0 && out.app_name.empty();
    for (std::string_view k : {t.id, t.app_id, t.display_name}) {
      if (!k.empty() && out.app_key_count < out.app_keys.size()) {
        out.app_keys[out.app_key_count++] = k;
      }
    }
    if (first_app_target) out.first_app_target_keys = out.app_key_count;
    if (out.app_name.empty()) out.app_name = t.display_name;
  }
}

void FieldCollector::Identity(dom::element v, RecordFields& out) {
  // A sign-in's `identity` is a display name (not an object): absent here.
  ForEachField(v, [&](std::string_view key, dom::element child) {
    if (IsMember(key, "claims")) {
      Dynamic(JsonTextFields::kClaims, child, out, &FieldCollector::Claims);
    }
  });
}

void FieldCollector::Authorization(dom::element v, RecordFields& out) {
  ForEachField(v, [&](std::string_view k, dom::element child) {
    if (IsMember(k, "action")) Text(child, out.authorization_action);
  });
}

void FieldCollector::Claims(dom::element v, RecordFields& out) {
  ForEachField(v, [&](std::string_view key, dom::element child) {
    if (EqualsIgnoreCase(key, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn") ||
        IsMember(key, "upn")) {
      IdText(child, out.claims_upn, out, "claims' upn is not a string");
    } else if (EqualsIgnoreCase(key,
                                "http://schemas.microsoft.com/identity/claims/objectidentifier") ||
               IsMember(key, "oid")) {
      IdText(child, out.claims_object_id, out, "claims' objectidentifier is not a string");
    } else if (EqualsIgnoreCase(key, "http://schemas.microsoft.com/identity/claims/tenantid") ||
               IsMember(key, "tid")) {
      IdText(child, out.claims_tenant_id, out, "claims' tenantid is not a string");
    } else if (EqualsIgnoreCase(key,
                                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")) {
      IdText(child, out.claims_name, out, "claims' name is not a string");
    } else if (IsMember(key, "Content")) {
      // Get-AzActivityLog's (Get-AzLog's) PSEventData wraps the claims in a PSDictionaryElement,
      // which ConvertTo-Json writes as {"Content": {<claims>}}: the claims themselves. Below its
      // -Depth (ConvertTo-Json -Depth 1) the dictionary is written as its type name: the claims
      // (the tenant, the caller's object id) are lost, which the no_tenant detail says; the
      // record's TenantId and Caller are still read. JSON text of the claims is read as them.
      std::string_view text;
      if (child.is_object()) {
        Claims(child, out);
      } else if (child.get_string().get(text) == simdjson::SUCCESS) {
        if (IsNetTypeName(TrimSpaces(text))) {
          out.claims_cut = true;
        } else if (TrimJsonText(text).starts_with('{')) {
          // Its own slot, or the duplicate one when the claims were text already (bounded: a
          // third spelling is refused as wrong_type).
          Dynamic(JsonTextFields::kClaims, child, out, &FieldCollector::Claims);
        }
      }
    }
  });
}

void FieldCollector::SignInEventTypes(dom::element v, RecordFields& out) {
  // Graph beta signIn: ["interactiveUser"], ["servicePrincipal"], ["managedIdentity"], ...
  // Windows PowerShell 5.1 writes an array that carries its ETS Count property (re-converted
  // ConvertFrom-Json output, Select-Object's calculated properties) as {"value":[...],"Count":n}:
  // read as that array. Any other object is of the wrong type (read as no event types before,
  // a service principal's sign-in as a user's).
  const auto name = [&](dom::element type) {
    std::string_view t;
    ScalarText(type, t, out, "signInEventTypes holds an element that is not text");
    EventTypeName(t, out);
  };
  if (v.is_object()) [[unlikely]] {
    dom::array wrapped;
    if (!PowerShellArray(v, wrapped)) {
      return NoteWrongType(out, "signInEventTypes is neither an array nor JSON text of one");
    }
    out.event_types_named = true;
    for (dom::element type : wrapped) name(type);
    return;
  }
  if (v.is_array()) out.event_types_named = true;
  ForEachElement(v, name);
}

void FieldCollector::EventTypeName(std::string_view t, RecordFields& out) {
  if (EqualsIgnoreCase(t, "servicePrincipal")) out.event_type_service_principal = true;
  if (EqualsIgnoreCase(t, "managedIdentity")) out.event_type_managed_identity = true;
  // A non-interactive user sign-in whose isInteractive a $select left out.
  if (EqualsIgnoreCase(t, "nonInteractiveUser") && out.is_interactive < 0) out.is_interactive = 0;
}

void FieldCollector::EventTypesText(std::string_view text, RecordFields& out) {
  // signInEventTypes as plain text: an mv-expand row's one name ("nonInteractiveUser"), or the
  // names joined by a flattening export ("interactiveUser, nonInteractiveUser"): read as those
  // names. Text of anything but names (letters) is of the wrong type.
  std::string_view rest = text;
  bool any = false;
  while (!rest.empty()) {
    const std::size_t end = rest.find_first_of(",; \t\r\n");
    const std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    if (token.empty()) continue;
    for (const char c : token) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return NoteWrongType(out,
                             "signInEventTypes is neither an array, JSON text of one, nor names");
      }
    }
    any = true;
    EventTypeName(token, out);
  }
  if (any) out.event_types_named = true;
}

void FieldCollector::AdditionalDetails(dom::element v, RecordFields& out) {
  std::string_view origin;
  ForEachElement(v, [&](dom::element detail) {
    std::string_view key, value;
    bool value_not_text = false;  // an object or an array
    ForEachField(detail, [&](std::string_view k, dom::element child) {
      if (IsMember(k, "key")) {
        Text(child, key);
      } else if (IsMember(k, "value")) {
        value_not_text = child.is_object() || child.is_array();
        Text(child, value);
      }
    });
    // The value of a detail privmon reads (a role's template, an app's id) that is no text was
    // read as absent; other details may hold anything.
    if (value_not_text && (EqualsIgnoreCase(TrimSpaces(key), "TemplateId") ||
                           EqualsIgnoreCase(TrimSpaces(key), "RoleDefinitionOriginId") ||
                           EqualsIgnoreCase(TrimSpaces(key), "AppId"))) [[unlikely]] {
      NoteWrongType(out, "additionalDetails[].value of TemplateId / AppId is not text");
    }
    Detail(key, value, origin, out);
  });
  if (out.details_role_template.empty()) out.details_role_template = origin;
}

void FieldCollector::Detail(std::string_view key, std::string_view value, std::string_view& origin,
                            RecordFields& out) {
  if (EqualsIgnoreCase(TrimSpaces(key), "TemplateId") && out.details_role_template.empty()) {
    out.details_role_template = value;
  } else if (EqualsIgnoreCase(TrimSpaces(key), "RoleDefinitionOriginId") && origin.empty()) {
    origin = value;
  } else if (EqualsIgnoreCase(TrimSpaces(key), "AppId") && out.details_app_id.empty()) {
    out.details_app_id = value;
  } else if (EqualsIgnoreCase(TrimSpaces(key), "StartTime") && out.details_start_time.empty()) {
    out.details_start_time = value;
  }
}

namespace {

// The slots read as an array of objects (an object standing for an array of one); the others are
// one object.
bool ArraySlot(JsonTextFields::Slot slot) {
  return slot == JsonTextFields::kTargetResources ||
         slot == JsonTextFields::kAuthenticationDetails ||
         slot == JsonTextFields::kAdditionalDetails || slot == JsonTextFields::kSignInEventTypes;
}

// A dynamic column of a type it cannot have: a number or boolean, an array where one object is
// read, or text that is not the JSON of one (cut short, or no JSON at all). Read as absent, a
// failed sign-in read as a success (a status of 7, a status cut short), an audit record named no
// initiator or target and an Activity record no account: rejected (wrong_type) naming the field.
std::string_view DynamicWrongTypeDetail(JsonTextFields::Slot slot) {
  switch (slot) {
    case JsonTextFields::kStatus:
      return "status is neither an object nor JSON text of one (nor an outcome as text)";
    case JsonTextFields::kDeviceDetail:
      return "deviceDetail is neither an object nor JSON text of one";
    case JsonTextFields::kLocationDetails:
      return "location / LocationDetails is neither an object nor JSON text of one";
    case JsonTextFields::kAuthenticationDetails:
      return "authenticationDetails is neither an array nor JSON text of one";
    case JsonTextFields::kInitiatedBy:
      return "initiatedBy is neither an object nor JSON text of one";
    case JsonTextFields::kTargetResources:
      return "targetResources is neither an array nor JSON text of one";
    case JsonTextFields::kClaims:
      return "claims is neither an object nor JSON text of one";
    case JsonTextFields::kProperties:
      return "properties is neither an object nor JSON text of one";
    case JsonTextFields::kIdentity:
      return "identity is neither an object, its name, nor JSON text of an object";
    case JsonTextFields::kAdditionalDetails:
      return "additionalDetails is neither an array nor JSON text of one";
    case JsonTextFields::kSignInEventTypes:
      return "signInEventTypes is neither an array nor JSON text of one";
    case JsonTextFields::kAuthorization:
      return "authorization is neither an object nor JSON text of one";
    case JsonTextFields::kModifiedProperties:
    case JsonTextFields::kModifiedPropertiesLast:
      return "targetResources[].modifiedProperties is not an array";
    case JsonTextFields::kRecord:
    case JsonTextFields::kDuplicate:
    case JsonTextFields::kSlotCount:
      break;
  }
  return "a nested field is of a type it cannot have";
}

// A JSON-text column nested deeper than kMaxDepth (64) levels.
std::string_view DynamicTooDeepDetail(JsonTextFields::Slot slot) {
  switch (slot) {
    case JsonTextFields::kStatus:
      return "status as JSON text nests deeper than 64 levels";
    case JsonTextFields::kDeviceDetail:
      return "deviceDetail as JSON text nests deeper than 64 levels";
    case JsonTextFields::kLocationDetails:
      return "location / LocationDetails as JSON text nests deeper than 64 levels";
    case JsonTextFields::kAuthenticationDetails:
      return "authenticationDetails as JSON text nests deeper than 64 levels";
    case JsonTextFields::kInitiatedBy:
      return "initiatedBy as JSON text nests deeper than 64 levels";
    case JsonTextFields::kTargetResources:
      return "targetResources as JSON text nests deeper than 64 levels";
    case JsonTextFields::kClaims:
      return "claims as JSON text nests deeper than 64 levels";
    case JsonTextFields::kProperties:
      return "properties as JSON text nests deeper than 64 levels";
    case JsonTextFields::kIdentity:
      return "identity as JSON text nests deeper than 64 levels";
    case JsonTextFields::kAdditionalDetails:
      return "additionalDetails as JSON text nests deeper than 64 levels";
    case JsonTextFields::kSignInEventTypes:
      return "signInEventTypes as JSON text nests deeper than 64 levels";
    case JsonTextFields::kAuthorization:
      return "authorization as JSON text nests deeper than 64 levels";
    default:
      break;
  }
  return "a column's JSON text nests deeper than 64 levels";
}

}  // namespace

void FieldCollector::StatusText(std::string_view text, RecordFields& out) {
  // The status as plain text ("status": "Succeeded": Get-AzLog's Status is a string, and
  // flattening exports write the REST wrapper's value so; "50126", "0": a sign-in's code): the
  // outcome it states, as `status.value` (Azure Activity) or a textual `status.errorCode` (a
  // sign-in) would. Read as no status, a Failed or Started elevation counted as done.
  text = TrimJsonText(text);
  if (text.empty()) return;
  if (EqualsIgnoreCase(text, "null")) {
    out.outcome_null = true;
    return;
  }
  if (out.activity_status.empty()) out.activity_status = text;
  if (out.error_code.empty()) out.error_code = text;
}

void FieldCollector::Dynamic(JsonTextFields::Slot slot, dom::element v, RecordFields& out,
                             Walk walk) {
  if (v.is_object() || v.is_array()) {
    if (v.is_array() && !ArraySlot(slot)) [[unlikely]] {
      return NoteWrongType(out, DynamicWrongTypeDetail(slot));
    }
    NoteSingleElement(slot, v, out);
    return (this->*walk)(v, out);
  }
  if (v.is_null()) {
    // Absent, as real exports write an empty column; a null status is a sign-in's outcome not
    // stated (rejected unless its resultType states it, as a null errorCode).
    if (slot == JsonTextFields::kStatus) out.outcome_null = true;
    return;
  }
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS) [[unlikely]] {
    return NoteWrongType(out, DynamicWrongTypeDetail(slot));  // a number or a boolean
  }
  if (TrimJsonText(text).empty()) return;  // an empty column (Log Analytics writes "")
  dom::element root;
  // The slot the text is parsed in: the column's, or kDuplicate for a column given again in this
  // record (read as absent before: a "null" or "{}" first spelling hid the second).
  JsonTextFields::Slot parsed_in = slot;
  simdjson::error_code err = text_fields_.Open(slot, text, root);
  if (err == simdjson::INCORRECT_TYPE) [[unlikely]] {
    parsed_in = JsonTextFields::kDuplicate;
    err = text_fields_.Open(parsed_in, text, root);
    if (err == simdjson::INCORRECT_TYPE) {
      // A third spelling of one column, or a second duplicated column: not read, never silently.
      return NoteWrongType(out, "a JSON-text column is given more than once in one record");
    }
  }
  if (err != simdjson::SUCCESS) {
    if (IsNetTypeName(text)) {
      if (tl_net_type_name.empty()) tl_net_type_name = text;
      if (slot == JsonTextFields::kStatus) out.status_is_type_name = true;
      return;
    }
    if (err == simdjson::DEPTH_ERROR) [[unlikely]] {
      // Nested deeper than any export writes it: rejected as too_deep naming the column (read as
      // absent before, so its record named no one or read a failure as a success).
      if (out.too_deep_detail.empty()) out.too_deep_detail = DynamicTooDeepDetail(slot);
      return;
    }
    if (err == simdjson::MEMALLOC) return;  // out of memory: every Open of the slot says so
    const std::string_view trimmed = TrimJsonText(text);
    const bool plain = trimmed.front() != '{' && trimmed.front() != '[';
    if (slot == JsonTextFields::kStatus && plain) return StatusText(trimmed, out);
    if (slot == JsonTextFields::kSignInEventTypes && plain) return EventTypesText(trimmed, out);
    // The 2018 audit schema's "additionalDetails": "None" (Microsoft's sample record): no details.
    if (slot == JsonTextFields::kAdditionalDetails && plain) return;
    // An Authorization column of plain text names no action: read only as the operation's name
    // of last resort, it makes no record wrong.
    if (slot == JsonTextFields::kAuthorization && plain) return;
    // JSON text that does not parse (cut short, or no JSON at all): read as absent, a cut status
    // made a failed sign-in a success.
    return NoteWrongType(out, DynamicWrongTypeDetail(slot));
  }
  // JSON text encoded again ("\"{\\\"errorCode\\\":500121,...}\""): a shipper that JSON-encodes
  // the already encoded column, as modifiedProperties values arrive (audit_fields.cc). Decoded
  // again, up to three levels, while the text is still an object or an array.
  for (int level = 1; level < 3 && root.is_string(); ++level) {
    std::string_view inner;
    if (root.get_string().get(inner) != simdjson::SUCCESS) return;
    inner = TrimJsonText(inner);
    if (inner.empty()) return;
    if (inner.front() != '{' && inner.front() != '[') {
      // A text encoded once more: a status's outcome ("\"Failure\""), else no JSON of the column.
      if (slot == JsonTextFields::kStatus) return StatusText(inner, out);
      if (slot == JsonTextFields::kSignInEventTypes) return EventTypesText(inner, out);
      return NoteWrongType(out, DynamicWrongTypeDetail(slot));
    }
    if (const simdjson::error_code again = text_fields_.Reopen(parsed_in, inner, root);
        again != simdjson::SUCCESS) {
      if (again == simdjson::DEPTH_ERROR && out.too_deep_detail.empty()) {
        out.too_deep_detail = DynamicTooDeepDetail(slot);
        return;
      }
      return NoteWrongType(out, DynamicWrongTypeDetail(slot));
    }
  }
  if (!root.is_object() && !root.is_array()) {
    // JSON text of a scalar: a status's outcome ("0", "50126", "true" is none), null as a null
    // column; any other column's is of a type it cannot have.
    if (root.is_null()) {
      if (slot == JsonTextFields::kStatus) out.outcome_null = true;
      return;
    }
    if (slot == JsonTextFields::kStatus && (root.is_number() || root.is_string())) {
      std::string_view code;
      Text(root, code);
      return StatusText(code, out);
    }
    if (slot == JsonTextFields::kSignInEventTypes && root.is_string()) {
      std::string_view names;
      Text(root, names);
      return EventTypesText(TrimJsonText(names), out);
    }
    return NoteWrongType(out, DynamicWrongTypeDetail(slot));
  }
  if (root.is_array() && !ArraySlot(slot)) return NoteWrongType(out, DynamicWrongTypeDetail(slot));
  NoteSingleElement(slot, root, out);
  (this->*walk)(root, out);
}

void FieldCollector::NoteSingleElement(JsonTextFields::Slot slot, dom::element v,
                                       RecordFields& out) {
  // An object where an array of objects is read: one row of a KQL `mv-expand` (object or JSON
  // text alike, so the key of a row does not depend on how the export wrote the column).
  if ((slot == JsonTextFields::kTargetResources || slot == JsonTextFields::kAuthenticationDetails ||
       slot == JsonTextFields::kAdditionalDetails) &&
      v.is_object()) {
    out.single_element_columns |= static_cast<uint16_t>(1u << slot);
  }
}

void FieldCollector::BeginRecord() {
  numbers_.Reset();
  decoded_texts_.Reset();
  text_fields_.BeginRecord();
  modified_text_slots_ = 0;
  numbered_targets_ = 0;
  numbered_detail_bits_ = 0;
  tl_net_type_name = {};
}

void FieldCollector::RecordField(std::string_view key, dom::element value, RecordFields& out) {
  Field(key, value, /*in_properties=*/false, out);
  if (!tl_net_type_name.empty()) [[unlikely]] {
    if (out.net_type_name.empty()) out.net_type_name = tl_net_type_name;
    tl_net_type_name = {};
  }
}

}  // namespace privmon::parsers
