// LineReader reading a finished file through its memory map (set_map_files, pipeline/
// mapped_file.h) hands out exactly what it hands out with read(2): the same lines, cut or in
// pieces, the same bytes consumed, padding after each, across windows (small ones here) and for
// CRLF, NULs, blank lines, a last line without newline, long lines and UTF-16 (read with read(2)).
// A file truncated while it is read never crashes the reader nor hands out the map's zeros: the
// lines before stay read, read(2) reads on to the file's real end, and the stream ends with
// shrank() (EIO), also through the file source and with the truncation racing the reader in
// another thread.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
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

void WriteFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// What the lines say, whichever reads: a line longer than max_line arrives cut (its first max_line
// + 1 bytes), in pieces, or whole when read(2)'s read happened to hold its newline (as before the
// map: too long for the parser all three ways); it is compared as its first max_line + 1 bytes and
// its size without the line break.
struct MappedLineReaderGot {
  std::vector<std::string> lines;
  std::vector<uint64_t> long_size;  // 0 for a line within max_line
  std::size_t consumed = 0;
  bool mapped_some = false;
  std::size_t windows = 0;
  int error = 0;
};

MappedLineReaderGot ReadWith(const std::string& path, std::size_t max_line, bool chunk, bool map,
                             std::size_t window) {
  MappedLineReaderGot g;
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  LineReader reader(max_line, kParsePadding);
  reader.set_chunk_long_lines(chunk);
  reader.set_map_files(map, window);
  reader.Reset(fd);
  LineReader::Line line;
  std::string joined;
  for (;;) {
    g.mapped_some = g.mapped_some || reader.mapped();
    if (reader.Next(true, &line) != LineReader::Status::kLine) break;
    EXPECT_GE(line.readable_after, kParsePadding);
    g.consumed += line.consumed;
    joined += line.bytes;
    if (line.partial) continue;
    uint64_t size = line.cut ? line.whole_size : joined.size() - (joined.ends_with('\r') ? 1 : 0);
    if (!line.cut && joined.size() <= max_line) size = 0;
    if (!line.cut && joined.size() == max_line + 1 && joined.ends_with('\r')) size = 0;
    g.lines.push_back(size == 0 ? joined : joined.substr(0, max_line + 1));
    g.long_size.push_back(size);
    joined.clear();
  }
  g.error = reader.error();
  g.windows = reader.windows_mapped();
  ::close(fd);
  return g;
}

void ExpectSame(const std::string& path, std::size_t max_line, bool expect_mapped) {
  for (const bool chunk : {false, true}) {
    for (const std::size_t window :
         {std::size_t{1}, std::size_t{64 << 10}, LineReader::kMapWindow}) {
      const MappedLineReaderGot plain = ReadWith(path, max_line, chunk, false, window);
      const MappedLineReaderGot mapped = ReadWith(path, max_line, chunk, true, window);
      SCOPED_TRACE("chunk " + std::to_string(chunk) + " window " + std::to_string(window));
      EXPECT_EQ(mapped.lines.size(), plain.lines.size());
      EXPECT_TRUE(mapped.lines == plain.lines);
      for (std::size_t i = 0; i < std::min(mapped.lines.size(), plain.lines.size()); ++i) {
        if (mapped.lines[i] != plain.lines[i] || mapped.long_size[i] != plain.long_size[i]) {
          ADD_FAILURE() << "first difference at line " << i << ": " << mapped.lines[i].size() << "/"
                        << mapped.long_size[i] << " vs " << plain.lines[i].size() << "/"
                        << plain.long_size[i];
          break;
        }
      }
      EXPECT_EQ(mapped.consumed, plain.consumed);
      EXPECT_EQ(mapped.error, 0);
      EXPECT_EQ(mapped.mapped_some, expect_mapped);
      EXPECT_FALSE(plain.mapped_some);
      // The window asked for is the one mapped: a file of many small windows maps many (the
      // window boundaries this test is about are crossed).
      if (expect_mapped && window < LineReader::kMapWindow) {
        const auto size = static_cast<std::size_t>(std::filesystem::file_size(path));
        EXPECT_GE(mapped.windows, size / (window + (8u << 10) + max_line) / 2) << size;
      }
    }
  }
}

