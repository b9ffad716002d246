// k13 (item 6 of the leftovers): a guest listed by its home address, whose #EXT# UPN is longer
// than an account's state keeps (96 bytes) with "#EXT#@" at or past the cut.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "config/loader.h"
#include "tests/support/engine_helpers.h"

namespace privmon::testing {
namespace {

constexpr std::string_view kGuestListingTenant = "11111111-2222-3333-4444-555555555555";

int CountBg01(const std::vector<Alert>& alerts) {
  return static_cast<int>(std::count_if(alerts.begin(), alerts.end(),
                                        [](const Alert& a) { return a.rule == RuleId::kBG01; }));
}

// The state kept the guest's UPN cut at 96 bytes, before (or through) its "#EXT#@": a reload
// re-read its listing from that cut, which names no home address, so when its first record after
// the reload named it by its object id alone it was no longer break-glass (no PRIV-BG-01). The
// list now also holds the cut of such a guest's #EXT# UPN, which its home address decides.
TEST(GuestListing, AGuestListedByHomeAddressStaysListedAfterAReloadWhenNamedByIdAlone) {
  for (const std::size_t home_size : {91u, 93u, 96u, 100u}) {
    std::string home = "partner-emergency-access@";
    const std::string domain_tail = ".example";
    home += std::string(home_size - home.size() - domain_tail.size(), 'p') + domain_tail;
    ASSERT_EQ(home.size(), home_size);
    std::string ext = home;
    ext[ext.find('@')] = '_';
    ext += "#EXT#@fabrikam.com";
    const std::string yaml = "tenants:\n  \"" + std::string(kGuestListingTenant) +
                             "\":\n    break_glass: [" + home + "]\n";
    const ConfigLoadResult loaded = LoadConfigText(yaml);
    ASSERT_TRUE(loaded.errors.empty());
    EngineHarness h(loaded.config);
    Event named = SignIn(kGuestListingTenant, ext, "2026-09-01T08:00:00Z");
    named.account = Account(kGuestListingTenant, ext, "id-guest");
    h.Feed(named);
    EXPECT_EQ(CountBg01(h.Drain()), 1) << home_size;
    h.engine().OnConfig(LoadConfigText(yaml).config);
    Event by_id =
        SignIn(kGuestListingTenant, "", "2026-09-01T10:00:00Z");  // another suppression hour
    by_id.account = AccountRef{};
    by_id.account.id.assign("id-guest");
    by_id.account.id_hash = HashLower("id-guest");
    by_id.account.key = HashCombine(HashLower(kGuestListingTenant), by_id.account.id_hash);
    h.Feed(by_id);
    h.Finish();
    EXPECT_EQ(CountBg01(h.Drain()), 1) << home_size;
  }
}

// m6c (tests/scripts/variations.py, restart form, over j09 / u01 / v08): a break-glass account
// listed by its former UPN and renamed ("Update user", the UPN's oldValue listed) kept its listing
// only until a reload or a restore: those re-read the listing from the kept names (its id and its
// newest UPN, which no list holds), so its sign-in under the new UPN raised no PRIV-BG-01. The
// listing by the former UPN is now kept with the account (PrivilegedState::former_upn_listing).
TEST(RenamedListing, ABreakGlassAccountRenamedAwayFromItsListedUpnStaysListedAfterAReload) {
  const std::string yaml = "tenants:\n  \"" + std::string(kGuestListingTenant) +
                           "\":\n    break_glass: [bg-old@contoso.example]\n";
  const ConfigLoadResult loaded = LoadConfigText(yaml);
  ASSERT_TRUE(loaded.errors.empty());
  EngineHarness h(loaded.config);
  // The rename as parsers/audit_fields.cc reads it: the new UPN's text, the former one's hash.
  Event rename = Audit(kGuestListingTenant, Activity::kUpdateUser, "Update user",
                       "bg-new@contoso.example", "2026-09-01T08:00:00Z");
  rename.account = Account(kGuestListingTenant, "bg-new@contoso.example", "id-bg");
  rename.account.upn_hash = HashLower("bg-old@contoso.example");
  rename.audit.category = AuditCategory::kUserManagement;
  h.Feed(rename);
  Event before = SignIn(kGuestListingTenant, "bg-new@contoso.example", "2026-09-01T08:05:00Z");
  before.account = Account(kGuestListingTenant, "bg-new@contoso.example", "id-bg");
  h.Feed(before);
  EXPECT_EQ(CountBg01(h.Drain()), 1);  // listed by its former UPN: as before
  h.engine().OnConfig(LoadConfigText(yaml).config);
  Event after =
      SignIn(kGuestListingTenant, "bg-new@contoso.example", "2026-09-01T10:00:00Z");  // next hour
  after.account = Account(kGuestListingTenant, "bg-new@contoso.example", "id-bg");
  h.Feed(after);
  h.Finish();
  EXPECT_EQ(CountBg01(h.Drain()), 1);
}

}  // namespace
}  // namespace privmon::testing
