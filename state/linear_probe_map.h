// LinearProbeMap: the shard's big tables (accounts, known values, dedupe memory), keyed by 64-bit
// hashes. Open addressing with linear probing over one array of {key, value} slots, so that a
// lookup reads the home slot and, at the loads kept here, usually the next one: one or two
// adjacent cache lines that Prefetch(key) loads exactly. abseil's flat_hash_map reads a control
// group and then a slot up to 15 slots away that its prefetch cannot name; at 10M accounts those
// second lines were the engine's DRAM misses (BENCHMARKS.md, session 9).
// - Keys are hashes already, of names the input chooses with a hash anyone can compute; the home
//   slot is a multiply-shift hash of the key with an odd multiplier drawn at random per table, so
//   nobody can craft names whose keys pile up in one cluster (linear probing would then cost
//   O(cluster) per lookup), and structured keys spread too. Iteration order differs per table. Key
//   0 marks an empty slot: a caller's key 0 is stored as kZeroStandIn (the two alias; for hash keys
//   the chance is 2^-64).
// - Load at most 3/4 (capacity a power of two >= 16): expected slots read ~2.5 for a hit, ~8.5 for
//   a miss at the maximum load, fewer after growth. Erase shifts the cluster back (no tombstones),
//   so probes never lengthen with churn.
// - Values are trivially copyable; slots are moved with memcpy on growth and erase.
// Memory: capacity * sizeof(Slot) from HugePageAllocator (big arrays on 2 MiB pages).
// Single-threaded (its shard). Iteration is in slot order; a rehash (growth, shrink) reorders it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <type_traits>
#include <utility>

#include "core/huge_pages.h"
#include "core/prefetch.h"

namespace privmon {

template <class V>
class LinearProbeMap {
  static_assert(std::is_trivially_copyable_v<V>, "slots are moved with memcpy");

 public:
  struct Slot {
    uint64_t first;  // 0: empty
    V second;
  };
  static constexpr uint64_t kZeroStandIn = 0x8000000000000000ULL;
  // Slots a prefetch covers: at a load of 0.6 a key entered late sits ~2-4 slots past its home
  // (its cluster grew before it), so big slots (an account's 48 B) get four, 16 B slots two.
  static constexpr std::size_t kPrefetchSlots = sizeof(Slot) >= 32 ? 4 : 2;
  static constexpr std::size_t kPrefetchBytes = kPrefetchSlots * sizeof(Slot);

  template <bool kConst>
  class Iter {
   public:
    using SlotRef = std::conditional_t<kConst, const Slot&, Slot&>;
    using SlotPtr = std::conditional_t<kConst, const Slot*, Slot*>;
    Iter() = default;
    Iter(SlotPtr at, SlotPtr end) : at_(at), end_(end) { Skip(); }
    operator Iter<true>() const { return Iter<true>(at_, end_); }  // NOLINT: iterator -> const
    SlotRef operator*() const { return *at_; }
    SlotPtr operator->() const { return at_; }
    Iter& operator++() {
      ++at_;
      Skip();
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iter& o) const { return at_ == o.at_; }
    bool operator!=(const Iter& o) const { return at_ != o.at_; }
    SlotPtr slot() const { return at_; }

   private:
    void Skip() {
      while (at_ != end_ && at_->first == 0) ++at_;
    }
    SlotPtr at_ = nullptr;
    SlotPtr end_ = nullptr;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  LinearProbeMap() : multiplier_(RandomOddMultiplier()) {}
  LinearProbeMap(const LinearProbeMap&) = delete;
  LinearProbeMap& operator=(const LinearProbeMap&) = delete;
  ~LinearProbeMap() { Free(slots_, capacity_); }

  iterator begin() { return iterator(slots_, slots_ + capacity_); }
  iterator end() { return iterator(slots_ + capacity_, slots_ + capacity_); }
  const_iterator begin() const { return const_iterator(slots_, slots_ + capacity_); }
  const_iterator end() const { return const_iterator(slots_ + capacity_, slots_ + capacity_); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }

  // Loads the lines a lookup of `key` reads first: its home slot and the next kPrefetchSlots - 1,
  // which hold the key unless it was pushed further by a long cluster (rare at these loads).
  // Address arithmetic on integers (a table without slots computes an address near 0, which a
  // prefetch may name: it never faults); core/prefetch.h says why not __builtin_prefetch.
  void prefetch(uint64_t key) const {
    const std::uintptr_t home =
        reinterpret_cast<std::uintptr_t>(slots_) + Home(Stored(key)) * sizeof(Slot);
    // Every line of [home, home + kPrefetchBytes): one prefetch per 64 B step and one for the last
    // byte (a duplicate line costs next to nothing); a fixed count, so no loop is left.
    for (std::size_t offset = 0; offset < kPrefetchBytes; offset += 64)
      PrefetchForRead(home + offset);
    PrefetchForRead(home + kPrefetchBytes - 1);
  }

  iterator find(uint64_t key) {
    Slot* s = Lookup(Stored(key));
    return s == nullptr ? end() : iterator(s, slots_ + capacity_);
  }
  const_iterator find(uint64_t key) const {
    const Slot* s = const_cast<LinearProbeMap*>(this)->Lookup(Stored(key));
    return s == nullptr ? end() : const_iterator(s, slots_ + capacity_);
  }
  bool contains(uint64_t key) const { return find(key) != end(); }

