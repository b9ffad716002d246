#include "sinks/dead_letter.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "core/utf8.h"
#include "sinks/base64.h"
#include "sinks/json_escape.h"

namespace privmon {

DeadLetterWriter::DeadLetterWriter(const std::string& path, Counter* counter) : counter_(counter) {
  if (path.empty()) return;
  file_.reset(std::fopen(path.c_str(), "ab"));
  if (!file_) {
    throw std::runtime_error("dead letter: cannot open '" + path + "': " + std::strerror(errno));
  }
}

void DeadLetterWriter::Write(std::string_view reason, std::string_view detail, std::string_view raw,
                             std::string_view source, EventTime received) {
  std::lock_guard lock(mu_);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (counter_ != nullptr) Bump(*counter_);  // single writer: every bump happens under mu_
  if (!file_) return;
  line_.clear();
  char time_buf[40];
  line_.append("{\"received\":\"");
  line_.append(time_buf, FormatIsoTime(received, time_buf));
  line_.append("\",\"reason\":");
  AppendJsonString(reason, line_);
  line_.append(",\"detail\":");
  AppendJsonString(detail, line_);
  line_.append(",\"source\":");
  AppendJsonString(source, line_);
  line_.append(",\"size\":");
  char size_buf[24];
  line_.append(size_buf, std::to_chars(size_buf, size_buf + sizeof(size_buf), raw.size()).ptr);
  if (IsValidUtf8(raw)) {
    line_.append(",\"raw\":");
    AppendJsonString(raw, line_);
  } else {
    line_.append(",\"raw_base64\":\"");
    AppendBase64(raw, line_);
    line_.push_back('"');
  }
  line_.append("}\n");
  std::fwrite(line_.data(), 1, line_.size(), file_.get());
  std::fflush(file_.get());
}

}  // namespace privmon
