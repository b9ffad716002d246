// SinkWorker over real destinations: a full disk (/dev/full), a pipe nobody reads, a pipe whose
// reader left, a ZeroMQ subscriber that stopped reading. Each test checks the accounting: every
// alert handed to the sink is written exactly once or counted as dropped, never both, never
// neither, and what the destination received matches `written`.
#include "sinks/sink_worker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include "sinks/fd_output.h"
#include "sinks/zmq_pub_output.h"
#include "tests/support/file_size_limit.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using std::chrono::milliseconds;

const bool kSinkWorkerSigpipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

std::string Line(std::size_t i, std::size_t size = 300) {
  std::string line = "{\"n\":" + std::to_string(i) + ",\"pad\":\"";
  line.append(size - line.size() - 3, 'x');
  line.append("\"}\n");
  return line;
}

// The write end of a pipe as an alert output (the same WriteToFd that stdout uses).
class PipeOutput final : public AlertOutput {
 public:
  explicit PipeOutput(int fd) : fd_(fd) {}
  ~PipeOutput() override { ::close(fd_); }
  WriteResult Write(std::string_view bytes) override { return WriteToFd(fd_, false, bytes); }
  std::string_view kind() const override { return "stdout"; }

 private:
  int fd_;
};

std::string ReadAvailable(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool WaitUntil(auto done, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(SinkWorker, AFullDiskCountsErrorsRetriesAndAtShutdownDropsEachAlertOnce) {
  SinkStats stats;
  stats.name = "file";
  {
    SinkWorker worker(std::make_unique<FileOutput>("/dev/full", true), stats, {});
    for (std::size_t i = 0; i < 50; ++i) ASSERT_TRUE(worker.TryPush(Line(i)));
    ASSERT_TRUE(WaitUntil([&] { return stats.errors.load() >= 3; }));  // retried, with backoff
    EXPECT_FALSE(worker.failed());  // ENOSPC can be cured: the sink keeps trying
    EXPECT_TRUE(stats.failing.load());
    worker.StartShutdownGrace(milliseconds(200));
    worker.Finish();
  }
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.dropped.load(), 50u);
  EXPECT_EQ(stats.lost.load(), 50u);
  EXPECT_EQ(stats.queue_bytes.load(), 0);
}

// A disk that fills up in the middle of an alert: the alerts that fit are written, the one cut
// short and the rest are dropped at shutdown, and the cut one is removed from the file, so the
// file holds whole lines only and the next writer's first alert is not glued to half of another.
TEST(SinkWorker, AnAlertCutShortByAFullFileIsRemovedWhenItIsDropped) {
  const std::string dir = testing::TempDir("cutline");
  testing::TempDirCleanup cleanup(dir);
  const std::string path = dir + "/alerts.jsonl";
  SinkStats stats;
  stats.name = "file";
  {
    testing::FileSizeLimit limit(1000);  // 3 lines of 300 bytes, then 100 bytes of the 4th
    SinkWorker worker(std::make_unique<FileOutput>(path, true), stats, {});
    for (std::size_t i = 0; i < 5; ++i) ASSERT_TRUE(worker.TryPush(Line(i)));
    ASSERT_TRUE(WaitUntil([&] { return stats.errors.load() >= 2; }));  // EFBIG, retried
    worker.StartShutdownGrace(milliseconds(100));
    worker.Finish();
  }
  EXPECT_EQ(stats.written.load(), 3u);
  EXPECT_EQ(stats.dropped.load(), 2u);
  EXPECT_EQ(testing::ReadFile(path), Line(0) + Line(1) + Line(2));
  {
    SinkWorker next(std::make_unique<FileOutput>(path, true), stats, {});
    ASSERT_TRUE(next.TryPush(Line(5)));
    next.Finish();
  }
  EXPECT_EQ(testing::ReadFile(path), Line(0) + Line(1) + Line(2) + Line(5));
}

// Breaker round 80: an alert file removed (or its directory) under the sink took the next alerts
// into the unlinked inode, counted written. The path is checked before each write batch: a file
// deleted is created again at the path (one renamed away is written on until SIGHUP); while it
// cannot be (no directory), the writes fail (errors, failing) and, at shutdown, the alerts held
// are dropped, never written.
TEST(SinkWorker, AnAlertFileRemovedUnderItIsCreatedAgainOrItsAlertsFailAndAreDropped) {
  const std::string dir = testing::TempDir("filegone");
  testing::TempDirCleanup cleanup(dir);
  const std::string out = dir + "/out", path = out + "/alerts.jsonl";
  ASSERT_TRUE(std::filesystem::create_directory(out));
  SinkStats stats;
  stats.name = "file";
  {
    SinkWorker worker(std::make_unique<FileOutput>(path, true), stats, {});
    ASSERT_TRUE(worker.TryPush(Line(0)));
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() == 1; }));
    // Renamed away (logrotate, before its SIGHUP): still linked, still written.
    std::filesystem::rename(path, path + ".old");
    ASSERT_TRUE(worker.TryPush(Line(1)));
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() == 2; }));
    EXPECT_EQ(testing::ReadFile(path + ".old"), Line(0) + Line(1));
    std::filesystem::remove(path + ".old");  // deleted: created again at its path
    ASSERT_TRUE(worker.TryPush(Line(4)));
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() == 3; }));
    EXPECT_EQ(testing::ReadFile(path), Line(4));

    std::filesystem::remove_all(out);  // gone, and cannot be created again
    ASSERT_TRUE(worker.TryPush(Line(2)));
    ASSERT_TRUE(WaitUntil([&] { return stats.errors.load() >= 1; }));
    EXPECT_TRUE(stats.failing.load());
    EXPECT_FALSE(worker.failed());  // retried: the directory may come back
    EXPECT_EQ(stats.written.load(), 3u);
    ASSERT_TRUE(std::filesystem::create_directory(out));  // it does: the held alert is written
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() == 4; }));
    EXPECT_FALSE(stats.failing.load());
    EXPECT_EQ(testing::ReadFile(path), Line(2));

    std::filesystem::remove_all(out);  // and for good: dropped at shutdown
    const uint64_t errors = stats.errors.load();
    ASSERT_TRUE(worker.TryPush(Line(3)));
    ASSERT_TRUE(WaitUntil([&] { return stats.errors.load() > errors; }));
    worker.StartShutdownGrace(milliseconds(100));
    worker.Finish();
  }
  EXPECT_EQ(stats.written.load(), 4u);
  EXPECT_EQ(stats.dropped.load(), 1u);
  EXPECT_EQ(stats.lost.load(), 1u);
}

