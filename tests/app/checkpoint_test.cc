// Checkpoint files and restore (issue 12, docs/operations.md "Checkpoints"): atomic files of mode
// 0640, the newest kept few, a truncated or bit-flipped newest file refused with its reason and
// the previous one used, exit 2 only when none is usable, --fresh on purpose, and the committed
// fixtures of formats 1 to 7 (tests/data/checkpoint/v1 to v7) still restore (migrated), into
// any shard count.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <initializer_list>
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

// A committed fixture of format `format` (tests/data/checkpoint/vN), loaded as a restart does.
struct LoadedFixture {
  std::string bytes;
  DecodedCheckpoint cp;
  std::vector<std::string> notes;
};
::testing::AssertionResult LoadFixture(const std::string& dir, uint32_t format,
                                       LoadedFixture* out) {
  CheckpointStore store(dir);
  std::string path;
  const std::vector<std::string>& notes = out->notes;
  if (store.LoadLatest(kStateLayouts, &out->bytes, &out->cp, &path, &out->notes) !=
      CheckpointStore::Found::kLoaded) {
    return ::testing::AssertionFailure()
           << (notes.empty() ? "" : notes[0]) << "\nA change of the state layout needs a migration"
           << " of format-" << format << " files (DESIGN.md 10)";
  }
  if (out->cp.header.format != format) {
    return ::testing::AssertionFailure()
           << "format " << out->cp.header.format << ", not " << format;
  }
  return ::testing::AssertionSuccess();
}

// Restores `cp` into its own shard count (into `same`, counting into `counts`) and into one more
// shard: accounts are routed by key, so both hold the same accounts. Returns how many.
std::size_t RestoreIntoBothShardCounts(const DecodedCheckpoint& cp,
                                       std::vector<CheckpointShardWriter>* same,
                                       RestoreCounts* counts) {
  std::string error;
  std::vector<CheckpointShardWriter> more;
  const std::size_t at_origin = RestoreInto(cp, cp.header.shards, &error, same, counts);
  EXPECT_EQ(error, "");
  EXPECT_GT(at_origin, 50u);
  EXPECT_GT(counts->with_privileged_state, 0u);
  EXPECT_EQ(RestoreInto(cp, cp.header.shards + 1, &error, &more), at_origin);
  EXPECT_EQ(error, "");
  return at_origin;
}

// The engines' records saved again under `header`, as one file.
std::string SaveAgain(const CheckpointHeader& header,
                      const std::vector<CheckpointShardWriter>& writers) {
  std::vector<const CheckpointShardWriter*> parts;
  for (const auto& w : writers) parts.push_back(&w);
  return EncodeCheckpoint(header, parts);
}

// The bytes (16 of framing plus the payload) of `cp`'s records whose tag is one of `tags`: the
// pipeline's and the control thread's own records, which the engines do not write.
std::size_t RecordBytesTagged(const DecodedCheckpoint& cp, std::initializer_list<uint8_t> tags) {
  std::size_t bytes = 0;
  for (auto part : cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (std::find(tags.begin(), tags.end(), r.tag) != tags.end()) bytes += 16 + r.payload.size();
    }));
  }
  return bytes;
}

// Migrated: a file saved again under this build's format reads back as that format, restores to
// the same accounts with the same held roles known, and saves to as many bytes again.
void ExpectTheMigratedFileRestoresAlike(const std::string& again, const DecodedCheckpoint& cp,
                                        std::size_t at_origin, const RestoreCounts& counts) {
  DecodedCheckpoint cp2;
  ASSERT_EQ(DecodeCheckpoint(again, kStateLayouts, &cp2), "");
  EXPECT_EQ(cp2.header.format, kCheckpointFormat);
  std::string error;
  std::vector<CheckpointShardWriter> twice;
  RestoreCounts kept;
  EXPECT_EQ(RestoreInto(cp2, cp.header.shards, &error, &twice, &kept), at_origin);
  EXPECT_EQ(error, "");
  EXPECT_EQ(kept.with_privileged_state, counts.with_privileged_state);
  EXPECT_EQ(kept.unknown_roles, counts.unknown_roles);
  EXPECT_EQ(SaveAgain(cp2.header, twice).size(), again.size());
}

