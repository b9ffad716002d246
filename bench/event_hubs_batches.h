// The generated input regrouped the way a feed delivers it: Azure Monitor diagnostic settings (and
// Log Analytics data export) send Event Hubs bodies of `{"records":[...]}` with many records each.
// The macro and Kafka harnesses measure privmon's sources on both shapes, since a per-message cost
// (a ZeroMQ or Kafka message, a wake-up) weighs 50 times less on a batch of 50 records than on one
// record per message. Harness-only code: reads and writes whole files, throws std::runtime_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace privmon::bench {

struct Batches {
  uint64_t messages = 0;  // lines written
  uint64_t records = 0;   // records in them
};

// Writes `input`'s lines to `output` with up to `per_batch` consecutive records per line, as one
// `{"records":[...]}` body: a forwarder's batch (diagnostic records, Log Analytics rows and Graph
// records alike; privmon reads each element by its own shape). A line that is not a JSON object
// (a framed `tenant<TAB>json` line, whose tenant an element could not keep) closes the open batch
// and is written on its own, so every record keeps its place in the order: the same records in the
// same order, only fewer messages (moving the framed lines ahead of open batches instead made
// records late where the generated traffic is sparse, at night).
inline Batches WriteEventHubsBatches(const std::string& input, const std::string& output,
                                     std::size_t per_batch) {
  std::ifstream in(input, std::ios::binary);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!in || !out) throw std::runtime_error("cannot batch " + input + " into " + output);
  Batches b;
  std::string body;
  std::size_t count = 0;
  auto flush = [&] {
    if (count == 0) return;
    out << "{\"records\":[" << body << "]}\n";
    body.clear();
    count = 0;
    ++b.messages;
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++b.records;
    if (line.front() != '{') {
      flush();
      out << line << '\n';
      ++b.messages;
      continue;
    }
    if (count > 0) body += ',';
    body += line;
    if (++count == per_batch) flush();
  }
  flush();
  if (!out.flush()) throw std::runtime_error("cannot write " + output);
  return b;
}

}  // namespace privmon::bench
