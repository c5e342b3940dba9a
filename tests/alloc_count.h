// Counts heap allocations made through operator new while counting is on (the test binary
// replaces the global operator new in alloc_count_test.cpp). For tests of "allocates nothing".
#pragma once

namespace tinderbox::test_support {

void start_counting_allocations();
long stop_counting_allocations();  // allocations since start

}  // namespace tinderbox::test_support
