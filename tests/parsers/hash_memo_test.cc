// HashMemo (parsers/hash_memo.h): a remembered hash is always HashLower of the very bytes asked,
// whatever was asked before: texts that differ only in case, in length, or in a middle byte (the
// slot index reads the first and last eight), texts that meet in a slot and replace each other,
// the empty text and texts longer than a slot holds.
#include "parsers/hash_memo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/hash.h"

namespace privmon::parsers {
namespace {

TEST(HashMemo, EveryAnswerIsHashLowerOfTheTextAsked) {
  std::vector<std::string> texts = {"",
                                    "a",
                                    "A",
                                    "ab",
                                    "aB",
                                    std::string(HashMemo::kMaxText, 'x'),
                                    std::string(HashMemo::kMaxText + 1, 'x'),
                                    std::string(200, 'y')};
  // Tenant-id-like texts one byte apart in the middle: same first and last eight bytes, so the
  // same slot.
  for (int i = 0; i < 40; ++i) {
    std::string id = "45014f86-b878-64b2-0643-dec5a6781ad2";
    id[10 + i % 20] = static_cast<char>('0' + i % 10);
    id[5] = static_cast<char>('a' + i / 20);
    texts.push_back(id);
  }
  // More texts than slots, of every length up to past the limit.
  for (int i = 0; i < 600; ++i) {
    texts.push_back(std::string(static_cast<std::size_t>(i % 60), static_cast<char>('A' + i % 26)) +
                    std::to_string(i));
  }
  HashMemo memo;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      // Each text asked twice, and in another order each round: hits and replacements both.
      const std::string& t = texts[(i * (round + 1) * 7919) % texts.size()];
      ASSERT_EQ(memo.Lower(t), HashLower(t)) << "'" << t << "' round " << round;
      ASSERT_EQ(memo.Lower(t), HashLower(t)) << "'" << t << "' again, round " << round;
    }
  }
  EXPECT_EQ(MemoHashLower("Contoso.OnMicrosoft.com"), HashLower("contoso.onmicrosoft.com"));
  EXPECT_NE(MemoHashLower("contoso"), MemoHashLower("contoso "));
}

}  // namespace
}  // namespace privmon::parsers
