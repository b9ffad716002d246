// LineReader (pipeline/line_reader.h) over real files: lines across read boundaries arrive whole,
// a line longer than the limit arrives cut to limit + 1 bytes with the next line intact and every
// byte counted as consumed, a last line without a newline is taken or kept as asked, and memory
// stays bounded by the limit however long a line is. Then the file source's view of the same: an
// oversized line reaches the parser cut (it rejects it as oversized) and positions stay exact.
#include "pipeline/line_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "parsers/record_parser.h"
#include "pipeline/framed_line.h"
#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::TempDir;
using testing::TempDirCleanup;

void Write(const std::string& path, const std::string& text, const char* mode = "wb") {
  std::FILE* f = std::fopen(path.c_str(), mode);
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

struct Read {
  std::vector<std::string> lines;
  std::vector<bool> cut;
  std::size_t consumed = 0;
};

Read LineReaderReadAll(const std::string& path, std::size_t max_line, bool take_partial = true) {
  Read r;
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  LineReader reader(max_line, kParsePadding);
  reader.Reset(fd);
  LineReader::Line line;
  while (reader.Next(take_partial, &line) == LineReader::Status::kLine) {
    r.lines.emplace_back(line.bytes);
    r.cut.push_back(line.cut);
    r.consumed += line.consumed;
    EXPECT_GE(line.readable_after, kParsePadding);
  }
  ::close(fd);
  return r;
}

TEST(LineReader, LinesAcrossReadBoundariesArriveWhole) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {  // ~600 KiB: many 64 KiB reads end mid-line
    want.push_back("{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 400, 'p') +
                   "\"}");
    text += want.back() + "\n";
  }
  Write(dir + "/in", text);
  const Read r = LineReaderReadAll(dir + "/in", 1 << 20);
  EXPECT_EQ(r.lines, want);
  EXPECT_EQ(r.consumed, text.size());
}

TEST(LineReader, ALineBeyondTheLimitIsCutAndTheNextLineIsIntact) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::size_t limit = 1024;
  const std::string huge(3 * LineReader::kReadBytes + 17, 'x');  // spans several reads
  const std::string text = "first\n" + huge + "\nsecond\n" + std::string(limit, 'y') + "\nlast";
  Write(dir + "/in", text);
  const Read r = LineReaderReadAll(dir + "/in", limit);
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.lines[0], "first");
  EXPECT_EQ(r.lines[1], huge.substr(0, limit + 1));
  EXPECT_TRUE(r.cut[1]);
  EXPECT_EQ(r.lines[2], "second");
  EXPECT_FALSE(r.cut[2]);
  EXPECT_EQ(r.lines[3], std::string(limit, 'y')) << "exactly the limit is not cut";
  EXPECT_FALSE(r.cut[3]);
  EXPECT_EQ(r.lines[4], "last");
  EXPECT_EQ(r.consumed, text.size()) << "a cut line's skipped bytes count as consumed";
}

TEST(LineReader, AnEndlessLastLineIsCutAtTheEndOfTheFile) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::string text = "a\n" + std::string(5 * LineReader::kReadBytes, 'z');  // no newline
  Write(dir + "/in", text);
  const Read r = LineReaderReadAll(dir + "/in", 4096);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1].size(), 4097u);
  EXPECT_TRUE(r.cut[1]);
  EXPECT_EQ(r.consumed, text.size());
}

TEST(LineReader, APartialLastLineIsKeptUntilItsNewlineWhenAsked) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in";
  Write(path, "one\ntw");
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  LineReader reader(1024, kParsePadding);
  reader.Reset(fd);
  LineReader::Line line;
  ASSERT_EQ(reader.Next(false, &line), LineReader::Status::kLine);
  EXPECT_EQ(line.bytes, "one");
  EXPECT_EQ(reader.Next(false, &line), LineReader::Status::kEnd);
  EXPECT_EQ(reader.pending(), 2u);
  Write(path, "o\nthree\n", "ab");  // the writer finishes the line
  ASSERT_EQ(reader.Next(false, &line), LineReader::Status::kLine);
  EXPECT_EQ(line.bytes, "two");
  EXPECT_EQ(line.consumed, 4u);
  ASSERT_EQ(reader.Next(false, &line), LineReader::Status::kLine);
  EXPECT_EQ(line.bytes, "three");
  EXPECT_EQ(reader.Next(false, &line), LineReader::Status::kEnd);
  ::close(fd);
}

