#include "market/random.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>

#include "market/vector_math.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tinderbox {

namespace {

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53, kPhiloxM1 = 0xCD9E8D57;  // Random123's
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9, kPhiloxW1 = 0xBB67AE85;  // key schedule

[[gnu::always_inline]] inline void philox_scalar(std::uint32_t k0, std::uint32_t k1,
                                                 const std::uint32_t* c0, const std::uint32_t* c1,
                                                 const std::uint32_t* c2, std::uint32_t* out,
                                                 std::size_t first, std::size_t n) {
  for (std::size_t i = first; i < n; ++i) {
    const r123::Philox4x32::ctr_type ctr{{c0[i], c1[i], c2[i], 0}};
    const auto r = r123::Philox4x32()(ctr, {{k0, k1}});
    for (std::size_t j = 0; j < 4; ++j) out[4 * i + j] = r[j];
  }
}

#if defined(__x86_64__)
// Random123's ten rounds on four counters per SSE2 register (one word of each counter per
// register), then a 4 x 4 transpose so that each counter's words come out together. What is
// left over (fewer than 16 counters) takes the scalar rounds.
[[gnu::always_inline]] inline void philox_kernel(std::uint32_t k0, std::uint32_t k1,
                                                 const std::uint32_t* c0, const std::uint32_t* c1,
                                                 const std::uint32_t* c2, std::uint32_t* out,
                                                 std::size_t n) {
  const __m128i m0 = _mm_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m128i m1 = _mm_set1_epi32(static_cast<int>(kPhiloxM1));
  const __m128i low = _mm_set1_epi64x(0xffffffff);
  // The high and low words of the four 32 x 32-bit products a[i] m: lanes 0 and 2, then 1 and 3.
  const auto mulhilo = [&](__m128i a, __m128i m, __m128i& hi, __m128i& lo) {
    const __m128i even = _mm_mul_epu32(a, m);
    const __m128i odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);
    hi = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(low, odd));
    lo = _mm_or_si128(_mm_and_si128(even, low), _mm_slli_epi64(odd, 32));
  };
  // G groups of four counters side by side: each round is a chain of dependent operations, and
  // independent groups fill the wait.
  constexpr std::size_t G = 4;
  std::size_t i = 0;
  for (; i + 4 * G <= n; i += 4 * G) {
    __m128i x0[G], x1[G], x2[G], x3[G];
    for (std::size_t g = 0; g < G; ++g) {
      x0[g] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c0 + i + 4 * g));
      x1[g] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c1 + i + 4 * g));
      x2[g] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c2 + i + 4 * g));
      x3[g] = _mm_setzero_si128();
    }
    std::uint32_t a = k0, b = k1;
    for (int round = 0; round < 10; ++round) {
      const __m128i ka = _mm_set1_epi32(static_cast<int>(a)), kb = _mm_set1_epi32(static_cast<int>(b));
      for (std::size_t g = 0; g < G; ++g) {
        __m128i hi0, lo0, hi1, lo1;
        mulhilo(x0[g], m0, hi0, lo0);
        mulhilo(x2[g], m1, hi1, lo1);
        x0[g] = _mm_xor_si128(_mm_xor_si128(hi1, x1[g]), ka);
        x2[g] = _mm_xor_si128(_mm_xor_si128(hi0, x3[g]), kb);
        x1[g] = lo1;
        x3[g] = lo0;
      }
      a += kPhiloxW0;
      b += kPhiloxW1;
    }
    for (std::size_t g = 0; g < G; ++g) {
      const __m128i t0 = _mm_unpacklo_epi32(x0[g], x1[g]), t1 = _mm_unpacklo_epi32(x2[g], x3[g]);
      const __m128i t2 = _mm_unpackhi_epi32(x0[g], x1[g]), t3 = _mm_unpackhi_epi32(x2[g], x3[g]);
      __m128i* o = reinterpret_cast<__m128i*>(out + 4 * (i + 4 * g));
      _mm_storeu_si128(o, _mm_unpacklo_epi64(t0, t1));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi64(t0, t1));
      _mm_storeu_si128(o + 2, _mm_unpacklo_epi64(t2, t3));
      _mm_storeu_si128(o + 3, _mm_unpackhi_epi64(t2, t3));
    }
  }
  philox_scalar(k0, k1, c0, c1, c2, out, i, n);
}

