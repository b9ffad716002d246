// CanonicalId (parsers/text_util.h) looks for a capital letter 8 bytes at a time: every byte value
// at every place of a 36-byte id is judged as the byte-by-byte reference judges it (bytes of 0x80
// and above, '@' and '[' around 'A'-'Z', neighbours that could carry), and ids come out the same.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

bool ReferenceHasUpper(std::string_view s) {
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

TEST(CanonicalIdTest, EveryByteAtEveryPlaceIsJudgedAsByteByByte) {
  const std::string base = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
  for (const char fill : {'a', '\xFF', '\x7F', '@', 'Z'}) {
    for (std::size_t at = 0; at < 36; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string id = fill == 'a' ? base : std::string(36, fill);
        id[at] = static_cast<char>(b);
        ASSERT_EQ(HasAsciiUpper36(id.data()), ReferenceHasUpper(id))
            << "byte " << b << " at " << at << " fill " << int(fill);
      }
    }
  }
  for (int b = 0; b < 256; ++b) {
    for (int n = 0; n < 256; n += 15) {
      uint64_t w = 0;
      for (int i = 0; i < 8; ++i) w |= uint64_t(i % 2 ? b : n) << (8 * i);
      char bytes[8];
      std::memcpy(bytes, &w, 8);
      ASSERT_EQ(HasAsciiUpper8(w), ReferenceHasUpper(std::string_view(bytes, 8))) << b << " " << n;
    }
  }
}

TEST(CanonicalIdTest, IdsComeOutLowerCaseAndDashed) {
  char buffer[36];
  EXPECT_EQ(CanonicalId("3F2504E0-4F89-11D3-9A0C-0305E82C3301", buffer),
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  EXPECT_EQ(CanonicalId("3f2504e0-4f89-11d3-9a0c-0305e82c330A", buffer),
            "3f2504e0-4f89-11d3-9a0c-0305e82c330a");  // a capital only in the last byte
  EXPECT_EQ(CanonicalId(" {3f2504e0-4f89-11d3-9a0c-0305e82c3301} ", buffer),
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  EXPECT_EQ(CanonicalId("3F2504E04F8911D39A0C0305E82C3301", buffer),
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  // 36 bytes that are no GUID stay as written, capitals included.
  EXPECT_EQ(CanonicalId("Admin.User@contoso.example.onmicroso", buffer),
            "Admin.User@contoso.example.onmicroso");
}

}  // namespace
}  // namespace privmon::parsers
