// TenantClocks: one shard's view of each tenant's event time (DESIGN.md sections 4 and 10). A
// tenant's watermark is the minimum, over the sources that carried it and are neither ended nor
// idle, of the newest event time the source's marks reported, minus the allowed lateness. The
// clock inputs of one source (a Kafka source's partitions) are one stream split up: any of them
// may carry any tenant, and one may lag the others (its fetches come later, or it resumes after a
// failover). So a tenant is also held back by every live input of a source that carried it, as of
// that input's newest event of any tenant: a lagging partition's records are never late, even for
// a tenant it has not carried yet. A tenant whose sources are all idle (no mark for
// `idle_timeout` of wall time; `run` only) is advanced to the sources' common watermark, so its
// timers still fire. Watermarks never move back.
// Owned by one shard thread. OnMark: one hash probe + O(sources carrying the tenant + inputs of
// their sources); allocates only for a new (tenant, source) pair.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/event_time.h"

namespace privmon {

class TenantClocks {
 public:
  // The tenant of a checkpointed input clock (ForEachInput, RestoreInput): no tenant id hashes to
  // 0 in practice (core/hash.h); such a record restores the input's own clock only.
  static constexpr uint64_t kInputClockTenant = 0;

  // idle_timeout_ns <= 0: tenants never go idle (scan). `sources`: clock sources. In scan
  // (`hold_unreported`), a live source that has sent no mark yet may carry any tenant: it holds
  // every tenant back until its first mark or its end (files start at different speeds; in run a
  // source that never sent anything is idle instead).
  // `owner[s]`: the source clock input s belongs to (inputs of one source are aligned); empty:
  // each input its own source. `input_idle_ns[source]` > 0: an input of that source with no mark
  // for that long stops holding other tenants back (run; a quiet partition of a keyed topic);
  // empty: never.
  TenantClocks(int64_t lateness_us, int64_t idle_timeout_ns, std::size_t sources,
               bool hold_unreported, std::vector<uint32_t> owner = {},
               std::vector<int64_t> input_idle_ns = {})
      : lateness_us_(lateness_us),
        idle_timeout_ns_(idle_timeout_ns),
        input_idle_ns_(std::move(input_idle_ns)),
        reported_(sources, hold_unreported ? 0 : 1),
        unreported_(hold_unreported ? sources : 0),
        owner_(std::move(owner)),
        input_newest_(sources, kMinTime),
        input_mark_ns_(sources, 0),
        input_marked_(sources, 0),
        input_held_(sources, 0),
        ended_in_band_(sources, 0) {
    if (owner_.size() != sources) {
      owner_.resize(sources);
      for (std::size_t s = 0; s < sources; ++s) owner_[s] = static_cast<uint32_t>(s);
    }
    uint32_t owners = 0;
    for (std::size_t s = 0; s < sources; ++s) {
      if (s > 0 && owner_[s] == owner_[s - 1]) aligned_ = true;
      owners = std::max(owners, owner_[s] + 1);
    }
    source_floor_.assign(owners, kMaxTime);
  }

  // Clock input `source` holds every tenant of its source back from the start, before its first
  // mark, until it marks or stays quiet for `input_idle_ns` (a state partition's input
  // partitions: another process's repartitioner may start reading one later than the others are
  // read). Before any mark. O(1).
  void HoldInput(uint32_t source, int64_t now_ns) {
    if (source >= input_held_.size()) return;
    input_held_[source] = 1;
    input_mark_ns_[source] = now_ns;
  }

  // Records a mark; returns the tenant's watermark when it moved, else kMinTime.
  template <class Ended>
  EventTime OnMark(uint64_t tenant, uint32_t source, EventTime newest, int64_t now_ns,
                   Ended&& ended_out_of_band) {
    const auto ended = [&](uint32_t s) { return EndedInBand(s) || ended_out_of_band(s); };
    if (source < reported_.size() && reported_[source] == 0) {
      reported_[source] = 1;
      --unreported_;
    }
    NoteInput(source, newest, now_ns);
    if (aligned_) ComputeFloors(now_ns, ended);
    Clock& c = clocks_[tenant];
    Input* in = nullptr;
    for (Input& i : c.inputs) {
      if (i.source == source) in = &i;
    }
    if (in == nullptr) in = &c.inputs.emplace_back(Input{source, kMinTime, 0});
    if (newest > in->newest) in->newest = newest;
    in->last_mark_ns = now_ns;
    return Advance(c, Compute(c, kMinTime, now_ns, ended));
  }

