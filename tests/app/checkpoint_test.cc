// Checkpoint files and restore (issue 12, docs/operations.md "Checkpoints"): atomic files of mode
// 0640, the newest kept few, a truncated or bit-flipped newest file refused with its reason and
// the previous one used, exit 2 only when none is usable, --fresh on purpose, and the committed
// fixtures of formats 1 to 6 (tests/data/checkpoint/v1 to v6) still restore (migrated), into
// any shard count.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/checkpoint_format.h"
#include "core/config.h"
#include "pipeline/checkpoint_store.h"
#include "state/checkpoint_codec.h"
#include "tests/support/engine_helpers.h"
#include "tests/support/process_helpers.h"

namespace privmon {
namespace {

using std::chrono_literals::operator""s;
using testing::EngineHarness;
using testing::ReadFile;
using testing::RunToExit;
using testing::TempDir;
using testing::TempDirCleanup;

const std::string kBinary = PRIVMON_BINARY;
const std::string kFixtureDir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v1";
const std::string kFixtureV2Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v2";
const std::string kFixtureV3Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v3";
const std::string kFixtureV4Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v4";
const std::string kFixtureV5Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v5";
const std::string kFixtureV6Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v6";
const std::string kFixtureV7Dir = std::string(PRIVMON_SOURCE_DIR) + "/tests/data/checkpoint/v7";

std::string SmallCheckpoint(uint64_t marker) {
  CheckpointShardWriter w(0);
  std::string payload;
  PutU64(payload, marker);
  w.Add(kCkKnownValue, CheckpointRoute::kByOrigin, marker, payload + std::string(4, '\0'));
  w.Add(kCkTenantClock, CheckpointRoute::kByOrigin, 42, payload);
  CheckpointHeader h;
  h.layout = kStateLayout;
  h.shards = 1;
  h.sources.push_back({"file", static_cast<int64_t>(marker)});
  return EncodeCheckpoint(h, {&w});
}

void Overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(CheckpointStore, WritesAtomicFilesOfMode0640AndKeepsTheNewestThree) {
  const std::string dir = TempDir("ckstore");
  TempDirCleanup cleanup(dir);
  CheckpointStore store(dir + "/cp");
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_EQ(store.Write(SmallCheckpoint(i)), "");
  EXPECT_EQ(store.Sequences(), (std::vector<uint64_t>{5, 4, 3}));
  struct stat st {};
  ASSERT_EQ(stat(store.PathOf(5).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  for (const auto& e : std::filesystem::directory_iterator(dir + "/cp")) {
    EXPECT_EQ(e.path().filename().string().rfind(".tmp", 0), std::string::npos) << e.path();
  }
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded);
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(path, store.PathOf(5));
  ASSERT_EQ(cp.header.sources.size(), 1u);
  EXPECT_EQ(cp.header.sources[0].offset, 5);
}

// Two writers of one directory would restore each other's state: the second is refused while the
// first holds it, and accepted once it is gone (a killed process's lock goes with it).
TEST(CheckpointStore, ASecondStoreOnTheSameDirectoryIsRefusedWhileTheFirstHoldsIt) {
  const std::string dir = TempDir("cklock");
  TempDirCleanup cleanup(dir);
  {
    CheckpointStore first(dir + "/cp");
    try {
      CheckpointStore second(dir + "/cp");
      ADD_FAILURE() << "a second store on the same directory was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another privmon"), std::string::npos)
          << e.what();
    }
    CheckpointStore other(dir + "/cp2");  // another directory is independent
    ASSERT_EQ(first.Write(SmallCheckpoint(1)), "");
  }
  CheckpointStore again(dir + "/cp");
  EXPECT_EQ(again.Sequences(), (std::vector<uint64_t>{1}));
}

TEST(CheckpointStore, ATruncatedOrBitFlippedNewestFallsBackToThePreviousOne) {
  const std::string dir = TempDir("ckcorrupt");
  TempDirCleanup cleanup(dir);
  CheckpointStore store(dir);
  ASSERT_EQ(store.Write(SmallCheckpoint(1)), "");
  ASSERT_EQ(store.Write(SmallCheckpoint(2)), "");
  ASSERT_EQ(store.Write(SmallCheckpoint(3)), "");
  const std::string good = ReadFile(store.PathOf(3));
  // Truncated newest: checkpoint 2 is used, and the refusal names the file and the reason.
  Overwrite(store.PathOf(3), good.substr(0, good.size() - 7));
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded);
  EXPECT_EQ(path, store.PathOf(2));
  EXPECT_EQ(cp.header.sources[0].offset, 2);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("checkpoint-000000000003.pmck"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("truncated"), std::string::npos) << notes[0];
  // One bit flipped in the body, then one in the header: each refused by its checksum.
  std::string flipped = good;
  flipped[flipped.size() - 3] ^= 0x10;
  Overwrite(store.PathOf(3), flipped);
  notes.clear();
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded);
  EXPECT_EQ(path, store.PathOf(2));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("checksum mismatch"), std::string::npos) << notes[0];
  flipped = good;
  flipped[30] ^= 0x01;
  Overwrite(store.PathOf(3), flipped);
  notes.clear();
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded);
  EXPECT_EQ(path, store.PathOf(2));
  // Every file corrupt: none usable.
  for (uint64_t s : store.Sequences()) Overwrite(store.PathOf(s), "PMCKPT01 short");
  notes.clear();
  EXPECT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kNoneUsable);
  EXPECT_EQ(notes.size(), 3u);
  // Another build's layouts are refused, not misread.
  CheckpointStore other(dir + "/other");
  ASSERT_EQ(other.Write(SmallCheckpoint(9)), "");
  notes.clear();
  const std::array<uint32_t, 9> others = {0,
                                          kStateLayoutV1,
                                          kStateLayoutV2,
                                          kStateLayoutV3,
                                          kStateLayoutV4,
                                          kStateLayoutV5,
                                          kStateLayoutV6,
                                          kStateLayoutV7,
                                          kStateLayout + 1};
  EXPECT_EQ(other.LoadLatest(others, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kNoneUsable);
  ASSERT_EQ(notes.size(), 1u);
  // The refusal names the file's format and layout and the ones this build reads and writes.
  EXPECT_NE(notes[0].find("format 8 with state layout " + std::to_string(kStateLayout) +
                          " of another build: this build reads format 8 with layout " +
                          std::to_string(kStateLayout + 1)),
            std::string::npos)
      << notes[0];
}

