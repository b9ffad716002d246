// Why a message or record was refused. Each value is a metric label (privmon_events_rejected_total)
// and the reason written beside the raw bytes in the dead-letter file.
#pragma once

#include <cstdint>
#include <string_view>

namespace privmon {

enum class RejectReason : uint8_t {
  kOversized,       // message above pipeline.max_message_bytes
  kInvalidJson,     // not well-formed JSON (or not UTF-8)
  kNotObject,       // a JSON value that is not an object
  kUnknownFormat,   // an object in none of the known record formats
  kNoTenant,        // no tenant in the record, the ZeroMQ frame or the source config
  kNoAccount,       // no user / principal the record concerns
  kBadTime,         // event time missing or not ISO 8601
  kWrongType,       // a known field with an impossible type (e.g. "records" not an array)
  kTooDeep,         // nesting deeper than the parser accepts
  kFutureTime,      // event time beyond the tenant's newest by more than max_future_skew
  kBadFrames,       // a ZeroMQ message whose frames are not [payload] or [tenant, payload]
  kTenantMismatch,  // the record names a tenant other than the one its transport names
  kErrorResponse,   // a Graph $batch response that failed (status >= 400, body.error): no records
  kCount
};

constexpr std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kInvalidJson:
      return "invalid_json";
    case RejectReason::kNotObject:
      return "not_object";
    case RejectReason::kUnknownFormat:
      return "unknown_format";
    case RejectReason::kNoTenant:
      return "no_tenant";
    case RejectReason::kNoAccount:
      return "no_account";
    case RejectReason::kBadTime:
      return "bad_time";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kFutureTime:
      return "future_time";
    case RejectReason::kBadFrames:
      return "bad_frames";
    case RejectReason::kTenantMismatch:
      return "tenant_mismatch";
    case RejectReason::kErrorResponse:
      return "error_response";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace privmon
