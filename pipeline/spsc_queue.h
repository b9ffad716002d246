// The queue type between two threads (alerts, sinks): a bounded, lock-free, single-producer
// single-consumer ring (boost::lockfree::spsc_queue with a run-time capacity); the parse-thread-to-
// shard queues are pipeline/spsc_ring.h, which can look ahead. Exactly one thread may push and
// exactly one other thread may pop. push/pop are O(1), wait-free, and never allocate after
// construction; T must be trivially copyable-ish (Event, Alert are plain values).
#pragma once

#include <boost/lockfree/spsc_queue.hpp>

namespace privmon {

template <class T>
using SpscQueue = boost::lockfree::spsc_queue<T>;

}  // namespace privmon
