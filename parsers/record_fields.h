// RecordFields: what one pass over a record object collects, before the record's format is known
// (fields arrive in any order, so format, tenant and time are decided after the walk). All views
// point into the DOM parsers' string buffers (or the record's number texts) and stay valid until
// the next Parse(); nested arrays (targets, authentication steps, modified properties) are folded
// into summaries as they are walked. Plain aggregate: reset with `= {}`, no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace privmon::parsers {

// -1 unknown, 0 false, 1 true.
using TriBool = int8_t;

// Members of the Graph objects (and Log Analytics columns) of logs privmon does not read, one bit
// per log. A signIn names its risk events in the plural (`riskEventTypes`), never these.
enum OtherLogMember : uint8_t {
  // riskLastUpdatedDateTime, isProcessing: riskyUser, riskyUserHistoryItem, riskyServicePrincipal;
  // AADRiskyUsers.
  kRiskyPrincipalMember = 1,
  // riskEventType, detectedDateTime, detectionTimingType: riskDetection,
  // servicePrincipalRiskDetection; AADUserRiskEvents, AADServicePrincipalRiskEvents.
  kRiskDetectionMember = 2,
  // transactionId, trafficType, destinationFQDN: Global Secure Access's networkAccessTraffic;
  // NetworkAccessTraffic.
  kNetworkAccessMember = 4,
  // provisioningAction, provisioningSteps, provisioningStatusInfo: provisioningObjectSummary;
  // AADProvisioningLogs, whose jobId, cycleId, changeId, sourceIdentity and targetIdentity name it
  // in
  // a projection that dropped those (an audit's OperationName and InitiatedBy beside them: m16p_*).
  kProvisioningMember = 8,
  // businessPhones, givenName, surname, jobTitle, mobilePhone, officeLocation, preferredLanguage
  // (a user's default properties: GET /users, `az ad user list`, Get-MgUser); groupTypes,
  // mailEnabled, mailNickname, securityEnabled (a group's): directory objects a poller or script
  // lists beside the logs, no log record of any kind has them.
  kDirectoryObjectMember = 16,
  // requestUri, requestMethod, responseStatusCode, signInActivityId, tokenIssuedAt: a Microsoft
  // Graph (or Azure AD Graph) activity
  // log's request; MicrosoftGraphActivityLogs. A projection of it without `Type` has a sign-in's
  // UserId, AppId and IPAddress (tests/regressions/m16f_*).
  kGraphActivityMember = 32,
  // auditLogRecordType, auditData: Purview's auditLogRecord (Graph security/auditLog);
  // officeWorkload:
  // Sentinel's OfficeActivity. Microsoft 365's audit log (tests/regressions/m16o_*).
  kM365AuditMember = 64,
};

// The columns of Microsoft Defender XDR's Entra sign-in table (advanced hunting's
// AADSignInEventsBeta, renamed EntraIdSignInEvents), held until the record ends: a row naming its
// user by AccountUpn / AccountObjectId, with an ErrorCode, is read as a sign-in with them
// (FieldCollector::EndRecord); one naming no user but a ServicePrincipalId, with an ErrorCode and
// an ApplicationId, as an app's sign-in (its AADSpnSignInEventsBeta / EntraIdSpnSignInEvents);
// any other record ignores these names (a Windows security event's LogonType, an ECS "browser").
struct DefenderSignInColumns {
  std::string_view timestamp, account_upn, account_object_id, error_code, country, city,
      application_id, aad_device_id, entra_id_device_id, device_name, os_platform, browser,
      request_id, logon_type;
  int8_t is_managed = -1, is_compliant = -1, is_guest_user = -1, is_managed_identity = -1;
  bool application = false;
};

struct RecordFields {
  // Which record: the LA table, the top-level category (diag log category; LA/Graph audit
  // category), the diag properties.category (audit category) and the operation.
  std::string_view type;
  // A search job's results row (Type "<name>_SRCH"): its source table and source row's time
  // (FieldCollector::EndRecord reads the row as that table's).
  std::string_view original_type;
  std::string_view original_time_generated;
  std::string_view category;
  std::string_view props_category;
  std::string_view category_value;  // LA AzureActivity CategoryValue (the Activity log category)
  bool has_properties = false;
  std::string_view operation_name;        // operationName (string, or ACT-REST {"value":..})
  std::string_view operation_name_value;  // LA AzureActivity OperationNameValue
  std::string_view activity_status;  // LA AzureActivity ActivityStatusValue; Activity status.value
  std::string_view authorization_action;  // Azure Activity authorization.action (RBAC action)
  bool authorization_named = false;       // the record has an authorization column, not empty
  // A column only a sign-in row has, whatever its value (AppDisplayName, ResourceDisplayName,
  // DeviceDetail, LocationDetails, AuthenticationDetails, MfaDetail, AuthenticationRequirement,
  // ConditionalAccessPolicies): a projection without `Type` keeping one is a sign-in (m16u_*).
  bool signin_column = false;

