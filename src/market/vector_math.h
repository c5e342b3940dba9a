// Elementary functions over arrays, written so that the compiler vectorises them: the stochastic
// drivers take hundreds of exponentials per path, and glibc's exp() is one call per value.
// Plain double arithmetic in a fixed order, the same bits at every SIMD level (market/simd.h).
#pragma once

#include <cstddef>

#include "market/simd.h"

namespace tinderbox {

// y[i] = e^x[i] within one unit in the last place (fdlibm's e_exp.c reduction and polynomial);
// arguments beyond |x| > 708 (overflow, subnormal results) and NaN go to std::exp.
void exp_n(const double* x, double* y, std::size_t n, Simd simd = simd_best());

// y[i] = ln x[i] within one unit in the last place (fdlibm's e_log.c); x[i] that is not a positive
// normal number (0, subnormals, negatives, infinity, NaN) goes to std::log.
void log_n(const double* x, double* y, std::size_t n, Simd simd = simd_best());

// e[k] = sum over j < rows of w[j] z[j n + k] for k < n, the terms added in order of j (a row of
// a matrix times rows of shocks: the GPU generations' correlated shocks).
void combine_n(const double* w, std::size_t rows, const double* z, std::size_t n, double* e,
               Simd simd = simd_best());

// y[k] = a[k] b[k] for k < n; y may be a (the product in place), not b.
void mul_n(const double* a, const double* b, double* y, std::size_t n, Simd simd = simd_best());

// With d = value[k] - curve[k]: sum[k] += d and sum2[k] += d d, for k < n (Monte Carlo's driver
// moments, path after path).
void add_moments_n(const double* value, const double* curve, double* sum, double* sum2,
                   std::size_t n, Simd simd = simd_best());

}  // namespace tinderbox