#ifdef TINDERBOX_SIMD_X86
// The same with eight counters per AVX2 register, two registers side by side.
[[gnu::target("avx2")]] void philox_avx2(std::uint32_t k0, std::uint32_t k1,
                                          const std::uint32_t* c0, const std::uint32_t* c1,
                                          const std::uint32_t* c2, std::uint32_t* out,
                                          std::size_t n) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(kPhiloxM1));
  constexpr std::size_t G = 2;
  std::size_t i = 0;
  for (; i + 8 * G <= n; i += 8 * G) {
    __m256i x0[G], x1[G], x2[G], x3[G];
    for (std::size_t g = 0; g < G; ++g) {
      x0[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c0 + i + 8 * g));
      x1[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c1 + i + 8 * g));
      x2[g] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c2 + i + 8 * g));
      x3[g] = _mm256_setzero_si256();
    }
    std::uint32_t a = k0, b = k1;
    for (int round = 0; round < 10; ++round) {
      const __m256i ka = _mm256_set1_epi32(static_cast<int>(a));
      const __m256i kb = _mm256_set1_epi32(static_cast<int>(b));
      for (std::size_t g = 0; g < G; ++g) {
        // Products of the even lanes, then of the odd ones; high and low words blended back.
        const __m256i e0 = _mm256_mul_epu32(x0[g], m0);
        const __m256i o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0[g], 32), m0);
        const __m256i e1 = _mm256_mul_epu32(x2[g], m1);
        const __m256i o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2[g], 32), m1);
        const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xaa);
        const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xaa);
        const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xaa);
        const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xaa);
        x0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, x1[g]), ka);
        x2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, x3[g]), kb);
        x1[g] = lo1;
        x3[g] = lo0;
      }
      a += kPhiloxW0;
      b += kPhiloxW1;
    }
    for (std::size_t g = 0; g < G; ++g) {
      // Within each 128-bit half as in the SSE2 kernel: r0 holds counters 0 and 4, r1 1 and 5...
      const __m256i t0 = _mm256_unpacklo_epi32(x0[g], x1[g]), t1 = _mm256_unpacklo_epi32(x2[g], x3[g]);
      const __m256i t2 = _mm256_unpackhi_epi32(x0[g], x1[g]), t3 = _mm256_unpackhi_epi32(x2[g], x3[g]);
      const __m256i r0 = _mm256_unpacklo_epi64(t0, t1), r1 = _mm256_unpackhi_epi64(t0, t1);
      const __m256i r2 = _mm256_unpacklo_epi64(t2, t3), r3 = _mm256_unpackhi_epi64(t2, t3);
      __m256i* o = reinterpret_cast<__m256i*>(out + 4 * (i + 8 * g));
      _mm256_storeu_si256(o, _mm256_permute2x128_si256(r0, r1, 0x20));
      _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(r2, r3, 0x20));
      _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(r0, r1, 0x31));
      _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(r2, r3, 0x31));
    }
  }
  philox_scalar(k0, k1, c0, c1, c2, out, i, n);
}

#endif
#else
[[gnu::always_inline]] inline void philox_kernel(std::uint32_t k0, std::uint32_t k1,
                                                 const std::uint32_t* c0, const std::uint32_t* c1,
                                                 const std::uint32_t* c2, std::uint32_t* out,
                                                 std::size_t n) {
  philox_scalar(k0, k1, c0, c1, c2, out, 0, n);
}
#endif

// (x + 0.5) / 2^32 for 32-bit words, PathRandom's uniforms; x as a double through the bits of
// 2^52 + x, a conversion that vectorises.
[[gnu::always_inline]] inline void uniform_kernel(const std::uint32_t* __restrict x,
                                                  double* __restrict u, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double v = std::bit_cast<double>(0x4330000000000000 | std::uint64_t(x[i])) - 0x1p52;
    u[i] = (v + 0.5) * 0x1p-32;
  }
}

// Every value through AS 241's central branch: the same operations in the same order as
// normal_quantile(), without its branch, so that the compiler vectorises the loop. A tail value
// gets a finite number here (r stays in [-0.07, 0.18]), replaced afterwards.
[[gnu::always_inline]] inline void central_kernel(const double* __restrict u, double* __restrict z,
                                                  std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double q = u[i] - 0.5;
    const double r = 0.180625 - q * q;
    z[i] = q * detail::poly7(detail::kA, r) / detail::poly7(detail::kB, r);
  }
}

