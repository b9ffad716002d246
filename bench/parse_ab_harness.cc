// Issue 15, session 13: what one parse thread pays per record, by variant, on the macro harness's
// generated records (privmon gen --records N --accounts 10000 --seed 7), all in one process and
// one run, alternated rep by rep, thread CPU time per record (median of --reps):
//   dom        simdjson DOM parse alone (row 1a of privmon_macro)
//   ceiling    DOM parse + full walk + the JSON text of string columns parsed and walked (row 1)
//   collect    DOM parse + privmon's FieldCollector over each record (no event build): today's
//              parse and field extraction
//   parser     RecordParser::Parse (today's path whole: + BuildEvent, fingerprint, results)
//   ondemand   one simdjson On-Demand pass visiting every value (strings unescaped, numbers and
//              literals parsed, trailing content checked, so the text is validated as the DOM
//              parse validates it), dispatching record keys and parsing JSON text columns with a
//              second On-Demand parser: an optimistic bound of an On-Demand RecordParser (it
//              fills no RecordFields)
//   od-walk    the same On-Demand pass without the key dispatch
// Usage: privmon_parse_ab [--records N] [--reps N] [--input FILE] [--only VARIANT]
#include <simdjson.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/dom_walk.h"
#include "parsers/field_collector.h"
#include "parsers/json_text_field.h"
#include "parsers/record_fields.h"
#include "parsers/record_parser.h"
#include "pipeline/framed_line.h"
#include "tools/gen/command.h"

namespace privmon::bench {
namespace {

namespace od = simdjson::ondemand;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Input {
  simdjson::padded_string bytes;
  std::vector<std::pair<std::size_t, std::size_t>> lines;
};

Input Load(const std::string& path) {
  Input in;
  if (simdjson::padded_string::load(path).get(in.bytes)) {
    throw std::runtime_error("cannot read " + path);
  }
  const char* p = in.bytes.data();
  std::size_t start = 0;
  for (std::size_t i = 0; i <= in.bytes.size(); ++i) {
    if (i < in.bytes.size() && p[i] != '\n') continue;
    if (i > start) {
      const std::string_view payload = SplitFramedLine({p + start, i - start}).payload;
      in.lines.emplace_back(static_cast<std::size_t>(payload.data() - p), payload.size());
    }
    start = i + 1;
  }
  return in;
}

// ---- the On-Demand pass ------------------------------------------------------------------------

// Record keys privmon reads (a sample of field_collector.cc's table), for the dispatch's cost:
// bucketed by length and first byte, then compared: what a cheap exact lookup costs.
constexpr std::string_view kDispatchKeys[] = {"time",
                                              "resourceId",
                                              "operationName",
                                              "category",
                                              "tenantId",
                                              "resultType",
                                              "resultSignature",
                                              "callerIpAddress",
                                              "correlationId",
                                              "identity",
                                              "properties",
                                              "id",
                                              "createdDateTime",
                                              "userPrincipalName",
                                              "userId",
                                              "appId",
                                              "ipAddress",
                                              "clientAppUsed",
                                              "status",
                                              "deviceDetail",
                                              "location",
                                              "riskLevelDuringSignIn",
                                              "riskState",
                                              "TimeGenerated",
                                              "Type",
                                              "AADTenantId",
                                              "initiatedBy",
                                              "targetResources",
                                              "activityDisplayName",
                                              "activityDateTime",
                                              "loggedByService",
                                              "result",
                                              "UserPrincipalName",
                                              "UserId",
                                              "IPAddress",
                                              "Status",
                                              "DeviceDetail",
                                              "LocationDetails",
                                              "locationDetails",
                                              "authenticationDetails",
                                              "AuthenticationDetails",
                                              "InitiatedBy",
                                              "TargetResources",
                                              "OperationName",
                                              "ResultType",
                                              "CorrelationId",
                                              "Category",
                                              "ResourceId",
                                              "CreatedDateTime",
                                              "AppId",
                                              "ClientAppUsed",
                                              "ResultReason"};

struct DispatchTable {
  std::array<std::vector<uint8_t>, 256> buckets;  // (size * 31 + first byte) & 255 -> keys
  DispatchTable() {
    for (std::size_t i = 0; i < std::size(kDispatchKeys); ++i) {
      buckets[Slot(kDispatchKeys[i])].push_back(static_cast<uint8_t>(i));
    }
  }
  static std::size_t Slot(std::string_view k) {
    return (k.size() * 31 + static_cast<unsigned char>(k.empty() ? 0 : k[0])) & 255;
  }
  int Find(std::string_view k) const {
    for (uint8_t i : buckets[Slot(k)]) {
      if (kDispatchKeys[i] == k) return i + 1;
    }
    return 0;
  }
};

int DispatchKey(std::string_view k) {
  static const DispatchTable table;
  return table.Find(k);
}

class OnDemandPass {
 public:
  explicit OnDemandPass(bool dispatch) : dispatch_(dispatch) {}

