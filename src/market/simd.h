// The instruction sets the array kernels (vector_math.cpp, random.cpp) run with, chosen at run
// time. Every level computes the same bits: a kernel is plain IEEE arithmetic lane by lane, and
// each level's copy is compiled with contraction off, so that no multiply and add are fused
// (AVX-512 has fused instructions). Only the speed depends on the machine; tests run every
// level this machine has and compare the bits.
#pragma once

#include <vector>

namespace tinderbox {

enum class Simd { Baseline, Avx2, Avx512 };

Simd simd_best();                    // the widest level this machine runs
std::vector<Simd> simd_levels();     // every level this machine runs, Baseline first
const char* simd_name(Simd s);       // "baseline", "avx2", "avx512"

namespace simd_detail {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TINDERBOX_SIMD_X86 1
// One copy of an inline kernel per level: the kernel is inlined into each and compiled for it.
template <auto Kernel, class... A>
[[gnu::optimize("fp-contract=off")]] void baseline(A... a) {
  Kernel(a...);
}
template <auto Kernel, class... A>
[[gnu::target("avx2"), gnu::optimize("fp-contract=off")]] void avx2(A... a) {
  Kernel(a...);
}
template <auto Kernel, class... A>
[[gnu::target("avx512f"), gnu::optimize("fp-contract=off")]] void avx512(A... a) {
  Kernel(a...);
}
#endif

template <auto Kernel, class... A>
void run(Simd s, A... a) {
#ifdef TINDERBOX_SIMD_X86
  switch (s) {
    case Simd::Avx512: return avx512<Kernel>(a...);
    case Simd::Avx2: return avx2<Kernel>(a...);
    case Simd::Baseline: return baseline<Kernel>(a...);
  }
#else
  (void)s;
#endif
  Kernel(a...);
}

}  // namespace simd_detail
}  // namespace tinderbox