  // Inserts {key, V(args...)} unless key is present; returns the slot and whether it inserted.
  template <class... Args>
  std::pair<iterator, bool> try_emplace(uint64_t key, Args&&... args) {
    const uint64_t k = Stored(key);
    if (Slot* s = Lookup(k)) return {iterator(s, slots_ + capacity_), false};
    if ((size_ + 1) * 4 > capacity_ * 3) Rehash(Grown(size_ + 1));
    Slot* s = slots_ + Home(k);
    while (s->first != 0) s = Next(s);
    s->first = k;
    ::new (static_cast<void*>(&s->second)) V(std::forward<Args>(args)...);
    ++size_;
    return {iterator(s, slots_ + capacity_), true};
  }
  template <class M>
  std::pair<iterator, bool> insert_or_assign(uint64_t key, M&& value) {
    auto r = try_emplace(key, std::forward<M>(value));
    if (!r.second) r.first->second = std::forward<M>(value);
    return r;
  }
  V& operator[](uint64_t key) { return try_emplace(key).first->second; }

  // Erases the slot `it` names and returns the iterator to visit next: the same slot when the
  // cluster's shift moved a later entry into it, else the next entry. An entry of a cluster that
  // wraps past the array's end may move behind the iterator (a sweep then visits it next lap).
  iterator erase(iterator it) {
    EraseSlot(it.slot());
    return iterator(it.slot(), slots_ + capacity_);
  }
  std::size_t erase(uint64_t key) {
    auto it = find(key);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }
  // Erases every entry pred(slot) names; O(capacity). The scan starts after an empty slot and goes
  // round once, so no cluster wraps past its start and the shifts never move an entry behind it.
  template <class Pred>
  std::size_t erase_if(Pred&& pred) {
    if (size_ == 0) return 0;
    std::size_t start = 0;
    while (slots_[start].first != 0) ++start;  // the load is at most 3/4: one is empty
    std::size_t n = 0;
    for (std::size_t step = 1; step <= capacity_;) {
      Slot* s = slots_ + ((start + step) & (capacity_ - 1));
      if (s->first != 0 && pred(*s)) {
        EraseSlot(s);  // may move a later entry into s: look at it again
        ++n;
      } else {
        ++step;
      }
    }
    return n;
  }

  // Room for n entries without growing.
  void reserve(std::size_t n) {
    if (n * 4 > capacity_ * 3) Rehash(Grown(n));
  }
  // rehash(0): the smallest capacity that holds the entries (a shrink); else at least n slots.
  void rehash(std::size_t n) {
    std::size_t cap = Grown(size_);
    while (cap < n) cap *= 2;
    if (cap != capacity_) Rehash(cap);
  }
  void clear() {
    Free(slots_, capacity_);
    slots_ = nullptr;
    capacity_ = size_ = 0;
    shift_ = kEmptyShift;
  }

 private:
  using Alloc = HugePageAllocator<Slot>;
  static constexpr std::size_t kMinCapacity = 16;
  static constexpr unsigned kEmptyShift = 63;  // no slots: Home() is 0 or 1, only prefetch uses it

  static uint64_t Stored(uint64_t key) { return key == 0 ? kZeroStandIn : key; }
  static uint64_t RandomOddMultiplier() {
    std::random_device random;
    return ((static_cast<uint64_t>(random()) << 32) ^ random()) | 1;
  }
  // Capacity for n entries at a load of at most 3/4.
  static std::size_t Grown(std::size_t n) {
    std::size_t cap = kMinCapacity;
    while (n * 4 > cap * 3) cap *= 2;
    return cap;
  }
  std::size_t Home(uint64_t k) const {
    return static_cast<std::size_t>((k * multiplier_) >> shift_);
  }
  Slot* Next(Slot* s) const { return s + 1 == slots_ + capacity_ ? slots_ : s + 1; }
  Slot* Lookup(uint64_t k) {
    if (capacity_ == 0) return nullptr;
    for (Slot* s = slots_ + Home(k);; s = Next(s)) {
      if (s->first == k) return s;
      if (s->first == 0) return nullptr;
    }
  }
  // Empties `hole` and shifts the rest of its cluster back over it (backward-shift deletion).
  void EraseSlot(Slot* hole) {
    for (Slot* j = Next(hole); j->first != 0; j = Next(j)) {
      // j's entry may fill the hole unless its home lies cyclically in (hole, j].
      const auto h = static_cast<std::size_t>(hole - slots_);
      const auto at = static_cast<std::size_t>(j - slots_);
      const std::size_t home = Home(j->first);
      const bool stays = h <= at ? (home > h && home <= at) : (home > h || home <= at);
      if (stays) continue;
      std::memcpy(static_cast<void*>(hole), static_cast<const void*>(j), sizeof(Slot));
      hole = j;
    }
    hole->first = 0;
    --size_;
  }
  static void Free(Slot* slots, std::size_t capacity) {
    if (slots != nullptr) Alloc().deallocate(slots, capacity);
  }
  void Rehash(std::size_t capacity) {
    Slot* old = slots_;
    const std::size_t old_capacity = capacity_;
    slots_ = Alloc().allocate(capacity);
    capacity_ = capacity;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(capacity));
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].first = 0;
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i].first == 0) continue;
      Slot* s = slots_ + Home(old[i].first);
      while (s->first != 0) s = Next(s);
      std::memcpy(static_cast<void*>(s), static_cast<const void*>(&old[i]), sizeof(Slot));
    }
    Free(old, old_capacity);
  }

  uint64_t multiplier_;  // odd, random per table (see the header)
  Slot* slots_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  unsigned shift_ = kEmptyShift;
};

}  // namespace privmon
