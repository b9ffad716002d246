#include "sinks/dead_letter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "app/service_parts.h"
#include "core/event_time.h"
#include "core/stats.h"
#include "sinks/base64.h"
#include "tests/support/file_size_limit.h"

namespace privmon {
namespace {

// The files FreshPath named (and <path>.1, <path>.old the rotation tests make), removed when the
// test binary exits: the temp directory does not fill up with one set per run.
struct DeadLetterTempFiles {
  std::vector<std::string> paths;
  DeadLetterTempFiles() = default;
  DeadLetterTempFiles(const DeadLetterTempFiles&) = delete;
  DeadLetterTempFiles& operator=(const DeadLetterTempFiles&) = delete;
  ~DeadLetterTempFiles() {
    for (const std::string& p : paths) {
      std::error_code ignored;
      std::filesystem::remove(p, ignored);
      std::filesystem::remove(p + ".1", ignored);
      std::filesystem::remove(p + ".old", ignored);
    }
  }
};

std::string FreshPath(const std::string& name) {
  static DeadLetterTempFiles files;
  const auto p = std::filesystem::temp_directory_path() /
                 ("privmon_dl_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove(p);
  files.paths.push_back(p.string());
  return p.string();
}

std::string DeadLetterReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const EventTime kReceived = *ParseIsoTime("2026-11-24T10:01:02Z");

TEST(DeadLetterWriter, WritesTheDocumentedLineForText) {
  const std::string path = FreshPath("text.ndjson");
  Counter counter{0};
  DeadLetterWriter w(path, &counter);
  w.Write(RejectReason::kInvalidJson, "expected '}'", "{\"a\":\n\"x", "zmq", kReceived);
  EXPECT_EQ(DeadLetterReadAll(path),  // flushed already, before the writer closes
            R"({"received":"2026-11-24T10:01:02.000000Z","reason":"invalid_json",)"
            R"("detail":"expected '}'","source":"zmq","size":8,"raw":"{\"a\":\u000a\"x"})"
            "\n");
  EXPECT_EQ(w.count(), 1u);
  EXPECT_EQ(counter.load(), 1u);
}

// The tenant the transport named goes after the source, and reads back (breaker round 33: a
// rejected Graph record naming no tenant could not be traced to the customer whose frame sent it).
TEST(DeadLetterWriter, WritesTheTransportsTenantWhenItNamedOne) {
  const std::string path = FreshPath("tenant.ndjson");
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kBadTime, "no time", "{}", "zmq", kReceived, 0,
            "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e");
    w.Write(RejectReason::kBadTime, "no time", "{}", "zmq", kReceived);
  }
  const std::string text = DeadLetterReadAll(path);
  EXPECT_NE(text.find(R"("source":"zmq","tenant":"5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e","size":2)"),
            std::string::npos)
      << text;
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].tenant, "5e7a3c1d-8b2f-4d6a-9c0e-1f2a3b4c5d6e");
  EXPECT_EQ(entries[1].tenant, "");
}

TEST(DeadLetterWriter, RoundTripsTextExactly) {
  const std::string path = FreshPath("roundtrip.ndjson");
  const std::string raw = "{\"tenant\": \"caf\xc3\xa9\", \"x\": \"\\u00e9\\n\"}\r\n\t\x01\x7f end";
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kNoTenant, "no tenant", raw, "file:a.ndjson", kReceived);
  }
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].raw, raw);
  EXPECT_EQ(entries[0].reason, "no_tenant");
  EXPECT_EQ(entries[0].detail, "no tenant");
  EXPECT_EQ(entries[0].source, "file:a.ndjson");
  EXPECT_EQ(entries[0].received, "2026-11-24T10:01:02.000000Z");
  EXPECT_EQ(entries[0].size, raw.size());
  EXPECT_NE(DeadLetterReadAll(path).find("\"raw\":"), std::string::npos);
}

TEST(DeadLetterWriter, RoundTripsAllByteValuesThroughBase64) {
  const std::string path = FreshPath("binary.ndjson");
  std::string raw;
  for (int i = 0; i < 256; ++i) raw.push_back(static_cast<char>(i));
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kInvalidJson, "not UTF-8", raw, "zmq", kReceived);
    w.Write(RejectReason::kInvalidJson, "one byte", "\xff", "zmq", kReceived);
  }
  const std::string text = DeadLetterReadAll(path);
  EXPECT_NE(text.find("\"raw_base64\":\""), std::string::npos);
  EXPECT_EQ(text.find("\"raw\":"), std::string::npos);
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].raw, raw);
  EXPECT_EQ(entries[1].raw, "\xff");
}

