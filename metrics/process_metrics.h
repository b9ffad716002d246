// The standard process_* metrics (Prometheus client conventions), read from /proc at scrape time:
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds. Linux only; a file that cannot be
// read leaves its metrics out. Cost per scrape: three small /proc reads and one directory listing.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace privmon {

void AppendProcessMetrics(std::vector<prometheus::MetricFamily>& out);

}  // namespace privmon