// The near tail's rational function of r = sqrt(-ln p), signed.
[[gnu::always_inline]] inline void tail_kernel(const double* __restrict r,
                                               const double* __restrict sign, double* __restrict z,
                                               std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    const double t = r[j] - 1.6;
    z[j] = sign[j] * (detail::poly7(detail::kC, t) / detail::poly7(detail::kD, t));
  }
}

// The tails of normal_quantiles(): index[t] = i for each i < n with |u[i] - 0.5| > 0.425, in
// ascending order, from `first` on, `tails` listed before; returns the new count. One value at a
// time, without a branch on the comparison (it would be mispredicted on random input).
inline std::size_t tails_scalar(const double* __restrict u, std::size_t first, std::size_t n,
                                std::size_t tails, std::uint32_t* __restrict index) {
  for (std::size_t i = first; i < n; ++i) {
    index[tails] = static_cast<std::uint32_t>(i);
    tails += std::fabs(u[i] - 0.5) > 0.425;
  }
  return tails;
}

// One tail value's probability and sign, as normal_quantile() (min() and copysign() have no
// branch, which would be mispredicted half the time).
inline void tail_of(double x, double& p, double& sign) {
  p = std::min(x, 1.0 - x);
  sign = std::copysign(1.0, x - 0.5);
}

#if defined(__x86_64__)
// The tails whose bits are set in `mask` (value i + b for bit b), appended in order with their p
// and sign; returns the new count.
inline std::size_t list_tails(unsigned mask, std::size_t i, const double* __restrict u,
                              std::size_t tails, std::uint32_t* __restrict index,
                              double* __restrict p, double* __restrict sign) {
  for (; mask != 0; mask &= mask - 1, ++tails) {
    const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(mask));
    index[tails] = static_cast<std::uint32_t>(at);
    tail_of(u[at], p[tails], sign[tails]);
  }
  return tails;
}

// The values from i on that the vector loop left, by the scalar scan, with their p and sign.
inline std::size_t finish_tails(const double* __restrict u, std::size_t i, std::size_t n,
                                std::size_t tails, std::uint32_t* __restrict index,
                                double* __restrict p, double* __restrict sign) {
  const std::size_t listed = tails;
  tails = tails_scalar(u, i, n, tails, index);
  for (std::size_t j = listed; j < tails; ++j) tail_of(u[index[j]], p[j], sign[j]);
  return tails;
}

// The same list, in the same order, with each tail's p and sign (tail_of()): the comparisons a
// vector at a time into a bit mask, then one step per tail (15 % of the values) rather than one
// per value.
inline std::size_t tails_sse2(const double* __restrict u, std::size_t n,
                              std::uint32_t* __restrict index, double* __restrict p,
                              double* __restrict sign) {
  const __m128d half = _mm_set1_pd(0.5), bound = _mm_set1_pd(0.425);
  const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
  std::size_t tails = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    unsigned mask = 0;
    for (unsigned j = 0; j < 4; ++j) {
      const __m128d q = _mm_and_pd(_mm_sub_pd(_mm_loadu_pd(u + i + 2 * j), half), magnitude);
      mask |= static_cast<unsigned>(_mm_movemask_pd(_mm_cmpgt_pd(q, bound))) << (2 * j);
    }
    tails = list_tails(mask, i, u, tails, index, p, sign);
  }
  return finish_tails(u, i, n, tails, index, p, sign);
}

#ifdef TINDERBOX_SIMD_X86
[[gnu::target("avx2")]] std::size_t tails_avx2(const double* __restrict u, std::size_t n,
                                                std::uint32_t* __restrict index,
                                                double* __restrict p, double* __restrict sign) {
  const __m256d half = _mm256_set1_pd(0.5), bound = _mm256_set1_pd(0.425);
  const __m256d magnitude = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff));
  std::size_t tails = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    unsigned mask = 0;
    for (unsigned j = 0; j < 4; ++j) {
      const __m256d q =
          _mm256_and_pd(_mm256_sub_pd(_mm256_loadu_pd(u + i + 4 * j), half), magnitude);
      mask |= static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(q, bound, _CMP_GT_OQ)))
              << (4 * j);
    }
    tails = list_tails(mask, i, u, tails, index, p, sign);
  }
  return finish_tails(u, i, n, tails, index, p, sign);
}
#endif
#endif

}  // namespace