TEST(DeadLetterWriter, RoundTripsHugePayloads) {
  const std::string path = FreshPath("huge.ndjson");
  std::string text(8u << 20, 'a');
  for (std::size_t i = 0; i < text.size(); i += 997) text[i] = static_cast<char>(i % 128);
  std::string binary = text;
  binary[binary.size() / 2] = '\xfe';
  {
    DeadLetterWriter w(path, nullptr, {.max_entry_bytes = 16u << 20});  // under the entry cap
    w.Write(RejectReason::kOversized, "8388608 > 4194304", text, "zmq", kReceived);
    w.Write(RejectReason::kOversized, "8388608 > 4194304", binary, "zmq", kReceived);
  }
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].raw == text);
  EXPECT_TRUE(entries[1].raw == binary);
  EXPECT_EQ(entries[0].reason, "oversized");
}

// A message of control bytes that is valid UTF-8 (a block of NULs from a file cut by a crash, a
// binary record) goes as base64: its line stays near its kept size and the bytes come back exactly.
// Before, it went as "raw" with each byte escaped to \u0000 (6 bytes): a 1 MiB entry made a 6 MiB
// line, beyond what a Kafka dead-letter topic or a SIEM's line limit takes.
// z9e: the cut first bytes of an oversized file line: "size" is the whole line's, "kept" and
// "hash" say that only a prefix is kept, and the entry reads back.
TEST(DeadLetterWriter, ACutMessageKeepsItsPrefixAndNamesItsWholeSize) {
  const std::string path = FreshPath("cut.ndjson");
  const std::string prefix(1000, 'a');
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kOversized, "message above max_message_bytes", prefix, "file", kReceived,
            5000000);
  }
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].size, 5000000u);
  EXPECT_EQ(entries[0].kept, prefix.size());
  EXPECT_EQ(entries[0].raw, prefix);
}

TEST(DeadLetterWriter, ControlBytesGoAsBase64SoTheLineStaysBounded) {
  const std::string path = FreshPath("nuls.ndjson");
  const std::string nuls((1u << 20) + 10, '\0');
  const std::string text = "{\"a\":\"\\\"\"}\t";  // JSON text with a tab: stays readable
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kInvalidJson, "no JSON value", nuls, "file:a.ndjson", kReceived);
    w.Write(RejectReason::kInvalidJson, "x", text, "zmq", kReceived);
  }
  EXPECT_LT(std::filesystem::file_size(path), (1u << 20) * 3 / 2);
  const std::string all = DeadLetterReadAll(path);
  EXPECT_NE(all.find("\"raw_base64\":\""), std::string::npos);
  EXPECT_NE(all.find("\"raw\":"), std::string::npos);
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].size, nuls.size());
  EXPECT_EQ(entries[0].kept, 1u << 20);
  EXPECT_TRUE(entries[0].raw == nuls.substr(0, 1u << 20));
  EXPECT_EQ(entries[1].raw, text);
}

TEST(DeadLetterWriter, KeepsABoundedPrefixTheSizeAndAHashOfA64MegabyteMessage) {
  const std::string path = FreshPath("64mb.ndjson");
  std::string huge(64u << 20, 'b');
  huge[huge.size() - 1] = 'z';  // a difference past the prefix still changes the hash
  std::string other = huge;
  other[other.size() - 1] = 'y';
  {
    DeadLetterWriter w(path);
    w.Write(RejectReason::kOversized, "67108864 > 4194304", huge, "zmq", kReceived);
    w.Write(RejectReason::kOversized, "67108864 > 4194304", other, "zmq", kReceived);
  }
  EXPECT_LT(std::filesystem::file_size(path), 2 * ((1u << 20) + 512));  // no amplification
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].size, huge.size());
  EXPECT_EQ(entries[0].kept, 1u << 20);
  EXPECT_TRUE(entries[0].raw == huge.substr(0, 1u << 20));
  EXPECT_EQ(entries[0].hash.size(), 16u);
  EXPECT_NE(entries[0].hash, entries[1].hash);
}

