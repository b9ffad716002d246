// The file source hands the parser lines it may read in place: RawMessage::readable_after counts
// the allocated bytes after each payload, and is at least kParsePadding wherever the source says
// a line can be parsed without a copy. Real files, the real source.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <zmq.hpp>

#include "parsers/record_parser.h"
#include "pipeline/message_source.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using testing::TempDir;
using testing::TempDirCleanup;

TEST(FileSourcePadding, ShortAndHugeLinesArriveWholeWithTheirReadableTail) {
  const std::string dir = TempDir("padding");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  const std::string huge = "{\"a\":\"" + std::string(300 * 1024, 'x') + "\"}";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text =
        "{\"a\":1}\r\n" + huge +
        "\n\n  \n0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b\t{\"b\":2}";  // no final newline
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  zmq::context_t zmq;
  auto source = OpenSource(s, zmq);
  RawMessage m;
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, "{\"a\":1}");
  EXPECT_GE(m.readable_after, kParsePadding);  // a typical line: parsed in place
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.payload, huge);  // longer than one read: arrives whole
  ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
  EXPECT_EQ(m.tenant_frame, "0c7e2f4a-5b6d-4e8f-9a1b-2c3d4e5f6a7b");
  EXPECT_EQ(m.payload, "{\"b\":2}");
  EXPECT_GE(m.readable_after, kParsePadding);
  EXPECT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kEnd);
}

// z9e: a line longer than max_message_bytes is handed out cut, for the parser to reject as
// oversized; its dead letter's "size" was the cut's (4194561 for any line above 4 MiB), where a
// ZeroMQ message's is its real size. The source now skips the rest of the line counting it, and
// says the line's real size (without its line break) in RawMessage::whole_size.
TEST(FileSourcePadding, AnOversizedLineSaysItsRealSize) {
  const std::string dir = TempDir("oversized");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  const std::string huge = "{\"pad\":\"" + std::string(700 * 1024, 'x') + "\"}";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text = huge + "\r\n{\"b\":2}\n" + huge;  // the last without a newline
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  zmq::context_t zmq;
  auto source = OpenSource(s, zmq, nullptr, 64 * 1024);
  RawMessage m;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
    EXPECT_GT(m.payload.size(), 64u * 1024);
    EXPECT_LT(m.payload.size(), huge.size());
    EXPECT_EQ(huge.substr(0, m.payload.size()), m.payload);
    EXPECT_EQ(m.whole_size, huge.size());
    EXPECT_GE(m.readable_after, kParsePadding);
    if (i == 1) break;
    ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kMessage);
    EXPECT_EQ(m.payload, "{\"b\":2}");
    EXPECT_EQ(m.whole_size, 0u);
  }
  EXPECT_EQ(source->Receive(m, std::chrono::milliseconds(100)), ReceiveStatus::kEnd);
}

// z12e: a followed file (`follow: true`) cuts a long line in its reader, and its dead letter named
// the cut's size (max_message_bytes + the frame's room + 1) where a finished file's names the
// line's real size (z9e): the reader now counts the rest it skips, whatever the reads' sizes, and
// the line break (\n or \r\n) is no part of the size.
TEST(FileSourcePadding, AFollowedFilesOversizedLineSaysItsRealSize) {
  const std::string dir = TempDir("oversized_follow");
  TempDirCleanup cleanup(dir);
  const std::string path = dir + "/in.ndjson";
  const std::string huge = "{\"pad\":\"" + std::string(700 * 1024, 'x') + "\"}";
  const std::string longer = "{\"pad\":\"" + std::string(65 * 1024, 'y') + "\"}";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text = huge + "\r\n{\"b\":2}\n" + longer + "\n" + huge + "\n";
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  SourceSettings s;
  s.type = SourceType::kFile;
  s.path = path;
  s.follow = true;
  zmq::context_t zmq;
  auto source = OpenSource(s, zmq, nullptr, 64 * 1024);
  RawMessage m;
  for (const std::string* line :
       {&huge, static_cast<const std::string*>(nullptr), &longer, &huge}) {
    ASSERT_EQ(source->Receive(m, std::chrono::milliseconds(500)), ReceiveStatus::kMessage);
    if (line == nullptr) {
      EXPECT_EQ(m.payload, "{\"b\":2}");
      EXPECT_EQ(m.whole_size, 0u);
      continue;
    }
    // The size a dead letter names: the whole size of a cut line, else the payload's (a line
    // whose newline is already in the reader's buffer arrives whole).
    EXPECT_GT(m.payload.size(), 64u * 1024);
    EXPECT_EQ(line->substr(0, m.payload.size()), m.payload);
    EXPECT_EQ(m.whole_size != 0 ? m.whole_size : m.payload.size(), line->size());
    if (line == &huge) {
      EXPECT_LT(m.payload.size(), line->size());
    }
  }
}

}  // namespace
}  // namespace privmon
