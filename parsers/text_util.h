// Small ASCII text helpers for the parsers: case-insensitive comparisons and integer parsing of
// numbers that arrive as JSON text. Pure functions over string_views; no allocation, O(len).
// Non-ASCII bytes compare as themselves (only A-Z fold).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/hash.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace privmon::parsers {

// From 8 bytes on, compared a word at a time (AsciiLowerWord), the last word overlapping the one
// before it; shorter texts byte by byte.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8) {
    auto differ = [&](std::size_t at) {
      uint64_t x, y;
      std::memcpy(&x, a.data() + at, 8);
      std::memcpy(&y, b.data() + at, 8);
      return x != y && AsciiLowerWord(x) != AsciiLowerWord(y);
    };
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (differ(i)) return false;
    }
    return !differ(n - 8);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

inline bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// `needle` must be non-empty. With AVX2, 32 positions at a time are filtered on the needle's
// first two bytes (folded with |0x20, a superset of the A-Z folding) and the candidates confirmed
// with EqualsIgnoreCase; the tail and short needles take the scalar loop, which filters each
// position on the first byte (folded the same way) before confirming it.
inline bool ContainsIgnoreCase(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  const std::size_t last = hay.size() - needle.size();  // last candidate position
  std::size_t i = 0;
#ifdef __AVX2__
  if (needle.size() >= 2) {
    const __m256i fold = _mm256_set1_epi8(0x20);
    const __m256i first = _mm256_set1_epi8(static_cast<char>(needle[0] | 0x20));
    const __m256i second = _mm256_set1_epi8(static_cast<char>(needle[1] | 0x20));
    for (; i + 32 <= last + 1 && i + 33 <= hay.size(); i += 32) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay.data() + i));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay.data() + i + 1));
      const __m256i hit = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_or_si256(a, fold), first),
                                           _mm256_cmpeq_epi8(_mm256_or_si256(b, fold), second));
      for (uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(hit)); mask != 0;
           mask &= mask - 1) {
        if (EqualsIgnoreCase(hay.substr(i + __builtin_ctz(mask), needle.size()), needle)) {
          return true;
        }
      }
    }
  }
#endif
  const char first_folded = static_cast<char>(needle[0] | 0x20);
  for (; i <= last; ++i) {
    if ((hay[i] | 0x20) != first_folded) continue;  // a filter: EqualsIgnoreCase confirms
    if (EqualsIgnoreCase(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Phrases of audit property names and values (an MFA or approval setting switched off).
inline bool MentionsMfaOrApproval(std::string_view s) {
  return ContainsIgnoreCase(s, "mfa") || ContainsIgnoreCase(s, "multi-factor") ||
         ContainsIgnoreCase(s, "multifactor") || ContainsIgnoreCase(s, "approval");
}

inline bool MentionsDisabled(std::string_view s) {
  return ContainsIgnoreCase(s, "disabled") || ContainsIgnoreCase(s, "false") ||
         ContainsIgnoreCase(s, "removed");
}

// Whether a named location's JSON text (an audit property value, once or twice encoded:
// `"isTrusted": true`, `\"isTrusted\": true`) marks it trusted (Graph's ipNamedLocation.isTrusted).
// Graph's casing ("isTrusted", PowerShell's "IsTrusted"): one find over a value of another kind.
inline bool NamesTrustedLocation(std::string_view s) {
  constexpr std::string_view kKey = "sTrusted";
  for (std::size_t i = s.find(kKey); i != std::string_view::npos; i = s.find(kKey, i + 1)) {
    if (i == 0 || (s[i - 1] != 'i' && s[i - 1] != 'I')) continue;
    std::size_t at = i + kKey.size();
    while (at < s.size() &&
           (s[at] == '"' || s[at] == '\\' || s[at] == ' ' || s[at] == ':' || s[at] == '\t')) {
      ++at;
    }
    if (StartsWithIgnoreCase(s.substr(at), "true")) return true;
  }
  return false;
}

// Whether one sentence of a PIM role setting's reason turns MFA or approval off. PIM writes one
// sentence per setting saved ("Setting changes in this session: Maximum activation duration
// updated to 02:00:00. MFA on activation requirement enabled. Permanently eligible assignment
// disabled."): MFA enabled in one and something else disabled in another disables neither
// (breaker round 24; RecordParserTest.PimSettingSessionDisablesMfaOnlyWhereOneSentenceSaysSo).
// Sentences end at '.', ';' or a line break.
inline bool SentenceDisablesMfaOrApproval(std::string_view s) {
  while (!s.empty()) {
    std::size_t end = s.find_first_of(".;\n");
    const std::string_view sentence = s.substr(0, end);
    if (MentionsMfaOrApproval(sentence) && MentionsDisabled(sentence)) return true;
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return false;
}

inline std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// JSON held in a string (a Log Analytics dynamic column given as text, a modifiedProperties value,
// an Event Hubs body, an ECS event.original, a record stringified by its shipper) as a parser
// reads it: without surrounding white space and without the UTF-8 byte order mark (U+FEFF) that a
// .NET or PowerShell writer may put before it ("\xEF\xBB\xBF{...}", or "\ufeff{...}" escaped),
// which no JSON parser accepts and which says nothing. The same text with or without them reads
// the same. A message's own leading mark is dropped where it is received (record_parser.cc).
inline std::string_view TrimJsonText(std::string_view s) {
  s = TrimSpaces(s);
  while (s.size() >= 3 && s[0] == '\xEF' && s[1] == '\xBB' && s[2] == '\xBF') {
    s = TrimSpaces(s.substr(3));
  }
  return s;
}

// An identifier as records write it: trimmed, and without the braces of the registry form
// "{GUID}" (not part of the GUID: .NET's Guid.ToString("B"), PowerShell and registry-minded exports
// write ids so). Ids compare case-insensitively (HashLower); this makes "{ABC-...}" equal
// "abc-...".
inline std::string_view NormalizeId(std::string_view s) {
  s = TrimSpaces(s);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}')
    s = TrimSpaces(s.substr(1, s.size() - 2));
  return s;
}

// Whether `s` (trimmed, braces dropped: NormalizeId) is a GUID in its canonical form,
// "8-4-4-4-12" hex digits: an object id, not a name.
inline bool IsGuidText(std::string_view s) {
  s = NormalizeId(s);
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f'))) {
      return false;
    }
  }
  return true;
}

// Whether `s` (trimmed, braces dropped: NormalizeId) is a GUID written without its dashes, 32 hex
// digits (.NET's Guid.ToString("N"); Graph and PowerShell exports print some ids so): an object
// id, not a name.
inline bool IsDashlessGuidText(std::string_view s) {
  s = NormalizeId(s);
  if (s.size() != 32) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f'))) return false;
  }
  return true;
}