TEST(DeadLetterWriter, RotatesAtItsSizeCapAndCountsTheRotation) {
  const std::string path = FreshPath("capped.ndjson");
  std::filesystem::remove(path + ".1");
  Counter rotations{0};
  {
    DeadLetterWriter w(path, nullptr, {.max_file_bytes = 4096}, nullptr, &rotations);
    for (int i = 0; i < 40; ++i) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
  }
  EXPECT_GE(rotations.load(), 1u);
  EXPECT_LE(std::filesystem::file_size(path), 4096u);
  EXPECT_LE(std::filesystem::file_size(path + ".1"), 4096u);
  // Entries are all of one size, so every rotated file held as many as the last one: the cap
  // discarded the older ones, and counted each rotation.
  const std::size_t per_file = ReadDeadLetterFile(path + ".1").size();
  EXPECT_EQ(ReadDeadLetterFile(path).size() + per_file * rotations.load(), 40u);
}

// Breaker round 80: a second rotation replaced <path>.1 without a word, its entries gone. They
// are counted (privmon_dead_letter_discarded_total) and said on stderr, and the run exits 1 for
// them (ReportDeadLettersLost); a <path>.1 left by an earlier run is counted by its lines.
TEST(DeadLetterWriter, ASecondRotationCountsAndSaysTheEntriesItDiscards) {
  const std::string path = FreshPath("discard.ndjson");
  {
    std::ofstream earlier(path + ".1");
    earlier << "{\"earlier\":1}\n{\"earlier\":2}\n{\"earlier\":3}\n";
  }
  Counter rotations{0}, discarded{0}, entries{0};
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, &entries, {.max_file_bytes = 4096}, nullptr, &rotations, &discarded);
    for (int i = 0; i < 40; ++i) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_GE(rotations.load(), 2u);
  const std::size_t kept = ReadDeadLetterFile(path).size() + ReadDeadLetterFile(path + ".1").size();
  EXPECT_EQ(discarded.load(), 40u - kept + 3u);  // this run's, and the earlier run's three
  EXPECT_NE(err.find("3 rejected message(s) in it NOT kept"), std::string::npos) << err;
  EXPECT_NE(err.find("privmon_dead_letter_discarded_total"), std::string::npos) << err;

  PipelineStats stats(1, 1, 0);
  stats.dead_letter_discarded.store(discarded.load());
  DeadLetterWriter none("");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(ReportDeadLettersLost(none, stats), discarded.load());
  const std::string report = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(
      report.find("exit 1: " + std::to_string(discarded.load()) + " rejected message(s) NOT kept"),
      std::string::npos)
      << report;
}

// Breaker round 87: the operator moves <path>.1 away between rotations, as README says to keep
// every entry; the next rotation replaces nothing and discards nothing (it counted the entries it
// remembered for <path>.1: a false "NOT kept" and exit 1). A <path>.1 another hand put there is
// counted from the file.
TEST(DeadLetterWriter, ARotationAfterThePreviousOneWasMovedAwayDiscardsNothing) {
  const std::string path = FreshPath("moved.ndjson");
  const std::string archive = FreshPath("moved.archive");
  Counter rotations{0}, discarded{0};
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, nullptr, {.max_file_bytes = 4096}, nullptr, &rotations, &discarded);
    for (int i = 0; i < 40 && rotations.load() < 1; ++i) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
    ASSERT_EQ(rotations.load(), 1u);
    std::filesystem::rename(path + ".1", archive);  // the operator keeps it
    while (rotations.load() < 2) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
    EXPECT_EQ(discarded.load(), 0u);
    std::filesystem::remove(path + ".1");  // moved away again, and another hand's put there
    { std::ofstream(path + ".1") << "{\"other\":1}\n{\"other\":2}\n"; }
    while (rotations.load() < 3) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
    EXPECT_EQ(discarded.load(), 2u);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("2 rejected message(s) in it NOT kept"), std::string::npos) << err;
  std::filesystem::remove(archive);
}

