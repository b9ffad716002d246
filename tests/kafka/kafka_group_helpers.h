// The rig of the multi-process Kafka tests (tests/kafka, label `process`): the `mixed` scenario's
// 35 records produced to a 4-partition input topic of librdkafka's mock cluster (round robin, as
// Event Hubs spreads a tenant, or keyed by tenant), privmon processes joining one group on it
// (plain, through `state_topic`, or `keyed_by_tenant`), a bounded wait until they settled, and the
// reference: one plain checkpointed run over the same topic (a subset of `scan`'s alerts, checked).
// Compiled once into privmon_test_support; test threads only; every wait is bounded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/kafka/mock_kafka.h"
#include "tests/support/process_helpers.h"

namespace privmon::testing {

inline constexpr int kInputPartitions = 4;
inline constexpr int kStatePartitions = 8;  // privmon-events, the state topic
// The tenant of the scenario's records that name none (its `args`); they carry it in the key.
extern const char* const kDefaultTenant;

std::vector<std::string> ScenarioLines();
// The tenant a line names (AADTenantId, tenantId, an Activity record's tenantid claim), else
// kDefaultTenant.
std::string TenantOf(const std::string& line);

enum class Spread {
  kRoundRobin,  // line i on partition i % 4, unkeyed unless it names no tenant (Event Hubs)
  kByTenant,    // every line keyed by its tenant, on its tenant's partition (KeyedPartition)
};
// The input partition of a tenant under kByTenant: the scenario's tenants in order of first
// appearance go to partitions 0, 1, 2 (so tenants never share one and partition 3 stays empty).
int32_t KeyedPartition(const std::string& tenant);
// Produces lines [from, to) to topic `entra` and waits for their delivery.
void Feed(MockKafka& kafka, const std::vector<std::string>& lines, std::size_t from, std::size_t to,
          Spread spread = Spread::kRoundRobin);

enum class GroupMode { kPlain, kStateTopic, kKeyed };
// The scenario's config with a Kafka source on `entra` in `mode`, a file sink <dir>/<name>.jsonl,
// metrics on `port` and checkpoints (1 s) in cp_dir. A short session timeout lets the groups
// notice a killed member soon.
std::string GroupConfig(const std::string& dir, const std::string& name, const MockKafka& kafka,
                        const std::string& group, const std::string& cp_dir, GroupMode mode,
                        int port, const std::string& topic = "entra");

struct Member {
  std::string name;
  int port = 0;
  std::unique_ptr<Child> child;
};
// `privmon run` as a member of group "st" (stderr in <dir>/<name>.err).
Member StartMember(const std::string& dir, const std::string& name, const MockKafka& kafka,
                   const std::string& cp_dir, GroupMode mode);

// The members together hold every input partition and `state_partitions` state partitions, have
// read `expected_inputs` input messages, no partition lags, and nothing moved for 1.5 s (3 s after
// a takeover). `all_read`: the state side read back at least what the input side produced (not
// after a takeover: the dead member's checkpoint covers some of what the survivor produced).
bool WaitSettled(const std::vector<Member*>& members, double expected_inputs, int state_partitions,
                 bool all_read = true);

// One plain Kafka run with checkpoints over the whole topic (group "whole"), stopped with SIGTERM
// once idle; its alerts, checked to be among `scan`'s of the same records. `topic` (of
// `partitions`) and `name` (files <dir>/<name>.*) for a run over another topic.
AlertIdSet Reference(const std::string& dir, const MockKafka& kafka, double messages,
                     const std::string& topic = "entra", int partitions = kInputPartitions,
                     const std::string& name = "whole");

// The reference for input keyed by tenant: a plain run holds every tenant back by every partition
// of its source (any partition of an unkeyed topic may carry any tenant), where a keyed
// partition's tenants have only their own partition's clock (DESIGN.md section 10 "Clocks": the
// inputs that carry the tenant). So: one plain checkpointed run per keyed partition, each over a
// 1-partition topic holding exactly that partition's records of `lines`; their alerts together.
AlertIdSet KeyedReference(const std::string& dir, MockKafka& kafka,
                          const std::vector<std::string>& lines);

// got == want, listing the reference's lines of the alerts lost and the first extra one.
void ExpectSame(const AlertIdSet& got, const AlertIdSet& want, const std::string& reference_dir,
                const std::string& what);

}  // namespace privmon::testing