  // Times.
  std::string_view time;  // envelope "time"
  std::string_view time_generated;
  std::string_view created_date_time;
  std::string_view activity_date_time;
  std::string_view last_updated_date_time;
  std::string_view event_timestamp;  // ACT-REST

  // Tenant.
  std::string_view tenant_id;      // tenantId (diag envelope); never LA TenantId (workspace)
  bool has_workspace_id = false;   // an LA "TenantId" was there (for the no_tenant detail)
  std::string_view aad_tenant_id;  // LA AADTenantId
  std::string_view resource_id;    // envelope resourceId "/tenants/<id>/..."
  std::string_view claims_tenant_id;
  // Get-AzLog's claims written as a .NET type name ("System.Collections.Generic.Dictionary`2[...]":
  // ConvertTo-Json -Depth 1 cut them): for the no_tenant detail.
  bool claims_cut = false;
  // "TenantId" so spelled: the workspace in Log Analytics, the tenant in Get-AzLog's PSEventData.
  std::string_view pascal_tenant_id;
  std::string_view hierarchy_tenant_id;  // LA AzureActivity Hierarchy's first segment

  // The record's "@odata.type" (a Graph object of a derived or namespaced type:
  // "#microsoft.graph.networkaccess.networkAccessTraffic").
  std::string_view odata_type;
  // A single Graph object's "@odata.context" at the message's root or in a $batch response's body
  // ("$metadata#identityProtection/riskyUsers/$entity"): the entity set it belongs to.
  std::string_view odata_context;
  // Members only another log's objects have (no signIn, directoryAudit, user or registration has
  // them): they name that log where no @odata annotation, `Type` or `category` does (OtherLogMember
  // bits).
  uint8_t other_log_members = 0;
  // Identity Protection's risk detection of a user's own report (riskEventType, at the record's
  // root or in `properties`, is "userReportedSuspiciousActivity"): read as that report's audit
  // record (event_builder.cc), not skipped with the rest of the risk log.
  bool user_reported_suspicious = false;

  // An Elastic Common Schema document (the output of Elastic's Azure integration, read back from
  // Elasticsearch): `ecs_document` when it has the "ecs" object every such document carries, and
  // `ecs_original` the Azure record it was made from, as JSON text ("event": {"original": ..}),
  // when the integration kept it (its preserve_original_event tag).
  bool ecs_document = false;
  // A column named as the HTTP Data Collector API names a custom table's columns: its name and a
  // suffix of its type (`UserPrincipalName_s`, `ResultType_d`, `IsInteractive_b`,
  // `CreatedDateTime_t`, `UserId_g`). Read only to say why a row of no known format is refused.
  bool suffixed_columns = false;
  // Also a Splunk export's `_raw` (the indexed event's text), read the same way.
  std::string_view ecs_original;
  // A shipper's event's "message", "log" or "payload" (or an Event Hubs event's "body") holding
  // JSON text of an object or array: the message it shipped, read when the event is no record.
  std::string_view shipped_text;

  // The first field a rule or routing reads that came with a type it cannot have (a UPN that is a
  // number, an error code that is a boolean, a tenant id that is an object): a static text naming
  // the field. Such a record is rejected (wrong_type), never read with the field dropped or
  // defaulted. `outcome_null`: a sign-in's status.errorCode / ResultType was null.
  std::string_view wrong_type_detail;
  bool outcome_null = false;
  // A JSON-text column nested deeper than the parser reads (64 levels): read as absent, its
  // record named nobody or read a failed sign-in as a success. Such a record is rejected
  // (too_deep) naming the column.
  std::string_view too_deep_detail;

  // Record id.
  std::string_view id;
  std::string_view correlation_id;