// Breaker round 80: the dead letter's directory removed under it, entries went to the unlinked
// file, counted kept. The path is checked (here before every entry): a file removed is created
// again; while it cannot be, entries are write failures (exit 1 at the end), said once.
TEST(DeadLetterWriter, AFileRemovedUnderItIsCreatedAgainOrItsEntriesCountAsNotKept) {
  const std::string dir = FreshPath("gone.d");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  const std::string path = dir + "/rejected.ndjson";
  Counter failures{0};
  std::atomic<bool> failing{false};  // what GET /readyz reads (PipelineStats::dead_letter_failing)
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, nullptr, {.path_check_interval = std::chrono::milliseconds(0)},
                       &failures);
    w.ReportFailingTo(&failing);
    w.Write(RejectReason::kInvalidJson, "x", "1", "zmq", kReceived);
    std::filesystem::remove(path);
    w.Write(RejectReason::kInvalidJson, "x", "2", "zmq", kReceived);
    ASSERT_EQ(ReadDeadLetterFile(path).size(), 1u);
    EXPECT_EQ(ReadDeadLetterFile(path)[0].raw, "2");
    std::filesystem::remove_all(dir);
    w.Write(RejectReason::kInvalidJson, "x", "3", "zmq", kReceived);
    w.Write(RejectReason::kInvalidJson, "x", "4", "zmq", kReceived);
    EXPECT_EQ(failures.load(), 2u);
    EXPECT_TRUE(failing.load());
    ASSERT_TRUE(std::filesystem::create_directory(dir));
    w.Reopen();  // SIGHUP: open again at its path, ready again (breaker round 91)
    EXPECT_FALSE(failing.load());
    w.Write(RejectReason::kInvalidJson, "x", "5", "zmq", kReceived);
    EXPECT_FALSE(failing.load());
    ASSERT_EQ(ReadDeadLetterFile(path).size(), 1u);
    EXPECT_EQ(ReadDeadLetterFile(path)[0].raw, "5");
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(failures.load(), 2u);
  const std::size_t first = err.find("cannot be created again");
  EXPECT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("cannot be created again", first + 1), std::string::npos) << err;
  std::filesystem::remove_all(dir);
}

// Breaker round 137: the path is checked at most once per interval; entries written between a
// delete and the next check went to the unlinked file, lost and uncounted. They are copied into
// the new file (at the next check, or at a SIGHUP's Reopen before it).
TEST(DeadLetterWriter, EntriesWrittenToADeletedFileBeforeTheCheckAreCopiedIntoTheNewOne) {
  const std::string path = FreshPath("deleted-unchecked.ndjson");
  Counter failures{0};
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, nullptr, {.path_check_interval = std::chrono::milliseconds(300)},
                       &failures);
    w.Write(RejectReason::kInvalidJson, "x", "1", "zmq", kReceived);
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    w.Write(RejectReason::kInvalidJson, "x", "2", "zmq", kReceived);  // checked: still there
    std::filesystem::remove(path);
    w.Write(RejectReason::kInvalidJson, "x", "3", "zmq", kReceived);  // into the deleted file
    w.Write(RejectReason::kInvalidJson, "x", "4", "zmq", kReceived);
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    w.Write(RejectReason::kInvalidJson, "x", "5", "zmq", kReceived);  // the check: a new file
    std::vector<std::string> raws;
    for (const DeadLetterEntry& e : ReadDeadLetterFile(path)) raws.push_back(e.raw);
    EXPECT_EQ(raws, (std::vector<std::string>{"3", "4", "5"}));
    // Deleted again, then a SIGHUP reopens before any check.
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    w.Write(RejectReason::kInvalidJson, "x", "6", "zmq", kReceived);  // checked: still there
    std::filesystem::remove(path);
    w.Write(RejectReason::kInvalidJson, "x", "7", "zmq", kReceived);
    w.Reopen();
    w.Write(RejectReason::kInvalidJson, "x", "8", "zmq", kReceived);
    raws.clear();
    for (const DeadLetterEntry& e : ReadDeadLetterFile(path)) raws.push_back(e.raw);
    EXPECT_EQ(raws, (std::vector<std::string>{"7", "8"}));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_NE(err.find("the 2 entr(ies) written since its path was last checked copied into it"),
            std::string::npos)
      << err;
  std::filesystem::remove(path);
}

