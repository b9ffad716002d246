// nst/JSONTestSuite: every n_* file is rejected with a reason, nothing crashes, y_* objects are
// unknown formats and other y_* values are not objects.
#include <gtest/gtest.h>

#include <filesystem>

#include "parsers/record_parser.h"
#include "tests/parsers/parser_test_util.h"

namespace privmon {
namespace {

// "[]" with any blanks around or inside: an export of no rows.
bool IsEmptyArray(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '[') return false;
  const auto next = text.find_first_not_of(" \t\r\n", first + 1);
  return next != std::string::npos && text[next] == ']' &&
         text.find_first_not_of(" \t\r\n", next + 1) == std::string::npos;
}

// Each file is parsed twice: copied into the parser's padded buffer, and in place in a buffer whose
// kParsePadding bytes after the text are hostile (quotes, brackets, digits): simdjson may read
// them, and what they hold must change no verdict.
class JsonTestSuite : public ::testing::TestWithParam<bool> {};

TEST_P(JsonTestSuite, RejectsEveryInvalidFileAndNeverCrashes) {
  namespace fs = std::filesystem;
  const bool in_place = GetParam();
  RecordParser parser;
  ParseContext ctx;
  ctx.source_tenant = "T";
  ctx.multi_tenant = true;  // the source tenant only fills in
  int n_files = 0, y_files = 0;
  std::string padded;
  for (const auto& entry : fs::directory_iterator(testing::DataPath("jsontestsuite"))) {
    const std::string name = entry.path().filename().string();
    const std::string text = testing::ReadFile(entry.path().string());
    padded = text;
    for (std::size_t i = 0; i < kParsePadding; ++i) padded += "\"]}1,\\{["[i % 8];
    ctx.readable_after = in_place ? kParsePadding : 0;
    const ParseResult& r = parser.Parse(std::string_view(padded.data(), text.size()), ctx);
    SCOPED_TRACE(name);
    if (name.starts_with("n_")) {
      ++n_files;
      EXPECT_TRUE(r.events.empty());
      ASSERT_EQ(r.rejections.size(), 1u);
      const RejectReason reason = r.rejections[0].reason;
      EXPECT_TRUE(reason == RejectReason::kInvalidJson || reason == RejectReason::kTooDeep)
          << RejectReasonName(reason);
      EXPECT_EQ(r.rejections[0].raw, text);
    } else if (name.starts_with("y_")) {
      ++y_files;
      // An empty array is an export of no rows: no record, no reject (as an empty page).
      if (IsEmptyArray(text)) {
        EXPECT_EQ(r.records(), 0u);
        continue;
      }
      // Valid JSON, no record: rejected whole, or (a bare array holding an object or a string,
      // read as a batch of records) element by element, each with its reason.
      EXPECT_TRUE(r.events.empty());
      ASSERT_GE(r.rejections.size(), 1u);
      EXPECT_EQ(r.records(), r.rejections.size());
      for (const auto& rejection : r.rejections) {
        EXPECT_TRUE(rejection.reason == RejectReason::kNotObject ||
                    rejection.reason == RejectReason::kUnknownFormat)
            << RejectReasonName(rejection.reason);
      }
    } else {
      EXPECT_LE(r.records(), 1u);  // i_*: either way, but never a crash
    }
  }
  EXPECT_EQ(n_files, 188);
  EXPECT_EQ(y_files, 95);
}

INSTANTIATE_TEST_SUITE_P(CopiedAndInPlace, JsonTestSuite, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "InPlace" : "Copied"; });

}  // namespace
}  // namespace privmon
