// How a record states its outcome, read the same way in every format: one place that decides
// whether a sign-in, an audit record or an Azure Activity record succeeded, failed, was refused,
// is still running or was canceled. The texts are those of the logs (corpus/SCHEMA.md):
// - sign-ins: `status.errorCode` (number or text), envelope / Log Analytics `resultType` (text:
//   "0", "50126"; synthetic exports write "Success" / "Failure");
// - audit records: `result` / `Result` ("success", "failure", "timeout", "unknownFutureValue", or
//   Graph's operationResult number, 0 = success), else the envelope `resultType` / `ResultType`;
// - Azure Activity: diagnostic `resultType` ("Start", "Success", "Failure", "Accept"), Log
// Analytics
//   `ActivityStatusValue` ("Started", "Succeeded", "Failed", "Accepted", "Canceled",
//   "In Progress"; older rows "Success", "Start", "Failure") and `ActivityStatus`, the REST
//   `status.value`.
// Pure functions over string_views: no allocation.
#pragma once

#include <cstdint>
#include <string_view>

namespace privmon::parsers {

enum class Outcome : uint8_t {
  kUnstated,  // empty, null, absent: the record says nothing
  kSuccess,   // "success", "succeeded", 0
  kFailure,   // "failure", "failed", "timeout", a non-zero code
  kPending,   // "start", "started", "accept", "accepted", "in progress": not done yet
  kCanceled,  // "canceled", "cancelled"
  kOther,     // any other text ("unknownFutureValue", "Active", "Resolved", ...): no success
};

// One stated outcome text, case-insensitive, spaces trimmed.
Outcome ReadOutcome(std::string_view text);

// An audit record's success: its `result`, else (stated nothing) its envelope `resultType`; a
// record stating neither reads as a success (nothing says it failed: docs/RULES.md).
bool AuditSucceeded(std::string_view result, std::string_view result_type);

// An Azure Activity record's success: every status it states (diagnostic `resultType`, Log
// Analytics `ActivityStatusValue`, REST `status.value`) says success; one stating none is a
// success, as a record without a status always was. A Start, Accepted, In Progress, Canceled or
// Failed record is none: the operation's outcome record says whether it happened.
bool ActivitySucceeded(std::string_view result_type, std::string_view activity_status);

// A sign-in's error code whose failure states no number (a `resultType` "Failure", an errorCode
// that is text): no success, and no code any rule matches.
inline constexpr int32_t kFailureWithoutCode = -1;

// A sign-in's error code: `status.errorCode` when it is a number (authoritative), else the
// envelope `resultType` when that is one; else what either says as text (0 for "Success" or for
// nothing stated, kFailureWithoutCode for any other outcome: "Failure", "Interrupted", ...).
int32_t SignInErrorCode(std::string_view error_code, std::string_view result_type);

}  // namespace privmon::parsers
