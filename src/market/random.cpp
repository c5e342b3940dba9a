#include "market/random.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "market/vector_math.h"

namespace tinderbox {

namespace {

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

}  // namespace

void normal_quantiles(const double* u, double* z, std::size_t n, QuantileScratch& scratch,
                      Simd simd) {
  simd_detail::run<central_kernel>(simd, u, z, n);
  // The tails (|q| > 0.425), listed without a branch (it would be mispredicted on random input),
  // then gathered, taken through AS 241's tail branches in vectorised loops, and put back.
  std::uint32_t* __restrict index = scratch.index.data();
  double* __restrict p = scratch.p.data();
  double* __restrict r = scratch.r.data();
  double* __restrict sign = scratch.sign.data();
  std::size_t tails = 0;
  for (std::size_t i = 0; i < n; ++i) {
    index[tails] = static_cast<std::uint32_t>(i);
    tails += std::fabs(u[i] - 0.5) > 0.425;
  }
  for (std::size_t j = 0; j < tails; ++j) {
    // The tail's own probability, as normal_quantile() (min() and copysign() have no branch,
    // which would be mispredicted half the time).
    const double x = u[index[j]];
    p[j] = std::min(x, 1.0 - x);
    sign[j] = std::copysign(1.0, x - 0.5);
  }
  log_n(p, r, tails, simd);
  for (std::size_t j = 0; j < tails; ++j) r[j] = std::sqrt(-r[j]);  // scalar: errno blocks SIMD
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

}  // namespace tinderbox