TEST(MappedLineReader, HandsOutWhatReadHandsOutAcrossWindows) {
  const std::string dir = TempDir("mapped-reader");
  TempDirCleanup cleanup(dir);
  const std::size_t limit = 1000;
  std::string text;
  for (int i = 0; i < 6000; ++i) {  // ~1.5 MiB: many windows of 64 KiB (and of the minimum)
    switch (i % 97) {
      case 5:
        text += std::string(limit, 'L') + "\n";  // exactly the limit
        break;
      case 6:
        text += std::string(limit, 'C') + "\r\n";  // the limit and CRLF
        break;
      case 7:
        text += std::string(limit + 1, 'M') + "\n";  // one past: cut or in pieces
        break;
      case 8:
        text += std::string(3 * limit + (i % 13), 'H') + "\r\n";
        break;
      case 9:
        text += "\n   \n";
        break;
      case 10:
        text += std::string(7, '\0') + "{\"z\":1}\n";
        break;
      default:
        text += "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(i % 300, 'p') + "\"}" +
                (i % 3 == 0 ? "\r\n" : "\n");
    }
  }
  WriteFile(dir + "/in", text);
  ExpectSame(dir + "/in", limit, true);
  WriteFile(dir + "/in2", text + "{\"last\":\"no newline\"}");
  ExpectSame(dir + "/in2", limit, true);
  WriteFile(dir + "/in3", text + std::string(5 * limit, 'E'));  // an endless last line
  ExpectSame(dir + "/in3", limit, true);
  WriteFile(dir + "/small", "{\"a\":1}\n{\"b\":2}");  // under the padding: read(2) only
  ExpectSame(dir + "/small", limit, false);
  WriteFile(dir + "/few",
            "{\"a\":1}\r\n\n{\"b\":\"" + std::string(80, 'b') + "\"}\n{\"c\":3}\n{\"d\":4}");
  ExpectSame(dir + "/few", limit, true);  // the first lines from the map, the rest from read(2)
}

TEST(MappedLineReader, Utf16FilesAreTranscodedFromReadAsBefore) {
  const std::string dir = TempDir("mapped-reader");
  TempDirCleanup cleanup(dir);
  std::string bytes = "\xFF\xFE";
  for (int i = 0; i < 20000; ++i) {
    for (const char c : "{\"n\":" + std::to_string(i) + "}\r\n") bytes += std::string{c, '\0'};
  }
  WriteFile(dir + "/in", bytes);
  const MappedLineReaderGot mapped = ReadWith(dir + "/in", 1024, true, true, 64 << 10);
  EXPECT_FALSE(mapped.mapped_some);
  ASSERT_EQ(mapped.lines.size(), 20000u);
  EXPECT_EQ(mapped.lines[19999], "{\"n\":19999}\r");
}

// Runs `body` in a child process: true when it exited with 0 (a SIGBUS would kill it).
bool InChild(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) _exit(body());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return false;
  EXPECT_FALSE(WIFSIGNALED(status)) << "killed by signal " << WTERMSIG(status);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string Record(int i) {
  std::string r = "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(90, 'p') + "\"}";
  r.resize(120, ' ');
  return r;
}

// Truncated at a page boundary while the reader stands before it: the reader's next search runs
// into the pages gone (SIGBUS, zeros mapped over them), and ends the stream there.
TEST(MappedLineReader, AFileTruncatedWhileMappedEndsTheStreamWithoutACrash) {
  const std::string dir = TempDir("mapped-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in";
  std::string text;
  for (int i = 0; i < 100000; ++i) text += Record(i) + "\n";  // 12.1 MB
  WriteFile(path, text);
  for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{200}}) {
    for (const bool chunk : {false, true}) {
      WriteFile(path, text);
      EXPECT_TRUE(InChild([&] {
        const int fd = ::open(path.c_str(), O_RDWR);
        if (fd < 0) return 10;
        LineReader reader(limit, kParsePadding);
        reader.set_chunk_long_lines(chunk);
        reader.set_map_files(true);
        reader.Reset(fd);
        LineReader::Line line;
        int n = 0;
        for (; n < 1000; ++n) {
          if (reader.Next(true, &line) != LineReader::Status::kLine) return 11;
          if (line.bytes != Record(n)) return 12;
        }
        if (!reader.mapped()) return 13;
        const off_t cut = 8 << 20;  // a page boundary inside record 69327
        if (::ftruncate(fd, cut) != 0) return 14;
        while (reader.Next(true, &line) == LineReader::Status::kLine) {
          // Every line handed out is whole; the one the truncation cut (its start kept) may come
          // out short only through read(2) at the end, never with zeros from the map.
          if (line.bytes.find('\0') != std::string_view::npos) return 15;
          if (line.bytes != Record(n) && static_cast<off_t>(n) * 121 + 121 <= cut) return 16;
          ++n;
        }
        if (n < static_cast<int>(cut / 121)) return 17;  // the records before the cut stay read
        if (!reader.shrank() || reader.error() != EIO) return 18;
        if (reader.Next(true, &line) != LineReader::Status::kEnd) return 19;
        ::close(fd);
        return 0;
      })) << "limit "
          << limit << " chunk " << chunk;
    }
  }
}

