// tests/unit/data/allocation_counter.hpp — counts large allocations, so a
// test can show a reader does not copy a hostile field: data_test replaces
// the global operator new (allocation_counter.cpp) and counts each request
// of at least kLargeAllocation bytes.
#pragma once

#include <cstddef>

namespace keel::test {

inline constexpr size_t kLargeAllocation = size_t{1} << 20;

// Allocations of at least kLargeAllocation bytes since the program started.
size_t large_allocations();

}  // namespace keel::test