// The reader dispatches on the format number: a future format is refused by name, never misread.
TEST(CheckpointStore, RefusesAnUnknownFutureFormatWithAClearMessage) {
  const std::string dir = TempDir("ckfuture");
  TempDirCleanup cleanup(dir);
  CheckpointStore store(dir + "/cp");
  CheckpointShardWriter w(0);
  CheckpointHeader h;
  h.format = kCheckpointFormat + 1;
  h.layout = kStateLayout;
  h.shards = 1;
  ASSERT_EQ(store.Write(EncodeCheckpoint(h, {&w})), "");
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  EXPECT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kNoneUsable);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("format 9 is newer than the formats 1 to 8 this build reads"),
            std::string::npos)
      << notes[0];
  // Format 0 was never written: refused the same way, not read as format 1.
  h.format = 0;
  ASSERT_EQ(store.Write(EncodeCheckpoint(h, {&w})), "");
  notes.clear();
  EXPECT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kNoneUsable);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("format 0 is not one of the formats 1 to 8"), std::string::npos)
      << notes[0];
}

// The run command: exit 2 on a directory of unusable checkpoints, unless --fresh.
TEST(CheckpointRun, NoUsableCheckpointIsExit2AndFreshStartsEmptyOnPurpose) {
  const std::string dir = TempDir("ckrun");
  TempDirCleanup cleanup(dir);
  std::filesystem::create_directories(dir + "/cp");
  Overwrite(dir + "/cp/checkpoint-000000000001.pmck", "PMCKPT01 truncated");
  Overwrite(dir + "/in.ndjson", "");
  const std::string run = testing::WriteFileRunConfig(dir, "run", false, dir + "/alerts.jsonl");
  EXPECT_EQ(RunToExit({kBinary, "run", "-c", run}, dir + "/out", dir + "/err"), 2);
  EXPECT_NE(ReadFile(dir + "/err").find("none is usable"), std::string::npos)
      << ReadFile(dir + "/err");
  EXPECT_EQ(RunToExit({kBinary, "run", "--fresh", "-c", run}, dir + "/out", dir + "/err"), 0);
  EXPECT_NE(ReadFile(dir + "/err").find("--fresh"), std::string::npos) << ReadFile(dir + "/err");
  // privmon check validates the section.
  Overwrite(dir + "/bad.yaml", "checkpoint: {interval: 0s}\n");
  EXPECT_EQ(RunToExit({kBinary, "check", "-c", dir + "/bad.yaml"}, dir + "/out", dir + "/err"), 2);
  const std::string err = ReadFile(dir + "/out") + ReadFile(dir + "/err");
  EXPECT_NE(err.find("checkpoint.interval"), std::string::npos) << err;
  EXPECT_NE(err.find("needs `dir`"), std::string::npos) << err;
}