TEST(SinkWorker, FailFastGivesUpOnTheFirstErrorAndDropsLaterAlertsToo) {
  SinkStats stats;
  SinkWorker worker(std::make_unique<FileOutput>("/dev/full", true), stats, {.fail_fast = true});
  ASSERT_TRUE(worker.TryPush(Line(0)));
  ASSERT_TRUE(WaitUntil([&] { return worker.failed(); }));
  for (std::size_t i = 1; i < 10; ++i) ASSERT_TRUE(worker.TryPush(Line(i)));
  worker.Finish();
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.dropped.load(), 10u);
  EXPECT_EQ(stats.errors.load(), 1u);
}

TEST(SinkWorker, AStuckReaderFillsTheQueueThenResumesWithEveryAlertExactlyOnce) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  SinkStats stats;
  constexpr std::size_t kLines = 2000;  // 600 KB: far more than the pipe holds
  std::string expected;
  {
    auto owned = std::make_unique<SinkWorker>(std::make_unique<PipeOutput>(fds[1]), stats,
                                              SinkPolicy{.queue_bytes = 64 << 10});
    SinkWorker& worker = *owned;
    // Nobody reads: the pipe and then the queue fill, and TryPush refuses (back-pressure).
    std::size_t pushed = 0;
    for (int refused = 0; pushed < kLines && refused < 10;) {
      if (worker.TryPush(Line(pushed))) {
        expected += Line(pushed++);
        refused = 0;
      } else {
        ++refused;
        std::this_thread::sleep_for(milliseconds(30));
      }
    }
    ASSERT_LT(pushed, kLines);
    EXPECT_GT(stats.written.load(), 0u);
    EXPECT_LT(stats.written.load(), pushed);
    EXPECT_GT(stats.queue_bytes.load(), 0);
    // The reader comes back: everything arrives, in order, once.
    std::string received;
    std::jthread reader([&] {
      char buf[65536];
      for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
        received.append(buf, static_cast<std::size_t>(n));
      }
    });
    for (; pushed < kLines; ++pushed) {
      const std::string line = Line(pushed);
      while (!worker.TryPush(line)) std::this_thread::sleep_for(milliseconds(1));
      expected += line;
    }
    owned.reset();  // finishes, then closes the write end with the output: the reader sees EOF
    reader.join();
    EXPECT_EQ(received, expected);
  }
  EXPECT_EQ(stats.written.load(), kLines);
  EXPECT_EQ(stats.dropped.load(), 0u);
  EXPECT_EQ(stats.errors.load(), 0u);
  ::close(fds[0]);
}

