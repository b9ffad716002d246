#include "tests/support/prometheus_helpers.h"

#include <simdjson.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace privmon::testing {
namespace {

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// The API answer's "data"."result" array, when the query succeeded.
std::optional<simdjson::dom::array> Result(simdjson::dom::parser& parser,
                                           const std::string& answer) {
  simdjson::dom::element doc;
  std::string_view status;
  simdjson::dom::array result;
  if (parser.parse(answer).get(doc) != simdjson::SUCCESS || doc["status"].get(status) != 0 ||
      status != "success" || doc["data"]["result"].get(result) != 0) {
    return std::nullopt;
  }
  return result;
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

Child StartPrometheus(const std::string& dir, int prom_port,
                      const std::vector<int>& metrics_ports) {
  std::string targets;
  for (const int port : metrics_ports) {
    targets += (targets.empty() ? "\"127.0.0.1:" : ", \"127.0.0.1:") + std::to_string(port) + "\"";
  }
  std::ofstream(dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
      << "scrape_configs:\n"
      << "  - job_name: privmon\n"
      << "    static_configs: [{targets: [" << targets << "]}]\n";
  return Child(
      Spawn({kPrometheus, "--config.file=" + dir + "/prometheus.yml",
             "--storage.tsdb.path=" + dir + "/tsdb",
             "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
            dir + "/prometheus.out", dir + "/prometheus.err"));
}

std::vector<std::string> DashboardQueries() {
  std::ifstream in(std::string(PRIVMON_SOURCE_DIR) + "/dashboards/queries.txt");
  std::vector<std::string> queries;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') queries.push_back(line);
  }
  return queries;
}

std::string PromQuery(int port, const std::string& promql) {
  return HttpGetBody(port, "/api/v1/query?query=" + UrlEncode(promql)).value_or("");
}

bool PromSucceeded(const std::string& answer) {
  simdjson::dom::parser parser;
  return Result(parser, answer).has_value();
}

bool PromNonEmpty(const std::string& answer) {
  simdjson::dom::parser parser;
  const auto result = Result(parser, answer);
  return result && result->size() > 0;
}

double PromFirstValue(const std::string& answer) {
  simdjson::dom::parser parser;
  const auto result = Result(parser, answer);
  std::string_view value;
  if (!result || result->size() == 0 || result->at(0)["value"].at(1).get(value) != 0) {
    return std::nan("");
  }
  return std::strtod(std::string(value).c_str(), nullptr);
}

std::set<std::string> FamiliesOf(const std::string& query) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < query.size();) {
    if (!IsNameChar(query[i]) || (i > 0 && IsNameChar(query[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < query.size() && IsNameChar(query[end])) ++end;
    std::string name = query.substr(i, end - i);
    if (name.rfind("privmon_", 0) == 0 || name.rfind("process_", 0) == 0) {
      constexpr std::string_view kBucket = "_bucket";
      if (name.size() > kBucket.size() &&
          name.compare(name.size() - kBucket.size(), kBucket.size(), kBucket) == 0) {
        name.resize(name.size() - kBucket.size());
      }
      out.insert(name);
    }
    i = end;
  }
  return out;
}

std::set<std::string> ExportedFamilies(const std::string& exposition) {
  std::set<std::string> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

const std::set<std::string>& KafkaOnlyFamilies() {
  static const std::set<std::string> kFamilies = {
      "privmon_kafka_consumer_lag_messages",      "privmon_kafka_assigned_partitions",
      "privmon_kafka_rebalances_total",           "privmon_kafka_consumer_errors_total",
      "privmon_kafka_records_lost_total",         "privmon_kafka_tenant_split_records_total",
      "privmon_state_partitions_assigned",        "privmon_state_partitions_unread",
      "privmon_state_rebalances_total",           "privmon_state_topic_produced_total",
      "privmon_state_topic_produce_errors_total", "privmon_checkpoint_fenced_total",
  };
  return kFamilies;
}

}  // namespace privmon::testing