CheckpointHeader ThisBuildsHeader(const CheckpointHeader& from) {
  CheckpointHeader h = from;
  h.format = kCheckpointFormat;
  h.layout = kStateLayout;
  return h;
}

TEST(CheckpointFixture, FormatOneFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureDir, 1, &f));
  EXPECT_TRUE(f.notes.empty());
  ASSERT_EQ(f.cp.header.sources.size(), 1u);
  EXPECT_GT(f.cp.header.sources[0].offset, 0);
  std::size_t records = 0;
  for (auto part : f.cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView&) { ++records; }));
  }
  EXPECT_GT(records, 100u);
  std::vector<CheckpointShardWriter> same;
  RestoreCounts unlearn;
  const std::size_t at_origin = RestoreIntoBothShardCounts(f.cp, &same, &unlearn);
  EXPECT_EQ(unlearn.unknown_roles, unlearn.with_privileged_state);  // never un-learned
  // Migrated: larger (format 2 added each account's tenant and each known value's time, format 3
  // each privileged account's held roles, format 4 their times, ...).
  const std::string again = SaveAgain(ThisBuildsHeader(f.cp.header), same);
  EXPECT_GT(again.size(), f.bytes.size());
  ExpectTheMigratedFileRestoresAlike(again, f.cp, at_origin, unlearn);
}

TEST(CheckpointFixture, FormatTwoFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV2Dir, 2, &f));
  ASSERT_EQ(f.cp.header.sources.size(), 1u);
  EXPECT_GT(f.cp.header.sources[0].offset, 0);
  std::vector<CheckpointShardWriter> same;
  RestoreCounts unlearn;
  const std::size_t at_origin = RestoreIntoBothShardCounts(f.cp, &same, &unlearn);
  // Format 2 did not keep the roles an account holds: every privileged account is restored with
  // its roles unknown, so no role removal un-learns it.
  EXPECT_EQ(unlearn.unknown_roles, unlearn.with_privileged_state);
  // Migrated: larger by the held roles of each privileged account and nothing else.
  const std::string again = SaveAgain(ThisBuildsHeader(f.cp.header), same);
  EXPECT_EQ(again.size() - f.bytes.size(),
            unlearn.with_privileged_state * (sizeof(PrivilegedState) - kPrivilegedStateV2Bytes));
  ExpectTheMigratedFileRestoresAlike(again, f.cp, at_origin, unlearn);
}

// Format 3 keeps each privileged account's held roles: restored as saved (learned accounts with
// their roles known, so a removal can un-learn them), and saved again to the same bytes.
TEST(CheckpointFixture, FormatThreeFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV3Dir, 3, &f));
  std::vector<CheckpointShardWriter> same;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreIntoBothShardCounts(f.cp, &same, &counts);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  // Migrated (format 4 keeps a time per hold, HeldRolesV3::Migrate; format 5 the roles of
  // PRIV-EL-08's activations and their ends): saved again, as many bytes but for the held roles'
  // 16 and those roles' 64 more per privileged account and the pipeline's own clock-input
  // records (tag 7), which the engines do not write.
  const std::string again = SaveAgain(ThisBuildsHeader(f.cp.header), same);
  EXPECT_EQ(again.size() + RecordBytesTagged(f.cp, {kCheckpointClockInputTag}),
            f.bytes.size() +
                counts.with_privileged_state * (sizeof(HeldRoles) - sizeof(HeldRolesV3) +
                                                sizeof(PrivilegedState) - kPrivilegedStateV4Bytes));
  ExpectTheMigratedFileRestoresAlike(again, f.cp, at_origin, counts);
}

