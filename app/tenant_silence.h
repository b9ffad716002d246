// TenantSilence: PRIV-OP-01, privmon's own rule (docs/RULES.md). A tenant that sent records, or a
// configured one, that then sends none for `pipeline.tenant_silence_alert` of wall time (`run`
// only: scan has no wall clock) raises one alert per silence: a customer whose logs stop is
// blind, not safe (switching off a diagnostic setting is a classic attacker move). The alert goes
// through the normal path (its own SPSC queue into the AlertDispatcher: native JSON, OCSF,
// per-tenant enabled/severity); its id is deterministic from the tenant and the silence start
// (the event time of the tenant's newest record; privmon's start for a configured tenant that
// sent none). Silence is measured from the wall time the control thread last saw the tenant's
// event count move (poll granularity: one Poll); tenants beyond the counted ones
// (TenantCounters::TrackedTenants, counted as "other") are watched only when configured. The
// limit is per tenant (`silence_after`, default the pipeline's) and, with `silence_learn: k`,
// learned: the larger of it and k x the p99 of the tenant's last kGaps gaps (wall time between two
// polls that saw its count move) that could reach the floor (gap >= floor / k); under 100 such
// gaps, the longest. The watches are checkpointed (Save / Restore, kCheckpointSilenceTag): after a
// restart a silence already alerted is not raised again and one under way goes on from where it
// was, under the id one uninterrupted run gives it (k17d). Owned and called by the control thread
// only; Poll is O(tenant series + configured tenants + watches) and allocates (off the hot path).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/alert.h"
#include "core/checkpoint_format.h"
#include "core/config.h"
#include "core/stats.h"
#include "pipeline/event_count.h"
#include "pipeline/spsc_queue.h"

namespace privmon {

class TenantSilence {
 public:
  // `alerts` is the dispatcher's queue for this producer; `stats.operations` counts its alerts.
  // `start_us`: wall time privmon started (the silence start of a configured tenant that has
  // sent nothing yet).
  TenantSilence(PipelineStats& stats, SpscQueue<Alert>& alerts, int64_t start_us)
      : stats_(stats), alerts_(alerts), start_us_(start_us) {}

  // The dispatcher's wake, notified after each alert pushed (null: none).
  void set_wake(EventCount* wake) { wake_ = wake; }

  // Checks every watched tenant at wall time `now_us` under `config` (the running one).
  void Poll(const CompiledConfig& config, int64_t now_us);

  // The alert for `tenant` silent since wall time `silent_since_us`; `start_us` is the event time
  // of its newest record (or privmon's start when it sent none): the alert's time and id basis.
  static Alert MakeAlert(const CompiledConfig& config, uint64_t tenant_hash,
                         std::string_view tenant_id, int64_t start_us, int64_t silent_since_us,
                         int64_t now_us, int64_t limit_us);

  // The silence limit of a tenant with `floor_us` configured, learning factor `learn` (0 = off)
  // and these recent gaps (any order): max(floor, learn x p99(gaps)).
  static int64_t LimitUs(int64_t floor_us, uint32_t learn, std::vector<int64_t> gaps);

  static constexpr std::size_t kGaps = 128;  // gaps kept per tenant (learning on)

  // Appends every watch as a kCheckpointSilenceTag record (route by origin, the control thread's),
  // as of wall time `now_us`: a tenant whose records came since the last Poll is saved as that
  // Poll would leave it (silent from now, its newest event time the id's basis), so a stop within
  // a poll interval loses nothing.
  void Save(CheckpointShardWriter& out, int64_t now_us) const;
  // Before the first Poll: the watches of a restored checkpoint. A restored tenant's event count
  // starts again at 0 (this process's counters): only its records from now on move it.
  void Restore(const std::vector<SilenceRecord>& records);

 private:
  struct Watch {
    uint64_t events = 0;
    int64_t since_us = 0;       // wall time the count last moved
    bool alerted = false;       // this silence already raised its alert
    bool moved = false;         // the count has moved while watched: since_us starts a real gap
    std::vector<int64_t> gaps;  // ring of recent long gaps (learning on), at most kGaps
    std::size_t next_gap = 0;
    // The silence's start, the alert's time and id basis: the event time of the tenant's newest
    // record, else privmon's start (of the life that first watched it).
    int64_t basis_us = 0;
    std::string tenant_id;  // as the counters name it (a restored watch polls under it)
    // A record of the tenant was counted (in this life, or before a restart: the checkpoint's
    // never_sent bit): a removed tenant that never sent is not judged.
    bool sent = false;
    // Configured at the last Poll (restored: as the checkpoint says): a tenant that never
    // sent, configured again by a reload after one removed it, is silent from that reload
    // (breaker round 138: its silence counted from privmon's start, the removal included).
    bool configured = true;
  };
  PipelineStats& stats_;
  SpscQueue<Alert>& alerts_;
  int64_t start_us_;
  bool polled_ = false;  // a Poll ran: tenants first watched from now on are silent from then
  absl::flat_hash_map<uint64_t, Watch> watches_;
  EventCount* wake_ = nullptr;
};

}  // namespace privmon
