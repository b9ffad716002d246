#include "sinks/alert_output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "sinks/fd_output.h"
#include "sinks/zmq_pub_output.h"

namespace privmon {
namespace {

// As in privmon itself: a closed reader is an EPIPE, not a death by SIGPIPE.
const bool kSigpipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

// This binary's own directory under the temp directory, removed when it exits.
struct AlertOutputTempDir {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("privmon_sinks_" + std::to_string(::getpid()));
  AlertOutputTempDir() { std::filesystem::create_directories(dir); }
  AlertOutputTempDir(const AlertOutputTempDir&) = delete;
  AlertOutputTempDir& operator=(const AlertOutputTempDir&) = delete;
  ~AlertOutputTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

std::string TempPath(const std::string& name) {
  static AlertOutputTempDir temp;
  return (temp.dir / name).string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(AlertOutput& out, std::string_view bytes) {
  while (!bytes.empty()) {
    const WriteResult r = out.Write(bytes);
    ASSERT_EQ(r.error, 0) << std::strerror(r.error);
    bytes.remove_prefix(r.accepted);
  }
}

TEST(FileOutput, WritesLinesAndAppendsAcrossOpens) {
  const std::string path = TempPath("alerts.jsonl");
  std::filesystem::remove(path);
  {
    FileOutput out(path, /*append=*/true);
    WriteAll(out, "{\"a\":1}\n{\"a\":2}\n");
    EXPECT_EQ(ReadAll(path), "{\"a\":1}\n{\"a\":2}\n");  // no user-space buffer
  }
  {
    FileOutput out(path, /*append=*/true);
    WriteAll(out, "{\"a\":3}\n");
  }
  EXPECT_EQ(ReadAll(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  {
    FileOutput out(path, /*append=*/false);
    WriteAll(out, "{\"a\":4}\n");
  }
  EXPECT_EQ(ReadAll(path), "{\"a\":4}\n");
}

TEST(FileOutput, CreatesTheFileReadableByOwnerAndGroupOnly) {
  const std::string path = TempPath("mode.jsonl");
  std::filesystem::remove(path);
  FileOutput out(path, true);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << std::oct << st.st_mode;  // nothing for others
  EXPECT_EQ(st.st_mode & 0111, 0u) << std::oct << st.st_mode;
}

TEST(FileOutput, RefusesToOpenThroughASymlink) {
  const std::string target = TempPath("target.jsonl");
  const std::string link = TempPath("link.jsonl");
  std::filesystem::remove(link);
  std::ofstream(target) << "precious\n";
  std::filesystem::create_symlink(target, link);
  try {
    FileOutput out(link, true);
    FAIL() << "opened a symlink";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("symlink"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ReadAll(target), "precious\n");
}

TEST(FileOutput, ReopenFollowsALogrotateRename) {
  const std::string path = TempPath("rotated.jsonl");
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
  FileOutput out(path, true);
  WriteAll(out, "{\"before\":1}\n");
  std::filesystem::rename(path, path + ".1");
  WriteAll(out, "{\"still_old\":1}\n");  // until reopened, the renamed file gets the lines
  ASSERT_EQ(out.Reopen(), "");
  WriteAll(out, "{\"after\":1}\n");
  EXPECT_EQ(ReadAll(path + ".1"), "{\"before\":1}\n{\"still_old\":1}\n");
  EXPECT_EQ(ReadAll(path), "{\"after\":1}\n");
}

TEST(FileOutput, AFullDiskIsAnErrorNotASilentSuccess) {
  FileOutput out("/dev/full", true);
  const WriteResult r = out.Write("{\"a\":1}\n");
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.error, ENOSPC);
  EXPECT_FALSE(IsPermanentWriteError(r.error));  // an operator can free space: keep retrying
}

TEST(FileOutput, ThrowsNamingThePathWhenItCannotOpen) {
  try {
    FileOutput out("/nonexistent-dir/alerts.jsonl", true);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/alerts.jsonl"), std::string::npos);
  }
}

TEST(WriteToFd, APipeNobodyReadsIsNotReadyRatherThanBlocking) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string line(1000, 'x');
  std::size_t total = 0;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const WriteResult r = WriteToFd(fds[1], /*regular_file=*/false, line);
    ASSERT_EQ(r.error, 0);
    if (r.accepted == 0) break;  // full: waited 100 ms, did not block
    total += r.accepted;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GT(total, 0u);
  ::close(fds[0]);
  const WriteResult r = WriteToFd(fds[1], false, line);
  ASSERT_TRUE(kSigpipeIgnored);
  EXPECT_EQ(r.error, EPIPE);
  EXPECT_TRUE(IsPermanentWriteError(r.error));
  ::close(fds[1]);
}

TEST(ZmqPubOutput, DeliversEachAlertAsOneMessageToASubscriber) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "tcp://127.0.0.1:*");
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvtimeo, 100);
  sub.connect(pub.last_endpoint());
  // Until the subscription has arrived, alerts go to nobody and are reported as dropped.
  zmq::message_t msg;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool got = false;
  while (!got && std::chrono::steady_clock::now() < deadline) {
    const WriteResult r = pub.Write("{\"probe\":true}\n");
    ASSERT_EQ(r.error, 0);
    if (r.dropped) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    got = sub.recv(msg).has_value();
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(pub.subscriptions(), 1);
  while (sub.recv(msg, zmq::recv_flags::dontwait)) {
  }
  EXPECT_FALSE(pub.Write("{\"alert\":1}\n").dropped);
  EXPECT_FALSE(pub.Write("{\"alert\":2}\n").dropped);
  ASSERT_TRUE(sub.recv(msg));
  EXPECT_EQ(msg.to_string(), "{\"alert\":1}");
  ASSERT_TRUE(sub.recv(msg));
  EXPECT_EQ(msg.to_string(), "{\"alert\":2}");
}

// Breaker round 137: the only subscriber leaves and the PUB socket sits idle; the next alert was
// sent into nothing and counted written (the unsubscribe reaches an idle XPUB only after a
// teardown round trip). The socket's monitor counts the disconnect as it happens.
TEST(ZmqPubOutput, TheFirstAlertAfterTheLastSubscriberLeftIsReportedDropped) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "tcp://127.0.0.1:*");
  {
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "");
    sub.set(zmq::sockopt::rcvtimeo, 100);
    sub.set(zmq::sockopt::linger, 0);
    sub.connect(pub.last_endpoint());
    zmq::message_t msg;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool got = false;
    while (!got && std::chrono::steady_clock::now() < deadline) {
      if (pub.Write("{\"probe\":true}\n").dropped) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      got = sub.recv(msg).has_value();
    }
    ASSERT_TRUE(got);
  }                                                             // the subscriber closes
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the publisher sits idle
  const WriteResult r = pub.Write("{\"alert\":2}\n");
  EXPECT_EQ(r.error, 0);
  EXPECT_TRUE(r.dropped) << "sent to nobody and counted written";
}