  // The principal of sign-ins and registrations.
  std::string_view user_id;
  std::string_view upn;
  // alternateSignInName / signInIdentifier: the upn where upn and user_id are empty (EndRecord).
  std::string_view alternate_sign_in_name;
  std::string_view sign_in_identifier;
  std::string_view user_type;
  std::string_view app_id;
  std::string_view service_principal_id;

  // Sign-in.
  std::string_view result_type;  // resultType / ResultType (text)
  std::string_view error_code;   // status.errorCode (number token or text)
  // A nested object the export wrote as its .NET type name ("Microsoft.Graph.PowerShell.Models.
  // MicrosoftGraphUserIdentity": PowerShell's ConvertTo-Json below its -Depth, 2 by default) where
  // privmon reads an object: the first such name; `status_is_type_name` when it is the status.
  std::string_view net_type_name;
  bool status_is_type_name = false;
  std::string_view client_app;
  std::string_view ca_status;
  std::string_view risk_state;
  std::string_view risk_during;
  std::string_view risk_aggregated;
  std::string_view device_id;
  std::string_view device_name;
  std::string_view operating_system;
  std::string_view browser;
  TriBool device_compliant = -1;
  TriBool device_managed = -1;
  TriBool is_interactive = -1;
  bool event_type_service_principal = false;  // Graph signInEventTypes
  bool event_type_managed_identity = false;
  bool status_named = false;       // a status member was there (a signIn's own, even if empty)
  bool event_types_named = false;  // a signInEventTypes array was there (a signIn's own member)
  std::string_view city;
  std::string_view country_or_region;  // location.countryOrRegion
  std::string_view location_country;   // envelope `location` / LA `Location` (a string)
  std::string_view ip_address;
  std::string_view caller_ip_address;
  std::string_view home_tenant_id;
  std::string_view resource_tenant_id;
  bool fraud_denied = false;  // a step result detail / additional details reporting fraud

