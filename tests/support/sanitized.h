// Whether this test binary is built with a sanitizer (ASan+UBSan or TSan; scripts/sanitizer-
// tests.sh). The property tests that repeat whole scans many times over (arrival orders, shard and
// parse-thread counts, a restart after each record) repeat fewer times there: a sanitized scan
// costs several times a release one, and the repetitions vary timing and order, not the code
// reached, which the fewer repetitions still reach. The release pass runs them whole.
// Header only; a compile-time constant.
#pragma once

namespace privmon::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace privmon::testing
