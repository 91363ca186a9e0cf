// The global operator new of data_test, counting large requests
// (allocation_counter.hpp). operator new[] and the sized and aligned forms
// keep their libstdc++ definitions, which call these or malloc/free.
#include "tests/unit/data/allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> g_large{0};
}  // namespace

namespace keel::test {
size_t large_allocations() { return g_large.load(std::memory_order_relaxed); }
}  // namespace keel::test

void* operator new(std::size_t size) {
  if (size >= keel::test::kLargeAllocation) g_large.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
