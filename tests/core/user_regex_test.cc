#include "core/user_regex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace privmon {
namespace {

TEST(UserRegex, SearchesLikeRegexSearch) {
  std::string error;
  auto re = UserRegex::Compile("^adm_", &error);
  ASSERT_TRUE(re) << error;
  EXPECT_TRUE(re->Search("adm_alice@contoso.com"));
  EXPECT_FALSE(re->Search("alice@contoso.com"));
  EXPECT_EQ(re->pattern(), "^adm_");
}

TEST(UserRegex, IgnoresCaseAsUpnsDo) {
  std::string error;
  auto re = UserRegex::Compile("^adm[-_]", &error);
  ASSERT_TRUE(re) << error;
  EXPECT_TRUE(re->Search("ADM-Vendor@Northwind.example"));
  EXPECT_TRUE(re->Search("Adm_alice@contoso.com"));
  EXPECT_FALSE(re->Search("vendor.adm@contoso.com"));
}

TEST(UserRegex, ACatastrophicPatternFinishesInLinearTime) {
  // std::regex took 25 s on this (issue 14); a generous bound catches a hang, not a slowdown.
  std::string error;
  auto re = UserRegex::Compile("^(a+)+$", &error);
  ASSERT_TRUE(re) << error;
  const std::string upn = std::string(31, 'a') + "!@contoso.com";
  const auto start = std::chrono::steady_clock::now();
  bool matched = false;
  for (int i = 0; i < 1000; ++i) matched |= re->Search(upn);
  EXPECT_FALSE(matched);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(re->Search(std::string(64, 'a')));
}

TEST(UserRegex, RefusesWhatALinearEngineCannotDoWithAReason) {
  std::string error;
  EXPECT_FALSE(UserRegex::Compile("^(adm_", &error));
  EXPECT_NE(error, "");
  EXPECT_FALSE(UserRegex::Compile(R"((a)\1)", &error));   // backreference
  EXPECT_FALSE(UserRegex::Compile("^(?!adm_)", &error));  // lookahead
}

}  // namespace
}  // namespace privmon
