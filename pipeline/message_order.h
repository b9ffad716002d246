// MessageOrder: the order a message's events go to the shards in: by event time, ties (and a
// timeless registration snapshot, which keeps its place after the events before it) in the
// message's order. A Graph page lists its records newest first, an Event Hubs batch or a Log
// Analytics answer in any order: pushed as written, a rule that reads what came before
// (PRIV-PA-05's days without a success, the novelty rules' learning period, an alert's evidence)
// followed the page's order in `run`, where scan's whole hold sorts them (breaker round 47: a
// page's PA-05 and SI-14 missed over ZeroMQ). Pages apart are still handed on as they come
// (docs/operations.md). Cost: one pass over the keys; a sort of indices only when they are out of
// order (most messages hold one event, or are in order). `order` keeps its capacity: no allocation
// in steady state. Not thread-safe (a parse thread's own EmitState).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/event.h"

namespace privmon {

// Fills `order` with 0..events.size()-1 in (event time, message order) order; in message order
// when not `sort` (events a sorted hold keeps: it sorts them all).
inline void MessageOrder(const std::vector<Event>& events, bool sort, std::vector<EventTime>* keys,
                         std::vector<uint32_t>* order) {
  const std::size_t n = events.size();
  order->resize(n);
  for (std::size_t i = 0; i < n; ++i) (*order)[i] = static_cast<uint32_t>(i);
  if (n < 2 || !sort) return;
  keys->resize(n);
  EventTime latest = kMinTime;
  bool in_order = true;
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = events[i];
    const bool timeless = e.kind == EventKind::kMfaRegistration && e.time == 0;
    const EventTime key = timeless ? latest : e.time;
    if (key < latest) in_order = false;
    latest = std::max(latest, key);
    (*keys)[i] = key;
  }
  if (in_order) return;
  std::stable_sort(order->begin(), order->end(),
                   [&](uint32_t a, uint32_t b) { return (*keys)[a] < (*keys)[b]; });
}

}  // namespace privmon
