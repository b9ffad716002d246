// parsers/outcome.h: one reading of "did this succeed" for every format's outcome texts.
#include "parsers/outcome.h"

#include <gtest/gtest.h>

namespace privmon::parsers {
namespace {

TEST(OutcomeTest, ReadsEveryFormatsSpellings) {
  for (const char* s : {"", "  ", "null", "NULL"})
    EXPECT_EQ(ReadOutcome(s), Outcome::kUnstated) << s;
  for (const char* s : {"success", "Success", "SUCCESS", "Succeeded", " succeeded ", "0", "0.0"}) {
    EXPECT_EQ(ReadOutcome(s), Outcome::kSuccess) << s;
  }
  for (const char* s : {"failure", "Failure", "Failed", "fail", "timeout", "1", "2", "50126"}) {
    EXPECT_EQ(ReadOutcome(s), Outcome::kFailure) << s;
  }
  for (const char* s : {"Start", "Started", "Accept", "Accepted", "In Progress", "InProgress"}) {
    EXPECT_EQ(ReadOutcome(s), Outcome::kPending) << s;
  }
  for (const char* s : {"Canceled", "Cancelled"}) EXPECT_EQ(ReadOutcome(s), Outcome::kCanceled);
  for (const char* s : {"unknownFutureValue", "Active", "Resolved", "Updated", "Interrupted"}) {
    EXPECT_EQ(ReadOutcome(s), Outcome::kOther) << s;
  }
}

TEST(OutcomeTest, AuditResultThenEnvelope) {
  EXPECT_TRUE(AuditSucceeded("success", ""));
  EXPECT_TRUE(AuditSucceeded("0", ""));        // Graph's operationResult enum
  EXPECT_TRUE(AuditSucceeded("", ""));         // nothing stated
  EXPECT_TRUE(AuditSucceeded("", "Success"));  // LA ResultType where Result was projected away
  EXPECT_TRUE(AuditSucceeded("success", "Failure"));  // the record's own result decides
  EXPECT_FALSE(AuditSucceeded("failure", ""));
  EXPECT_FALSE(AuditSucceeded("timeout", ""));
  EXPECT_FALSE(AuditSucceeded("unknownFutureValue", ""));
  EXPECT_FALSE(AuditSucceeded("2", ""));
  EXPECT_FALSE(AuditSucceeded("null", "Failure"));
}

TEST(OutcomeTest, ActivityNeedsEveryStatedStatusToSucceed) {
  EXPECT_TRUE(ActivitySucceeded("", ""));
  EXPECT_TRUE(ActivitySucceeded("Success", ""));
  EXPECT_TRUE(ActivitySucceeded("", "Succeeded"));
  for (const char* s : {"Start", "Started", "Accept", "Accepted", "In Progress", "Canceled",
                        "Cancelled", "Failure", "Failed", "Active", "Resolved"}) {
    EXPECT_FALSE(ActivitySucceeded(s, "")) << s;
    EXPECT_FALSE(ActivitySucceeded("", s)) << s;
  }
  EXPECT_FALSE(ActivitySucceeded("Success", "Failed"));
}

TEST(OutcomeTest, SignInCodeNumberFirstThenText) {
  EXPECT_EQ(SignInErrorCode("50126", "0"), 50126);  // status.errorCode is authoritative
  EXPECT_EQ(SignInErrorCode("", "50140"), 50140);   // the envelope's code as text
  EXPECT_EQ(SignInErrorCode("0", "Failure"), 0);
  EXPECT_EQ(SignInErrorCode("", ""), 0);  // no status: a success, as always
  EXPECT_EQ(SignInErrorCode("", "Success"), 0);
  EXPECT_EQ(SignInErrorCode("", "Failure"), kFailureWithoutCode);
  EXPECT_EQ(SignInErrorCode("Failure", ""), kFailureWithoutCode);
  EXPECT_EQ(SignInErrorCode("", "Interrupted"), kFailureWithoutCode);
}

}  // namespace
}  // namespace privmon::parsers