// A final checkpoint that cannot be written is a failure, not a clean stop: `scan --checkpoint-out`
// and a `run` stopped by SIGTERM (which keeps its pending verdicts for the checkpoint instead of
// settling them) exit 1 and say so. The store's temporary file is made impossible to create (a
// directory holds its name), so the write fails as on a full disk.
TEST(CheckpointRun, AFinalCheckpointThatCannotBeWrittenIsExit1) {
  const std::string dir = TempDir("ckfail");
  TempDirCleanup cleanup(dir);
  std::filesystem::create_directories(dir + "/cp/.tmp-checkpoint-000000000001.pmck");
  Overwrite(dir + "/in.ndjson", "");
  EXPECT_EQ(RunToExit({kBinary, "scan", "--checkpoint-out", dir + "/cp", dir + "/in.ndjson"},
                      dir + "/out", dir + "/err"),
            1);
  EXPECT_NE(ReadFile(dir + "/err").find("no checkpoint was written"), std::string::npos)
      << ReadFile(dir + "/err");

  const std::string run = testing::WriteFileRunConfig(dir, "run", true, dir + "/alerts.jsonl");
  testing::Child child(testing::Spawn({kBinary, "run", "-c", run}, dir + "/out", dir + "/err"));
  ASSERT_TRUE(testing::PollUntil(
      [&] { return ReadFile(dir + "/err").find("running with") != std::string::npos; }, 30s));
  EXPECT_EQ(child.Stop(SIGTERM, 60s), std::optional<int>(1));
  const std::string err = ReadFile(dir + "/err");
  EXPECT_NE(err.find("checkpoint not written"), std::string::npos) << err;
  EXPECT_NE(err.find("final checkpoint was NOT written"), std::string::npos) << err;
}

// Of the accounts restored: how many have a PrivilegedState, and how many of those hold roles
// not known (HeldRoles::kUnknown: restored from format 1 or 2, never un-learned by a removal).
struct RestoreCounts {
  std::size_t with_privileged_state = 0;
  std::size_t unknown_roles = 0;
};

// Restores a checkpoint into `shards` detection engines; returns the accounts they hold.
std::size_t RestoreInto(const DecodedCheckpoint& cp, uint32_t shards, std::string* error,
                        std::vector<CheckpointShardWriter>* saved,
                        RestoreCounts* counts = nullptr) {
  EngineHarness engines(BuiltinDefaultConfig(), shards);
  *error = RestoreCheckpoint(cp, engines.consumers());
  std::size_t accounts = 0;
  for (uint32_t s = 0; s < shards; ++s) {
    accounts += engines.engine(s).accounts().size();
    if (counts != nullptr) {
      engines.engine(s).accounts().ForEach(
          [&](uint64_t, const AccountState&, const PrivilegedState* ps) {
            if (ps == nullptr) return;
            ++counts->with_privileged_state;
            if ((ps->roles.sources & HeldRoles::kUnknown) != 0) ++counts->unknown_roles;
          });
    }
    saved->emplace_back(static_cast<uint16_t>(s));
    engines.engine(s).SaveState(saved->back());
  }
  return accounts;
}

TEST(CheckpointFixture, FormatOneFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureDir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-1 files (DESIGN.md 10)";
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(cp.header.format, 1u);
  ASSERT_EQ(cp.header.sources.size(), 1u);
  EXPECT_GT(cp.header.sources[0].offset, 0);
  std::size_t records = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView&) { ++records; }));
  }
  EXPECT_GT(records, 100u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts unlearn;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &unlearn);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(unlearn.with_privileged_state, 0u);
  EXPECT_EQ(unlearn.unknown_roles, unlearn.with_privileged_state);  // never un-learned
  // Accounts are routed by key: another shard count holds the same accounts.
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  // Migrated: saved again it is a file of this build's format, which restores to the same
  // accounts and saves to as many bytes again (format 2 added each account's tenant and each known
  // value's time, format 3 each privileged account's held roles, format 4 their times).
  CheckpointHeader h = cp.header;
  h.format = kCheckpointFormat;
  h.layout = kStateLayout;
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  const std::string again = EncodeCheckpoint(h, parts);
  EXPECT_GT(again.size(), bytes.size());
  DecodedCheckpoint cp2;
  ASSERT_EQ(DecodeCheckpoint(again, kStateLayouts, &cp2), "");
  EXPECT_EQ(cp2.header.format, kCheckpointFormat);
  std::vector<CheckpointShardWriter> twice;
  EXPECT_EQ(RestoreInto(cp2, cp.header.shards, &error, &twice), at_origin);
  EXPECT_EQ(error, "");
  parts.clear();
  for (const auto& w : twice) parts.push_back(&w);
  EXPECT_EQ(EncodeCheckpoint(h, parts).size(), again.size());
}