// Format 4 keeps a time per held role's hold and the roles seen removed: restored as saved, and
// saved again (migrated: format 5 adds the roles of PRIV-EL-08's activations and their ends) to as
// many bytes but for those roles.
TEST(CheckpointFixture, FormatFourFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV4Dir, 4, &f));
  std::vector<CheckpointShardWriter> same;
  RestoreCounts counts;
  const std::size_t at_origin = RestoreIntoBothShardCounts(f.cp, &same, &counts);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  // Saved again: as many bytes, but for the pipeline's own clock-input records (tag 7), which
  // the engines do not write, and PRIV-EL-08's roles (64 more per privileged account).
  const std::string again = SaveAgain(ThisBuildsHeader(f.cp.header), same);
  EXPECT_EQ(again.size() + RecordBytesTagged(f.cp, {kCheckpointClockInputTag}),
            f.bytes.size() +
                counts.with_privileged_state * (sizeof(PrivilegedState) - kPrivilegedStateV4Bytes));
  ExpectTheMigratedFileRestoresAlike(again, f.cp, at_origin, counts);
}

// Format 5 keeps the roles of PRIV-EL-08's activations and their ends: restored as saved, and
// saved again to the same bytes.
TEST(CheckpointFixture, FormatFiveFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV5Dir, 5, &f));
  std::vector<CheckpointShardWriter> same;
  RestoreCounts counts;
  RestoreIntoBothShardCounts(f.cp, &same, &counts);
  EXPECT_LT(counts.unknown_roles, counts.with_privileged_state);
  // Saved again: as many bytes, but for the pipeline's own clock-input records (tag 7), which
  // the engines do not write.
  EXPECT_EQ(
      SaveAgain(f.cp.header, same).size() + RecordBytesTagged(f.cp, {kCheckpointClockInputTag}),
      f.bytes.size());
}

// Format 6 keeps format 5's structs and adds records (held listing marks, registration times,
// custom role pairs): restored as saved, and saved again to the same bytes but for the pipeline's.
TEST(CheckpointFixture, FormatSixFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV6Dir, 6, &f));
  std::vector<CheckpointShardWriter> same;
  RestoreCounts counts;
  RestoreIntoBothShardCounts(f.cp, &same, &counts);
  EXPECT_EQ(SaveAgain(f.cp.header, same).size() +
                RecordBytesTagged(f.cp, {kCheckpointClockInputTag, kCheckpointHeldMarkTag}),
            f.bytes.size());
}

// Format 7 keeps format 6's structs and adds the control thread's records (PRIV-OP-01's
// watches): restored as saved, and saved again to the same bytes but for the pipeline's and
// the control thread's.
TEST(CheckpointFixture, FormatSevenFixtureStillRestoresIntoAnyShardCount) {
  LoadedFixture f;
  ASSERT_TRUE(LoadFixture(kFixtureV7Dir, 7, &f));
  std::vector<CheckpointShardWriter> same;
  RestoreCounts counts;
  RestoreIntoBothShardCounts(f.cp, &same, &counts);
  std::size_t silences = 0;
  for (auto part : f.cp.partitions) {
    EXPECT_TRUE(ForEachCheckpointRecord(part, [&](const CheckpointRecordView& r) {
      if (r.tag != kCheckpointSilenceTag) return;
      SilenceRecord watch;
      EXPECT_TRUE(DecodeSilence(r, &watch));
      EXPECT_FALSE(watch.tenant_id.empty());
      ++silences;
    }));
  }
  EXPECT_GT(silences, 0u);  // PRIV-OP-01's watch of each tenant (k17d)
  EXPECT_EQ(SaveAgain(f.cp.header, same).size() +
                RecordBytesTagged(f.cp, {kCheckpointClockInputTag, kCheckpointHeldMarkTag,
                                         kCheckpointSilenceTag}),
            f.bytes.size());
}

}  // namespace
}  // namespace privmon
