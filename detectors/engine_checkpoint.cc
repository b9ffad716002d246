// DetectionEngine::SaveState / LoadState: the shard's whole state as checkpoint records
// (state/checkpoint_codec.h). Accounts and timers are routed by account key, so they land on the
// shard that owns the account whatever the shard count; the rest is keyed by one-way hashes and
// goes back to its origin shard (every shard when the count changed).
#include <algorithm>
#include <cstring>

#include "detectors/detection_engine.h"
#include "parsers/activity_names.h"
#include "state/checkpoint_codec.h"

namespace privmon {

void DetectionEngine::SaveState(CheckpointShardWriter& out) {
  SnapshotState();
  EncodeSnapshot(out);
}

// Copies only (no encoding, no hashing): the cut's pause of the shard is a few flat copies of
// entries it reads anyway, into vectors whose capacity stays from the last cut.
bool DetectionEngine::SnapshotState() {
  snapshot_encoded_.store(false, std::memory_order_relaxed);
  EngineSnapshot& s = snapshot_;
  s.accounts.clear();
  s.privileged.clear();
  s.accounts.reserve(accounts_.size());
  accounts_.ForEach([&](uint64_t key, const AccountState& st, const PrivilegedState* ps) {
    uint32_t privileged = UINT32_MAX;
    if (ps != nullptr) {
      privileged = static_cast<uint32_t>(s.privileged.size());
      s.privileged.push_back(*ps);
    }
    s.accounts.push_back(EngineSnapshot::Account{key, st, privileged});
  });
  s.slot_stride = slots_.stride();
  s.slot_bytes.assign(slots_.bytes().begin(), slots_.bytes().end());
  s.rules = rules_;
  s.known.clear();
  s.known.reserve(known_.size());
  known_.ForEach([&](uint64_t fp, const KnownValues::Entry& e) { s.known.emplace_back(fp, e); });
  s.tenant_hashes.clear();
  s.clocks.clear();
  s.timers.clear();
  for (const TenantTime& tt : tenant_time_) {
    s.tenant_hashes.push_back(tt.tenant_hash);
    tt.timers.ForEach([&](const Timer& t) { s.timers.push_back(t); });
    s.clocks.push_back(EngineSnapshot::TenantClock{tt.tenant_hash, tt.watermark, s.timers.size()});
  }
  s.buckets.clear();
  s.updates.clear();
  emitter_.suppressor().ForEach([&](uint64_t key, uint64_t account, uint64_t tenant,
                                    EventTime bucket_end, uint32_t count, uint8_t state,
                                    const Alert* update) {
    uint32_t index = UINT32_MAX;
    if (update != nullptr) {
      index = static_cast<uint32_t>(s.updates.size());
      s.updates.push_back(*update);
    }
    s.buckets.push_back(
        EngineSnapshot::Bucket{key, account, tenant, bucket_end, count, state, index});
  });
  s.pim_grants.clear();
  s.pim_pending.clear();
  pim_copies_.ForEachGrant([&](const PimCopies::Grant& g) { s.pim_grants.push_back(g); });
  pim_copies_.ForEachPending([&](const PimCopies::Pending& p) { s.pim_pending.push_back(p); });
  s.registration_times.clear();
  for (const auto& [key, time] : registration_time_) {
    const AccountState* st = accounts_.Find(key);
    if (st != nullptr && (st->flags & kMfaUnregistered) != 0) {
      s.registration_times.emplace_back(key, time);
    }
  }
  s.role_aliases.clear();
  role_aliases_.ForEach([&](const RoleAliases::Pair& p) { s.role_aliases.push_back(p); });
  s.learned_since.clear();
  for (const auto& [key, since] : learned_since_) {
    const auto gap = privilege_gap_.find(key);
    s.learned_since.push_back(EngineSnapshot::LearnedSince{
        key, since, gap == privilege_gap_.end() ? Seconds32{0} : gap->second});
  }
  s.deletions.assign(deletions_.begin(), deletions_.end());
  s.replay.clear();
  replay_.ForEach([&](const PrivilegeReplay::Entry& kept) {
    // One older than its tenant's watermark can be covered by no gain that is not late.
    if (kept.tenant < tenant_time_.size() &&
        kept.event.time >= tenant_time_[kept.tenant].watermark) {
      s.replay.push_back(kept);
    }
  });
  s.dedupe.clear();
  s.dedupe.reserve(dedupe_.size());
  const int64_t horizon = config_->pipeline.dedupe_horizon_s;
  dedupe_.ForEach([&](uint64_t fp, Seconds32 time, uint32_t tenant) {
    // What a whole input kept past the horizon stays out (a restore counts from the horizon).
    const EventTime w = tenant_time_[tenant].watermark;
    if (whole_inputs_ && w != kMinTime &&
        static_cast<int64_t>(time) + horizon < w / kMicrosPerSecond) {
      return;
    }
    s.dedupe.push_back(EngineSnapshot::Remembered{fp, time, tenant});
  });
  return true;
}

// Reads the snapshot only (never the live tables, which the shard changes meanwhile): the records
// SaveState wrote at the cut, in the same order.
void DetectionEngine::EncodeSnapshot(CheckpointShardWriter& out) {
  const EngineSnapshot& s = snapshot_;
  std::string buf;
  auto tenant_hash = [&](uint32_t tenant) {
    return tenant < s.tenant_hashes.size() ? s.tenant_hashes[tenant] : 0;
  };
  // An account's deletions and restores follow its record (an entry whose account is gone
  // goes with it).
  absl::flat_hash_map<uint64_t, const DeletionHistory*> deletions;
  deletions.reserve(s.deletions.size());
  for (const auto& [key, history] : s.deletions) deletions.emplace(key, &history);
  for (const EngineSnapshot::Account& a : s.accounts) {
    buf.clear();
    EncodeAccount(buf, tenant_hash(a.state.tenant), a.state,
                  a.privileged == UINT32_MAX ? nullptr : &s.privileged[a.privileged]);
    if (!deletions.empty()) {
      const auto it = deletions.find(a.key);
      if (it != deletions.end()) EncodeDeletions(buf, *it->second);
    }
    out.Add(kCkAccount, CheckpointRoute::kByKey, a.key, buf);
  }
  const std::size_t stride = s.slot_stride;
  if (stride > 0 && s.rules != nullptr) {
    for (const EngineSnapshot::Account& a : s.accounts) {
      const std::size_t index = a.state.privileged_index;
      if (index == UINT32_MAX || (index + 1) * stride > s.slot_bytes.size()) continue;
      const std::byte* record = s.slot_bytes.data() + index * stride;
      if (std::all_of(record, record + stride, [](std::byte b) { return b == std::byte{0}; })) {
        continue;
      }
      buf.clear();
      for (const RuleSlot& slot : s.rules->slots) {
        PutU64(buf, slot.code_hash);
        buf.push_back(static_cast<char>(slot.kind));
        buf.push_back(static_cast<char>(slot.size & 0xff));
        buf.push_back(static_cast<char>(slot.size >> 8));
        buf.append(reinterpret_cast<const char*>(record + slot.offset), slot.size);
      }
      out.Add(kCkRuleSlots, CheckpointRoute::kByKey, a.key, buf);
    }
  }
  for (const auto& [fp, e] : s.known) {
    buf.clear();
    PutU64(buf, tenant_hash(e.tenant));
    PutU32(buf, e.last);
    out.Add(kCkKnownValue, CheckpointRoute::kByOrigin, fp, buf);
  }
  std::size_t timer = 0;
  for (const EngineSnapshot::TenantClock& c : s.clocks) {
    buf.clear();
    PutU64(buf, static_cast<uint64_t>(c.watermark));
    out.Add(kCkTenantClock, CheckpointRoute::kByOrigin, c.tenant_hash, buf);
    for (; timer < c.timers_end; ++timer) {
      const Timer& t = s.timers[timer];
      buf.clear();
      PutU64(buf, c.tenant_hash);
      PutRaw(buf, t);
      out.Add(kCkTimer, CheckpointRoute::kByKey, t.account, buf);
    }
  }
  for (const EngineSnapshot::Bucket& b : s.buckets) {
    buf.clear();
    // By its account where known: restored onto another shard count, the bucket goes to the
    // shard owning the account (which sees its later repeats), not a copy to every shard.
    if (b.account != 0) PutU64(buf, b.key);
    PutU64(buf, b.tenant_hash);
    PutU64(buf, static_cast<uint64_t>(b.bucket_end));
    PutU32(buf, b.count);
    buf.push_back(static_cast<char>(b.state));
    if (b.update != UINT32_MAX) EncodeAlert(buf, s.updates[b.update]);
    if (b.account != 0) {
      out.Add(kCkSuppressionByAccount, CheckpointRoute::kByOriginElseKey, b.account, buf);
    } else {
      out.Add(kCkSuppression, CheckpointRoute::kByOrigin, b.key, buf);
    }
  }
  for (const EngineSnapshot::Remembered& r : s.dedupe) {
    buf.clear();
    PutU32(buf, r.time);
    PutU64(buf, tenant_hash(r.tenant));
    out.Add(kCkDedupe, CheckpointRoute::kByOrigin, r.fingerprint, buf);
  }
  auto pim_copy = [&](uint8_t type, uint64_t tenant, uint64_t role, Seconds32 time) {
    buf.clear();
    buf.push_back(static_cast<char>(type));
    PutU64(buf, tenant);
    PutU64(buf, role);
    PutU32(buf, time);
  };
  for (const PimCopies::Grant& g : s.pim_grants) {
    pim_copy(0, g.tenant_hash, g.role, g.time);
    out.Add(kCkPimCopy, CheckpointRoute::kByKey, g.account, buf);
  }
  for (const PimCopies::Pending& p : s.pim_pending) {
    pim_copy(1, p.tenant_hash, p.role, p.time);
    EncodeAlert(buf, p.alert);
    out.Add(kCkPimCopy, CheckpointRoute::kByKey, p.account, buf);
  }
  for (const auto& [key, time] : s.registration_times) {
    buf.clear();
    PutU64(buf, static_cast<uint64_t>(time));
    out.Add(kCkRegistrationTime, CheckpointRoute::kByKey, key, buf);
  }
  for (const EngineSnapshot::LearnedSince& l : s.learned_since) {
    buf.clear();
    PutU32(buf, l.since);
    if (l.gap != 0) PutU32(buf, l.gap);  // since session 28, within format 8
    out.Add(kCkLearnedSince, CheckpointRoute::kByKey, l.key, buf);
  }
  for (const PrivilegeReplay::Entry& kept : s.replay) {
    buf.clear();
    PutU64(buf, kept.row_key);
    PutU64(buf, kept.event.tenant_hash);
    buf.push_back(static_cast<char>(kept.side));
    PutRaw(buf, kept.event);
    // Appended within format 8 (a record without them restores with no novelty answers).
    PutU32(buf, kept.learned);
    buf.push_back(static_cast<char>(kept.learn_calls));
    buf.push_back(static_cast<char>(kept.replayed ? 1 : 0));
    const AccountRef& who = static_cast<AccountSide>(kept.side) == AccountSide::kActor
                                ? kept.event.actor
                                : kept.event.account;
    out.Add(kCkPrivilegeReplay, CheckpointRoute::kByKey, who.key, buf);
  }
  for (const RoleAliases::Pair& p : s.role_aliases) {
    buf.clear();
    PutU64(buf, p.tenant_hash);
    PutU64(buf, p.id_hash);
    PutU64(buf, p.name_hash);
    buf.append(p.name.view());
    out.Add(kCkRoleAlias, CheckpointRoute::kByOrigin, HashCombine(p.tenant_hash, p.id_hash), buf);
  }
  // Done with snapshot_: the shard may free it (ReleaseLargeSnapshot) from now on.
  snapshot_encoded_.store(true, std::memory_order_release);
}

void DetectionEngine::ReleaseLargeSnapshot() {
  if (!snapshot_encoded_.load(std::memory_order_acquire)) return;
  snapshot_encoded_.store(false, std::memory_order_relaxed);
  if (snapshot_.MemoryBytes() > kept_snapshot_bytes_) snapshot_ = EngineSnapshot{};
}

void DetectionEngine::ReserveState(uint8_t tag, std::size_t records) {
  switch (tag) {
    case kCkAccount:
      accounts_.Reserve(accounts_.size() + records);
      resolved_ = nullptr;  // the table may have moved
      break;
    case kCkKnownValue:
      known_.Reserve(known_.size() + records);
      break;
    case kCkDedupe:
      dedupe_.Reserve(dedupe_.size() + records);
      break;
    default:
      break;  // small tables (clocks, timers, suppression buckets) grow as they load
  }
}

void DetectionEngine::OnRestored() {
  // The restored absence timers name their rules' slots in the saved layout; the slots were
  // matched by rule id (kCkRuleSlots), so the timers follow them. With no slot record restored no
  // account had a slot pending, and every such timer is stale: dropped.
  RepointRuleTimers(std::span<const RuleSlot>(restored_slots_),
                    std::span<const RuleSlot>(rules_->slots));
  restored_slots_.clear();
  restored_slots_.shrink_to_fit();
  PublishGauges();
}

bool DetectionEngine::LoadState(const CheckpointRecordView& r) {
  std::string_view in = r.payload;
  switch (r.tag) {
    case kCkAccount: {
      AccountState st;
      PrivilegedState ps;
      bool has_ps = false;
      uint64_t tenant = 0;
      if (!DecodeAccount(r.format, in, &tenant, &st, &ps, &has_ps)) return false;
      DeletionHistory deletions;
      switch (DecodeDeletions(r.format, in, has_ps, &deletions)) {
        case TrailerRead::kNone:
          break;
        case TrailerRead::kRead:
          deletions_[r.key] = deletions;
          break;
        case TrailerRead::kMalformed:
          return false;
      }
      // Config-derived flags are recomputed under the running config, not restored.
      st.config_generation = 0;
      if (tenant != 0) {
        const uint32_t ti = TenantIndex(tenant, {});
        if (ti < kUnknownTenant) st.tenant = static_cast<uint16_t>(ti);
      }
      accounts_.Restore(r.key, st, has_ps ? &ps : nullptr);
      resolved_ = nullptr;  // the table may have grown
      return true;
    }
    case kCkRuleSlots: {
      // Restored after its account (same shard, same partition, written after the accounts).
      AccountState* st = accounts_.Find(r.key);
      if (st == nullptr) return true;
      accounts_.Privileged(*st);
      std::byte* record = nullptr;
      // Every record lists every slot of the saved layout: the first one read gives the layout
      // its kRuleAbsence timers name (re-pointed in OnRestored; breaker round 94).
      const bool take_layout = restored_slots_.empty();
      std::size_t saved_end = 0;
      while (!in.empty()) {
        if (in.size() < 11) return false;
        const uint64_t hash = GetU64(in.data());
        const auto kind = static_cast<LangKind>(static_cast<uint8_t>(in[8]));
        const auto size =
            static_cast<uint16_t>(static_cast<uint8_t>(in[9]) | static_cast<uint8_t>(in[10]) << 8);
        in.remove_prefix(11);
        if (in.size() < size) return false;
        if (take_layout) {
          const std::size_t offset = SlotOffsetAfter(saved_end);
          saved_end = offset + size;
          if (saved_end <= kMaxSlotBytes) {
            restored_slots_.push_back({hash, kind, static_cast<uint16_t>(offset), size});
          }
        }
        for (const RuleSlot& slot : rules_->slots) {
          if (slot.code_hash != hash || slot.kind != kind || slot.size != size) continue;
          if (record == nullptr) record = slots_.Record(st->privileged_index);
          std::memcpy(record + slot.offset, in.data(), size);
        }
        in.remove_prefix(size);
      }
      resolved_ = nullptr;
      return true;
    }
    case kCkKnownValue: {
      // Format 1 kept the fingerprint only: such a value counts as seen when next seen (time 0)
      // and is not swept before then.
      KnownValues::Entry e{0, UINT32_MAX};
      if (r.format >= 2) {
        if (in.size() < 12) return false;
        const uint64_t tenant = GetU64(in.data());
        e.last = GetU32(in.data() + 8);
        if (tenant != 0) e.tenant = TenantIndex(tenant, {});
      }
      known_.Restore(r.key, e);
      return true;
    }
    case kCkTenantClock: {
      if (in.size() < 8) return false;
      const auto w = static_cast<EventTime>(GetU64(in.data()));
      TenantTime& tt = tenant_time_[TenantIndex(r.key, {})];
      // Several shards' clocks reach one shard when the shard count changed: the lowest is safe
      // (nothing that was on time for any of them becomes late).
      tt.watermark = tt.watermark == kMinTime ? w : std::min(tt.watermark, w);
      watermark_ = std::max(watermark_, tt.watermark);
      // A checkpoint holds the records within the horizon of each saved clock (the memory a
      // whole input kept beyond that is not saved): older ones are beyond it after the restore.
      if (whole_inputs_ && w != kMinTime) {
        const int64_t kept_from = w / kMicrosPerSecond - config_->pipeline.dedupe_horizon_s;
        if (kept_from > 0) {
          tt.dedupe_floor = std::max(tt.dedupe_floor, static_cast<Seconds32>(kept_from));
        }
      }
      return true;
    }
    case kCkTimer: {
      if (in.size() < 8) return false;
      const uint64_t tenant = GetU64(in.data());
      in.remove_prefix(8);
      Timer t;
      if (!GetRaw(in, &t) || !Plausible(t)) return false;
      PushTimer(tenant, t);
      return true;
    }
    case kCkSuppression:
    case kCkSuppressionByAccount: {
      // kCkSuppressionByAccount: keyed by the account, the bucket's key first.
      uint64_t key = r.key, account = 0;
      if (r.tag == kCkSuppressionByAccount) {
        if (in.size() < 8) return false;
        account = r.key;
        key = GetU64(in.data());
        in.remove_prefix(8);
      }
      if (in.size() < 8 + 8 + 4 + 1) return false;
      const uint64_t tenant = GetU64(in.data());
      const auto bucket_end = static_cast<EventTime>(GetU64(in.data() + 8));
      const uint32_t count = GetU32(in.data() + 16);
      const auto state = static_cast<uint8_t>(in[20]);
      in.remove_prefix(21);
      Alert update;
      const bool has_update = state == 1;
      if (has_update && !DecodeAlert(in, &update)) return false;
      emitter_.suppressor().Restore(key, account, tenant, bucket_end, count, state,
                                    has_update ? &update : nullptr);
      return true;
    }
    case kCkDedupe: {
      if (in.size() < 12) return false;
      const uint32_t time = GetU32(in.data());
      const uint64_t tenant = GetU64(in.data() + 4);
      dedupe_.Restore(r.key, time, TenantIndex(tenant, {}));
      return true;
    }
    case kCkPimCopy: {
      if (in.size() < 1 + 8 + 8 + 4) return false;
      const auto type = static_cast<uint8_t>(in[0]);
      const uint64_t tenant = GetU64(in.data() + 1);
      const uint64_t role = GetU64(in.data() + 9);
      const uint32_t time = GetU32(in.data() + 17);
      in.remove_prefix(21);
      if (type == 0) {
        pim_copies_.RestoreGrant(
            PimCopies::Grant{tenant, r.key, role, time, TenantIndex(tenant, {})});
        return true;
      }
      if (type != 1) return false;
      PimCopies::Pending p{tenant, r.key, role, time, Alert{}};
      if (!DecodeAlert(in, &p.alert)) return false;
      pim_copies_.RestorePending(p);
      return true;
    }
    case kCkRegistrationTime: {
      if (in.size() != 8) return false;
      registration_time_[r.key] = static_cast<EventTime>(GetU64(in.data()));
      return true;
    }
    case kCkRoleAlias: {
      if (in.size() < 24 || in.size() > 24 + 64) return false;
      role_aliases_.Learn(GetU64(in.data()), GetU64(in.data() + 8), GetU64(in.data() + 16),
                          in.substr(24));
      return true;
    }
    case kCkLearnedSince: {
      if (in.size() != 4 && in.size() != 8) return false;
      learned_since_[r.key] = GetU32(in.data());
      if (in.size() == 8) privilege_gap_[r.key] = GetU32(in.data() + 4);
      return true;
    }
    case kCkPrivilegeReplay: {
      // Without or with the novelty answers (4 + 1 bytes at the end, written since session 28).
      constexpr std::size_t kKeptBytes = 8 + 8 + 1 + sizeof(Event);
      if (in.size() != kKeptBytes && in.size() != kKeptBytes + 6) return false;
      PrivilegeReplay::Entry kept;
      kept.row_key = GetU64(in.data());
      kept.tenant = TenantIndex(GetU64(in.data() + 8), {});
      kept.side = static_cast<uint8_t>(in[16]);
      if (kept.side > static_cast<uint8_t>(AccountSide::kActor)) return false;
      in.remove_prefix(17);
      if (!GetRaw(in, &kept.event)) return false;
      // Which name an eligible assignment used is resolved again from its name: a file written
      // before AuditFields held it has a padding byte there.
      AuditFields& au = kept.event.audit;
      au.eligible_name = au.activity == Activity::kAddEligibleMemberToRole
                             ? parsers::ResolveActivity(au.activity_name.view()).eligible_name
                             : EligibleName::kOther;
      au.unit_scoped = parsers::ResolveActivity(au.activity_name.view()).unit_scoped;
      kept.event.pim_start = 0;  // padding in files written before it (core/event.h)
      if (in.size() == 6) {
        kept.learned = GetU32(in.data());
        kept.learn_calls = static_cast<uint8_t>(in[4]);
        if (in[5] != 0 && in[5] != 1) return false;
        kept.replayed = in[5] == 1;
      }
      // Records of one account come in the order they were saved (one partition, by its key):
      // the arrival order a replay follows.
      replay_.Restore(kept);
      return true;
    }
    default:
      return false;  // a tag this build does not know: the file is not of this format
  }
}

}  // namespace privmon