TEST(ZmqPubOutput, WithoutASubscriberEveryAlertIsReportedDropped) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "tcp://127.0.0.1:*");
  const WriteResult r = pub.Write("{\"alert\":1}\n");
  EXPECT_EQ(r.accepted, 12u);
  EXPECT_TRUE(r.dropped);
}

// The PUB sink's losses are said on stderr, once per run of drops, not only counted: a SIEM
// connector that went away for hours used to lose every alert without a line in privmon's log.
TEST(ZmqPubOutput, SaysWhenItStartsAndStopsDropping) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "tcp://127.0.0.1:*");
  testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pub.Write("{\"alert\":1}\n").dropped);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(pub.last_endpoint());
  int dropped = 3;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pub.Write("{\"probe\":true}\n").dropped && std::chrono::steady_clock::now() < deadline) {
    ++dropped;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string err = testing::internal::GetCapturedStderr();
  const std::string start = "no subscriber: alerts are DROPPED";
  ASSERT_NE(err.find(start), std::string::npos) << err;
  EXPECT_EQ(err.find(start, err.find(start) + 1), std::string::npos) << "said once: " << err;
  EXPECT_NE(err.find("delivering again after " + std::to_string(dropped) + " dropped alert(s)"),
            std::string::npos)
      << err;
}

