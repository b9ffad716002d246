// ProgressMarks: the event-time progress one parse thread has read, per (source, tenant), turned
// into marks that travel to every shard in-band, behind the events they cover (DESIGN.md
// section 10 "Clocks"). A shard's queue from one parse thread is FIFO, so when a shard reads a
// mark it has read every event of that parse thread that preceded it.
// With one source fanned out over several lanes (parse threads), the lanes share one
// ProgressMarks and use it only in source order, one message at a time (Pipeline's ordered
// section), so its marks are those one parse thread would send.
// Also rejects a record dated more than `max_future_skew` ahead of its tenant's newest event on
// that source, or, in `run`, more than kMaxWallClockLeadUs (or the skew, if smaller) ahead of the
// wall clock: it moves no clock. In `run` no admitted record moves a clock past the wall clock
// either (it is judged at its own time; its tenant's clock goes no further than now).
// Unless the one before it of its tenant on that source was rejected so too, came in an earlier
// message, is another record (not a redelivery of it) and lies within max_future_skew of it: a
// tenant back from a silence longer than the skew (or a replay with such a gap) is no outlier, its
// records land near each other, and its clock moves on with that record (the first message's stay
// rejected: counted and dead-lettered). A lone outlier, or one batch of them (one message),
// followed by the tenant's ordinary records stays rejected. Used by one thread at a time (not
// thread-safe). Per event: one hash probe; no allocation once tables have grown.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/event.h"

namespace privmon {

struct ProgressMark {
  uint64_t tenant_hash = 0;
  uint32_t source = 0;  // clock source id (all lanes of a fanned-out source share one)
  EventTime newest = kMinTime;
  bool input = false;  // an input mark: `newest` of any tenant on `source` (tenant_hash 0)
};

class ProgressMarks {
 public:
  // A mark is sent when a tenant's newest time moved by `granularity_us` since the last one it
  // sent (and always when the source idles or ends), so marks stay rare next to events.
  ProgressMarks(int64_t granularity_us, int64_t max_future_skew_us);

