#include "tests/kafka/kafka_group_helpers.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

namespace privmon::testing {
namespace {

const std::string kBinary = PRIVMON_BINARY;
const std::string kScenario = std::string(PRIVMON_SOURCE_DIR) + "/tests/scenarios/mixed";

// The value of "<field>":"..." in `line`, or "".
std::string FieldValue(const std::string& line, const std::string& field) {
  const std::string needle = "\"" + field + "\":\"";
  const std::size_t at = line.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t from = at + needle.size();
  return line.substr(from, line.find('"', from) - from);
}

}  // namespace

const char* const kDefaultTenant = "bbbbbbbb-0000-4000-8000-000000000003";

std::vector<std::string> ScenarioLines() {
  std::vector<std::string> lines;
  std::ifstream in(kScenario + "/mixed.ndjson");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string TenantOf(const std::string& line) {
  // Log Analytics rows: AADTenantId is the Entra tenant (TenantId is the workspace's).
  if (std::string t = FieldValue(line, "AADTenantId"); !t.empty()) return t;
  if (std::string t = FieldValue(line, "tenantId"); !t.empty()) return t;
  // Azure Activity records: the caller's token claims name the tenant.
  if (std::string t = FieldValue(line, "http://schemas.microsoft.com/identity/claims/tenantid");
      !t.empty()) {
    return t;
  }
  return kDefaultTenant;
}

int32_t KeyedPartition(const std::string& tenant) {
  static const std::vector<std::string> order = [] {
    std::vector<std::string> tenants;
    for (const std::string& line : ScenarioLines()) {
      const std::string t = TenantOf(line);
      if (std::find(tenants.begin(), tenants.end(), t) == tenants.end()) tenants.push_back(t);
    }
    return tenants;
  }();
  const auto it = std::find(order.begin(), order.end(), tenant);
  return static_cast<int32_t>((it - order.begin()) % kInputPartitions);
}

void Feed(MockKafka& kafka, const std::vector<std::string>& lines, std::size_t from, std::size_t to,
          Spread spread) {
  for (std::size_t i = from; i < to && i < lines.size(); ++i) {
    if (spread == Spread::kByTenant) {
      const std::string tenant = TenantOf(lines[i]);
      kafka.Produce("entra", KeyedPartition(tenant), lines[i], tenant);
      continue;
    }
    // A record that names no tenant carries it in the key, as a ZeroMQ tenant frame would.
    const bool names = lines[i].find("\"tenantId\"") != std::string::npos ||
                       lines[i].find("\"TenantId\"") != std::string::npos;
    kafka.Produce("entra", static_cast<int32_t>(i % kInputPartitions), lines[i],
                  names ? "" : kDefaultTenant);
  }
  kafka.Flush();
}

std::string GroupConfig(const std::string& dir, const std::string& name, const MockKafka& kafka,
                        const std::string& group, const std::string& cp_dir, GroupMode mode,
                        int port, const std::string& topic) {
  const std::string path = dir + "/" + name + ".yaml";
  std::string extra;
  if (mode == GroupMode::kStateTopic) {
    extra = ", state_topic: privmon-events, state_partitions: " + std::to_string(kStatePartitions);
  } else if (mode == GroupMode::kKeyed) {
    extra = ", keyed_by_tenant: true, state_partitions: " + std::to_string(kInputPartitions);
  }
  std::ofstream(path) << ReadFile(kScenario + "/config.yaml") << "sources: [{kafka: {brokers: \""
                      << kafka.bootstrap_servers() << "\", topics: [" << topic
                      << "], group: " << group << ", multi_tenant: true" << extra
                      << ", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: "
                         "\"500\"}}}]\n"
                      << "sinks: [{file: {path: " << dir << "/" << name << ".jsonl}}]\n"
                      << "metrics: {listen: \"127.0.0.1:" << port << "\"}\n"
                      << "checkpoint: {dir: " << cp_dir << ", interval: 1s}\n";
  return path;
}

Member StartMember(const std::string& dir, const std::string& name, const MockKafka& kafka,
                   const std::string& cp_dir, GroupMode mode) {
  Member m{name, FreeTcpPort(), nullptr};
  m.child = std::make_unique<Child>(
      Spawn({kBinary, "run", "-c", GroupConfig(dir, name, kafka, "st", cp_dir, mode, m.port)}, "",
            dir + "/" + name + ".err"));
  return m;
}

bool WaitSettled(const std::vector<Member*>& members, double expected_inputs, int state_partitions,
                 bool all_read) {
  double last = -1;
  auto since = std::chrono::steady_clock::now();
  std::string seen;
  const bool settled = PollUntil(
      [&] {
        double input_parts = 0, state_parts = 0, inputs = 0, produced = 0, read = 0, lag = 0;
        for (Member* m : members) {
          const auto text = HttpGetBody(m->port, "/metrics");
          if (!text) return false;
          input_parts += MetricSum(*text, "privmon_kafka_assigned_partitions", "source=\"kafka\"");
          lag += MetricSum(*text, "privmon_kafka_consumer_lag_messages");
          state_parts += MetricSum(*text, "privmon_state_partitions_assigned");
          inputs += MetricSum(*text, "privmon_messages_received_total", "source=\"kafka\"");
          produced += MetricSum(*text, "privmon_state_topic_produced_total");
          read += MetricSum(*text, "privmon_messages_received_total", "source=\"state\"");
        }
        const double moved = inputs + produced * 1000 + read * 1000000;
        seen = "input partitions " + std::to_string(input_parts) + ", state partitions " +
               std::to_string(state_parts) + ", lag " + std::to_string(lag) + ", inputs " +
               std::to_string(inputs) + ", produced " + std::to_string(produced) + ", read " +
               std::to_string(read);
        if (input_parts != kInputPartitions || state_parts != state_partitions || lag != 0 ||
            inputs < expected_inputs || (all_read && read < produced) || moved != last) {
          last = moved;
          since = std::chrono::steady_clock::now();
          return false;
        }
        return std::chrono::steady_clock::now() - since > (all_read ? 1500ms : 3000ms);
      },
      120s, 250ms);
  if (!settled) ADD_FAILURE() << "not settled: " << seen;
  return settled;
}

AlertIdSet Reference(const std::string& dir, const MockKafka& kafka, double messages,
                     const std::string& topic, int partitions, const std::string& name) {
  const int port = FreeTcpPort();
  Child run(Spawn(
      {kBinary, "run", "-c",
       GroupConfig(dir, name, kafka, name, dir + "/cp-" + name, GroupMode::kPlain, port, topic)},
      "", dir + "/" + name + ".err"));
  double last = -1;
  auto since = std::chrono::steady_clock::now();
  const bool idle = WaitForMetrics(
                        run, port,
                        [&](const std::string& m) {
                          const double got =
                              MetricSum(m, "privmon_messages_received_total", "source=\"kafka\"");
                          if (!KafkaCaughtUp(m, partitions, messages) || got != last) {
                            last = got;
                            since = std::chrono::steady_clock::now();
                            return false;
                          }
                          return std::chrono::steady_clock::now() - since > 1500ms;
                        },
                        120s, 250ms)
                        .has_value();
  EXPECT_TRUE(idle) << ReadFile(dir + "/" + name + ".err");
  EXPECT_EQ(run.Stop(SIGTERM, std::chrono::seconds(60)), 0) << ReadFile(dir + "/" + name + ".err");
  const AlertIdSet want = AlertIds(ReadFile(dir + "/" + name + ".jsonl"));
  if (topic == "entra") {
    EXPECT_GT(want.size(), 10u);
  }
  // The reference raises only what scan raises (scan settles the pending rest too).
  EXPECT_EQ(RunToExit({kBinary, "scan", "-q", "-c", kScenario + "/config.yaml", "--tenant",
                       kDefaultTenant, kScenario + "/mixed.ndjson"},
                      dir + "/scan.out", dir + "/scan.err"),
            0);
  const AlertIdSet scan = AlertIds(ReadFile(dir + "/scan.out"));
  EXPECT_TRUE(std::includes(scan.begin(), scan.end(), want.begin(), want.end()));
  return want;
}

AlertIdSet KeyedReference(const std::string& dir, MockKafka& kafka,
                          const std::vector<std::string>& lines) {
  AlertIdSet all;
  std::string alerts;
  for (int p = 0; p < kInputPartitions; ++p) {
    const std::string topic = "entra-p" + std::to_string(p);
    std::size_t n = 0;
    for (const std::string& line : lines) {
      const std::string tenant = TenantOf(line);
      if (KeyedPartition(tenant) != p) continue;
      if (n++ == 0) kafka.CreateTopic(topic, 1);
      kafka.Produce(topic, 0, line, tenant);
    }
    if (n == 0) continue;
    kafka.Flush();
    const std::string name = "whole-p" + std::to_string(p);
    const AlertIdSet ids = Reference(dir, kafka, static_cast<double>(n), topic, 1, name);
    all.insert(ids.begin(), ids.end());
    alerts += ReadFile(dir + "/" + name + ".jsonl");
  }
  std::ofstream(dir + "/whole.jsonl") << alerts;  // for ExpectSame's report
  EXPECT_GT(all.size(), 10u);
  return all;
}

void ExpectSame(const AlertIdSet& got, const AlertIdSet& want, const std::string& reference_dir,
                const std::string& what) {
  std::vector<std::pair<std::string, bool>> lost, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(lost));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::string lines;
  {
    std::istringstream in(ReadFile(reference_dir + "/whole.jsonl"));
    for (std::string line; std::getline(in, line);) {
      for (const auto& l : lost) {
        if (line.find(l.first) != std::string::npos) lines += line + "\n";
      }
    }
  }
  EXPECT_TRUE(lost.empty()) << lost.size() << " alerts lost:\n" << lines << what;
  EXPECT_TRUE(extra.empty()) << extra.size() << " alerts extra, first "
                             << (extra.empty() ? std::string() : extra.front().first) << "; "
                             << what;
}

}  // namespace privmon::testing
