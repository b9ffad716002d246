// EqualsIgnoreCase (parsers/text_util.h) compares texts of 8 bytes and more a word at a time, the
// last word overlapping: every byte value at every place of texts of 1 to 40 bytes is judged as the
// byte-by-byte reference judges it (only A-Z fold; '@', '[', '`', '{' and bytes of 0x80 and above
// compare as themselves), and so are StartsWithIgnoreCase and EndsWithIgnoreCase built on it.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

bool ReferenceEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

TEST(EqualsIgnoreCaseTest, EveryByteAtEveryPlaceIsJudgedAsByteByByte) {
  for (std::size_t size = 1; size <= 40; ++size) {
    std::string name(size, 'a');
    for (std::size_t i = 0; i < size; ++i) name[i] = "authenticationStepResultDetail_x9"[i % 33];
    for (std::size_t at = 0; at < size; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string key = name;
        key[at] = static_cast<char>(b);
        ASSERT_EQ(EqualsIgnoreCase(key, name), ReferenceEquals(key, name))
            << "size " << size << " at " << at << " byte " << b;
        ASSERT_EQ(EqualsIgnoreCase(name, key), ReferenceEquals(name, key));
      }
    }
  }
}

TEST(EqualsIgnoreCaseTest, CaseOfLettersOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("AuthenticationStepResultDetail", "authenticationstepresultdetail"));
  EXPECT_TRUE(EqualsIgnoreCase("TARGETRESOURCES_0_ID", "targetResources_0_id"));
  EXPECT_FALSE(EqualsIgnoreCase("targetResources@0_id", "targetResources`0_id"));
  EXPECT_FALSE(EqualsIgnoreCase("targetResources[0]id", "targetResources{0}id"));
  EXPECT_FALSE(EqualsIgnoreCase("initiatedBy_user_X", "initiatedBy_user_"));
  EXPECT_TRUE(StartsWithIgnoreCase("InitiatedBy_User_Id", "initiatedBy_"));
  EXPECT_FALSE(StartsWithIgnoreCase("InitiatedBx_User_Id", "initiatedBy_"));
  EXPECT_TRUE(EndsWithIgnoreCase("CreatedDateTime [utc]", " [UTC]"));
  EXPECT_FALSE(EndsWithIgnoreCase("CreatedDateTime {UTC}", " [UTC]"));
}

// A named location's JSON text as "Add named location" writes it, once or twice encoded.
TEST(EqualsIgnoreCaseTest, TrustedLocationIsTheIsTrustedMemberTrue) {
  EXPECT_TRUE(NamesTrustedLocation(R"({"displayName":"VPN","isTrusted":true,"ipRanges":[]})"));
  EXPECT_TRUE(NamesTrustedLocation(R"({\"isTrusted\": true, \"ipRanges\": []})"));
  EXPECT_TRUE(NamesTrustedLocation(R"({"IsTrusted" : True})"));
  EXPECT_FALSE(NamesTrustedLocation(R"({"displayName":"Block","isTrusted":false})"));
  EXPECT_FALSE(NamesTrustedLocation(R"({"countriesAndRegions":["KP"]})"));
  EXPECT_FALSE(NamesTrustedLocation(R"({"notTrusted":true,"isTrusted":false})"));
  EXPECT_FALSE(NamesTrustedLocation(""));
  EXPECT_FALSE(NamesTrustedLocation("isTrusted"));
}

}  // namespace
}  // namespace privmon::parsers
