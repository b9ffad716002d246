// Checkpoint records as comparable strings, for tests that compare two engines' state: every
// record of a shard writer (tag, key, payload), sorted, since two hash tables holding the same
// entries iterate them in different orders. A timer is written as its raw struct, padding bytes
// and all, so its fields stand for it instead. Test-only; reads the writer's bytes once.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "state/checkpoint_codec.h"

namespace privmon::testing {

inline std::vector<std::string> SortedCheckpointRecords(const CheckpointShardWriter& out) {
  std::vector<std::string> records;
  for (const std::string& body : out.partitions()) {
    EXPECT_TRUE(ForEachCheckpointRecord(body, [&](const CheckpointRecordView& r) {
      std::string rec(1, static_cast<char>(r.tag));
      rec.append(reinterpret_cast<const char*>(&r.key), sizeof r.key);
      if (r.tag == kCkTimer && r.payload.size() == 8 + sizeof(Timer)) {
        Timer t;
        std::memcpy(&t, r.payload.data() + 8, sizeof t);
        rec.append(r.payload.substr(0, 8));
        rec += std::to_string(t.due) + "/" + std::to_string(t.account) + "/" +
               std::to_string(static_cast<int>(t.kind)) + "/" + std::to_string(t.slot) + "/" +
               std::to_string(t.basis);
      } else {
        rec.append(r.payload);
      }
      records.push_back(std::move(rec));
    }));
  }
  std::sort(records.begin(), records.end());
  return records;
}

}  // namespace privmon::testing
