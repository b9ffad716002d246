#include "pipeline/checkpoint_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "pipeline/os_error.h"
#include "pipeline/router.h"

namespace privmon {
namespace {

constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kSuffix = ".pmck";

bool WriteAll(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, const PartitionFence* fence)
    : dir_(std::move(dir)), fence_(fence) {
  if (::mkdir(dir_.c_str(), 0750) != 0 && errno != EEXIST) {
    throw std::runtime_error(ErrnoText("checkpoint dir " + dir_));
  }
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw std::runtime_error("checkpoint dir " + dir_ + " is not a directory");
  }
  // One writer per directory: two processes sharing one would restore each other's state (a
  // Kafka group's members each need their own). The kernel drops the lock when the process dies.
  // The lock is on the directory itself (flock works on a directory's descriptor): no file added.
  // A fenced store (a state partition's) is shared by design: its fence decides who writes.
  if (fence_ != nullptr) {
    const auto seqs = Sequences();
    if (!seqs.empty()) next_sequence_ = seqs.front() + 1;
    return;
  }
  lock_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ < 0) throw std::runtime_error(ErrnoText("checkpoint dir " + dir_));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("checkpoint dir " + dir_ +
                             (error == EWOULDBLOCK
                                  ? std::string(" is in use by another privmon (each process "
                                                "needs its own checkpoint dir)")
                                  : std::string(": cannot lock: ") + std::strerror(error)));
  }
  const auto seqs = Sequences();
  if (!seqs.empty()) next_sequence_ = seqs.front() + 1;
}

CheckpointStore::~CheckpointStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::vector<uint64_t> CheckpointStore::Sequences() const {
  std::vector<uint64_t> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix)) {
      continue;
    }
    const std::string_view digits =
        name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back(std::stoull(std::string(digits)));
  }
  ::closedir(d);
  std::sort(out.rbegin(), out.rend());
  return out;
}

std::string CheckpointStore::PathOf(uint64_t sequence) const {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-%012llu.pmck",
                static_cast<unsigned long long>(sequence));
  return dir_ + "/" + name;
}

std::string CheckpointStore::Write(const std::string& bytes) {
  const std::string_view whole = bytes;
  return Write(std::span<const std::string_view>(&whole, 1));
}

std::string CheckpointStore::Write(std::span<const std::string_view> pieces) {
  last_write_fenced_ = false;
  std::optional<PartitionFence::Guard> guard;
  if (fence_ != nullptr) {
    guard.emplace(*fence_);
    if (!guard->ok()) {
      last_write_fenced_ = guard->found() > fence_->epoch();
      return guard->error();
    }
    // The previous owner may have written since this store was opened.
    if (const auto seqs = Sequences(); !seqs.empty() && seqs.front() >= next_sequence_) {
      next_sequence_ = seqs.front() + 1;
    }
  }
  const uint64_t seq = next_sequence_;
  const std::string final_path = PathOf(seq);
  const std::string tmp = dir_ + "/.tmp-" + final_path.substr(dir_.size() + 1);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoText("create " + tmp);
  std::string error;
  if (::fchmod(fd, 0640) != 0) error = ErrnoText("chmod " + tmp);
  for (const std::string_view piece : pieces) {
    if (error.empty() && !WriteAll(fd, piece)) error = ErrnoText("write " + tmp);
  }
  if (error.empty() && ::fsync(fd) != 0) error = ErrnoText("fsync " + tmp);
  if (::close(fd) != 0 && error.empty()) error = ErrnoText("close " + tmp);
  if (error.empty() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    error = ErrnoText("rename " + tmp);
  }
  if (!error.empty()) {
    ::unlink(tmp.c_str());
    return error;
  }
  if (!SyncDir(dir_)) return ErrnoText("fsync " + dir_);
  next_sequence_ = seq + 1;
  const auto seqs = Sequences();
  for (std::size_t i = kKeep; i < seqs.size(); ++i) ::unlink(PathOf(seqs[i]).c_str());
  return {};
}

CheckpointStore::Found CheckpointStore::LoadLatest(std::span<const uint32_t> layouts,
                                                   std::string* bytes, DecodedCheckpoint* out,
                                                   std::string* path,
                                                   std::vector<std::string>* notes) {
  const auto seqs = Sequences();
  if (seqs.empty()) return Found::kNone;
  for (const uint64_t seq : seqs) {
    const std::string p = PathOf(seq);
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      notes->push_back(ErrnoText(p));
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    *bytes = std::move(ss).str();
    *out = DecodedCheckpoint{};
    if (std::string why = DecodeCheckpoint(*bytes, layouts, out); !why.empty()) {
      notes->push_back(p + ": unusable (" + why + ")");
      continue;
    }
    *path = p;
    return Found::kLoaded;
  }
  return Found::kNoneUsable;
}