// Breaker round 138: with no entry after the delete, nothing checked the path, and the entries
// written since the last check went down with the deleted file at exit. CheckPath (the control
// thread's, once a second and before the summary) copies them.
TEST(DeadLetterWriter, CheckPathCopiesTheLastEntriesOfADeletedFileWithoutAnotherEntry) {
  const std::string path = FreshPath("deleted-last.ndjson");
  Counter failures{0};
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, nullptr, {.path_check_interval = std::chrono::hours(1)}, &failures);
    w.Write(RejectReason::kInvalidJson, "x", "1", "zmq", kReceived);
    w.Write(RejectReason::kInvalidJson, "x", "2", "zmq", kReceived);
    std::filesystem::remove(path);
    w.CheckPath();
    std::vector<std::string> raws;
    for (const DeadLetterEntry& e : ReadDeadLetterFile(path)) raws.push_back(e.raw);
    EXPECT_EQ(raws, (std::vector<std::string>{"1", "2"}));
    w.CheckPath();  // nothing new: nothing done
    EXPECT_EQ(ReadDeadLetterFile(path).size(), 2u);
  }
  (void)::testing::internal::GetCapturedStderr();
  EXPECT_EQ(failures.load(), 0u);
  std::filesystem::remove(path);
}

// A rotation that cannot happen (here <path>.1 is a directory that is not empty) leaves the file
// growing past its cap: said once on stderr, not silently. The entries are all kept.
TEST(DeadLetterWriter, ARotationThatFailsIsReportedOnceAndLosesNoEntry) {
  const std::string path = FreshPath("unrotatable.ndjson");
  std::filesystem::remove_all(path + ".1");
  std::filesystem::create_directories(path + ".1/keep");
  Counter rotations{0};
  ::testing::internal::CaptureStderr();
  {
    DeadLetterWriter w(path, nullptr, {.max_file_bytes = 4096}, nullptr, &rotations);
    for (int i = 0; i < 40; ++i) {
      w.Write(RejectReason::kInvalidJson, "x", std::string(200, 'q'), "zmq", kReceived);
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rotations.load(), 0u);
  EXPECT_EQ(ReadDeadLetterFile(path).size(), 40u);
  const std::size_t first = err.find("cannot rotate");
  EXPECT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("cannot rotate", first + 1), std::string::npos) << "reported once: " << err;
  std::filesystem::remove_all(path + ".1");
  std::filesystem::remove(path);
}

TEST(DeadLetterWriter, AFullDiskCountsTheLostEntries) {
  Counter failures{0}, entries{0};
  std::atomic<bool> failing{false};
  DeadLetterWriter w("/dev/full", &entries, {}, &failures);
  w.ReportFailingTo(&failing);
  w.Write(RejectReason::kInvalidJson, "x", "{", "zmq", kReceived);
  EXPECT_TRUE(failing.load());
  w.Write(RejectReason::kInvalidJson, "x", "{", "zmq", kReceived);
  EXPECT_EQ(entries.load(), 2u);
  EXPECT_EQ(failures.load(), 2u);
}

// An entry cut short by a full file is removed, not left half-written: the entries before it and
// the ones written once there is room again all read back, none glued to a fragment.
TEST(DeadLetterWriter, AnEntryCutShortByAFullFileIsRemovedAndTheFileStaysReadable) {
  const std::string path = FreshPath("cut.ndjson");
  const std::string raw(200, 'r');
  Counter failures{0}, entries{0};
  DeadLetterWriter w(path, &entries, {}, &failures);
  w.Write(RejectReason::kInvalidJson, "x", raw, "zmq", kReceived);
  const auto entry_bytes = static_cast<rlim_t>(DeadLetterReadAll(path).size());
  {
    testing::FileSizeLimit limit(entry_bytes * 5 / 2);  // one more whole entry, then half of one
    w.Write(RejectReason::kInvalidJson, "x", raw, "zmq", kReceived);
    w.Write(RejectReason::kInvalidJson, "x", raw, "zmq", kReceived);  // cut short
    w.Write(RejectReason::kInvalidJson, "x", raw, "zmq", kReceived);  // no room at all
  }
  EXPECT_EQ(failures.load(), 2u);
  EXPECT_EQ(DeadLetterReadAll(path).size(), 2 * entry_bytes);
  w.Write(RejectReason::kInvalidJson, "x", "after", "zmq", kReceived);
  const auto read = ReadDeadLetterFile(path);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].raw, raw);
  EXPECT_EQ(read[1].raw, raw);
  EXPECT_EQ(read[2].raw, "after");
  EXPECT_EQ(entries.load(), 5u);
  std::filesystem::remove(path);
}

