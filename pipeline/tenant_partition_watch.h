// TenantPartitionWatch: `keyed_by_tenant` input (README "Running N instances") is correct only when
// its producer puts every record of a tenant on one partition (the partition owns the tenant's
// state). Every state task's parse thread reports each event's (tenant, input partition); the first
// partition a tenant is seen on in this process is its partition, and an event of that tenant on
// another partition is counted (`splits`, privmon_kafka_tenant_split_records_total) and reported on
// stderr, at most once a minute. Only what one process sees is compared: a tenant split over two
// partitions owned by two processes is seen by neither (each process still sees it whenever the
// group gives it both partitions, e.g. after a failover).
// Thread-safe and lock-free: a fixed open-addressing table of 64-bit words (the tenant hash's high
// 44 bits, the partition + 1 in the low 20) shared by the tasks; allocates only in the constructor.
// Cost per event: one probe, usually one cache line. A tenant that finds no free slot within 64
// probes (a table full of tenants) is not watched.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace privmon {

class TenantPartitionWatch {
 public:
  // `splits` (not owned, outlives this) counts the records found on a second partition; `topic`
  // names the input in the report.
  TenantPartitionWatch(std::atomic<uint64_t>& splits, std::string_view topic,
                       uint32_t capacity_log2 = 16);
  // True when `tenant_hash` was first seen on another partition (counted, maybe reported).
  bool Note(uint64_t tenant_hash, int32_t partition, std::string_view tenant_id);

 private:
  void Report(std::string_view tenant_id, int32_t first, int32_t now);

  std::atomic<uint64_t>& splits_;
  std::string topic_;
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
  uint64_t mask_;
  std::atomic<int64_t> last_report_ns_{INT64_MIN};
};

}  // namespace privmon