void normal_quantiles(const double* u, double* z, std::size_t n, QuantileScratch& scratch,
                      Simd simd) {
  simd_detail::run<central_kernel>(simd, u, z, n);
  // The tails (|q| > 0.425) listed with their p and sign, taken through AS 241's tail branches in
  // vectorised loops, and put back.
  std::uint32_t* __restrict index = scratch.index.data();
  double* __restrict p = scratch.p.data();
  double* __restrict r = scratch.r.data();
  double* __restrict sign = scratch.sign.data();
  std::size_t tails;
#if defined(__x86_64__)
#ifdef TINDERBOX_SIMD_X86
  if (simd >= Simd::Avx2)
    tails = tails_avx2(u, n, index, p, sign);
  else
#endif
    tails = tails_sse2(u, n, index, p, sign);
#else
  tails = tails_scalar(u, 0, n, 0, index);
  for (std::size_t j = 0; j < tails; ++j) tail_of(u[index[j]], p[j], sign[j]);
#endif
  log_n(p, r, tails, simd);
  // r = sqrt(-ln p), -ln p > 0: std::sqrt's check for errno keeps the compiler from vectorising
  // it, the instruction has none (and gives the same correctly rounded root).
  std::size_t done = 0;
#if defined(__x86_64__)
  const __m128d negative = _mm_set1_pd(-0.0);
  for (; done + 2 <= tails; done += 2)
    _mm_storeu_pd(r + done, _mm_sqrt_pd(_mm_xor_pd(_mm_loadu_pd(r + done), negative)));
#endif
  for (std::size_t j = done; j < tails; ++j) r[j] = std::sqrt(-r[j]);
  simd_detail::run<tail_kernel>(simd, static_cast<const double*>(r),
                                static_cast<const double*>(sign), p, tails);
  // r > 5 (p below 1.4e-11, never from 32-bit uniforms) takes the far tail's branch.
  for (std::size_t j = 0; j < tails; ++j)
    if (r[j] > 5.0) {
      const double t = r[j] - 5.0;
      p[j] = sign[j] * (detail::poly7(detail::kE, t) / detail::poly7(detail::kF, t));
    }
  for (std::size_t j = 0; j < tails; ++j) z[index[j]] = p[j];
}

void philox4x32_n(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* c0,
                  const std::uint32_t* c1, const std::uint32_t* c2, std::uint32_t* out,
                  std::size_t n, Simd simd) {
#ifdef TINDERBOX_SIMD_X86
  // AVX-512 takes the AVX2 kernel: GCC 12's AVX-512 integer intrinsics trip its own
  // -Wmaybe-uninitialized, and the rounds are a small part of a path.
  if (simd >= Simd::Avx2) return philox_avx2(k0, k1, c0, c1, c2, out, n);
#endif
  simd_detail::run<philox_kernel>(simd, k0, k1, c0, c1, c2, out, n);
}

PeriodUniforms::PeriodUniforms(const std::vector<std::pair<Stream, std::uint32_t>>& draws,
                               int periods)
    : draws_(draws.size()), periods_(periods), blocks_((periods + 3) / 4) {
  for (const auto& [stream, draw] : draws)
    for (int b = 0; b < blocks_; ++b) {
      c0_.push_back(static_cast<std::uint32_t>(b));
      c1_.push_back(static_cast<std::uint32_t>(stream));
      c2_.push_back(draw);
    }
  // Padded with unused counters to a multiple of the vector kernels' sixteen, so that no counter
  // takes the slower scalar rounds.
  while (c0_.size() % 16 != 0) {
    c0_.push_back(0);
    c1_.push_back(0);
    c2_.push_back(0);
  }
  words_.assign(4 * c0_.size(), 0);
}

void PeriodUniforms::fill(std::uint32_t seed, std::uint32_t path, double* u, Simd simd) {
  philox4x32_n(seed, path, c0_.data(), c1_.data(), c2_.data(), words_.data(), c0_.size(), simd);
  // Period k of draw j is word k % 4 of its block k / 4: word 4 j blocks + k.
  const auto n = static_cast<std::size_t>(periods_), per_draw = 4 * static_cast<std::size_t>(blocks_);
  if (n == per_draw) {
    simd_detail::run<uniform_kernel>(simd, static_cast<const std::uint32_t*>(words_.data()), u,
                                     draws_ * n);
    return;
  }
  for (std::size_t j = 0; j < draws_; ++j)
    simd_detail::run<uniform_kernel>(simd, static_cast<const std::uint32_t*>(&words_[j * per_draw]),
                                     u + j * n, n);
}

}  // namespace tinderbox