  // An input mark (the state topic's, pipeline/progress_marks.h): clock input `source` has read
  // up to `newest`, any tenant. Moves only the input's own clock (the floor that holds back every
  // tenant of its source), never a tenant's newest time on it; calls moved(tenant, wm) for each
  // tenant whose watermark moved. O(tenants + inputs).
  // One at kEndedInput (kMaxTime) is an input's end, in its queue (Pipeline::EndHold: an input
  // that ended during a whole hold, all it read released after this): from here it holds no
  // tenant back, as a source whose end was published (out of band) and seen after a drain. Not
  // checkpointed (the source's end is not either).
  static constexpr EventTime kEndedInput = kMaxTime;
  template <class Ended, class Moved>
  void OnInputMark(uint32_t source, EventTime newest, int64_t now_ns, Ended&& ended,
                   Moved&& moved) {
    if (source < reported_.size() && reported_[source] == 0) {
      reported_[source] = 1;
      --unreported_;
    }
    if (newest == kEndedInput) {
      if (source < ended_in_band_.size()) ended_in_band_[source] = 1;
    } else {
      NoteInput(source, newest, now_ns);
      if (source < input_marked_.size()) input_marked_[source] = 1;
    }
    Refresh(kMinTime, now_ns, ended, moved);
  }

  // Re-evaluates every tenant (a source ended, or wall time passed): calls moved(tenant, wm) for
  // each tenant whose watermark moved. `source_watermark` advances idle tenants (run only).
  template <class Ended, class Moved>
  void Refresh(EventTime source_watermark, int64_t now_ns, Ended&& ended_out_of_band,
               Moved&& moved) {
    const auto ended = [&](uint32_t s) { return EndedInBand(s) || ended_out_of_band(s); };
    if (aligned_) ComputeFloors(now_ns, ended);
    for (auto& [tenant, c] : clocks_) {
      const EventTime w = Advance(c, Compute(c, source_watermark, now_ns, ended));
      if (w != kMinTime) moved(tenant, w);
    }
  }

  // The input is over: each tenant's newest event time, as its final watermark.
  template <class Moved>
  void Final(Moved&& moved) const {
    for (const auto& [tenant, c] : clocks_) {
      EventTime newest = kMinTime;
      for (const Input& i : c.inputs) newest = newest > i.newest ? newest : i.newest;
      // The consumer's OnFinish then settles what is due by it (a timer in the newest record's
      // second too, up to that record: DetectionEngine::OnFinish).
      if (newest != kMinTime) moved(tenant, newest);
    }
  }

  std::size_t size() const { return clocks_.size(); }

  // The newest event time (of any tenant) the slowest live input of source `source` has read:
  // what its events may run ahead of (pipeline/ahead_hold.h). An input that has read nothing holds
  // nothing (kMaxTime when none holds), unless HoldInput named it (then kMinTime until its first
  // mark); an ended input, or one quiet for the input idle time, holds nothing. Aligned sources
  // use their floors as of the last mark or refresh. O(1), or O(the source's inputs) without
  // aligned sources (one each).
  template <class Ended>
  EventTime AheadFloor(uint32_t source, int64_t now_ns, Ended&& ended_out_of_band) const {
    if (source >= source_floor_.size()) return kMaxTime;
    if (aligned_) return source_floor_[source];
    EventTime floor = kMaxTime;
    for (std::size_t i = 0; i < owner_.size(); ++i) {
      if (owner_[i] != source) continue;
      const auto s = static_cast<uint32_t>(i);
      if (input_newest_[s] == kMinTime && input_held_[s] == 0) continue;
      if (EndedInBand(s) || ended_out_of_band(s)) continue;
      if (InputQuiet(s, now_ns)) continue;
      floor = std::min(floor, input_newest_[s]);
    }
    return floor;
  }

  // Checkpoints: f(tenant, input, newest) for every input that carried a tenant; and putting one
  // back after a restart (before any mark; counts as a mark at now_ns).
  // Tenant 0 (kInputClockTenant) stands for an input's own clock set by input marks, so a restored
  // state partition's inputs hold its tenants back before their next marks.
  template <class F>
  void ForEachInput(F&& f) const {
    for (const auto& [tenant, c] : clocks_) {
      for (const Input& i : c.inputs) f(tenant, i.source, i.newest);
    }
    for (std::size_t s = 0; s < input_marked_.size(); ++s) {
      if (input_marked_[s] != 0) f(kInputClockTenant, static_cast<uint32_t>(s), input_newest_[s]);
    }
  }
  void RestoreInput(uint64_t tenant, uint32_t source, EventTime newest, int64_t now_ns) {
    if (source < reported_.size() && reported_[source] == 0) {
      reported_[source] = 1;
      --unreported_;
    }
    NoteInput(source, newest, now_ns);
    if (tenant == kInputClockTenant) {
      if (source < input_marked_.size()) input_marked_[source] = 1;
      return;
    }
    Clock& c = clocks_[tenant];
    for (Input& i : c.inputs) {
      if (i.source == source) {
        if (newest > i.newest) i.newest = newest;
        return;
      }
    }
    c.inputs.push_back(Input{source, newest, now_ns});
  }

