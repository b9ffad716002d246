#include "parsers/legacy_clients.h"

#include <array>
#include <utility>

#include "core/hash.h"
#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

using P = LegacyProtocol;

// Every spelling of a legacy client seen or documented (SCHEMA-detail 1.3; RULES.md PRIV-SI-13):
// the sign-in log's filter names and the Graph signIn resource's ("Outlook Service", the Windows
// 10 Mail and Calendar app, is "Universal Outlook" in the Conditional Access documentation), the
// guide's and Graph documentation's short names ("Other client, IMAP, POP3, MAPI, SMTP"), and the
// older "Other clients; <protocol>" spellings still in exports. The first spelling of each
// protocol is its key's (LegacyProtocolKey).
constexpr std::pair<std::string_view, LegacyProtocol> kSpellings[] = {
    {"Other clients", P::kOtherClients},
    {"Other client", P::kOtherClients},
    {"IMAP4", P::kImap},
    {"IMAP", P::kImap},
    {"Other clients; IMAP", P::kImap},
    {"Other clients; IMAP4", P::kImap},
    {"POP3", P::kPop},
    {"POP", P::kPop},
    {"Other clients; POP", P::kPop},
    {"Other clients; POP3", P::kPop},
    {"Authenticated SMTP", P::kSmtp},
    {"SMTP", P::kSmtp},
    {"Other clients; SMTP", P::kSmtp},
    {"MAPI Over HTTP", P::kMapi},
    {"MAPI", P::kMapi},
    {"Other clients; MAPI", P::kMapi},
    {"Other clients; Older Office clients", P::kOlderOfficeClients},
    {"Exchange ActiveSync", P::kExchangeActiveSync},
    {"Exchange Active Sync", P::kExchangeActiveSync},
    {"Exchange ActiveSync (Supported)", P::kExchangeActiveSync},
    {"Exchange ActiveSync (Unsupported)", P::kExchangeActiveSync},
    {"Exchange Web Services", P::kExchangeWebServices},
    {"AutoDiscover", P::kAutoDiscover},
    {"Exchange Online PowerShell", P::kExchangeOnlinePowerShell},
    {"Outlook Anywhere (RPC over HTTP)", P::kOutlookAnywhere},
    {"Offline Address Book", P::kOfflineAddressBook},
    {"Reporting Web Services", P::kReportingWebServices},
    {"Outlook Service", P::kOutlookService},
    {"Universal Outlook", P::kOutlookService},
};

// {HashLower(spelling), its protocol's key}, in kSpellings' order.
constexpr auto kSpellingKeys = [] {
  std::array<std::pair<uint64_t, uint64_t>, std::size(kSpellings)> keys{};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    uint64_t key = 0;
    for (const auto& [name, protocol] : kSpellings) {
      if (protocol == kSpellings[i].second) {
        key = HashLower(name);
        break;
      }
    }
    keys[i] = {HashLower(kSpellings[i].first), key};
  }
  return keys;
}();

// Whether `text` starts with `prefix` (all of it when `whole`), ignoring case and spaces: the
// Graph signIn documentation writes "Exchange Active Sync" where the sign-in log writes "Exchange
// ActiveSync", older records "Other clients;IMAP" as well as "Other clients; IMAP".
bool MatchesIgnoringCaseAndSpaces(std::string_view text, std::string_view prefix, bool whole) {
  std::size_t i = 0, j = 0;
  while (true) {
    while (i < text.size() && text[i] == ' ') ++i;
    while (j < prefix.size() && prefix[j] == ' ') ++j;
    if (j == prefix.size()) return !whole || i == text.size();
    if (i == text.size() || AsciiLower(text[i]) != AsciiLower(prefix[j])) return false;
    ++i, ++j;
  }
}

// The first letters of kSpellings (and of the prefixes below, 'e' and 'o'), lower case, as bits
// from 'a': a client no name starts like ("Browser") is none without a look at the table; and
// each name's first letter so, without loading the name.
constexpr uint32_t kFirstLetters = [] {
  uint32_t bits = 0;
  for (const auto& spelling : kSpellings) {
    const char c = AsciiLower(spelling.first.front());
    if (c < 'a' || c > 'z') throw "kSpellings: a name that starts with no letter";
    bits |= uint32_t{1} << (c - 'a');
  }
  return bits;
}();
static_assert((kFirstLetters >> ('e' - 'a') & 1) != 0 && (kFirstLetters >> ('o' - 'a') & 1) != 0);
constexpr auto kFirstLetter = [] {
  std::array<char, std::size(kSpellings)> first{};
  for (std::size_t i = 0; i < first.size(); ++i) first[i] = AsciiLower(kSpellings[i].first.front());
  return first;
}();

}  // namespace

LegacyProtocol FindLegacyProtocol(std::string_view app) {
  app = TrimSpaces(app);
  if (app.empty()) return P::kNone;
  const char first = AsciiLower(app.front());  // trimmed: no name here starts with a space
  if (first < 'a' || first > 'z' || (kFirstLetters >> (first - 'a') & 1) == 0) return P::kNone;
  for (std::size_t i = 0; i < std::size(kSpellings); ++i) {
    if (kFirstLetter[i] != first) continue;
    const auto& [name, protocol] = kSpellings[i];
    if (MatchesIgnoringCaseAndSpaces(app, name, /*whole=*/true)) return protocol;
  }
  // Exchange ActiveSync qualified otherwise; an "Other clients; ..." protocol not listed above.
  if (first == 'e' && MatchesIgnoringCaseAndSpaces(app, "Exchange ActiveSync (", false)) {
    return P::kExchangeActiveSync;
  }
  if (first == 'o' && MatchesIgnoringCaseAndSpaces(app, "Other clients;", false)) {
    return P::kUnlisted;
  }
  return P::kNone;
}

uint64_t LegacyProtocolKey(LegacyProtocol protocol) {
  if (protocol == P::kNone) return 0;  // most clients: no spelling is kNone's
  for (std::size_t i = 0; i < std::size(kSpellings); ++i) {
    if (kSpellings[i].second == protocol) return kSpellingKeys[i].second;
  }
  return 0;
}

std::size_t LegacyProtocolSpellingKeys(uint64_t key, std::span<uint64_t> out) {
  std::size_t n = 0;
  for (const auto& [spelling, protocol_key] : kSpellingKeys) {
    if (protocol_key == key && n < out.size()) out[n++] = spelling;
  }
  return n;
}

}  // namespace privmon::parsers