// A CRLF line of exactly the limit (its \r stripped later) is not cut, wherever the reads end: here
// the first 64 KiB read ends just after its \r, so limit + 1 bytes lie buffered without a newline.
TEST(LineReader, ACrlfLineOfTheLimitIsNotCutWhenAReadEndsAfterItsCarriageReturn) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::size_t limit = 1024;
  const std::string filler(LineReader::kReadBytes - limit - 2, 'f');  // its \n, then limit bytes
  const std::string target = std::string(limit, 'y') + "\r";
  const std::string text = filler + "\n" + target + "\n" + target + "\n";
  ASSERT_EQ(text.find('\r'), LineReader::kReadBytes - 1);
  Write(dir + "/in", text);
  const Read r = LineReaderReadAll(dir + "/in", limit);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[1], target) << "the read boundary decided";
  EXPECT_FALSE(r.cut[1]);
  EXPECT_EQ(r.lines[2], target);
  EXPECT_FALSE(r.cut[2]);
  EXPECT_EQ(r.consumed, text.size());
  // A line longer than that is still cut.
  Write(dir + "/in2", filler + "\n" + std::string(limit + 1, 'y') + "\r\n");
  const Read r2 = LineReaderReadAll(dir + "/in2", limit);
  ASSERT_EQ(r2.lines.size(), 2u);
  EXPECT_TRUE(r2.cut[1]);
  EXPECT_EQ(r2.lines[1], std::string(limit + 1, 'y'));
}

// A pipe that delivers one byte per read (stdin from a slow writer): the same lines, a cut one
// included, with the last line taken at the writer's close.
TEST(LineReader, APipeDeliveringOneByteAtATimeGivesTheSameLines) {
  const std::size_t limit = 8;
  const std::string text = std::string("ab\r\n\n") + std::string(limit, 'c') + "\r\n" +
                           std::string(limit + 3, 'd') + std::string("\ne\0f\nlast", 9);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    for (char c : text) {
      if (::write(fds[1], &c, 1) != 1) break;
    }
    ::close(fds[1]);
  });
  LineReader reader(limit, kParsePadding);
  reader.Reset(fds[0]);
  std::vector<std::string> lines;
  std::vector<bool> cut;
  std::size_t consumed = 0;
  LineReader::Line line;
  while (reader.Next(true, &line) == LineReader::Status::kLine) {
    lines.emplace_back(line.bytes);
    cut.push_back(line.cut);
    consumed += line.consumed;
    EXPECT_GE(line.readable_after, kParsePadding);
  }
  writer.join();
  ::close(fds[0]);
  // The long line arrives cut when the reads end before its newline, else whole (the writer may
  // be ahead of the reader): too long for the parser either way.
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[3], cut[3] ? std::string(limit + 1, 'd') : std::string(limit + 3, 'd'));
  lines.erase(lines.begin() + 3);
  cut.erase(cut.begin() + 3);
  const std::vector<std::string> want = {"ab\r", "", std::string(limit, 'c') + "\r",
                                         std::string("e\0f", 3), "last"};
  EXPECT_EQ(lines, want);
  EXPECT_EQ(cut, std::vector<bool>(5, false));
  EXPECT_EQ(consumed, text.size());
}