 private:
  struct Input {
    uint32_t source;
    EventTime newest;
    int64_t last_mark_ns;
  };
  struct Clock {
    EventTime watermark = kMinTime;
    std::vector<Input> inputs;
  };

  template <class Ended>
  EventTime Compute(const Clock& c, EventTime source_watermark, int64_t now_ns,
                    Ended&& ended) const {
    for (std::size_t s = 0; unreported_ > 0 && s < reported_.size(); ++s) {
      if (reported_[s] == 0 && !ended(static_cast<uint32_t>(s))) return kMinTime;
    }
    EventTime lowest = kMaxTime, newest = kMinTime;
    bool any_live = false, all_ended = true;
    for (const Input& i : c.inputs) {
      newest = newest > i.newest ? newest : i.newest;
      const bool is_ended = ended(i.source);
      all_ended = all_ended && is_ended;
      const bool idle = idle_timeout_ns_ > 0 && now_ns - i.last_mark_ns > idle_timeout_ns_;
      if (is_ended || idle) continue;
      any_live = true;
      lowest = lowest < i.newest ? lowest : i.newest;
    }
    if (any_live) {
      if (aligned_) lowest = std::min(lowest, AlignedFloor(c));
      return lowest - lateness_us_;
    }
    // Every input that carried the tenant ended (the end of the whole input settles the rest).
    if (all_ended) return newest == kMinTime ? kMinTime : newest - lateness_us_;
    // Silent for the idle timeout on every input: follow the sources' common watermark.
    return source_watermark;
  }
  bool EndedInBand(uint32_t source) const {
    return source < ended_in_band_.size() && ended_in_band_[source] != 0;
  }
  void NoteInput(uint32_t source, EventTime newest, int64_t now_ns) {
    if (source >= input_newest_.size()) return;
    if (newest > input_newest_[source]) input_newest_[source] = newest;
    input_mark_ns_[source] = now_ns;
  }
  // Per source, the lowest newest time over its live inputs (kMaxTime: none). An input that has
  // reported nothing holds nothing back (a Kafka source has a clock input per possible partition,
  // most never assigned), unless HoldInput named it. O(inputs); once per mark or refresh.
  template <class Ended>
  void ComputeFloors(int64_t now_ns, Ended&& ended) {
    std::fill(source_floor_.begin(), source_floor_.end(), kMaxTime);
    for (std::size_t s = 0; s < owner_.size(); ++s) {
      if (input_newest_[s] == kMinTime && input_held_[s] == 0) continue;
      if (ended(static_cast<uint32_t>(s))) continue;
      if (InputQuiet(static_cast<uint32_t>(s), now_ns)) continue;
      source_floor_[owner_[s]] = std::min(source_floor_[owner_[s]], input_newest_[s]);
    }
  }
  // Input s sent no mark for its source's input idle time (run).
  bool InputQuiet(uint32_t s, int64_t now_ns) const {
    const uint32_t source = owner_[s];
    if (source >= input_idle_ns_.size() || input_idle_ns_[source] <= 0) return false;
    return now_ns - input_mark_ns_[s] > input_idle_ns_[source];
  }
  // The lowest floor of the sources that carried the tenant.
  EventTime AlignedFloor(const Clock& c) const {
    EventTime floor = kMaxTime;
    for (const Input& i : c.inputs) {
      if (i.source < owner_.size()) floor = std::min(floor, source_floor_[owner_[i.source]]);
    }
    return floor;
  }
  static EventTime Advance(Clock& c, EventTime w) {
    if (w == kMinTime || w <= c.watermark) return kMinTime;
    c.watermark = w;
    return w;
  }

  int64_t lateness_us_;
  int64_t idle_timeout_ns_;
  std::vector<int64_t> input_idle_ns_;  // per source (owner): its inputs' idle time, ns
  std::vector<uint8_t> reported_;       // per clock source: has sent a mark
  std::size_t unreported_;
  std::vector<uint32_t> owner_;          // per clock source: the source it belongs to
  std::vector<EventTime> input_newest_;  // per clock source: newest time of any tenant's mark
  std::vector<int64_t> input_mark_ns_;   // per clock source: wall time of its last mark
  std::vector<uint8_t> input_marked_;    // per clock source: set by an input mark (checkpointed)
  std::vector<uint8_t> input_held_;      // per clock source: holds before its first mark
  std::vector<uint8_t> ended_in_band_;   // per clock source: its end came in its queue
  std::vector<EventTime> source_floor_;  // per source: ComputeFloors' answer
  bool aligned_ = false;                 // some source has several clock inputs
  absl::flat_hash_map<uint64_t, Clock> clocks_;
};

}  // namespace privmon
