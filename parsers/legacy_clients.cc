#include "parsers/legacy_clients.h"

#include <array>

#include "core/hash.h"
#include "parsers/text_util.h"

namespace privmon::parsers {
namespace {

using P = LegacyProtocol;

// One spelling of a legacy client, with its key and its protocol's (LegacyProtocolKey).
struct Spelling {
  std::string_view name;
  LegacyProtocol protocol;
  uint64_t key = 0;
  uint64_t protocol_key = 0;
};

// Every spelling of a legacy client seen or documented (SCHEMA-detail 1.3; RULES.md PRIV-SI-13):
// the sign-in log's filter names and the Graph signIn resource's ("Outlook Service", the Windows
// 10 Mail and Calendar app, is "Universal Outlook" in the Conditional Access documentation), the
// guide's and Graph documentation's short names ("Other client, IMAP, POP3, MAPI, SMTP"), and the
// older "Other clients; <protocol>" spellings still in exports. The first spelling of each
// protocol is its key's; the keys are filled in at compile time.
constexpr auto kSpellings = [] {
  std::array<Spelling, 29> table = {{
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
  }};
  for (Spelling& s : table) {
    s.key = HashLower(s.name);
    for (const Spelling& first : table) {
      if (first.protocol == s.protocol) {
        s.protocol_key = HashLower(first.name);
        break;
      }
    }
  }
  return table;
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
// from 'a': a client no name starts like ("Browser") is modern without a look at the table.
constexpr uint32_t kFirstLetters = [] {
  uint32_t bits = 0;
  for (const Spelling& spelling : kSpellings) {
    const char c = AsciiLower(spelling.name.front());
    if (c < 'a' || c > 'z') throw "kSpellings: a name that starts with no letter";
    bits |= uint32_t{1} << (c - 'a');
  }
  return bits;
}();
static_assert((kFirstLetters >> ('e' - 'a') & 1) != 0 && (kFirstLetters >> ('o' - 'a') & 1) != 0);

}  // namespace

ClientAppClass ClassifyClientApp(std::string_view app) {
  app = TrimSpaces(app);
  if (app.empty()) return {};
  const char first = AsciiLower(app.front());  // trimmed: no name here starts with a space
  if (first < 'a' || first > 'z' || (kFirstLetters >> (first - 'a') & 1) == 0) {
    return {ClientApp::kModern, P::kNone, 0};
  }
  for (const Spelling& s : kSpellings) {
    if (AsciiLower(s.name.front()) != first) continue;
    if (MatchesIgnoringCaseAndSpaces(app, s.name, /*whole=*/true)) {
      return {ClientApp::kLegacy, s.protocol, s.protocol_key};
    }
  }
  // Exchange ActiveSync qualified otherwise; an "Other clients; ..." protocol not listed above.
  if (first == 'e' && MatchesIgnoringCaseAndSpaces(app, "Exchange ActiveSync (", false)) {
    return {ClientApp::kLegacy, P::kExchangeActiveSync, LegacyProtocolKey(P::kExchangeActiveSync)};
  }
  if (first == 'o' && MatchesIgnoringCaseAndSpaces(app, "Other clients;", false)) {
    return {ClientApp::kLegacy, P::kUnlisted, 0};
  }
  return {ClientApp::kModern, P::kNone, 0};
}

uint64_t LegacyProtocolKey(LegacyProtocol protocol) {
  for (const Spelling& s : kSpellings) {
    if (s.protocol == protocol) return s.protocol_key;
  }
  return 0;
}

std::size_t LegacyProtocolSpellingKeys(uint64_t key, std::span<uint64_t> out) {
  std::size_t n = 0;
  for (const Spelling& s : kSpellings) {
    if (s.protocol_key == key && n < out.size()) out[n++] = s.key;
  }
  return n;
}

}  // namespace privmon::parsers