  // In `run`, how far ahead of the wall clock a record may be dated, whatever max_future_skew
  // (when smaller, the skew): no record can come from the future; a day leaves room for a
  // forwarder that writes local time as UTC (up to 14 h ahead).
  static constexpr int64_t kMaxWallClockLeadUs = int64_t{86'400} * 1'000'000;
  enum class Admission : uint8_t {
    kAdmitted,
    kAheadOfTenant,     // more than max_future_skew ahead of its tenant's newest (reject)
    kAheadOfWallClock,  // `run`: more than kMaxWallClockLeadUs ahead of the wall clock (reject)
  };
  // The time a record moves its tenant's clock to: its own, but in `run` (`wall_now_us` != 0) no
  // further than the wall clock (it is still judged at its own time).
  static EventTime ClockTime(EventTime t, int64_t wall_now_us) {
    return wall_now_us != 0 ? std::min<EventTime>(t, wall_now_us) : t;
  }
  // Whether `e` is admitted (its time recorded) or implausibly far ahead (reject it).
  // `wall_now_us` is 0 in `scan` (never read the wall clock there).
  Admission Admit(uint32_t source, const Event& e, int64_t wall_now_us);
  // After the last Admit of a message's events: the next ones come in another message.
  void EndMessage() { ++message_; }
  // A progress mark read from the state topic (pipeline/state_topic_format.h): input `source` has
  // read up to `newest` (any tenant). Sent on as an input mark (ProgressMark::input): it moves
  // that input's clock (the floor that holds back every tenant of the source, as a lagging Kafka
  // partition does without the hop), never a tenant's own newest time on that input, which only
  // the tenant's records move (DESIGN.md section 10 "Clocks"; the same watermarks as a plain run
  // over the input topic). A mark more than max_future_skew ahead of the wall clock (`run`) is
  // ignored. O(1); allocates only for a new input.
  void AdmitInput(uint32_t source, EventTime newest, int64_t wall_now_us);

  // After a message's events are pushed: calls send(mark) for each mark worth sending (all of
  // the moved ones when `flush`).
  template <class Send>
  void Publish(bool flush, Send&& send) {
    if (flush) {
      for (auto& [key, entry] : entries_) Queue(entry, true);
    } else {
      for (uint64_t key : touched_) Queue(entries_.find(key)->second, false);
      for (uint64_t key : held_) {
        if (Entry& entry = entries_.find(key)->second; entry.touched) Queue(entry, false);
      }
    }
    touched_.clear();
    held_.clear();
    for (auto& [source, input] : inputs_) {
      if (!inputs_moved_) break;
      if (input.newest <= input.sent) continue;
      input.sent = input.newest;
      pending_.push_back(ProgressMark{0, source, input.newest, true});
    }
    inputs_moved_ = false;
    for (const ProgressMark& m : pending_) send(m);
    pending_.clear();
  }

  // As Publish, for the entries `held(tenant_hash, source)` says no to: a held entry stays moved
  // for a later Publish, and no input mark goes (an input's floor holds every tenant).
  // `hold_epoch` changes whenever what `held` answers may have changed (a listing or whole hold
  // began or ended): the entries held before are asked again only then, so a message costs
  // O(its own entries), not O(every entry held), while a hold goes on (breaker round 82: a
  // newest-first file of 20,000 tenants' records took 10 s, each message walking all of them).
  template <class Held, class Send>
  void PublishUnheld(bool flush, uint64_t hold_epoch, Held&& held, Send&& send) {
    if (flush) {
      for (auto& [key, entry] : entries_) {
        if (!held(entry.tenant_hash, entry.source)) Queue(entry, true);
      }
    }
    for (uint64_t key : touched_) {
      Entry& entry = entries_.find(key)->second;
      if (held(entry.tenant_hash, entry.source)) {
        entry.touched = true;  // stays in held_ (Admit adds it to touched_ no more) until let go
        held_.push_back(key);
      } else if (!flush) {
        Queue(entry, false);
      }
    }
    touched_.clear();
    if (flush || hold_epoch != held_epoch_) {
      held_epoch_ = hold_epoch;
      kept_.clear();
      for (uint64_t key : held_) {
        Entry& entry = entries_.find(key)->second;
        if (!entry.touched) continue;  // the flush above sent it
        if (held(entry.tenant_hash, entry.source)) {
          kept_.push_back(key);
        } else {
          Queue(entry, false);
        }
      }
      held_.swap(kept_);
    }
    for (const ProgressMark& m : pending_) send(m);
    pending_.clear();
  }

  // The marks `held(tenant_hash, source)` holds back that no shard was sent yet: f(tenant_hash,
  // source, newest) for each (a checkpoint carries them, so a listing that straddles a cut or a
  // restart stays one clock step). No allocation.
  template <class Held, class F>
  void ForEachHeld(Held&& held, F&& f) const {
    for (const auto& [key, entry] : entries_) {
      if (entry.newest > entry.sent && held(entry.tenant_hash, entry.source)) {
        f(entry.tenant_hash, entry.source, entry.newest);
      }
    }
  }
  // A held mark restored from a checkpoint (ForEachHeld before the restart): the tenant's newest
  // time on `source`, not yet sent, moved (the listing's end sends it).
  void RestoreHeld(uint32_t source, uint64_t tenant_hash, EventTime newest);
  // A clock input restored from a checkpoint (ClockInputRecord): `tenant_hash`'s newest time on
  // `source` before the restart, already sent (the shards restore it into their clocks
  // themselves). The basis max_future_skew judges the tenant's next records by, as one
  // uninterrupted run would (k17c: a restart started it empty, judging by the wall clock).
  // Tenant 0: the input's own clock (a state partition's input marks, AdmitInput). Before any
  // RestoreHeld of the same input (a held mark stays unsent).
  void RestoreNewest(uint32_t source, uint64_t tenant_hash, EventTime newest);

  // At the end of a source whose clock sources are [first, first + count): sends every mark of
  // those (as a flush does) and none of the others' (another input's listing holds them).
  template <class Send>
  void PublishSources(uint32_t first, uint32_t count, Send&& send) {
    for (auto& [key, entry] : entries_) {
      if (entry.source - first < count) Queue(entry, true);
    }
    for (auto& [source, input] : inputs_) {
      if (source - first >= count || input.newest <= input.sent) continue;
      input.sent = input.newest;
      pending_.push_back(ProgressMark{0, source, input.newest, true});
    }
    for (const ProgressMark& m : pending_) send(m);
    pending_.clear();
  }

 private:
  struct Entry {
    uint64_t tenant_hash = 0;
    uint32_t source = 0;
    EventTime newest = kMinTime;
    EventTime sent = kMinTime;
    // The last record rejected as too far ahead, since the last one admitted (kMinTime: none),
    // and the message it came in (EndMessage's count).
    EventTime suspect = kMinTime;
    uint64_t suspect_message = 0;
    uint64_t suspect_fingerprint = 0;  // its redelivery keys: a copy of it vouches for nothing
    uint64_t suspect_content = 0;
    bool touched = false;
  };
  struct Input {
    EventTime newest = kMinTime;
    EventTime sent = kMinTime;
  };
  void Queue(Entry& entry, bool flush);
  uint64_t message_ = 0;  // messages ended so far (EndMessage)

  int64_t granularity_us_;
  int64_t skew_us_;
  int64_t wall_lead_us_;  // min(skew_us_, kMaxWallClockLeadUs); 0 with the skew off
  absl::flat_hash_map<uint64_t, Entry> entries_;  // key: HashCombine(tenant, source)
  std::vector<uint64_t> touched_;                 // keys touched by the current message
  // PublishUnheld: the keys touched and held back (each once: its entry stays `touched`), asked
  // again when the holds change (held_epoch_: the hold_epoch they were last asked under).
  std::vector<uint64_t> held_;
  uint64_t held_epoch_ = 0;
  std::vector<uint64_t> kept_;                   // PublishUnheld's scratch
  absl::flat_hash_map<uint32_t, Input> inputs_;  // input marks (AdmitInput), by source
  bool inputs_moved_ = false;                    // an input's newest moved since the last Publish
  std::vector<ProgressMark> pending_;            // the marks of one Publish (kept for its capacity)
};

}  // namespace privmon
