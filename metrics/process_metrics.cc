#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace privmon {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

void Add(std::vector<MetricFamily>& out, const char* name, const char* help, MetricType type,
         double value) {
  MetricFamily& f = out.emplace_back();
  f.name = name;
  f.help = help;
  f.type = type;
  auto& m = f.metric.emplace_back();
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void AppendProcessMetrics(std::vector<MetricFamily>& out) {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const std::size_t paren = stat.rfind(')');
  if (paren != std::string::npos) {
    // Fields after "(comm)": 3 state ... 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
    std::istringstream fields(stat.substr(paren + 2));
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    if (f.size() > 21) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
      Add(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          MetricType::Counter, (std::stod(f[11]) + std::stod(f[12])) / ticks);
      Add(out, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
          BootTimeSeconds() + std::stod(f[19]) / ticks);
      Add(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
          std::stod(f[20]));
      Add(out, "process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
          std::stod(f[21]) * page);
    }
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) Add(out, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    Add(out, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
        static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace privmon