  // Returns false when the text is not valid JSON (then nothing else is meaningful).
  bool Record(const char* data, std::size_t len, std::size_t capacity, std::size_t& sink) {
    od::document doc;
    if (outer_.iterate(data, len, capacity).get(doc)) return false;
    od::object root;
    if (doc.get_object().get(root)) return false;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return false;
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      if (dispatch_) sink += DispatchKey(key);
      if (!Visit(field.value(), 1, /*json_text=*/true, sink)) return false;
    }
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }

 private:
  bool Visit(od::value v, int depth, bool json_text, std::size_t& sink) {
    if (depth > 64) return false;
    od::json_type type;
    if (v.type().get(type)) return false;
    switch (type) {
      case od::json_type::object: {
        od::object o;
        if (v.get_object().get(o)) return false;
        for (auto field_result : o) {
          od::field field;
          if (std::move(field_result).get(field)) return false;
          std::string_view key;
          if (field.unescaped_key().get(key)) return false;
          sink += key.size();
          if (!Visit(field.value(), depth + 1, false, sink)) return false;
        }
        return true;
      }
      case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a)) return false;
        for (auto element_result : a) {
          od::value element;
          if (std::move(element_result).get(element)) return false;
          if (!Visit(element, depth + 1, false, sink)) return false;
        }
        return true;
      }
      case od::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        sink += s.size();
        if (json_text && !s.empty() && (s[0] == '{' || s[0] == '[')) InnerText(s, sink);
        return true;
      }
      case od::json_type::number: {
        od::number n;
        if (v.get_number().get(n)) return false;
        sink += 1;
        return true;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (v.get_bool().get(b)) return false;
        sink += b;
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return false;
        return true;
      }
    }
    return false;
  }

  // JSON text held in a string column: copied into a padded buffer and visited whole (a bad text
  // reads as absent, as in privmon).
  void InnerText(std::string_view s, std::size_t& sink) {
    if (s.size() + simdjson::SIMDJSON_PADDING > inner_capacity_) {
      inner_capacity_ = std::max<std::size_t>(4096, 2 * (s.size() + simdjson::SIMDJSON_PADDING));
      inner_buffer_ = std::make_unique<char[]>(inner_capacity_);
    }
    std::memcpy(inner_buffer_.get(), s.data(), s.size());
    std::memset(inner_buffer_.get() + s.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (inner_.iterate(inner_buffer_.get(), s.size(), inner_capacity_).get(doc)) return;
    od::value root;
    if (doc.get_value().get(root)) return;
    std::size_t n = 0;
    if (VisitInner(root, 1, n) && doc.current_location().error() == simdjson::OUT_OF_BOUNDS)
      sink += n;
  }

  bool VisitInner(od::value v, int depth, std::size_t& sink) {
    return Visit(v, depth, /*json_text=*/false, sink);
  }

  bool dispatch_;
  od::parser outer_{4u << 20};
  od::parser inner_{4u << 20};
  std::unique_ptr<char[]> inner_buffer_;
  std::size_t inner_capacity_ = 0;
};

// ---- the variants ------------------------------------------------------------------------------

struct Variant {
  const char* name;
  std::function<std::size_t(const Input&)> run;  // returns a sink
  std::vector<double> cpu;
};

}  // namespace
}  // namespace privmon::bench