// A subscriber at its high-water mark that reads slowly (a SIEM connector behind in an alert
// storm) makes the sink alternate drops and deliveries: each switch was a stderr line, two per
// alert taken, a log flood in the storm. Runs of drops are said at most once a minute (the
// recovery line counts every drop since the last line).
TEST(ZmqPubOutput, AFlappingSubscriberIsSaidOnceAMinuteNotPerAlert) {
  zmq::context_t ctx;
  ZmqPubOutput pub(ctx, "inproc://flapping", /*send_high_water_mark=*/1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvhwm, 1);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect("inproc://flapping");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (pub.subscriptions() == 0 && std::chrono::steady_clock::now() < deadline) {
    pub.Write("{\"probe\":true}\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  testing::internal::CaptureStderr();
  int switches = 0;
  bool last_dropped = false;
  for (int i = 0; i < 20000 && switches < 40 && std::chrono::steady_clock::now() < deadline; ++i) {
    const bool dropped = pub.Write("{\"alert\":1}\n").dropped;
    if (dropped != last_dropped) ++switches;
    last_dropped = dropped;
    if (dropped) {  // the subscriber takes what is queued, then falls behind again
      zmq::message_t m;
      while (sub.recv(m, zmq::recv_flags::dontwait)) {
      }
    }
  }
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_GE(switches, 10) << "the subscriber never flapped";
  std::size_t lines = 0;
  for (char c : err) lines += c == '\n' ? 1 : 0;
  EXPECT_LE(lines, 2u) << err;  // was one per switch
}

TEST(MakeAlertOutputs, BuildsOneOutputPerSinkInOrder) {
  zmq::context_t ctx;
  const std::string path = TempPath("made.jsonl");
  std::vector<SinkSettings> sinks = {{SinkType::kStdout, "", ""},
                                     {SinkType::kFile, path, ""},
                                     {SinkType::kZmqPub, "", "tcp://127.0.0.1:*"}};
  auto outputs = MakeAlertOutputs(sinks, ctx);
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(outputs[0]->kind(), "stdout");
  EXPECT_EQ(outputs[1]->kind(), "file");
  EXPECT_EQ(outputs[2]->kind(), "zmq_pub");
}

TEST(MakeAlertOutputs, ThrowsAClearErrorWhenAnEndpointCannotBeBound) {
  zmq::context_t ctx;
  std::vector<SinkSettings> sinks = {{SinkType::kZmqPub, "", "tcp://no-such-host.invalid:1"}};
  try {
    MakeAlertOutputs(sinks, ctx);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tcp://no-such-host.invalid:1"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(MakeAlertOutputs({{SinkType::kFile, "", ""}}, ctx), std::runtime_error);
}

// A file sink on a FIFO: its open never blocks (breaker round 10: with no reader, `run` hung in
// open() with SIGTERM blocked, until SIGKILL). No reader: refused at once, saying so. A reader
// running: written to as before (WriteToFd waits for the pipe to be writable).
TEST(FileOutput, AFifoIsOpenedWithoutWaitingForItsReader) {
  const std::string path = TempPath("alerts.fifo");
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    FileOutput out(path, /*append=*/true);
    ADD_FAILURE() << "opened a FIFO that no process reads";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a FIFO that no process reads"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  {
    FileOutput out(path, /*append=*/true);
    WriteAll(out, "{\"alert\":1}\n");
  }
  char got[64] = {};
  EXPECT_EQ(::read(reader, got, sizeof got), 12);
  EXPECT_STREQ(got, "{\"alert\":1}\n");
  ::close(reader);
  std::filesystem::remove(path);
}

// Breaker round 137: a FIFO's reader that restarts. Its EPIPE failed the sink for good, and the
// restarted reader never got another alert. Now the write fails with a retryable ENXIO while no
// reader has it open, and the first write after a reader opens it again reaches that reader.
TEST(FileOutput, AFifoWhoseReaderRestartsIsWrittenToAgain) {
  const std::string path = TempPath("restarting.fifo");
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  FileOutput out(path, /*append=*/true);
  WriteAll(out, "{\"alert\":1}\n");
  char got[64] = {};
  EXPECT_EQ(::read(reader, got, sizeof got), 12);
  ::close(reader);  // the reader goes away
  WriteResult r = out.Write("{\"alert\":2}\n");
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.error, ENXIO);
  EXPECT_FALSE(IsPermanentWriteError(r.error));
  r = out.Write("{\"alert\":2}\n");  // still no reader
  EXPECT_EQ(r.error, ENXIO);
  reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // it restarts
  ASSERT_GE(reader, 0);
  WriteAll(out, "{\"alert\":2}\n");
  std::memset(got, 0, sizeof got);
  EXPECT_EQ(::read(reader, got, sizeof got), 12);
  EXPECT_STREQ(got, "{\"alert\":2}\n");
  ::close(reader);
  std::filesystem::remove(path);
}

// Breaker round 138: writes to a FIFO were cut at PIPE_BUF, not at line ends: a reader that went
// away mid-stream left the new reader the tail of an alert as its first line. Now each write is
// whole lines, which a pipe takes whole or not at all.
TEST(FileOutput, ANewReaderOfAFifoGetsOnlyWholeLines) {
  const std::string path = TempPath("whole-lines.fifo");
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  FileOutput out(path, /*append=*/true);
  const std::string line = "{\"alert\":\"" + std::string(740, 'x') + "\"}\n";  // 751 bytes
  std::string pending;
  for (int i = 0; i < 200; ++i) pending += line;
  // The first reader reads nothing: the pipe fills, and writes stop being taken.
  for (int i = 0; i < 400; ++i) {
    const WriteResult r = out.Write(pending);
    ASSERT_EQ(r.error, 0);
    if (r.accepted == 0) break;
    pending.erase(0, r.accepted);
  }
  ASSERT_FALSE(pending.empty()) << "the pipe never filled";
  ASSERT_EQ(pending.size() % line.size(), 0u) << "a write cut a line";
  ::close(reader);  // it goes away with what it held
  EXPECT_EQ(out.Write(pending).error, ENXIO);
  reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // a new reader
  ASSERT_GE(reader, 0);
  std::string got;
  char buffer[8192];
  for (int i = 0; i < 400 && !pending.empty(); ++i) {
    const WriteResult r = out.Write(pending);
    ASSERT_EQ(r.error, 0);
    pending.erase(0, r.accepted);
    for (ssize_t n; (n = ::read(reader, buffer, sizeof buffer)) > 0;) got.append(buffer, n);
  }
  for (ssize_t n; (n = ::read(reader, buffer, sizeof buffer)) > 0;) got.append(buffer, n);
  EXPECT_TRUE(pending.empty());
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.substr(0, line.size()), line);
  EXPECT_EQ(got.size() % line.size(), 0u);
  ::close(reader);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace privmon