TEST(CheckpointFixture, FormatTwoFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV2Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-2 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 2u);
  ASSERT_EQ(cp.header.sources.size(), 1u);
  EXPECT_GT(cp.header.sources[0].offset, 0);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts unlearn;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &unlearn);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  // Format 2 did not keep the roles an account holds: every privileged account is restored with
  // its roles unknown, so no role removal un-learns it.
  EXPECT_GT(unlearn.with_privileged_state, 0u);
  EXPECT_EQ(unlearn.unknown_roles, unlearn.with_privileged_state);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  // Migrated: saved again it is a file of this build's format, larger by the held roles of each
  // privileged account and nothing else, which restores to the same accounts and saves to as many
  // bytes.
  CheckpointHeader h = cp.header;
  h.format = kCheckpointFormat;
  h.layout = kStateLayout;
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  const std::string again = EncodeCheckpoint(h, parts);
  EXPECT_EQ(again.size() - bytes.size(),
            unlearn.with_privileged_state * (sizeof(PrivilegedState) - kPrivilegedStateV2Bytes));
  DecodedCheckpoint cp2;
  ASSERT_EQ(DecodeCheckpoint(again, kStateLayouts, &cp2), "");
  std::vector<CheckpointShardWriter> twice;
  RestoreCounts kept;
  EXPECT_EQ(RestoreInto(cp2, cp.header.shards, &error, &twice, &kept), at_origin);
  EXPECT_EQ(kept.with_privileged_state, unlearn.with_privileged_state);
  EXPECT_EQ(kept.unknown_roles, unlearn.unknown_roles);
  parts.clear();
  for (const auto& w : twice) parts.push_back(&w);
  EXPECT_EQ(EncodeCheckpoint(h, parts).size(), again.size());
}

// Format 3 keeps each privileged account's held roles: restored as saved (learned accounts with
// their roles known, so a removal can un-learn them), and saved again to the same bytes.
TEST(CheckpointFixture, FormatThreeFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV3Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-3 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 3u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts.with_privileged_state, 0u);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  // Migrated (format 4 keeps a time per hold, HeldRolesV3::Migrate; format 5 the roles of
  // PRIV-EL-08's activations and their ends): saved again, as many bytes but for the held roles'
  // 16 and those roles' 64 more per privileged account and the pipeline's own clock-input
  // records (tag 7), which the engines do not write; it reads back as this build's format, to the
  // same accounts.
  std::size_t clock_inputs = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag == kCheckpointClockInputTag) clock_inputs += 16 + r.payload.size();
    }));
  }
  CheckpointHeader h = cp.header;
  h.format = kCheckpointFormat;
  h.layout = kStateLayout;
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  const std::string again = EncodeCheckpoint(h, parts);
  EXPECT_EQ(again.size() + clock_inputs,
            bytes.size() +
                counts.with_privileged_state * (sizeof(HeldRoles) - sizeof(HeldRolesV3) +
                                                sizeof(PrivilegedState) - kPrivilegedStateV4Bytes));
  DecodedCheckpoint cp2;
  ASSERT_EQ(DecodeCheckpoint(again, kStateLayouts, &cp2), "");
  EXPECT_EQ(cp2.header.format, kCheckpointFormat);
  std::vector<CheckpointShardWriter> twice;
  RestoreCounts kept;
  EXPECT_EQ(RestoreInto(cp2, cp.header.shards, &error, &twice, &kept), at_origin);
  EXPECT_EQ(kept.with_privileged_state, counts.with_privileged_state);
  EXPECT_EQ(kept.unknown_roles, counts.unknown_roles);
}

