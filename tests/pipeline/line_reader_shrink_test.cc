// LineReader and the file source reading a finished file that shrinks while it is read (truncated
// by another process): the lines before the cut stay read, read(2) reads on to the file's real
// end (never zeros), and the stream ends with shrank() (EIO) so the source can say "file shrank
// while read"; a file that states more than it holds (sysfs) and a followed file (whose source
// handles truncation itself) are no shrunk file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "parsers/record_parser.h"
#include "pipeline/line_reader.h"
#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::TempDir;
using testing::TempDirCleanup;
using testing::WriteFile;

// Record i: 120 bytes, 121 with its newline.
std::string ShrinkRecord(int i) {
  std::string r = "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(90, 'p') + "\"}";
  r.resize(120, ' ');
  return r;
}

TEST(LineReaderShrink, AFileTruncatedWhileReadEndsTheStreamSayingItShrank) {
  const std::string dir = TempDir("shrink-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in";
  std::string text;
  for (int i = 0; i < 100000; ++i) text += ShrinkRecord(i) + "\n";  // 12.1 MB
  struct Shrink {
    off_t to;
    int read_before;
  };
  for (const Shrink shrink :
       {Shrink{(8 << 20) + 1000, 0}, Shrink{8 << 20, 1000}, Shrink{(8 << 20) + 4000, 50000}}) {
    for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{200}}) {
      for (const bool chunk : {false, true}) {
        SCOPED_TRACE("shrink to " + std::to_string(shrink.to) + " after " +
                     std::to_string(shrink.read_before) + " lines, limit " + std::to_string(limit) +
                     " chunk " + std::to_string(chunk));
        ASSERT_TRUE(WriteFile(path, text));
        const int fd = ::open(path.c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        LineReader reader(limit, kParsePadding);
        reader.set_chunk_long_lines(chunk);
        reader.set_finished_file(true);
        reader.Reset(fd);
        std::size_t consumed = 0;
        LineReader::Line line;
        int n = 0;
        int short_lines = 0;
        for (;; ++n) {
          if (n == shrink.read_before) {
            ASSERT_EQ(::ftruncate(fd, shrink.to), 0);
          }
          if (reader.Next(true, &line) != LineReader::Status::kLine) break;
          ASSERT_EQ(line.bytes.find('\0'), std::string_view::npos) << "line " << n;
          consumed += line.consumed;
          const std::string want = ShrinkRecord(n);
          if (line.bytes != want) {
            // Only the record the truncation cut may come out short (its first bytes).
            EXPECT_EQ(line.bytes, std::string_view(want).substr(0, line.bytes.size())) << n;
            ++short_lines;
          }
        }
        EXPECT_LE(short_lines, 1);
        EXPECT_EQ(n, static_cast<int>(shrink.to / 121) + (shrink.to % 121 != 0 ? 1 : 0));
        EXPECT_EQ(consumed, static_cast<std::size_t>(shrink.to));
        EXPECT_TRUE(reader.shrank());
        EXPECT_EQ(reader.error(), EIO);
        EXPECT_EQ(reader.Next(true, &line), LineReader::Status::kEnd);
        ::close(fd);
      }
    }
  }
}

// Not finished (a followed file): its source tells truncation (copytruncate) from a shrink, so
// the reader says nothing; and a file read whole is no shrunk file.
TEST(LineReaderShrink, AFollowedOrWholeFileIsNoShrunkFile) {
  const std::string dir = TempDir("shrink-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in";
  std::string text;
  for (int i = 0; i < 2000; ++i) text += ShrinkRecord(i) + "\n";
  for (const bool finished : {false, true}) {
    ASSERT_TRUE(WriteFile(path, text));
    const int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    LineReader reader(1000, kParsePadding);
    reader.set_finished_file(finished);
    reader.Reset(fd);
    LineReader::Line line;
    int n = 0;
    if (!finished) {
      ASSERT_EQ(::ftruncate(fd, 121 * 100), 0);
    }
    while (reader.Next(true, &line) == LineReader::Status::kLine) ++n;
    EXPECT_EQ(n, finished ? 2000 : 100);
    EXPECT_FALSE(reader.shrank());
    EXPECT_EQ(reader.error(), 0);
    ::close(fd);
  }
}

// The truncation races the reader from another thread, through the file source (as `scan`
// reads): every message handed out a whole record (the last may be cut short; no zeros), and the
// stream ends (shrunk, or read whole when the reader was quicker than the truncation).
TEST(LineReaderShrink, ATruncationRacingTheFileSourceEndsTheStream) {
  const std::string dir = TempDir("shrink-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  std::string text;
  const int records = 200000;  // 24 MB
  for (int i = 0; i < records; ++i) text += ShrinkRecord(i) + "\n";
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE(WriteFile(path, text));
    SourceSettings s;
    s.type = SourceType::kFile;
    s.path = path;
    zmq::context_t zmq;
    auto source = OpenSource(s, zmq, nullptr, 1 << 20);
    std::atomic<int> read{0};
    std::atomic<bool> truncated{false};
    std::thread truncator([&] {
      while (read.load() < 2000 * (round + 1)) std::this_thread::yield();
      truncated = ::truncate(path.c_str(), 4 << 20 << round) == 0;
    });
    RawMessage m;
    int n = 0;
    int bad = 0;
    while (source->Receive(m, std::chrono::milliseconds(100)) == ReceiveStatus::kMessage) {
      const std::string want = ShrinkRecord(n);
      if (m.payload != std::string_view(want).substr(0, m.payload.size())) {
        ADD_FAILURE() << "message " << n << " is no record's start: " << m.payload.substr(0, 40);
        read.store(records);  // lets the truncator go
        break;
      }
      if (m.payload.size() != want.size()) ++bad;
      read.store(++n);
    }
    truncator.join();
    EXPECT_TRUE(truncated.load());
    EXPECT_LE(bad, 1);
    EXPECT_GE(n, 2000 * (round + 1));
    EXPECT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kEnd);
  }
}

// A regular file whose size says more than it holds (sysfs: every attribute says 4096 bytes; some
// FUSE and network file systems alike) is read to its real end: no "file shrank while read" for
// a file that never shrank.
TEST(LineReaderShrink, AFileSmallerThanItsStatedSizeIsNoShrunkFile) {
  const std::string path = "/sys/devices/system/cpu/online";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size <= static_cast<off_t>(kParsePadding)) {
    GTEST_SKIP() << path << " is not a regular file stating a size past the padding here";
  }
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  LineReader reader(1000, kParsePadding);
  reader.set_finished_file(true);
  reader.Reset(fd);
  LineReader::Line line;
  std::size_t consumed = 0;
  int lines = 0;
  while (reader.Next(true, &line) == LineReader::Status::kLine) {
    consumed += line.consumed;
    ++lines;
  }
  ::close(fd);
  EXPECT_GE(lines, 1);
  EXPECT_LT(consumed, static_cast<std::size_t>(st.st_size));  // it holds less than it says
  EXPECT_FALSE(reader.shrank());
  EXPECT_EQ(reader.error(), 0);
}

}  // namespace
}  // namespace privmon