int main(int argc, char** argv) {
  using namespace privmon;
  using namespace privmon::bench;
  uint64_t records = 200'000;
  int reps = 5;
  std::string input, only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") records = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--reps") reps = std::atoi(argv[i + 1]);
    if (a == "--input") input = argv[i + 1];
    if (a == "--only") only = argv[i + 1];  // one variant (for a profile)
  }
  if (input.empty()) {
    std::filesystem::create_directories("/tmp/privmon-parse-ab");
    input = "/tmp/privmon-parse-ab/input-" + std::to_string(records) + ".ndjson";
    if (!std::filesystem::exists(input)) {
      GenOptions gen;
      gen.out = input;
      gen.records = records;
      gen.accounts = 10'000;
      gen.seed = 7;
      gen.quiet = true;
      if (RunGen(gen) != 0) return 1;
    }
  }
  const Input in = Load(input);
  std::printf("input: %s, %zu lines, %.1f MB\n", input.c_str(), in.lines.size(),
              static_cast<double>(in.bytes.size()) / 1e6);

  simdjson::dom::parser dom_parser, dom_inner;
  parsers::JsonTextFields text_fields;
  parsers::FieldCollector collector(text_fields);
  parsers::RecordFields fields;
  RecordParser record_parser;
  OnDemandPass ondemand(/*dispatch=*/true), ondemand_walk(/*dispatch=*/false);
  const char* base = in.bytes.data();
  const std::size_t total = in.bytes.size() + simdjson::SIMDJSON_PADDING;

  std::vector<Variant> variants;
  variants.push_back({"dom", [&](const Input& x) {
                        std::size_t n = 0;
                        for (const auto& [off, len] : x.lines) {
                          simdjson::dom::element root;
                          if (dom_parser.parse(base + off, len, false).get(root)) {
                            throw std::runtime_error("dom");
                          }
                          ++n;
                        }
                        return n;
                      }});
  variants.push_back({"ceiling", [&](const Input& x) {
                        std::size_t n = 0;
                        for (const auto& [off, len] : x.lines) {
                          simdjson::dom::element root;
                          if (dom_parser.parse(base + off, len, false).get(root)) {
                            throw std::runtime_error("ceiling");
                          }
                          n += WalkWithJsonText(dom_inner, root);
                        }
                        return n;
                      }});
  variants.push_back({"collect", [&](const Input& x) {
                        std::size_t n = 0;
                        for (const auto& [off, len] : x.lines) {
                          simdjson::dom::element root;
                          simdjson::dom::object object;
                          if (dom_parser.parse(base + off, len, false).get(root) ||
                              root.get_object().get(object)) {
                            throw std::runtime_error("collect");
                          }
                          fields = {};
                          collector.BeginRecord();
                          for (simdjson::dom::key_value_pair f : object) {
                            collector.RecordField(f.key, f.value, fields);
                          }
                          n += fields.time.size() + fields.upn.size();
                        }
                        return n;
                      }});
  variants.push_back({"parser", [&](const Input& x) {
                        std::size_t n = 0;
                        ParseContext ctx;
                        ctx.source_tenant = "00000000-0000-4000-8000-00000000beef";
                        ctx.multi_tenant = true;
                        ctx.readable_after = kParsePadding;
                        for (const auto& [off, len] : x.lines) {
                          const ParseResult& r =
                              record_parser.Parse(std::string_view(base + off, len), ctx);
                          n += r.events.size();
                        }
                        return n;
                      }});
  variants.push_back({"ondemand", [&](const Input& x) {
                        std::size_t n = 0;
                        for (const auto& [off, len] : x.lines) {
                          if (!ondemand.Record(base + off, len, total - off, n)) {
                            throw std::runtime_error("ondemand");
                          }
                        }
                        return n;
                      }});
  variants.push_back({"od-walk", [&](const Input& x) {
                        std::size_t n = 0;
                        for (const auto& [off, len] : x.lines) {
                          if (!ondemand_walk.Record(base + off, len, total - off, n)) {
                            throw std::runtime_error("od-walk");
                          }
                        }
                        return n;
                      }});

  if (!only.empty()) {
    std::erase_if(variants, [&](const Variant& v) { return v.name != only; });
    if (variants.empty()) return 2;
  }
  std::size_t sink = 0;
  for (auto& v : variants) sink += v.run(in);  // warm-up
  for (int r = 0; r < reps; ++r) {
    for (auto& v : variants) {
      const double a = ThreadCpuSeconds();
      sink += v.run(in);
      v.cpu.push_back(ThreadCpuSeconds() - a);
    }
  }
  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x[x.size() / 2];
  };
  const double n = static_cast<double>(in.lines.size());
  const bool all = only.empty();
  const double ceiling = all ? median(variants[1].cpu) : 1;
  const double dom = all ? median(variants[0].cpu) : 1;
  const double collect = all ? median(variants[2].cpu) : 1;
  std::printf("%-10s %12s %10s %10s %10s   (thread CPU, median of %d; runs in ns/record)\n",
              "variant", "ns/record", "x ceiling", "x dom", "x collect", reps);
  for (const auto& v : variants) {
    const double m = median(v.cpu);
    std::printf("%-10s %12.0f %10.2f %10.2f %10.2f  ", v.name, m / n * 1e9, m / ceiling, m / dom,
                m / collect);
    for (double c : v.cpu) std::printf(" %.0f", c / n * 1e9);
    std::printf("\n");
  }
  if (sink == 42) std::puts("");
  return 0;
}