// The file shrinks after Reset: every window is mapped by the size it had (past its real end), and
// a shrink mid-page leaves the rest of that page reading as zeros, the pages after it faulting.
// The reader hands out what read(2) hands out of the file as it is now: every record up to the
// cut and the cut one's first bytes (before, a search running into a page gone ended the stream
// there, the bytes before the cut not handed out), never the map's zeros; the stream still says
// the file shrank. Also for a shrink to a page boundary after the first lines were read.
TEST(MappedLineReader, AFileMappedPastItsRealEndHandsOutWhatReadHandsOut) {
  const std::string dir = TempDir("mapped-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in";
  std::string text;
  for (int i = 0; i < 100000; ++i) text += Record(i) + "\n";  // 12.1 MB
  struct Shrink {
    off_t to;
    int read_before;
  };
  for (const Shrink shrink :
       {Shrink{(8 << 20) + 1000, 0}, Shrink{8 << 20, 1000}, Shrink{(8 << 20) + 4000, 50000}}) {
    for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{200}}) {
      for (const bool chunk : {false, true}) {
        WriteFile(path, text);
        EXPECT_TRUE(InChild([&] {
          const int fd = ::open(path.c_str(), O_RDWR);
          if (fd < 0) return 10;
          LineReader reader(limit, kParsePadding);
          reader.set_chunk_long_lines(chunk);
          reader.set_map_files(true);
          reader.Reset(fd);
          std::vector<std::string> lines;
          std::size_t consumed = 0;
          LineReader::Line line;
          bool mapped = false;
          for (int n = 0;; ++n) {
            if (n == shrink.read_before && ::ftruncate(fd, shrink.to) != 0) return 11;
            mapped = mapped || reader.mapped();
            if (reader.Next(true, &line) != LineReader::Status::kLine) break;
            if (line.bytes.find('\0') != std::string_view::npos) return 12;  // the map's zeros
            lines.emplace_back(line.bytes);
            consumed += line.consumed;
          }
          if (!mapped) return 13;
          if (!reader.shrank() || reader.error() != EIO) return 14;
          ::close(fd);
          // What read(2) alone hands out of the file as it is now.
          const MappedLineReaderGot plain =
              ReadWith(path, limit, chunk, false, LineReader::kMapWindow);
          if (plain.lines.size() != static_cast<std::size_t>(shrink.to / 121 + 1)) return 15;
          if (lines.size() != plain.lines.size()) return 16;
          if (lines != plain.lines) return 17;
          if (consumed != plain.consumed || consumed != static_cast<std::size_t>(shrink.to)) {
            return 18;
          }
          return 0;
        })) << "shrink to "
            << shrink.to << " after " << shrink.read_before << " lines, limit " << limit
            << " chunk " << chunk;
      }
    }
  }
}

// The truncation races the reader from another thread, through the file source (as `scan`
// reads): no crash, every message handed out a whole record, and the stream ends (shrank, or
// read whole when the reader was quicker).
TEST(MappedLineReader, ATruncationRacingTheFileSourceNeverCrashes) {
  const std::string dir = TempDir("mapped-reader");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  std::string text;
  const int records = 200000;  // 24 MB
  for (int i = 0; i < records; ++i) text += Record(i) + "\n";
  for (int round = 0; round < 3; ++round) {
    WriteFile(path, text);
    EXPECT_TRUE(InChild([&] {
      SourceSettings s;
      s.type = SourceType::kFile;
      s.path = path;
      zmq::context_t zmq;
      auto source = OpenSource(s, zmq, nullptr, 1 << 20);
      std::atomic<int> read{0};
      std::thread truncator([&] {
        while (read.load() < 2000 * (round + 1)) std::this_thread::yield();
        if (::truncate(path.c_str(), 4 << 20 << round) != 0) _exit(20);
      });
      RawMessage m;
      int n = 0;
      int bad = 0;
      while (source->Receive(m, std::chrono::milliseconds(100)) == ReceiveStatus::kMessage) {
        // Past the truncation, a record read whole before it is fine, a short one (its end
        // gone) is tolerated only as the last; zeros never.
        if (m.payload.find('\0') != std::string_view::npos) return 21;
        if (m.payload != std::string_view(Record(n)).substr(0, m.payload.size())) return 22;
        if (m.payload.size() != Record(n).size()) ++bad;
        read.store(++n);
      }
      truncator.join();
      if (bad > 1) return 23;
      if (n < 2000 * (round + 1)) return 24;
      if (source->Receive(m, std::chrono::milliseconds(100)) != ReceiveStatus::kEnd) return 25;
      return 0;
    })) << "round "
        << round;
  }
}

// A regular file whose size says more than it holds (sysfs: every attribute says 4096 bytes; some
// FUSE and network file systems alike) is read to its real end by read(2) when the map fails:
// no "file shrank while read" for a file that never shrank (read(2) said nothing either).
TEST(MappedLineReader, AFileSmallerThanItsStatedSizeIsNoShrunkFile) {
  const std::string path = "/sys/devices/system/cpu/online";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size <= static_cast<off_t>(kParsePadding)) {
    GTEST_SKIP() << path << " is not a regular file stating a size past the padding here";
  }
  const MappedLineReaderGot plain = ReadWith(path, 1000, false, false, 64 << 10);
  const MappedLineReaderGot mapped = ReadWith(path, 1000, false, true, 64 << 10);
  ASSERT_LT(plain.consumed, static_cast<std::size_t>(st.st_size));  // it holds less than it says
  EXPECT_TRUE(mapped.lines == plain.lines);
  EXPECT_EQ(mapped.consumed, plain.consumed);
  EXPECT_EQ(mapped.error, 0);
}

}  // namespace
}  // namespace privmon
