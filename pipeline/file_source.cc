#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "pipeline/framed_line.h"
#include "pipeline/message_source.h"

namespace privmon {
namespace {

// NDJSON: one message per line (a framed line "<tenant>\t<payload>" carries its tenant, as a
// two-frame ZeroMQ message does); blank lines are skipped. Lines of any length are read whole
// (the parser rejects oversized ones, counted, rather than the reader splitting them).
class FileSource final : public MessageSource {
 public:
  explicit FileSource(const SourceSettings& s)
      : name_(s.name.empty() ? (s.type == SourceType::kStdin ? "stdin" : "file") : s.name),
        tenant_(s.tenant) {
    if (s.type == SourceType::kStdin || s.path == "-") {
      file_ = stdin;
    } else {
      file_ = std::fopen(s.path.c_str(), "rb");
      if (file_ == nullptr) {
        throw std::runtime_error("cannot open " + s.path + ": " + std::strerror(errno));
      }
      owned_ = true;
    }
  }
  ~FileSource() override {
    if (owned_) std::fclose(file_);
    std::free(line_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  ReceiveStatus Receive(RawMessage& out, std::chrono::milliseconds) override {
    for (;;) {
      const ssize_t n = getline(&line_, &capacity_, file_);
      if (n < 0) return ReceiveStatus::kEnd;
      std::size_t len = static_cast<std::size_t>(n);
      while (len > 0 && (line_[len - 1] == '\n' || line_[len - 1] == '\r')) --len;
      std::size_t first = 0;
      while (first < len && (line_[first] == ' ' || line_[first] == '\t')) ++first;
      if (first == len) continue;  // blank line
      const FramedLine framed = SplitFramedLine(std::string_view(line_, len));
      out.payload = framed.payload;
      out.tenant_frame = framed.tenant;
      return ReceiveStatus::kMessage;
    }
  }

  const std::string& name() const override { return name_; }
  const std::string& tenant() const override { return tenant_; }

 private:
  std::string name_;
  std::string tenant_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  char* line_ = nullptr;  // getline's buffer, reused across lines
  std::size_t capacity_ = 0;
};

}  // namespace

std::unique_ptr<MessageSource> OpenFileSource(const SourceSettings& s) {
  return std::make_unique<FileSource>(s);
}

}  // namespace privmon
