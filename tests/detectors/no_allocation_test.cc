// The hot path allocates nothing in steady state: once an account's state, learned values and
// timers exist, more of the same traffic through DetectionEngine::OnEvent never calls operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/detectors/engine_harness.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// GCC flags free() of operator-new memory once these replacements are inlined; they are a pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace privmon::testing {
namespace {

constexpr std::string_view kTenant = "11111111-2222-3333-4444-555555555555";

TEST(HotPath, SteadyStateSignInsAndAuditsAllocateNothing) {
  auto t = EngineHarness::Tenant(kTenant);
  for (int i = 0; i < 50; ++i)
    t->privileged_accounts.insert(HashLower("adm" + std::to_string(i) + "@c.com"));
  EngineHarness h(t);
  std::vector<Event> day;
  for (int i = 0; i < 200; ++i) {
    const std::string upn = "adm" + std::to_string(i) + "@c.com";
    Event e = SignIn(kTenant, upn, "2026-11-01T10:00:00Z", i % 7 == 0 ? 50140 : 0);
    e.signin.device_hash = HashLower("dev" + std::to_string(i % 3));
    e.signin.location_hash = HashLower("US/Redmond");
    e.signin.client_app_hash = HashLower("Browser");
    day.push_back(e);
    Event a = Audit(kTenant, Activity::kUpdateUser, "Update user", upn, "2026-11-01T10:00:00Z");
    a.actor = Account(kTenant, "adm0@c.com");
    day.push_back(a);
  }
  auto feed_day = [&](int d) {
    for (Event e : day) {
      e.time += static_cast<EventTime>(d) * 86400 * kMicrosPerSecond + (e.sequence++ % 60);
      h.Feed(e);
    }
  };
  for (int d = 0; d < 3; ++d) feed_day(d);  // warm-up: accounts, learned values, tables grow
  h.Drain();
  const long before = g_allocations.load();
  for (int d = 3; d < 6; ++d) feed_day(d);
  const long after = g_allocations.load();
  EXPECT_EQ(after - before, 0) << "allocations per event in steady state";
  EXPECT_EQ(h.engine().accounts().size(), 200u);
}

TEST(HotPath, AccountStateIsCompact) {
  EXPECT_LE(sizeof(AccountState), 40u);
  EngineHarness h;
  for (int i = 0; i < 100000; ++i) {
    h.Feed(SignIn(kTenant, "u" + std::to_string(i) + "@c.com", "2026-11-01T10:00:00Z"));
  }
  const double per_account = static_cast<double>(h.engine().MemoryBytes()) /
                             static_cast<double>(h.engine().accounts().size());
  RecordProperty("bytes_per_account", std::to_string(per_account));
  EXPECT_LT(per_account, 256.0);
}

}  // namespace
}  // namespace privmon::testing
