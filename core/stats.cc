#include "core/stats.h"

#include <algorithm>
#include <cstring>

namespace privmon {

TenantCounters::TenantCounters(uint32_t series, uint32_t configured)
    : series_(series),
      capacity_(TrackedTenants(series)),
      configured_capacity_(configured + kConfiguredHeadroom),
      table_size_(std::max<uint32_t>(4, (capacity_ + configured_capacity_) * 2)) {
  slots_ = std::make_unique<Slot[]>(table_size_ + 1);
}

uint32_t TenantCounters::SlotFor(uint64_t tenant_hash, std::string_view tenant_id) {
  return Claim(tenant_hash, tenant_id, claimed_, capacity_);
}

uint32_t TenantCounters::ClaimConfigured(uint64_t tenant_hash, std::string_view tenant_id) {
  return Claim(tenant_hash, tenant_id, configured_claimed_, configured_capacity_);
}

uint32_t TenantCounters::Claim(uint64_t tenant_hash, std::string_view tenant_id,
                               std::atomic<uint32_t>& claimed, uint32_t limit) {
  const uint32_t overflow = table_size_;
  if (tenant_hash == 0) return overflow;
  uint32_t i = static_cast<uint32_t>(tenant_hash % table_size_);
  for (uint32_t probes = 0; probes < table_size_; ++probes, i = (i + 1) % table_size_) {
    Slot& s = slots_[i];
    uint64_t h = s.hash.load(std::memory_order_acquire);
    if (h == tenant_hash) return i;
    if (h != 0) continue;
    // Claim only while under the limit; the count of claimed slots is bounded by the probe order.
    // The table is at least twice both limits together, so an empty slot always ends a probe.
    if (claimed.load(std::memory_order_relaxed) >= limit) return overflow;
    uint64_t expected = 0;
    if (s.hash.compare_exchange_strong(expected, tenant_hash, std::memory_order_acq_rel)) {
      claimed.fetch_add(1, std::memory_order_release);  // after the hash: configured_claims()
      const std::size_t n = std::min(tenant_id.size(), sizeof(s.id) - 1);
      std::memcpy(s.id, tenant_id.data(), n);
      s.id[n] = '\0';
      s.ready.store(true, std::memory_order_release);
      return i;
    }
    if (expected == tenant_hash) return i;
  }
  return overflow;
}

uint32_t TenantCounters::Find(uint64_t tenant_hash) const {
  if (tenant_hash == 0) return table_size_;
  uint32_t i = static_cast<uint32_t>(tenant_hash % table_size_);
  for (uint32_t probes = 0; probes < table_size_; ++probes, i = (i + 1) % table_size_) {
    const uint64_t h = slots_[i].hash.load(std::memory_order_acquire);
    if (h == tenant_hash) return i;
    if (h == 0) break;
  }
  return table_size_;
}

std::vector<TenantCounters::Snapshot> TenantCounters::Read() const {
  std::vector<Snapshot> out;
  for (uint32_t i = 0; i <= table_size_; ++i) {
    const Slot& s = slots_[i];
    const bool overflow = i == table_size_;
    if (!overflow && !s.ready.load(std::memory_order_acquire)) continue;
    Snapshot snap{
        overflow ? std::string("other") : std::string(s.id),
        s.events.load(std::memory_order_relaxed),
        {s.alerts[0].load(std::memory_order_relaxed), s.alerts[1].load(std::memory_order_relaxed),
         s.alerts[2].load(std::memory_order_relaxed)},
        s.late.load(std::memory_order_relaxed),
        overflow ? 0 : s.hash.load(std::memory_order_relaxed),
        s.last_event_us.load(std::memory_order_relaxed)};
    if (overflow && snap.events == 0) continue;
    out.push_back(std::move(snap));
  }
  return out;
}

PipelineStats::PipelineStats(uint32_t shard_count, uint32_t parser_count, uint32_t tenant_cap,
                             uint32_t configured)
    : shards(shard_count), parsers(parser_count), tenants(tenant_cap, configured) {
  for (auto& p : parsers) p.backpressure_waits.resize(shard_count);
}

}  // namespace privmon
