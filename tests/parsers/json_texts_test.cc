// JsonTexts (parsers/json_walk.h) writes a decoded value back as compact JSON text that a DOM
// parser reads as the same value; earlier views survive later writes; a value too long for what is
// left reads as absent without spoiling the arena; Reset frees it all.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parsers/json_walk.h"

namespace privmon::parsers {
namespace {

TEST(JsonTextsTest, WritesADecodedValueAsJsonTextThatParsesBackTheSame) {
  dom::parser parser;
  const std::string source =
      R"([{"Id":"5b6f0a2e","State":1,"Big":18446744073709551615,"Neg":-3,"F":0.5,)"
      R"("Quote":"a\"b\\c","On":true,"Off":false,"None":null,"Nested":{"A":[1,[]]},"E":{}}])";
  dom::element v;
  ASSERT_EQ(parser.parse(source).get(v), simdjson::SUCCESS);
  JsonTexts texts;
  const std::string_view text = texts.Write(v);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find(' '), std::string_view::npos);
  dom::parser again;
  dom::element back;
  ASSERT_EQ(again.parse(std::string(text)).get(back), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::minify(back), simdjson::minify(v));
  EXPECT_NE(text.find(R"("State":1)"), std::string_view::npos);
  EXPECT_NE(text.find(R"("Quote":"a\"b\\c")"), std::string_view::npos);
}

TEST(JsonTextsTest, EarlierViewsSurviveAndAValueThatDoesNotFitIsAbsent) {
  dom::parser parser;
  dom::element small;
  ASSERT_EQ(parser.parse(std::string(R"({"Id":"x"})")).get(small), simdjson::SUCCESS);
  JsonTexts texts;
  const std::string_view first = texts.Write(small);
  ASSERT_EQ(first, R"({"Id":"x"})");
  dom::parser big_parser;
  dom::element big;
  const std::string long_text = "[\"" + std::string(70000, 'a') + "\"]";
  ASSERT_EQ(big_parser.parse(long_text).get(big), simdjson::SUCCESS);
  EXPECT_EQ(texts.Write(big), JsonTexts::kTooLong);
  EXPECT_EQ(first, R"({"Id":"x"})");
  // The failed write took nothing: the next small value still fits after the first.
  const std::string_view second = texts.Write(small);
  EXPECT_EQ(second, R"({"Id":"x"})");
  EXPECT_EQ(second.data(), first.data() + first.size());
  texts.Reset();
  EXPECT_EQ(texts.Write(small).data(), first.data());
}

TEST(JsonTextsTest, ControlBytesInAStringAreWrittenAsBlanks) {
  dom::parser parser;
  dom::element v;
  ASSERT_EQ(parser.parse(std::string(R"(["a\nb\tc"])")).get(v), simdjson::SUCCESS);
  JsonTexts texts;
  EXPECT_EQ(texts.Write(v), R"(["a b c"])");
}

}  // namespace
}  // namespace privmon::parsers
