// Reading privmon's Prometheus text exposition in the macro harness: the sum of a counter family
// over its label sets, and quantiles of the privmon_event_latency_seconds histogram interpolated
// inside a bucket the way PromQL's histogram_quantile() does (so a quantile is only as precise as
// the bucket that holds it). Pure functions over the scraped text.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace privmon::bench {

// Calls f(labels, value) for every sample of the family `name` (exact name, any labels).
template <class F>
void ForEachSample(const std::string& text, std::string_view name, F&& f) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.compare(0, name.size(), name) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const std::size_t space = line.rfind(' ');
    const std::string labels =
        next == '{' ? line.substr(name.size(), line.find('}') - name.size() + 1) : std::string();
    f(labels, std::strtod(line.c_str() + space + 1, nullptr));
  }
}

inline double SumSamples(const std::string& text, std::string_view name) {
  double sum = 0;
  ForEachSample(text, name, [&](const std::string&, double v) { sum += v; });
  return sum;
}

// Cumulative bucket counts by upper bound (+Inf as infinity), summed over other labels.
inline std::map<double, double> HistogramBuckets(const std::string& text, std::string_view name) {
  std::map<double, double> buckets;
  ForEachSample(text, std::string(name) + "_bucket", [&](const std::string& labels, double v) {
    const std::size_t at = labels.find("le=\"");
    if (at == std::string::npos) return;
    const std::string le = labels.substr(at + 4, labels.find('"', at + 4) - at - 4);
    const double bound =
        le == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le.c_str(), nullptr);
    buckets[bound] += v;
  });
  return buckets;
}

// histogram_quantile(q): linear inside the bucket that holds rank q*total; a rank in +Inf returns
// the largest finite bound. Returns NaN without samples.
inline double HistogramQuantile(const std::map<double, double>& buckets, double q) {
  if (buckets.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double total = buckets.rbegin()->second;
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * total;
  double lower = 0, below = 0, last_finite = 0;
  for (const auto& [bound, cumulative] : buckets) {
    if (cumulative >= rank) {
      if (bound == std::numeric_limits<double>::infinity()) return last_finite;
      const double in_bucket = cumulative - below;
      return in_bucket <= 0 ? bound : lower + (bound - lower) * (rank - below) / in_bucket;
    }
    lower = bound;
    below = cumulative;
    if (bound != std::numeric_limits<double>::infinity()) last_finite = bound;
  }
  return last_finite;
}

// The bucket bounds around a value, for stating the resolution of a quantile.
inline std::pair<double, double> BucketAround(const std::map<double, double>& buckets, double v) {
  double lower = 0;
  for (const auto& [bound, cumulative] : buckets) {
    if (v <= bound) return {lower, bound};
    lower = bound;
  }
  return {lower, std::numeric_limits<double>::infinity()};
}

}  // namespace privmon::bench
