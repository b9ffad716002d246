// RuleSlots: the generic rules' per-account state (DESIGN.md section 10): one record per
// privileged account (indexed by its privileged_index, so finding it costs no probe beyond the
// account's own), laid out when the rules are compiled: each stateful rule owns `size` bytes at
// `offset` (rules/rule_language.h RuleSlot). A record is at most kMaxSlotBytes (256) bytes. The
// slot types below are plain, trivially copyable values, copied into checkpoints byte for byte.
// Owned by one shard's DetectionEngine; single-threaded. Access O(1); the arena grows (allocates)
// only when an account gets its first record; Relayout is O(records) at a config reload.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "state/account_state.h"
#include "state/time_ring.h"

namespace privmon {

// A threshold rule's recent matching event times.
using ThresholdSlot = TimeRing<16>;

// A sequence rule's partial chains: partial[k] is the chain that matched steps 0..k, kept as the
// latest-starting one (the one most likely to finish within the span). start = 0: none.
struct SequenceSlot {
  struct Partial {
    Seconds32 start = 0;  // event time of step 0
    Seconds32 last = 0;   // event time of step k
    uint32_t key = 0;     // the keyed field's value (folded to 32 bits), when keyed
  };
  std::array<Partial, 3> partial{};  // steps 0..2 of at most 4
};

// An absence rule's triggers waiting for an expected event (0: free), each judged on its own, and
// the latest expected event seen (one that arrived before its trigger still counts): the same
// verdicts in any arrival order within the lateness (breaker round 125: a second trigger was
// absorbed by a pending one that a later-arriving expected event settled). 12 bytes, the layout
// of before ({pending, met, latest}: a checkpoint's slot restores as two waiting triggers, `met`
// a stray one no timer judges, freed as stale, and the latest expected event), so no rule
// record outgrows its 256 bytes on an upgrade (breaker round 127). Bounded: a third waiting
// trigger takes the place of a stale one (its deadline behind the tenant's watermark), else of
// the later one when earlier, else that one's verdict stands for both.
struct AbsenceSlot {
  static constexpr std::size_t kWaiting = 2;
  std::array<Seconds32, kWaiting> pending{};
  Seconds32 latest = 0;
};

static_assert(std::is_trivially_copyable_v<ThresholdSlot> && alignof(ThresholdSlot) <= 4);
static_assert(std::is_trivially_copyable_v<SequenceSlot> && alignof(SequenceSlot) <= 4);
static_assert(std::is_trivially_copyable_v<AbsenceSlot> && alignof(AbsenceSlot) <= 4);
// A checkpoint's rule slots restore only at their saved size: another size drops every pending
// absence trigger on an upgrade, and may push a working rule set past kMaxSlotBytes.
static_assert(sizeof(AbsenceSlot) == 12);

class RuleSlots {
 public:
  // The layout the records follow: the bytes of a record (a multiple of 4).
  uint16_t stride() const { return stride_; }
  // The record of privileged account `index`, created zeroed when new.
  std::byte* Record(uint32_t index) {
    const std::size_t need = (static_cast<std::size_t>(index) + 1) * stride_;
    if (bytes_.size() < need) bytes_.resize(need, std::byte{0});
    return bytes_.data() + static_cast<std::size_t>(index) * stride_;
  }
  // The record when it exists, else nullptr.
  const std::byte* RecordIfAny(uint32_t index) const {
    if (stride_ == 0 || (static_cast<std::size_t>(index) + 1) * stride_ > bytes_.size()) {
      return nullptr;
    }
    return bytes_.data() + static_cast<std::size_t>(index) * stride_;
  }
  template <class T>
  static T& At(std::byte* record, uint16_t offset) {
    return *reinterpret_cast<T*>(record + offset);
  }
  std::size_t records() const { return stride_ == 0 ? 0 : bytes_.size() / stride_; }
  // Every record's bytes, record i at i * stride() (a checkpoint's snapshot copies them).
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::size_t MemoryBytes() const { return bytes_.capacity(); }

  // Moves every record to a new layout: a slot keeps its bytes when the new layout has a slot of
  // the same rule (id hash), kind and size; every other slot starts zeroed.
  template <class Slot>
  void Relayout(std::span<const Slot> from, std::span<const Slot> to, uint16_t new_stride) {
    const bool same =
        new_stride == stride_ && from.size() == to.size() &&
        std::equal(from.begin(), from.end(), to.begin(), [](const Slot& a, const Slot& b) {
          return a.code_hash == b.code_hash && a.kind == b.kind && a.offset == b.offset &&
                 a.size == b.size;
        });
    if (same) return;
    std::vector<std::byte> next(records() * new_stride, std::byte{0});
    for (const Slot& n : to) {
      const auto old = std::find_if(from.begin(), from.end(), [&](const Slot& o) {
        return o.code_hash == n.code_hash && o.kind == n.kind && o.size == n.size;
      });
      if (old == from.end()) continue;
      for (std::size_t r = 0; r < records(); ++r) {
        std::memcpy(next.data() + r * new_stride + n.offset,
                    bytes_.data() + r * stride_ + old->offset, n.size);
      }
    }
    bytes_ = std::move(next);
    stride_ = new_stride;
  }

 private:
  std::vector<std::byte> bytes_;
  uint16_t stride_ = 0;
};

}  // namespace privmon
