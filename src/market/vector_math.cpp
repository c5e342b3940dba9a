#include "market/vector_math.h"

#include <bit>
#include <cmath>
#include <cstdint>

namespace tinderbox {

namespace {

[[gnu::always_inline]] inline void exp_kernel(const double* __restrict x, double* __restrict y,
                                              std::size_t n) {
  // x = k ln2 + r, |r| <= ln2 / 2, k the nearest integer to x / ln2: adding 1.5 * 2^52 rounds
  // x / ln2 to an integer held in the low bits of the sum. ln2 is split in two (fdlibm's ln2_hi
  // has 32 significant bits, so k ln2_hi is exact for |k| < 2^20) to keep r exact enough.
  constexpr double kShift = 0x1.8p52;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  // fdlibm's minimax polynomial for R(r^2) in e^r = 1 + 2r / (R(r^2) - r), |error| < 2^-59.
  constexpr double kP1 = 1.66666666666666019037e-01, kP2 = -2.77777777770155933842e-03,
                   kP3 = 6.61375632143793436117e-05, kP4 = -1.65339022054652515390e-06,
                   kP5 = 4.13813679705723846039e-08;
  const auto shift_bits = std::bit_cast<std::uint64_t>(kShift);
  std::size_t outside = 0;  // counted in the loop (it still vectorises): such arguments are rare
  for (std::size_t i = 0; i < n; ++i) {
    // Out-of-range arguments give garbage here (unsigned arithmetic: no overflow) and are redone
    // below, so that the loop has no branch.
    const double v = x[i];
    outside += !(std::fabs(v) <= 708.0);
    const double kd = v * kInvLn2 + kShift;
    const double k = kd - kShift;
    const double hi = v - k * kLn2Hi, lo = k * kLn2Lo;
    const double r = hi - lo;
    const double t = r * r;
    const double c = r - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
    const double er = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // 2^k from its exponent bits: k is in [-1021, 1021] for |v| <= 708.
    const std::uint64_t ki = std::bit_cast<std::uint64_t>(kd) - shift_bits;
    y[i] = er * std::bit_cast<double>((ki + 1023) << 52);
  }
  if (outside == 0) return;
  for (std::size_t i = 0; i < n; ++i)
    if (!(std::fabs(x[i]) <= 708.0)) y[i] = std::exp(x[i]);
}

[[gnu::always_inline]] inline void log_kernel(const double* __restrict x, double* __restrict y,
                                              std::size_t n) {
  // x = 2^k (1 + f) with sqrt(2)/2 <= 1 + f < sqrt(2); ln x = k ln2 + ln(1 + f), and with
  // s = f / (2 + f), ln(1 + f) = f - s (f - R(s^2)) in fdlibm's arrangement (hfsq below).
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kLg1 = 6.666666666666735130e-01, kLg2 = 3.999999999940941908e-01,
                   kLg3 = 2.857142874366239149e-01, kLg4 = 2.222219843214978396e-01,
                   kLg5 = 1.818357216161805012e-01, kLg6 = 1.531383769920937332e-01,
                   kLg7 = 1.479819860511658591e-01;
  constexpr std::uint64_t kMantissa = (std::uint64_t(1) << 52) - 1;
  // k + 1023 + (0 or 1) as a double without an integer conversion (none vectorises before
  // AVX-512): the exponent bits put into the mantissa of 2^52.
  constexpr std::uint64_t kTwo52 = 0x4330000000000000;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = std::bit_cast<std::uint64_t>(x[i]);
    const std::uint64_t mantissa = b & kMantissa;
    // 1 << 52 when 1.mantissa >= sqrt(2) (fdlibm's 0x95f64 on the high word): then halve it.
    const std::uint64_t up = (mantissa + (std::uint64_t(0x95f64) << 32)) & (std::uint64_t(1) << 52);
    const double m = std::bit_cast<double>(mantissa | (up ^ 0x3ff0000000000000));
    const double k = std::bit_cast<double>(kTwo52 | ((b >> 52) + (up >> 52))) - (0x1p52 + 1023);
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
    const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
    const double r = t2 + t1;
    const double hfsq = 0.5 * f * f;
    y[i] = k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
  }
  std::size_t outside = 0;  // counted first in a loop that vectorises: such arguments are rare
  for (std::size_t i = 0; i < n; ++i)
    outside += !(x[i] >= 0x1p-1022 && x[i] <= 0x1.fffffffffffffp1023);
  if (outside == 0) return;
  for (std::size_t i = 0; i < n; ++i)
    if (!(x[i] >= 0x1p-1022 && x[i] <= 0x1.fffffffffffffp1023)) y[i] = std::log(x[i]);
}

[[gnu::always_inline]] inline void combine_kernel(const double* __restrict w, std::size_t rows,
                                                  const double* __restrict z, std::size_t n,
                                                  double* __restrict e) {
  for (std::size_t k = 0; k < n; ++k) e[k] = 0.0;
  for (std::size_t j = 0; j < rows; ++j)
    for (std::size_t k = 0; k < n; ++k) e[k] += w[j] * z[j * n + k];
}

[[gnu::always_inline]] inline void mul_kernel(const double* a, const double* __restrict b,
                                              double* y, std::size_t n) {
  // a and y may be one array (each y[k] is written after a[k] is read); b is never written.
  for (std::size_t k = 0; k < n; ++k) y[k] = a[k] * b[k];
}

[[gnu::always_inline]] inline void moments_kernel(const double* __restrict value,
                                                  const double* __restrict curve,
                                                  double* __restrict sum, double* __restrict sum2,
                                                  std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    const double d = value[k] - curve[k];
    sum[k] += d;
    sum2[k] += d * d;
  }
}

}  // namespace

void add_moments_n(const double* value, const double* curve, double* sum, double* sum2,
                   std::size_t n, Simd simd) {
  simd_detail::run<moments_kernel>(simd, value, curve, sum, sum2, n);
}

void mul_n(const double* a, const double* b, double* y, std::size_t n, Simd simd) {
  simd_detail::run<mul_kernel>(simd, a, b, y, n);
}

void combine_n(const double* w, std::size_t rows, const double* z, std::size_t n, double* e,
               Simd simd) {
  simd_detail::run<combine_kernel>(simd, w, rows, z, n, e);
}

void exp_n(const double* x, double* y, std::size_t n, Simd simd) {
  simd_detail::run<exp_kernel>(simd, x, y, n);
}

void log_n(const double* x, double* y, std::size_t n, Simd simd) {
  simd_detail::run<log_kernel>(simd, x, y, n);
}

}  // namespace tinderbox
