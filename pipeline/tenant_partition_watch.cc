#include "pipeline/tenant_partition_watch.h"

#include <cstdio>

#include "pipeline/clock.h"

namespace privmon {
namespace {

constexpr uint64_t kPartitionBits = 20;
constexpr uint64_t kPartitionMask = (uint64_t{1} << kPartitionBits) - 1;
constexpr uint32_t kMaxProbes = 64;
constexpr int64_t kReportEveryNs = 60'000'000'000;

}  // namespace

TenantPartitionWatch::TenantPartitionWatch(std::atomic<uint64_t>& splits, std::string_view topic,
                                           uint32_t capacity_log2)
    : splits_(splits),
      topic_(topic),
      slots_(std::make_unique<std::atomic<uint64_t>[]>(uint64_t{1} << capacity_log2)),
      mask_((uint64_t{1} << capacity_log2) - 1) {}

bool TenantPartitionWatch::Note(uint64_t tenant_hash, int32_t partition,
                                std::string_view tenant_id) {
  if (partition < 0) return false;
  uint64_t tag = tenant_hash & ~kPartitionMask;
  if (tag == 0) tag = kPartitionMask + 1;  // 0 marks a free slot
  const uint64_t word = tag | ((static_cast<uint64_t>(partition) + 1) & kPartitionMask);
  for (uint32_t i = 0; i < kMaxProbes; ++i) {
    std::atomic<uint64_t>& slot = slots_[(tenant_hash + i) & mask_];
    uint64_t found = slot.load(std::memory_order_relaxed);
    if (found == 0 && slot.compare_exchange_strong(found, word, std::memory_order_relaxed)) {
      return false;  // first seen here
    }
    if ((found & ~kPartitionMask) != tag) continue;  // another tenant's slot
    if (found == word) return false;
    splits_.fetch_add(1, std::memory_order_relaxed);
    Report(tenant_id, static_cast<int32_t>((found & kPartitionMask) - 1), partition);
    return true;
  }
  return false;
}

void TenantPartitionWatch::Report(std::string_view tenant_id, int32_t first, int32_t now) {
  const int64_t t = NowNs();
  int64_t last = last_report_ns_.load(std::memory_order_relaxed);
  if (last != INT64_MIN && t - last < kReportEveryNs) return;
  if (!last_report_ns_.compare_exchange_strong(last, t, std::memory_order_relaxed)) return;
  std::fprintf(stderr,
               "privmon: KEYED INPUT IS NOT KEYED BY TENANT: tenant %.*s is on partitions %d and "
               "%d of %s (%llu such record(s) so far, privmon_kafka_tenant_split_records_total): "
               "its state is split and its alerts are unreliable; make the producer key by "
               "tenant, or use state_topic instead of keyed_by_tenant (README \"Running N "
               "instances\"). Reported at most once a minute.\n",
               static_cast<int>(tenant_id.size()), tenant_id.data(), first, now, topic_.c_str(),
               static_cast<unsigned long long>(splits_.load(std::memory_order_relaxed)));
}

}  // namespace privmon