// An id as records and config compare it: NormalizeId, and a GUID in its canonical form, lower
// case and "8-4-4-4-12" (spelled into `buffer` when the text differs: written without its dashes,
// "a1b2...32 hex", or in upper case, "A1B2C3D4-..."), so one tenant, account or device written in
// two cases or without dashes is one, and reads the same in alerts. Any other text is returned as
// NormalizeId gives it.
// Whether any of the 8 bytes of `w` is an ASCII capital letter, 'A'-'Z' (8 bytes at a time:
// bytes of 0x80 and above are none).
inline bool HasAsciiUpper8(uint64_t w) {
  const uint64_t low7 = w & 0x7F7F7F7F7F7F7F7FULL;
  const uint64_t at_least_a = low7 + 0x3F3F3F3F3F3F3F3FULL;  // high bit: 'A' or above
  const uint64_t above_z = low7 + 0x2525252525252525ULL;     // high bit: above 'Z'
  return (at_least_a & ~above_z & ~w & 0x8080808080808080ULL) != 0;
}

inline bool HasAsciiUpper36(const char* p) {
  uint64_t w[5];
  std::memcpy(&w[0], p, 32);
  std::memcpy(&w[4], p + 28, 8);  // bytes 28-35 (28-31 again)
  return HasAsciiUpper8(w[0]) || HasAsciiUpper8(w[1]) || HasAsciiUpper8(w[2]) ||
         HasAsciiUpper8(w[3]) || HasAsciiUpper8(w[4]);
}

inline std::string_view CanonicalId(std::string_view s, char (&buffer)[36]) {
  s = NormalizeId(s);
  if (s.size() == 36) {
    // Most ids are in lower case already: a word-at-a-time look for a capital letter first.
    if (!HasAsciiUpper36(s.data()) || !IsGuidText(s)) return s;
    for (std::size_t i = 0; i < s.size(); ++i) buffer[i] = AsciiLower(s[i]);
    return {buffer, sizeof(buffer)};
  }
  if (!IsDashlessGuidText(s)) return s;
  std::size_t j = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) buffer[j++] = '-';
    buffer[j++] = AsciiLower(s[i]);
  }
  return {buffer, sizeof(buffer)};
}

// Integer from text such as "50126", "-1" or " 4673 " (a number that arrived as a string, or the
// raw token of a JSON number), or an integral decimal "50126.0" (exports that carry a numeric
// column as floating point write its text so; the JSON number 50126.0 already reads "50126").
// Other fractions, exponents and overflow yield nullopt.
inline std::optional<int64_t> ParseInt(std::string_view s) {
  s = TrimSpaces(s);
  if (const std::size_t dot = s.find('.'); dot != std::string_view::npos) {
    if (dot + 1 == s.size() || s.find_first_not_of('0', dot + 1) != std::string_view::npos) {
      return std::nullopt;
    }
    s = s.substr(0, dot);
  }
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// A guest's UPN in the inviting tenant is made from its e-mail address: "vendor.ops@fabrikam.com"
// becomes "vendor.ops_fabrikam.com#EXT#@northwind.onmicrosoft.com" (the '@' written as '_', then
// "#EXT#@" and the tenant's initial domain). Its sign-ins name it by that address, its home UPN
// (Graph finds a guest's sign-ins by it, not by the #EXT# form). The home UPN of such a UPN,
// written into `buffer`; empty for any other UPN (or one longer than `capacity`). The address's
// '@' is the last '_' before "#EXT#": a domain holds none, a local part may.
inline std::string_view GuestHomeUpn(std::string_view upn, char* buffer, std::size_t capacity) {
  constexpr std::string_view kExt = "#EXT#@";
  std::size_t ext = std::string_view::npos;
  for (std::size_t i = upn.find('#'); i != std::string_view::npos && i + kExt.size() <= upn.size();
       i = upn.find('#', i + 1)) {
    if (EqualsIgnoreCase(upn.substr(i, kExt.size()), kExt)) {
      ext = i;
      break;
    }
  }
  if (ext == std::string_view::npos || ext > capacity) return {};
  const std::size_t at = upn.rfind('_', ext);
  if (at == std::string_view::npos || at == 0 || at + 1 >= ext) return {};
  for (std::size_t i = 0; i < ext; ++i) buffer[i] = upn[i];
  buffer[at] = '@';
  return std::string_view(buffer, ext);
}

// "true"/"false" in any case (CSV-style exports write TRUE/FALSE), also after a byte order mark
// (TrimJsonText); nullopt otherwise.
inline std::optional<bool> ParseBoolText(std::string_view s) {
  s = TrimJsonText(s);
  if (EqualsIgnoreCase(s, "true")) return true;
  if (EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

}  // namespace privmon::parsers