// The same through the file source: the parser gets limit + kTenantFrameRoom + 1 bytes (and so
// rejects the line as oversized), the next record arrives, and the position after them is the
// file's size.
TEST(FileSourceLimits, AnOversizedLineReachesTheParserCutAndPositionsStayExact) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  const std::string text = "{\"a\":\"" + std::string(2 << 20, 'x') + "\"}\n{\"b\":2}\n";
  Write(path, text);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  zmq::context_t zmq;
  const std::size_t limit = 64 * 1024;
  auto source = OpenSource(s, zmq, nullptr, limit);
  RawMessage m;
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload.size(), limit + kTenantFrameRoom + 1);
  EXPECT_EQ(m.payload.substr(0, 6), "{\"a\":\"");
  RecordParser parser(limit);
  ParseContext ctx;
  ctx.readable_after = m.readable_after;
  const ParseResult& parsed = parser.Parse(m.payload, ctx);
  ASSERT_EQ(parsed.rejections.size(), 1u);
  EXPECT_EQ(parsed.rejections[0].reason, RejectReason::kOversized);
  EXPECT_TRUE(parsed.events.empty());
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, "{\"b\":2}");
  EXPECT_EQ(source->Position(), static_cast<int64_t>(text.size()));
  EXPECT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kEnd);
}

// A framed line "<tenant>\t<payload>" whose payload is within the limit is read whole wherever the
// reads end (the limit is the payload's, as for a two-frame message): here the first 64 KiB read
// ends past limit + 1 bytes of it, before its newline. A cut framed line still reaches the parser
// oversized (not as a truncated payload it might even parse).
TEST(FileSourceLimits, AFramedLineWhosePayloadFitsIsNotCutWhereverTheReadsEnd) {
  const std::string dir = TempDir("line-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  const std::size_t limit = 1024;
  const std::string tenant = "11111111-2222-3333-4444-555555555555";
  const std::string payload = "{\"a\":\"" + std::string(limit - 8, 'x') + "\"}";
  ASSERT_EQ(payload.size(), limit);
  const std::string filler(LineReader::kReadBytes - 1 - (limit + 10), 'f');
  const std::string text = filler + "\n" + tenant + "\t" + payload + "\n" + tenant + "\t{\"b\":\"" +
                           std::string(890, 'y') + "\"}" + std::string(100000, ' ') + "\n";
  Write(path, text);
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  zmq::context_t zmq;
  auto source = OpenSource(s, zmq, nullptr, limit);
  RawMessage m;
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, filler);
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.tenant_frame, tenant);
  EXPECT_EQ(m.payload, payload) << "cut by where a read ended";
  // Valid JSON then spaces past the limit: cut, it must not reach the parser short enough to pass.
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_GT(m.payload.size(), limit);
  EXPECT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kEnd);
}

}  // namespace
}  // namespace privmon

namespace privmon {
namespace {

// UTF-16 text (Windows PowerShell 5's Out-File and '>' default, with its byte order mark) was
// read as bytes: every line invalid_json. It is handed out as UTF-8 (little and big endian,
// surrogate pairs, units split across reads: a pipe giving one byte at a time).
TEST(LineReader, Utf16TextWithItsByteOrderMarkIsHandedOutAsUtf8) {
  const std::u16string text = u"{\"n\":\"Zo\u00eb \U0001D49C \u2713\"}\r\n\r\n{\"n\":2}";
  for (const bool big_endian : {false, true}) {
    std::string bytes = big_endian ? "\xFE\xFF" : "\xFF\xFE";
    for (const char16_t u : text) {
      const char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
      bytes += big_endian ? std::string{hi, lo} : std::string{lo, hi};
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&] {
      for (char c : bytes) {
        if (::write(fds[1], &c, 1) != 1) break;
      }
      ::close(fds[1]);
    });
    LineReader reader(1024, kParsePadding);
    reader.Reset(fds[0]);
    std::vector<std::string> lines;
    LineReader::Line line;
    while (reader.Next(true, &line) == LineReader::Status::kLine) lines.emplace_back(line.bytes);
    writer.join();
    ::close(fds[0]);
    EXPECT_TRUE(reader.transcoding());
    const std::vector<std::string> want = {"{\"n\":\"Zo\xC3\xAB \xF0\x9D\x92\x9C \xE2\x9C\x93\"}\r",
                                           "\r", "{\"n\":2}"};
    EXPECT_EQ(lines, want) << (big_endian ? "big endian" : "little endian");
  }
}

}  // namespace
}  // namespace privmon
