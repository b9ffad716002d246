// Entra log categories privmon does not read. Their records share batches with the ones it does
// (diagnostic settings stream every selected category to one Event Hub), so they are neither
// malformed nor lost: they are counted per category (privmon_records_skipped_total{category}, a
// bounded label set) and copied to the dead-letter file only when `dead_letter.keep_skipped` asks.
#pragma once

#include <cstdint>
#include <string_view>

namespace privmon {

enum class SkippedCategory : uint8_t {
  kGraphActivity,           // MicrosoftGraphActivityLogs
  kRiskyUsers,              // RiskyUsers / AADRiskyUsers
  kUserRiskEvents,          // UserRiskEvents / AADUserRiskEvents
  kRiskyServicePrincipals,  // RiskyServicePrincipals, ServicePrincipalRiskEvents
  kProvisioning,            // ProvisioningLogs / AADProvisioningLogs
  kNetworkAccess,           // Global Secure Access: NetworkAccess*, RemoteNetworkHealthLogs
  kOtherEntra,              // any other category of an Entra (microsoft.aadiam) record
  // The Azure Activity log's categories other than Administrative (ServiceHealth, ResourceHealth,
  // Alert, Autoscale, Recommendation, Security, Policy): one diagnostic setting streams them to the
  // same Event Hub as the Administrative records PRIV-EL-07 reads.
  kActivityOther,
  // An Entra directory object, no log record: a user or group (GET /users, Get-MgUser, `az ad user
  // list`, a deleted user), another object of the directory, or a query's row of one (Sentinel's
  // IdentityInfo, a Kusto or Log Analytics row of a user's createdDateTime, userPrincipalName and
  // givenName): an inventory polled beside the logs.
  kDirectoryObject,
  // Microsoft 365's audit log polled beside Entra's (Microsoft Purview's audit search, Graph
  // security/auditLog/queries/{id}/records: auditLogRecord; Sentinel's OfficeActivity rows): each
  // names a user and an IP, none is a sign-in.
  kM365Audit,
  // A Windows security event (Log Analytics `SecurityEvent`) of a machine the customer runs an
  // agent on (its `_ResourceId` an Azure VM or an Arc-enabled server): no Domain Services host
  // (managed domain controllers run no agent), so not PRIV-CH-04's.
  kSecurityEventOtherHost,
  // A Graph object of an entity set privmon reads no log from, named by its page's (or its own)
  // "@odata.context" ("$metadata#deviceManagement/auditEvents", "roleManagement/directory/
  // roleAssignmentScheduleRequests", "security/alerts_v2", "auditLogs/signInEventsAppSummary"):
  // a poller that lists several sets beside the logs. Only an object privmon could not read as
  // any of its records is skipped so; one of a sign-in, audit, registration or hunting page stays
  // a reject.
  kGraphOtherResource,
  kCount
};

inline constexpr std::size_t kSkippedCategoryCount =
    static_cast<std::size_t>(SkippedCategory::kCount);

// Metric label for each category.
constexpr std::string_view SkippedCategoryName(SkippedCategory c) {
  switch (c) {
    case SkippedCategory::kGraphActivity:
      return "graph_activity";
    case SkippedCategory::kRiskyUsers:
      return "risky_users";
    case SkippedCategory::kUserRiskEvents:
      return "user_risk_events";
    case SkippedCategory::kRiskyServicePrincipals:
      return "risky_service_principals";
    case SkippedCategory::kProvisioning:
      return "provisioning";
    case SkippedCategory::kNetworkAccess:
      return "network_access";
    case SkippedCategory::kOtherEntra:
      return "other_entra";
    case SkippedCategory::kActivityOther:
      return "azure_activity_other";
    case SkippedCategory::kDirectoryObject:
      return "directory_object";
    case SkippedCategory::kM365Audit:
      return "m365_audit";
    case SkippedCategory::kSecurityEventOtherHost:
      return "security_event_other_host";
    case SkippedCategory::kGraphOtherResource:
      return "graph_other_resource";
    case SkippedCategory::kCount:
      break;
  }
  return "unknown";
}

}  // namespace privmon