// Format 4 keeps a time per held role's hold and the roles seen removed: restored as saved, and
// saved again (migrated: format 5 adds the roles of PRIV-EL-08's activations and their ends) to as
// many bytes but for those roles.
TEST(CheckpointFixture, FormatFourFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV4Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-4 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 4u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts.with_privileged_state, 0u);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  // Saved again: as many bytes, but for the pipeline's own clock-input records (tag 7), which
  // the engines do not write, and PRIV-EL-08's roles (64 more per privileged account).
  std::size_t clock_inputs = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag == kCheckpointClockInputTag) clock_inputs += 16 + r.payload.size();
    }));
  }
  CheckpointHeader h = cp.header;
  h.format = kCheckpointFormat;
  h.layout = kStateLayout;
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  const std::string again = EncodeCheckpoint(h, parts);
  EXPECT_EQ(again.size() + clock_inputs,
            bytes.size() +
                counts.with_privileged_state * (sizeof(PrivilegedState) - kPrivilegedStateV4Bytes));
  DecodedCheckpoint cp2;
  ASSERT_EQ(DecodeCheckpoint(again, kStateLayouts, &cp2), "");
  EXPECT_EQ(cp2.header.format, kCheckpointFormat);
  std::vector<CheckpointShardWriter> twice;
  RestoreCounts kept;
  EXPECT_EQ(RestoreInto(cp2, cp.header.shards, &error, &twice, &kept), at_origin);
  EXPECT_EQ(kept.with_privileged_state, counts.with_privileged_state);
}

// Format 5 keeps the roles of PRIV-EL-08's activations and their ends: restored as saved, and
// saved again to the same bytes.
TEST(CheckpointFixture, FormatFiveFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV5Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-5 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 5u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts.with_privileged_state, 0u);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  // Saved again: as many bytes, but for the pipeline's own clock-input records (tag 7), which
  // the engines do not write.
  std::size_t clock_inputs = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag == kCheckpointClockInputTag) clock_inputs += 16 + r.payload.size();
    }));
  }
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  EXPECT_EQ(EncodeCheckpoint(cp.header, parts).size() + clock_inputs, bytes.size());
}

// Format 6 keeps format 5's structs and adds records (held listing marks, registration times,
// custom role pairs): restored as saved, and saved again to the same bytes but for the pipeline's.
TEST(CheckpointFixture, FormatSixFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV6Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-6 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 6u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts.with_privileged_state, 0u);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  std::size_t pipeline_records = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag == kCheckpointClockInputTag || r.tag == kCheckpointHeldMarkTag) {
        pipeline_records += 16 + r.payload.size();
      }
    }));
  }
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  EXPECT_EQ(EncodeCheckpoint(cp.header, parts).size() + pipeline_records, bytes.size());
}

// Format 7 keeps format 6's structs and adds the control thread's records (PRIV-OP-01's
// watches): restored as saved, and saved again to the same bytes but for the pipeline's and
// the control thread's.
TEST(CheckpointFixture, FormatSevenFixtureStillRestoresIntoAnyShardCount) {
  CheckpointStore store(kFixtureV7Dir);
  std::string bytes, path;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
  ASSERT_EQ(store.LoadLatest(kStateLayouts, &bytes, &cp, &path, &notes),
            CheckpointStore::Found::kLoaded)
      << (notes.empty() ? "" : notes[0])
      << "\nA change of the state layout needs a migration of format-7 files (DESIGN.md 10)";
  EXPECT_EQ(cp.header.format, 7u);
  std::string error;
  std::vector<CheckpointShardWriter> same, more;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, &same, &counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts.with_privileged_state, 0u);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  std::size_t pipeline_records = 0, silences = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag == kCheckpointClockInputTag || r.tag == kCheckpointHeldMarkTag ||
          r.tag == kCheckpointSilenceTag) {
        pipeline_records += 16 + r.payload.size();
      }
      if (r.tag == kCheckpointSilenceTag) {
        SilenceRecord watch;
        EXPECT_TRUE(DecodeSilence(r, &watch));
        EXPECT_FALSE(watch.tenant_id.empty());
        ++silences;
      }
    }));
  }
  EXPECT_GT(silences, 0u);  // PRIV-OP-01's watch of each tenant (k17d)
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : same) parts.push_back(&w);
  EXPECT_EQ(EncodeCheckpoint(cp.header, parts).size() + pipeline_records, bytes.size());
}

}  // namespace
}  // namespace privmon
