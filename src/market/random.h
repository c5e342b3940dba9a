// Counter-based random numbers for Monte Carlo paths.
//
// Philox4x32-10 (Random123) is keyed by (seed, path) and counted by (period, driver, draw): every
// number of a path is a pure function of those five integers, so a path comes out the same
// whichever thread or MPI rank draws it, in whatever order (DESIGN.md, Randomness).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <Random123/philox.h>

#include "market/simd.h"

namespace tinderbox {

// The drivers' counter slots (the second counter word). New drivers get new numbers, so adding
// one never changes the numbers the others draw.
enum class Stream : std::uint32_t {
  Rate = 1,      // draw = the rate's index
  Gpu = 2,       // draw = block of four generations
  Demand = 3,
  Releases = 4,  // draw 0: the counts, four periods a call; draws 1, 2, ...: period k's cuts
  Cancel = 5,    // draw = the contract's number across entities
  Copula = 6,    // period 0; draw 0: the common factor Z; draw 1 + i: entity i's own factor
  SiteDelay = 7, // period 0; draw = the site's number across entities: late?, months late
};

class PathRandom {
 public:
  PathRandom(std::uint32_t seed, std::uint32_t path) : key_{{seed, path}} {}

  // Four independent uniforms in (0, 1), with 32 bits each: (n + 0.5) / 2^32.
  std::array<double, 4> uniforms(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {u32(r[0]), u32(r[1]), u32(r[2]), u32(r[3])};
  }

  // Uniforms for periods 0 .. n-1 of one driver: call b gives periods 4b .. 4b + 3 (the counter's
  // first word is the block of four periods).
  void period_uniforms(Stream s, std::uint32_t draw, int n, double* out) const {
    for (int k0 = 0; k0 < n; k0 += 4) {
      const auto r = bits(static_cast<std::uint32_t>(k0 / 4), s, draw);
      for (int j = 0; j < 4 && k0 + j < n; ++j) out[k0 + j] = u32(r[static_cast<std::size_t>(j)]);
    }
  }

  // The four raw 32-bit words of one draw.
  std::array<std::uint32_t, 4> words(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {r[0], r[1], r[2], r[3]};
  }

  // Two independent uniforms in (0, 1) with 53 bits each, for tail probabilities (credit).
  std::array<double, 2> fine_uniforms(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {u53(r[0], r[1]), u53(r[2], r[3])};
  }

 private:
  r123::Philox4x32::ctr_type bits(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const r123::Philox4x32::ctr_type ctr{{period, static_cast<std::uint32_t>(s), draw, 0}};
    return r123::Philox4x32()(ctr, key_);
  }
  static double u32(std::uint32_t x) { return (double(x) + 0.5) * 0x1p-32; }
  static double u53(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t x = (std::uint64_t(hi) << 21) ^ (lo >> 11);  // 53 bits
    return (double(x) + 0.5) * 0x1p-53;
  }

  r123::Philox4x32::key_type key_;
};

// The uniforms of several drivers' periods as PathRandom::period_uniforms() gives them, bit for
// bit, for one path after another: the draws' counters are laid out once, and each path's
// Philox calls run over all of them in one vectorised pass (random.cpp).
class PeriodUniforms {
 public:
  PeriodUniforms() = default;
  PeriodUniforms(const std::vector<std::pair<Stream, std::uint32_t>>& draws, int periods);
  std::size_t size() const { return draws_ * static_cast<std::size_t>(periods_); }
  // u[j * periods + k] = period k of draws[j] under key (seed, path).
  void fill(std::uint32_t seed, std::uint32_t path, double* u, Simd simd = simd_best());

 private:
  std::size_t draws_ = 0;
  int periods_ = 0, blocks_ = 0;        // blocks of four periods per draw
  std::vector<std::uint32_t> c0_, c1_, c2_;  // the counters' words (the fourth is 0)
  std::vector<std::uint32_t> words_;    // 4 per counter, scratch
};

// Philox4x32-10 of n counters (c0[i], c1[i], c2[i], 0) under one key, as r123::Philox4x32:
// word j of counter i goes to out[4 i + j]. Four counters at a time in vector registers on x86-64.
void philox4x32_n(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* c0,
                  const std::uint32_t* c1, const std::uint32_t* c2, std::uint32_t* out,
                  std::size_t n, Simd simd = simd_best());

// A UniformRandomBitGenerator over the successive draws of one (path, period, stream), from
// `first_draw` on: for library distributions that take a varying number of words (Boost.Random's
// beta_distribution, by rejection).
class WordStream {
 public:
  using result_type = std::uint32_t;
  WordStream(const PathRandom& r, std::uint32_t period, Stream s, std::uint32_t first_draw)
      : r_(r), period_(period), stream_(s), draw_(first_draw) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return 0xffffffffu; }
  result_type operator()() {
    if (used_ == 4) {
      words_ = r_.words(period_, stream_, draw_++);
      used_ = 0;
    }
    return words_[used_++];
  }