TEST(DeadLetterWriter, ReopensAfterALogrotateRenameAndRefusesSymlinks) {
  const std::string path = FreshPath("rotate.ndjson");
  std::filesystem::remove(path + ".old");
  DeadLetterWriter w(path);
  w.Write(RejectReason::kInvalidJson, "x", "1", "zmq", kReceived);
  std::filesystem::rename(path, path + ".old");
  w.Reopen();
  w.Write(RejectReason::kInvalidJson, "x", "2", "zmq", kReceived);
  ASSERT_EQ(ReadDeadLetterFile(path + ".old").size(), 1u);
  ASSERT_EQ(ReadDeadLetterFile(path).size(), 1u);
  EXPECT_EQ(ReadDeadLetterFile(path)[0].raw, "2");
  const std::string link = FreshPath("link.ndjson");
  std::filesystem::create_symlink(path, link);
  EXPECT_THROW(DeadLetterWriter bad(link), std::runtime_error);
}

TEST(DeadLetterWriter, CountsButWritesNothingWhenDisabled) {
  Counter counter{0};
  DeadLetterWriter w("", &counter);
  EXPECT_FALSE(w.enabled());
  w.Write(RejectReason::kBadTime, "", "x", "stdin", kReceived);
  EXPECT_EQ(w.count(), 1u);
  EXPECT_EQ(counter.load(), 1u);
}

TEST(DeadLetterWriter, KeepsEntriesWholeUnderConcurrentWriters) {
  const std::string path = FreshPath("threads.ndjson");
  constexpr int kThreads = 4, kEach = 500;
  {
    DeadLetterWriter w(path);
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&w, t] {
        const std::string raw(100 + t, static_cast<char>('a' + t));
        for (int i = 0; i < kEach; ++i) {
          w.Write(RejectReason::kNoAccount, "t", raw, "zmq", kReceived);
        }
      });
    }
  }
  const auto entries = ReadDeadLetterFile(path);
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kThreads * kEach));
  for (const auto& e : entries) {
    ASSERT_GE(e.raw.size(), 100u);
    EXPECT_EQ(e.raw, std::string(e.raw.size(), static_cast<char>('a' + e.raw.size() - 100)));
  }
}

TEST(DeadLetterReader, RejectsMalformedLinesAndNamesTheLine) {
  const std::string path = FreshPath("bad.ndjson");
  std::ofstream(path) << "{\"reason\":\"x\",\"size\":1,\"raw\":\"a\"}\n{\"raw\":\"unterminated}\n";
  try {
    ReadDeadLetterFile(path);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2"), std::string::npos) << e.what();
  }
  DeadLetterEntry entry;
  EXPECT_TRUE(ParseDeadLetterLine(R"({"size":2,"raw":"\ud83d\udd11"})", entry) == false);
  EXPECT_TRUE(ParseDeadLetterLine(R"({"size":4,"raw":"\ud83d\udd11"})", entry));
  EXPECT_EQ(entry.raw, "\xf0\x9f\x94\x91");
  EXPECT_FALSE(ParseDeadLetterLine(R"({"size":1,"raw_base64":"*A=="})", entry));
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    std::string out;
    AppendBase64(plain, out);
    EXPECT_EQ(out, encoded);
    EXPECT_EQ(DecodeBase64(encoded), plain);
  }
  EXPECT_FALSE(DecodeBase64("Zm9"));
  EXPECT_FALSE(DecodeBase64("Zm=v"));
}

// The dead letter on a FIFO is refused at once, saying why (breaker round 10: `run` blocked for
// ever in open(), SIGTERM blocked); the threads that read the input write it, so even a FIFO with
// a reader could stall them. /dev/null is taken.
TEST(DeadLetterWriter, AFifoIsRefusedNotWaitedFor) {
  const std::string path = FreshPath("dead.fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_THROW(DeadLetterWriter{path}, std::runtime_error);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  try {
    DeadLetterWriter writer(path);
    ADD_FAILURE() << "a FIFO taken as the dead letter";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a FIFO: the dead letter is a regular file"),
              std::string::npos)
        << e.what();
  }
  ::close(reader);
  DeadLetterWriter null_writer("/dev/null");
  EXPECT_TRUE(null_writer.enabled());
}

}  // namespace
}  // namespace privmon
