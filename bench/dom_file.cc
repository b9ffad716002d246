// privmon_dom_file FILE [REPS]: the DOM baselines of an NDJSON file's own bytes, in thread CPU
// seconds (so a loaded machine changes them little): simdjson's DOM parse of every line alone,
// the parse plus a full walk (bench/dom_walk.h), and the parse plus a walk that also parses the
// JSON text held in string values (Log Analytics columns), as privmon must. A framed line's tenant
// prefix ("tenant<TAB>{...}") is transport, not JSON: each line is parsed from its first '{' or
// '['. Compare with `/usr/bin/time privmon scan --quiet --config C FILE` (user + sys).
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/dom_walk.h"

namespace {

using privmon::bench::Walk;
using privmon::bench::WalkWithJsonText;

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: privmon_dom_file FILE [REPS]\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  const std::size_t size = bytes.size();
  bytes.append(simdjson::SIMDJSON_PADDING, ' ');  // every line may be parsed in place
  std::vector<std::pair<std::size_t, std::size_t>> lines;
  for (std::size_t start = 0, i = 0; i < size; ++i) {
    if (bytes[i] != '\n') continue;
    std::size_t first = start;
    while (first < i && bytes[first] != '{' && bytes[first] != '[') ++first;
    if (first < i) lines.emplace_back(first, i - first);
    start = i + 1;
  }
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  simdjson::dom::parser parser, inner;
  std::size_t sink = 0;
  for (int r = 0; r < reps; ++r) {
    double seconds[3];
    for (int mode = 0; mode < 3; ++mode) {
      const double start = ThreadCpuSeconds();
      for (const auto& [offset, length] : lines) {
        simdjson::dom::element root;
        if (const auto error = parser.parse(bytes.data() + offset, length, false).get(root)) {
          std::fprintf(stderr, "line at byte %zu: %s\n", offset, simdjson::error_message(error));
          return 1;
        }
        if (mode == 1) sink += Walk(root);
        if (mode == 2) sink += WalkWithJsonText(inner, root);
      }
      seconds[mode] = ThreadCpuSeconds() - start;
    }
    std::printf(
        "thread CPU: DOM parse %.3f s, + walk %.3f s, + walk and JSON text in strings %.3f s "
        "(%zu lines, %.1f MB)\n",
        seconds[0], seconds[1], seconds[2], lines.size(), static_cast<double>(size) / 1e6);
  }
  return sink == 42 ? 3 : 0;
}
