// The rig of the tests that run a real Prometheus server (/usr/bin/prometheus) over the real
// privmon binary: start it scraping privmon's metrics ports every second, ask its HTTP API, and
// read dashboards/queries.txt (the dashboard's queries, concrete). Shared by
// process.PrometheusServer (no broker) and kafka.KafkaPrometheus (the Kafka row, on librdkafka's
// mock cluster). Compiled once into privmon_test_support; test threads only; no call blocks
// beyond one HTTP exchange.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "tests/support/process_helpers.h"

namespace privmon::testing {

inline const std::string kPrometheus = "/usr/bin/prometheus";
inline const std::string kPromtool = "/usr/bin/promtool";

// `prometheus` scraping 127.0.0.1:<each of metrics_ports> every second (job "privmon"), its TSDB
// and config under dir, listening on 127.0.0.1:prom_port; stdout/stderr in
// dir/prometheus.{out,err}.
Child StartPrometheus(const std::string& dir, int prom_port, const std::vector<int>& metrics_ports);

// The lines of dashboards/queries.txt (the dashboard's panel queries, concrete).
std::vector<std::string> DashboardQueries();

// The API answer to an instant query (GET /api/v1/query), or "" when Prometheus does not answer.
std::string PromQuery(int port, const std::string& promql);
// The answer's status is "success" with a result array.
bool PromSucceeded(const std::string& answer);
// ... and that array holds a series.
bool PromNonEmpty(const std::string& answer);
// The value of the first sample of a vector answer, NaN if none.
double PromFirstValue(const std::string& answer);

// The metric families a query reads: its privmon_* and process_* names, a histogram's _bucket
// series as its family.
std::set<std::string> FamiliesOf(const std::string& query);
// The families an exposition declares ("# TYPE <name> <type>" lines).
std::set<std::string> ExportedFamilies(const std::string& exposition);

// The families only a Kafka source (CollectKafka in metrics/stats_collector.cc) or the state
// topic (CollectStateTopic: state_topic or keyed_by_tenant) exports.
const std::set<std::string>& KafkaOnlyFamilies();

}  // namespace privmon::testing
