// The one queue type between two threads: a bounded, lock-free, single-producer single-consumer
// ring (boost::lockfree::spsc_queue with a run-time capacity). Exactly one thread may push and
// exactly one other thread may pop. push/pop are O(1), wait-free, and never allocate after
// construction; T must be trivially copyable-ish (Event, Alert are plain values).
#pragma once

#include <boost/lockfree/spsc_queue.hpp>

namespace privmon {

template <class T>
using SpscQueue = boost::lockfree::spsc_queue<T>;

}  // namespace privmon