 private:
  const PathRandom& r_;
  std::uint32_t period_;
  Stream stream_;
  std::uint32_t draw_;
  std::array<std::uint32_t, 4> words_{};
  std::size_t used_ = 4;
};

// The standard normal quantile Phi^-1(p) for p in (0, 1): Wichura's algorithm AS 241 (PPND16,
// Applied Statistics 37(3), 1988), accurate to about 1e-16. Inversion takes one uniform per
// normal and is several times faster than Box-Muller or Boost's erfc_inv here; its accuracy is
// tested against Boost (src/market/random_test.cpp).
// Inline so that a loop over independent uniforms overlaps their polynomial chains.
namespace detail {

// Horner's rule for a degree-7 polynomial with coefficients c[0] + c[1] x + ... + c[7] x^7.
inline double poly7(const double (&c)[8], double x) {
  double y = c[7];
  for (int i = 6; i >= 0; --i) y = y * x + c[i];
  return y;
}

// AS 241's coefficients (Wichura 1988, PPND16). The denominators' constant terms are 1.
constexpr double kA[8] = {3.3871328727963666080e0, 1.3314166789178437745e+2,
                          1.9715909503065514427e+3, 1.3731693765509461125e+4,
                          4.5921953931549871457e+4, 6.7265770927008700853e+4,
                          3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kB[8] = {1.0,
                          4.2313330701600911252e+1, 6.8718700749205790830e+2,
                          5.3941960214247511077e+3, 2.1213794301586595867e+4,
                          3.9307895800092710610e+4, 2.8729085735721942674e+4,
                          5.2264952788528545610e+3};
constexpr double kC[8] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                          5.76949722146069140550e0, 3.64784832476320460504e0,
                          1.27045825245236838258e0, 2.41780725177450611770e-1,
                          2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kD[8] = {1.0,
                          2.05319162663775882187e0, 1.67638483018380384940e0,
                          6.89767334985100004550e-1, 1.48103976427480074590e-1,
                          1.51986665636164571966e-2, 5.47593808499534494600e-4,
                          1.05075007164441684324e-9};
constexpr double kE[8] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                          1.78482653991729133580e0, 2.96560571828504891230e-1,
                          2.65321895265761230930e-2, 1.24266094738807843860e-3,
                          2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kF[8] = {1.0,
                          5.99832206555887937690e-1, 1.36929880922735805310e-1,
                          1.48753612908506148525e-2, 7.86869131145613259100e-4,
                          1.84631831751005468180e-5, 1.42151175831644588870e-7,
                          2.04426310338993978564e-15};


}  // namespace detail

inline double normal_quantile(double p) {
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * detail::poly7(detail::kA, r) / detail::poly7(detail::kB, r);
  }
  double r = std::sqrt(-std::log(q < 0 ? p : 1.0 - p));
  double z;
  if (r <= 5.0) {
    r -= 1.6;
    z = detail::poly7(detail::kC, r) / detail::poly7(detail::kD, r);
  } else {
    r -= 5.0;
    z = detail::poly7(detail::kE, r) / detail::poly7(detail::kF, r);
  }
  return q < 0 ? -z : z;
}

// Working space for normal_quantiles() on up to n values, allocated once.
struct QuantileScratch {
  std::vector<std::uint32_t> index;
  std::vector<double> p, r, sign;
  explicit QuantileScratch(std::size_t n = 0) : index(n), p(n), r(n), sign(n) {}
};

// z[i] = Phi^-1(u[i]) for i < n, u[i] in (0, 1), by AS 241 as normal_quantile() but over arrays
// in loops that vectorise (random.cpp): the central region's values (85 %) are normal_quantile()'s
// bits; a tail value's logarithm comes from log_n() (market/vector_math.h) instead of glibc's,
// so it may differ from normal_quantile()'s in the last bit or two (both are within 1e-14 of the
// exact quantile, tested).
void normal_quantiles(const double* u, double* z, std::size_t n, QuantileScratch& scratch,
                      Simd simd = simd_best());

}  // namespace tinderbox