  // Audit.
  // The 2018 audit schema (diagnostic category "Audit", before initiatedBy / targetResources): its
  // `properties` named a target (targetResourceName / Type / targetUpdatedProperties), and its
  // identityType ("UPN": the envelope `identity` is the initiating user's UPN).
  bool legacy_audit = false;
  // An initiatedBy or targetResources member (a column, or one flattened into numbered columns)
  // was there, not null: an audit record's own (no sign-in, Activity log or directory object has
  // them). Tells an AuditLogs projection that kept neither `Type` nor `LoggedByService`.
  bool audit_member = false;
  std::string_view legacy_identity_type;
  std::string_view activity_display_name;
  std::string_view logged_by_service;
  std::string_view result;
  std::string_view result_reason;
  // resultDescription (diagnostic envelope or properties, LA ResultDescription): where some
  // exports put an audit record's reason while resultReason is "".
  std::string_view result_description;
  std::string_view actor_user_id;
  std::string_view actor_user_upn;
  std::string_view actor_app_sp_id;
  std::string_view actor_app_id;
  std::string_view actor_app_name;
  std::string_view actor_app_sp_name;  // initiatedBy.app.servicePrincipalName
  // The envelope `identity` (diagnostic) / `Identity` column (Log Analytics) when it is text: the
  // initiator's display name ("MS-PIM"), the only one a record with an empty initiatedBy names.
  std::string_view identity_name;
  std::string_view target_user_id;
  std::string_view target_user_upn;
  std::string_view target_user_new_upn;  // its "UserPrincipalName" newValue (add, rename): ["x@y"]
  std::string_view target_user_old_upn;  // its "UserPrincipalName" oldValue (rename)
  bool has_target_user = false;
  // The first target of type ServicePrincipal or Group: the principal a role is given to when no
  // User target is (an app, or a role-assignable group whose members hold the role).
  std::string_view target_principal_id;
  std::string_view target_principal_name;
  std::string_view role_from_property;  // Role.DisplayName newValue (still JSON-quoted)
  std::string_view role_target_name;    // displayName of the first target of type Role
  // The role's template id where the record names it (Role.TemplateId of a User target; TemplateId
  // or RoleDefinitionOriginId of a Role target), still JSON-quoted: the name when no other is
  // given.
  std::string_view role_template;
  // An audit record's additionalDetails "TemplateId", else "RoleDefinitionOriginId" (PIM writes
  // the role's there too): the role's template id when no target names the role.
  std::string_view details_role_template;
  std::string_view details_start_time;  // additionalDetails "StartTime" (PIM's schedule start)
  // id / appId / displayName of the app targets: room for two targets' three each (a consent's
  // API and its client: with 4, the API's three left the client its id alone, so a consent
  // naming its client by its target's displayName did not match high_value_apps by that name).
  std::array<std::string_view, 6> app_keys{};
  uint8_t app_key_count = 0;
  // How many of app_keys the first app target gave (a consent's resource API: PRIV-CH-03 reads the
  // client instead), and the client a consent names in that target's modified properties
  // "ServicePrincipal.ObjectID" (a GUID, still JSON-quoted), "ServicePrincipal.AppId" and
  // "ServicePrincipal.DisplayName" (JSON-quoted).
  uint8_t first_app_target_keys = 0;
  std::string_view consent_client_id;
  std::string_view consent_client_app_id;
  std::string_view consent_client_name;
  // An audit record's additionalDetails "AppId": Core Directory names there the application
  // (client) id of the app its ApplicationManagement record changed, which no target carries.
  std::string_view details_app_id;
  std::string_view app_name;
  bool strong_auth_method_modified = false;
  // A target's modified property "TemporaryAccessPass.*" (Id, StartDateTime, EndDateTime,
  // AccessPassUsage): the Temporary Access Pass an "Admin registered security info" issued, where
  // the record carries no resultReason to say so (a projection or $select without it).
  bool temporary_access_pass_modified = false;
  bool guest_to_member = false;
  // A target's modified properties named something (not only "Included Updated Properties"), and
  // among them "Password": an "Update PasswordProfile" that set a password, not only
  // "ForceChangePassword" (a change asked for at the next sign-in).
  bool property_named = false;
  bool password_property = false;
  bool mfa_or_approval_disabled = false;
  // A target's modified property whose new value is a named location marked trusted ("isTrusted":
  // true in the ipNamedLocation / countryNamedLocation object "Add named location" writes; JSON
  // text once or twice encoded) where its old value was not.
  bool trusted_location = false;
  // StrongAuthenticationRequirement's highest State went down ("Update user"): per-user MFA
  // lowered (enforced to enabled, or turned off).
  bool per_user_mfa_lowered = false;
  bool account_enabled_changed = false;  // AccountEnabled's old and new values differ
  // A Graph summarizedSignIn (firstSignInDateTime): an aggregate of sign-ins, no device stated.
  bool summarized_signin = false;
  // Read as a row of Defender XDR's sign-in tables (FieldCollector::ReadDefenderSignIn,
  // ReadDefenderAppSignIn): a `Type` column is no table name then (IdentityInfo's identity type
  // joined in, "User"; breaker round 117).
  bool defender_row = false;
  DefenderSignInColumns defender;

  // The array columns read as summaries above (TargetResources, AuthenticationDetails,
  // AdditionalDetails) that arrived as one element instead of an array: a row of a KQL `mv-expand`,
  // one of several rows sharing the record's id (or PowerShell's unwrapped array of one). Bit i:
  // JsonTextFields slot i. The redelivery key then adds what was read from that element
  // (record_parser.cc), so the rows of one record that say different things all reach the rules.
  uint16_t single_element_columns = 0;

  // Registration (Graph userRegistrationDetails).
  TriBool is_mfa_registered = -1;
  // A registration that need not state isMfaRegistered (null, or left out of a `$select`): its
  // page's @odata.context names userRegistrationDetails (or the beta
  // credentialUserRegistrationDetails), or it has members only a registration has (isMfaCapable,
  // methodsRegistered; SCHEMA.md).
  bool registration_context = false;
  bool registration_member = false;
  // methodsRegistered / authMethods lists no method, or only SSPR-only ones (e-mail, questions)
  bool no_methods_registered = false;
  // The "@odata.context" of the Graph page the record is an element of (read whole or streamed),
  // else empty: a page of signIns or directoryAudits makes an element lacking its time or user
  // that log's record, rejected for what it lacks.
  std::string_view page_context;
  TriBool is_admin = -1;

  // Azure Activity and SecurityEvent.
  std::string_view claims_upn;
  std::string_view claims_object_id;
  std::string_view claims_name;  // the name claim (a guest's token has no upn claim)
  std::string_view caller;
  std::string_view event_id;
  std::string_view computer;
  std::string_view account;
  std::string_view subject_user_name;
};

}  // namespace privmon::parsers
