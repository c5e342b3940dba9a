// The global operator new of the test binary, counting allocations while a test asks for it.
// Replacing operator new is the only way to see every allocation a call makes. It lives in a
// translation unit of its own so that no caller inlines it (GCC would then warn about free() on
// memory from operator new).
#include <atomic>
#include <cstdlib>
#include <new>

#include "alloc_count.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace tinderbox::test_support {

void start_counting_allocations() {
  g_allocations = 0;
  g_counting = true;
}

long stop_counting_allocations() {
  g_counting = false;
  return g_allocations.load();
}

}  // namespace tinderbox::test_support
