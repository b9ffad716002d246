// Turns the RecordFields of one record into an Event: decides the record's format and kind, then
// resolves tenant, time, account and the kind's fields. Either fills `event` and returns true, or
// sets `reason`/`detail` (a static string) and returns false. Pure over its inputs, no allocation.
#pragma once

#include <optional>
#include <string_view>

#include "core/event.h"
#include "core/reject_reason.h"
#include "core/skipped_category.h"
#include "parsers/record_fields.h"
#include "parsers/record_parser.h"

namespace privmon::parsers {

bool BuildEvent(const RecordFields& fields, const ParseContext& ctx, Event& event,
                RejectReason& reason, std::string_view& detail);

// What a record read from its array columns that arrived as one element (single_element_columns:
// the rows of a KQL `mv-expand`): the target's user, principal, role, apps and modified-property
// flags for TargetResources, the fraud report for AuthenticationDetails, the role template for
// AdditionalDetails. 0 when no column is one element. Two rows of one record with the same value
// say the same to every rule; the redelivery key adds it (record_parser.cc).
uint64_t SingleElementFacts(const RecordFields& fields);

// BuildEvent's details of a record of a Log Analytics table or a diagnostic category it does not
// read (kUnknownFormat); the record parser adds the table's or the category's name.
inline constexpr std::string_view kUnsupportedTypeDetail =
    "Log Analytics row of an unsupported Type";
inline constexpr std::string_view kUnsupportedCategoryDetail =
    "diagnostic record of an unsupported category";

// The Entra category of a record BuildEvent found in no known format (kUnknownFormat), when it is
// one privmon does not read; nullopt for anything else (which stays a rejection).
std::optional<SkippedCategory> SkippedCategoryOf(const RecordFields& fields);

// The Entra log privmon does not read that a Graph resource name stands for: a record's
// "@odata.type" ("#microsoft.graph.networkaccess.networkAccessTraffic", "#microsoft.graph.
// riskDetection") or a page's "@odata.context" entity set ("$metadata#networkAccess/logs/traffic",
// "identityProtection/riskyUsers", "auditLogs/provisioning", "auditLogs/signUps"); nullopt for
// the resources privmon reads and any other.
std::optional<SkippedCategory> GraphOtherLogCategory(std::string_view name);

// Whether a Graph "@odata.context" (a page's, or a single object's "$entity") names an entity set
// of a log privmon reads: sign-ins ("$metadata#auditLogs/signIns"), directory audits
// ("auditLogs/directoryAudits") and the registration reports ("reports/authenticationMethods/
// userRegistrationDetails", "reports/credentialUserRegistrationDetails"). Such a context says what
// its records are before their members do: one that cannot be read as that log's is rejected with
// its reason, never skipped as another log's object for a member it carries (a `givenName`).
bool ContextNamesReadLog(std::string_view context);
// Whether a Graph "@odata.context" ("https://graph.microsoft.com/v1.0/$metadata#SET...") names an
// entity set (or type) of no log privmon reads: any but sign-ins (and their summaries), directory
// audits, registration details and hunting query answers. False for text without "$metadata#".
bool ContextNamesOtherGraphResource(std::string_view context);
// So too a Graph "@odata.type" ("#microsoft.graph.userRegistrationFeatureSummary").
bool TypeNamesOtherGraphResource(std::string_view odata_type);
// Whether it names a registration report (userRegistrationDetails, the beta
// credentialUserRegistrationDetails): its records are registrations whether or not they state
// isMfaRegistered (null, or a `$select` without it).
bool ContextNamesRegistration(std::string_view context);

// The log privmon does not read that a record's own members name (RecordFields::
// other_log_members: Identity Protection's risky users and risk detections, Global Secure Access
// traffic, provisioning), for a Graph object or a Log Analytics row that names it by neither an
// @odata annotation nor `Type`; nullopt for any other record.
std::optional<SkippedCategory> OtherLogByMembers(const RecordFields& fields);

// Helpers shared by the per-kind builders (signin_fields.cc, audit_fields.cc).
// FillAccount names the account by its clean UPN: a deleted user's UPN arrives as its object id
// (32 hex digits, no dashes) glued to the UPN, and that prefix is stripped
// (StripDeletedUserPrefix); a "UPN" that is a GUID (an object id written in the UPN field) is no
// name: the account's id when the record names no other, else dropped.
std::string_view StripDeletedUserPrefix(std::string_view id, std::string_view upn);
void FillAccount(uint64_t tenant_hash, std::string_view id, std::string_view upn, AccountRef& out);
// Keys an account by its UPN where it names one (else as FillAccount keyed it). For the two records
// of one elevation of access (the audit log's and Azure Activity's): the Azure Activity caller may
// be named by UPN alone (a Log Analytics row whose Claims are empty names it by `Caller`), so both
// are keyed by the name both carry, and one elevation is one PRIV-EL-07 in any shard count.
void KeyAccountByUpn(uint64_t tenant_hash, AccountRef& account);
void FillSignInFields(const RecordFields& f, Event& event);
void FillAuditFields(const RecordFields& f, Event& event);

}  // namespace privmon::parsers
