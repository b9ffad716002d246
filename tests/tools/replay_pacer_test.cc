#include <gtest/gtest.h>

#include "tools/replay/pacer.h"

namespace privmon {
namespace {

TEST(ExtractEventTime, PrefersCreatedDateTimeOverEnvelopeTime) {
  const auto t = ExtractEventTime(
      R"({ "time": "2022-01-24T05:10:08.6816663Z", "properties": {"createdDateTime":"2022-01-24T05:09:00+00:00"}})");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, *ParseIsoTime("2022-01-24T05:09:00Z"));
}

TEST(ExtractEventTime, ReadsAuditLogAnalyticsAndOffsetTimes) {
  EXPECT_EQ(*ExtractEventTime(R"({"activityDateTime":"2019-10-18T15:30:51.0273716+00:00"})"),
            *ParseIsoTime("2019-10-18T15:30:51.0273716Z"));
  EXPECT_EQ(*ExtractEventTime(R"({"TimeGenerated" : "2021-08-02T13:29:25.983Z"})"),
            *ParseIsoTime("2021-08-02T13:29:25.983Z"));
  EXPECT_EQ(*ExtractEventTime(R"({"time":"2024-01-01T07:00:00-05:00"})"),
            *ParseIsoTime("2024-01-01T12:00:00Z"));
}

TEST(ExtractEventTime, SkipsUnparsableValuesAndKeysWithoutTimes) {
  EXPECT_FALSE(ExtractEventTime(R"({"a":"time","time":12})"));
  EXPECT_FALSE(ExtractEventTime("not json"));
  // An unparsable createdDateTime falls back to the next key.
  EXPECT_EQ(*ExtractEventTime(R"({"createdDateTime":"","time":"2024-01-01T00:00:00Z"})"),
            *ParseIsoTime("2024-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace privmon