// A reader that stopped reading: the sink says since when it has held alerts without delivering
// one (GET /readyz fails on it after kSinkStallSeconds), says the stall once on stderr (here after
// 200 ms) and its end, and says nothing once it holds none.
TEST(SinkWorker, AStuckReaderShowsSinceWhenNothingWasDeliveredAndClearsOnceDrained) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  SinkStats stats;
  stats.name = "stdout";
  ::testing::internal::CaptureStderr();
  {
    auto worker = std::make_unique<SinkWorker>(
        std::make_unique<PipeOutput>(fds[1]), stats,
        SinkPolicy{.queue_bytes = 64 << 10, .stall_after = milliseconds(200)});
    EXPECT_EQ(stats.waiting_since_us.load(), 0);
    std::size_t pushed = 0;
    for (int refused = 0; refused < 10;) {
      if (worker->TryPush(Line(pushed))) {
        ++pushed;
        refused = 0;
      } else {
        ++refused;
        std::this_thread::sleep_for(milliseconds(30));
      }
    }
    const int64_t stuck_since = stats.waiting_since_us.load();
    EXPECT_GT(stuck_since, 0);
    const uint64_t written = stats.written.load();
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(stats.written.load(), written);               // still stuck: nothing delivered...
    EXPECT_EQ(stats.waiting_since_us.load(), stuck_since);  // ...and the time stays put
    std::jthread reader([&] {
      char buf[65536];
      for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((stats.written.load() < pushed || stats.waiting_since_us.load() != 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_EQ(stats.written.load(), pushed);
    EXPECT_EQ(stats.waiting_since_us.load(), 0);
    worker.reset();  // closes the write end: the reader sees EOF
  }
  ::close(fds[0]);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string said = "privmon: sink stdout: warning: alerts waiting, none delivered";
  const std::size_t stall = err.find(said);
  EXPECT_NE(stall, std::string::npos) << err;
  EXPECT_EQ(err.find(said, stall + 1), std::string::npos) << "said once: " << err;
  EXPECT_NE(err.find("privmon: sink stdout: delivering again after"), std::string::npos) << err;
}

// A stall said on stderr that ends because the shutdown dropped the queue is no delivery: no
// "delivering again" (breaker round 141: it was printed just before "136 alert(s) NOT
// delivered").
TEST(SinkWorker, AStallEndedByTheShutdownsDropIsNotCalledDeliveringAgain) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  SinkStats stats;
  stats.name = "stdout";
  ::testing::internal::CaptureStderr();
  {
    SinkWorker worker(std::make_unique<PipeOutput>(fds[1]), stats,
                      SinkPolicy{.queue_bytes = 64 << 10, .stall_after = milliseconds(200)});
    for (int refused = 0, i = 0; refused < 10;) {
      if (worker.TryPush(Line(static_cast<std::size_t>(i)))) {
        ++i;
        refused = 0;
      } else {
        ++refused;
        std::this_thread::sleep_for(milliseconds(30));
      }
    }
    std::this_thread::sleep_for(milliseconds(400));  // the stall is said
    worker.StartShutdownGrace(milliseconds(300));
    worker.Finish();
  }
  ::close(fds[0]);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("privmon: sink stdout: warning: alerts waiting"), std::string::npos) << err;
  EXPECT_EQ(err.find("delivering again"), std::string::npos) << err;
  EXPECT_GT(stats.dropped.load(), 0u);
}

TEST(SinkWorker, ShutdownDoesNotHangOnAStuckReaderAndCountsWhatItCouldNotWrite) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  SinkStats stats;
  constexpr std::size_t kLines = 1000;
  const auto start = std::chrono::steady_clock::now();
  {
    SinkWorker worker(std::make_unique<PipeOutput>(fds[1]), stats, {});
    for (std::size_t i = 0; i < kLines; ++i) ASSERT_TRUE(worker.TryPush(Line(i)));
    worker.StartShutdownGrace(milliseconds(300));
    worker.Finish();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_GT(stats.written.load(), 0u);  // the pipe took some
  EXPECT_GT(stats.dropped.load(), 0u);
  EXPECT_EQ(stats.written.load() + stats.dropped.load(), kLines);
  EXPECT_EQ(stats.lost.load(), stats.dropped.load());
  // What the pipe holds is exactly the written alerts (a partly written line is not one of them).
  const std::string in_pipe = ReadAvailable(fds[0]);
  EXPECT_EQ(static_cast<uint64_t>(std::count(in_pipe.begin(), in_pipe.end(), '\n')),
            stats.written.load());
  ::close(fds[0]);
}

TEST(SinkWorker, AReaderThatLeftFailsTheSinkAtOnce) {
  ASSERT_TRUE(kSinkWorkerSigpipeIgnored);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  SinkStats stats;
  SinkWorker worker(std::make_unique<PipeOutput>(fds[1]), stats, {});
  for (std::size_t i = 0; i < 20; ++i) ASSERT_TRUE(worker.TryPush(Line(i)));
  ASSERT_TRUE(WaitUntil([&] { return worker.failed(); }));
  worker.Finish();
  EXPECT_EQ(stats.written.load(), 0u);
  EXPECT_EQ(stats.dropped.load(), 20u);
  EXPECT_EQ(stats.errors.load(), 1u);  // EPIPE is not retried
}

TEST(SinkWorker, AStalledZmqSubscriberGetsExactlyTheAlertsCountedAsWritten) {
  zmq::context_t ctx;
  auto pub = std::make_unique<ZmqPubOutput>(ctx, "tcp://127.0.0.1:*", /*hwm=*/100);
  const std::string endpoint = pub->last_endpoint();
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvhwm, 100);
  sub.set(zmq::sockopt::rcvbuf, 64 << 10);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(endpoint);
  ZmqPubOutput* raw = pub.get();
  // Wait for the subscription to reach the publisher (the probe is dropped or delivered).
  ASSERT_TRUE(WaitUntil([&] {
    raw->Write("{\"probe\":1}\n");
    return raw->subscriptions() == 1;
  }));
  zmq::message_t msg;
  sub.set(zmq::sockopt::rcvtimeo, 200);
  while (sub.recv(msg)) {
  }

  SinkStats stats;
  constexpr std::size_t kAlerts = 20000;  // 20 MB: more than the HWMs and socket buffers hold
  uint64_t received = 0;
  {
    SinkWorker worker(std::move(pub), stats, {});
    for (std::size_t i = 0; i < kAlerts; ++i) {
      const std::string line = Line(i, 1000);
      while (!worker.TryPush(line)) std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_TRUE(WaitUntil([&] { return stats.written.load() + stats.dropped.load() == kAlerts; }));
    // The subscriber reads at last, while privmon still runs: every alert counted as written is
    // queued in ZeroMQ or the kernel and reaches it; none counted as dropped does. (What a
    // subscriber still stalled at shutdown loses after `linger` is not counted as written
    // either way; that is ZeroMQ PUB's contract, see the README's metrics.)
    sub.set(zmq::sockopt::rcvtimeo, 2000);
    while (received < stats.written.load() && sub.recv(msg)) ++received;
    worker.Finish();
  }
  EXPECT_GT(stats.dropped.load(), 0u);
  EXPECT_GT(stats.written.load(), 0u);
  EXPECT_EQ(stats.lost.load(), 0u);  // PUB's drops are by design, not a failure
  EXPECT_EQ(received, stats.written.load());
  // And nothing beyond them arrives.
  sub.set(zmq::sockopt::rcvtimeo, 200);
  while (sub.recv(msg)) ++received;
  EXPECT_EQ(received, stats.written.load());
}

}  // namespace
}  // namespace privmon
