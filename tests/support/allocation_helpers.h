// Allocation counting for zero-allocation tests. A test binary that calls AllocationCount()
// links tests/support/allocation_helpers.cc, whose replacements of the global operator new and
// delete count every operator new (plain, array, nothrow) of the whole binary; binaries that do
// not call it keep the standard ones. Thread-safe (a relaxed atomic); the count only grows.
#pragma once

namespace privmon::testing {

// Calls of operator new in this process so far.
long AllocationCount();

}  // namespace privmon::testing
