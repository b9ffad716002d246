#include "parsers/outcome.h"

#include "parsers/text_util.h"

namespace privmon::parsers {

Outcome ReadOutcome(std::string_view text) {
  // Without white space and a byte order mark around it (TrimJsonText: a .NET writer's
  // "\ufeffSucceeded"): the same outcome.
  text = TrimJsonText(text);
  if (text.empty() || EqualsIgnoreCase(text, "null")) return Outcome::kUnstated;
  if (const auto code = ParseInt(text)) return *code == 0 ? Outcome::kSuccess : Outcome::kFailure;
  switch (AsciiLower(text[0])) {  // one byte rules out most of the names
    case 's':
      if (EqualsIgnoreCase(text, "success") || EqualsIgnoreCase(text, "succeeded")) {
        return Outcome::kSuccess;
      }
      if (EqualsIgnoreCase(text, "start") || EqualsIgnoreCase(text, "started")) {
        return Outcome::kPending;
      }
      break;
    case 'f':
      if (EqualsIgnoreCase(text, "failure") || EqualsIgnoreCase(text, "failed") ||
          EqualsIgnoreCase(text, "fail")) {
        return Outcome::kFailure;
      }
      break;
    case 't':
      if (EqualsIgnoreCase(text, "timeout")) return Outcome::kFailure;
      break;
    case 'a':
      if (EqualsIgnoreCase(text, "accept") || EqualsIgnoreCase(text, "accepted")) {
        return Outcome::kPending;
      }
      break;
    case 'i':
      if (EqualsIgnoreCase(text, "in progress") || EqualsIgnoreCase(text, "inprogress")) {
        return Outcome::kPending;
      }
      break;
    case 'c':
      if (EqualsIgnoreCase(text, "canceled") || EqualsIgnoreCase(text, "cancelled")) {
        return Outcome::kCanceled;
      }
      break;
    default:
      break;
  }
  return Outcome::kOther;
}

bool AuditSucceeded(std::string_view result, std::string_view result_type) {
  Outcome outcome = ReadOutcome(result);
  if (outcome == Outcome::kUnstated) outcome = ReadOutcome(result_type);
  return outcome == Outcome::kSuccess || outcome == Outcome::kUnstated;
}

bool ActivitySucceeded(std::string_view result_type, std::string_view activity_status) {
  for (const std::string_view status : {result_type, activity_status}) {
    const Outcome outcome = ReadOutcome(status);
    if (outcome != Outcome::kSuccess && outcome != Outcome::kUnstated) return false;
  }
  return true;
}

int32_t SignInErrorCode(std::string_view error_code, std::string_view result_type) {
  if (const auto code = ParseInt(TrimJsonText(error_code))) return static_cast<int32_t>(*code);
  if (const auto code = ParseInt(TrimJsonText(result_type))) return static_cast<int32_t>(*code);
  for (const std::string_view text : {error_code, result_type}) {
    const Outcome outcome = ReadOutcome(text);
    if (outcome != Outcome::kSuccess && outcome != Outcome::kUnstated) return kFailureWithoutCode;
  }
  return 0;
}

}  // namespace privmon::parsers