std::string RestoreCheckpoint(const DecodedCheckpoint& checkpoint,
                              const std::vector<EventConsumer*>& consumers,
                              std::vector<ClockInputRecord>* clock_inputs,
                              std::vector<HeldMarkRecord>* held_marks,
                              std::vector<SilenceRecord>* silences,
                              std::vector<AheadEventRecord>* ahead) {
  const auto shards = static_cast<uint32_t>(consumers.size());
  const bool same_shards = checkpoint.header.shards == shards;
  // The shards a record goes to: by account key, its origin shard, or every shard.
  auto route = [&](const CheckpointRecordView& r, auto&& to) {
    const bool at_origin = same_shards && r.origin < shards;
    if (r.route == CheckpointRoute::kByKey ||
        (r.route == CheckpointRoute::kByOriginElseKey && !at_origin)) {
      to(ShardOf(r.key, shards));
    } else if (at_origin) {
      to(r.origin);
    } else {
      for (uint32_t s = 0; s < shards; ++s) to(s);
    }
  };
  // A first pass over the record heads only counts each shard's records by kind, so its tables
  // are sized once instead of growing (rehashing) through the load. A malformed body is reported
  // by the second pass.
  std::vector<std::array<std::size_t, 256>> counts(shards);
  for (const std::string_view body : checkpoint.partitions) {
    ForEachCheckpointRecord(body, [&](const CheckpointRecordView& r) {
      if (r.tag != kCheckpointClockInputTag && r.tag != kCheckpointHeldMarkTag &&
          r.tag != kCheckpointSilenceTag && r.tag != kCheckpointAheadEventTag) {
        route(r, [&](uint32_t s) { ++counts[s][r.tag]; });
      }
    });
  }
  for (uint32_t s = 0; s < shards; ++s) {
    for (std::size_t tag = 0; tag < counts[s].size(); ++tag) {
      if (counts[s][tag] != 0)
        consumers[s]->ReserveState(static_cast<uint8_t>(tag), counts[s][tag]);
    }
  }
  std::string error;
  for (std::size_t p = 0; p < checkpoint.partitions.size() && error.empty(); ++p) {
    const bool well_formed =
        ForEachCheckpointRecord(checkpoint.partitions[p], [&](const CheckpointRecordView& r) {
          if (!error.empty()) return;
          if (r.tag == kCheckpointClockInputTag) {  // the pipeline's, for every shard's clocks
            ClockInputRecord c;
            if (!DecodeClockInput(r, &c)) {
              error = "partition " + std::to_string(p) + ": malformed clock input";
            } else if (clock_inputs != nullptr) {
              clock_inputs->push_back(c);
            }
            return;
          }
          if (r.tag == kCheckpointHeldMarkTag) {  // the parse threads' (a listing going on)
            HeldMarkRecord h;
            if (!DecodeHeldMark(r, &h)) {
              error = "partition " + std::to_string(p) + ": malformed held mark";
            } else if (held_marks != nullptr) {
              held_marks->push_back(h);
            }
            return;
          }
          if (r.tag == kCheckpointSilenceTag) {  // the control thread's (PRIV-OP-01)
            SilenceRecord s;
            if (!DecodeSilence(r, &s)) {
              error = "partition " + std::to_string(p) + ": malformed silence watch";
            } else if (silences != nullptr) {
              silences->push_back(std::move(s));
            }
            return;
          }
          if (r.tag == kCheckpointAheadEventTag) {  // the shards' (events held ahead)
            AheadEventRecord a;
            if (!DecodeAheadEvent(r, &a)) {
              error = "partition " + std::to_string(p) + ": malformed held event";
            } else if (ahead != nullptr) {
              ahead->push_back(a);
            }
            return;
          }
          CheckpointRecordView rec = r;
          rec.format = checkpoint.header.format;
          auto load = [&](uint32_t s) {
            if (!consumers[s]->LoadState(rec)) {
              error = "partition " + std::to_string(p) + ": record of kind " +
                      std::to_string(r.tag) + " refused";
            }
          };
          route(r, load);
        });
    if (!well_formed && error.empty()) error = "partition " + std::to_string(p) + " malformed";
  }
  if (error.empty()) {
    for (EventConsumer* c : consumers) c->OnRestored();
  }
  return error;
}

}  // namespace privmon
