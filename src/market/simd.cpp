#include "market/simd.h"

namespace tinderbox {

Simd simd_best() {
#ifdef TINDERBOX_SIMD_X86
  if (__builtin_cpu_supports("avx512f")) return Simd::Avx512;
  if (__builtin_cpu_supports("avx2")) return Simd::Avx2;
#endif
  return Simd::Baseline;
}

std::vector<Simd> simd_levels() {
  std::vector<Simd> levels{Simd::Baseline};
  if (simd_best() >= Simd::Avx2) levels.push_back(Simd::Avx2);
  if (simd_best() >= Simd::Avx512) levels.push_back(Simd::Avx512);
  return levels;
}

const char* simd_name(Simd s) {
  switch (s) {
    case Simd::Avx512: return "avx512";
    case Simd::Avx2: return "avx2";
    case Simd::Baseline: break;
  }
  return "baseline";
}

}  // namespace tinderbox
