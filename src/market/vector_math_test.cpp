// exp_n and log_n against glibc's exp and log (themselves within 0.52 ulp of the exact values):
// within one unit in the last place over the whole range, exact at the points where the
// functions are exact, and the library's own values where the kernels hand over to it.
#include "market/vector_math.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace tinderbox {
namespace {

// |a - b| in units of b's last place.
double ulps(double a, double b) {
  const double ulp = std::nextafter(std::fabs(b), std::numeric_limits<double>::infinity()) - std::fabs(b);
  return std::fabs(a - b) / ulp;
}

TEST(VectorMath, ExpIsWithinOneUlpOfGlibc) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> wide(-708, 708), narrow(-3, 3);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) x.push_back(i % 2 ? wide(rng) : narrow(rng));
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.5 * std::log(2.0), -0.5 * std::log(2.0), 708.0, -708.0,
                   1e-300, -1e-300})
    x.push_back(v);
  std::vector<double> y(x.size());
  exp_n(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_LE(ulps(y[i], std::exp(x[i])), 1.0) << x[i];
  EXPECT_EQ(y[x.size() - 10], 1.0);  // e^0
  EXPECT_EQ(y[x.size() - 9], 1.0);
}

TEST(VectorMath, ExpHandsExtremesToTheLibrary) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{709.5, 710.0, 1e300, inf, -709.5, -745.0, -746.0, -1e300, -inf,
                        std::numeric_limits<double>::quiet_NaN(), -4.68e15, 4.68e15};
  std::vector<double> y(x.size());
  exp_n(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i + 3 < x.size(); ++i) EXPECT_EQ(y[i], std::exp(x[i])) << x[i];
  EXPECT_TRUE(std::isnan(y[9]));
  EXPECT_EQ(y[10], 0.0);
  EXPECT_EQ(y[11], inf);
}

TEST(VectorMath, LogIsWithinOneUlpOfGlibc) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> unit(0, 1), exponent(-1022, 1023);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) {
    const double v = i % 3 == 0   ? unit(rng)
                     : i % 3 == 1 ? std::ldexp(1 + unit(rng), static_cast<int>(exponent(rng)))
                                  : 1 + (unit(rng) - 0.5) * 1e-3;  // near 1, where ln x is small
    x.push_back(v);
  }
  for (double v : {std::sqrt(0.5), std::sqrt(2.0), std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0),
                   0x1p-1022, std::numeric_limits<double>::max(), 0.5 * 0x1p-32, 0.075})
    x.push_back(v);
  std::vector<double> y(x.size());
  log_n(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_LE(ulps(y[i], std::log(x[i])), 1.0) << x[i];
  const std::vector<double> exact{1.0, 2.0, 0.5, 1024.0};
  std::vector<double> e(exact.size());
  log_n(exact.data(), e.data(), exact.size());
  EXPECT_EQ(e[0], 0.0);
  EXPECT_EQ(e[1], std::log(2.0));
  EXPECT_EQ(e[2], -std::log(2.0));
  EXPECT_EQ(e[3], 10 * std::log(2.0));
}

TEST(VectorMath, LogHandsEdgesToTheLibrary) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{0.0, -0.0, -1.0, 0x1p-1074, 0x1p-1030, inf, -inf,
                        std::numeric_limits<double>::quiet_NaN()};
  std::vector<double> y(x.size());
  log_n(x.data(), y.data(), x.size());
  EXPECT_EQ(y[0], -inf);
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], std::log(0x1p-1074));
  EXPECT_EQ(y[4], std::log(0x1p-1030));
  EXPECT_EQ(y[5], inf);
  EXPECT_TRUE(std::isnan(y[6]));
  EXPECT_TRUE(std::isnan(y[7]));
}

// Each SIMD level this machine runs gives the baseline's bits (market/simd.h): the results of a
// simulation never depend on the machine's vector instructions.
// combine_n adds its terms in order of rows, as a plain loop does.
TEST(VectorMath, CombineSumsTheRowsInOrder) {
  const std::vector<double> w{0.8, 0.6};
  const std::vector<double> z{1.0, 2.0, 3.0, 0.1, 0.2, 0.3};  // two rows of three
  std::vector<double> e(3);
  combine_n(w.data(), 2, z.data(), 3, e.data());
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(e[k], (0.0 + 0.8 * z[k]) + 0.6 * z[3 + k]);
}

TEST(VectorMath, EverySimdLevelGivesTheSameBits) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> wide(-800, 800), unit(0, 1);
  std::vector<double> x, p;
  for (int i = 0; i < 100003; ++i) {  // odd: each level's remainder loop too
    x.push_back(i % 2 ? wide(rng) : 3 * (unit(rng) - 0.5));
    p.push_back(i % 2 ? unit(rng) : std::ldexp(unit(rng), -static_cast<int>(1100 * unit(rng))));
  }
  std::vector<double> e0(x.size()), l0(x.size()), e(x.size()), l(x.size());
  const std::vector<double> w{0.6, 0.7, -0.3, 0.2};  // combine_n: 4 rows of 25000 shocks
  std::vector<double> c0(25000), c(25000);
  combine_n(w.data(), 4, x.data(), 25000, c0.data(), Simd::Baseline);
  exp_n(x.data(), e0.data(), x.size(), Simd::Baseline);
  log_n(p.data(), l0.data(), p.size(), Simd::Baseline);
  for (Simd s : simd_levels()) {
    exp_n(x.data(), e.data(), x.size(), s);
    log_n(p.data(), l.data(), p.size(), s);
    combine_n(w.data(), 4, x.data(), 25000, c.data(), s);
    std::vector<double> s1(x.size(), 0.5), s2(x.size(), 0.25), t1(s1), t2(s2);
    add_moments_n(x.data(), p.data(), s1.data(), s2.data(), x.size(), s);
    for (std::size_t k = 0; k < x.size(); ++k) {  // the plain loop's sums
      const double d = x[k] - p[k];
      t1[k] += d;
      t2[k] += d * d;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(s1[k]), std::bit_cast<std::uint64_t>(t1[k])) << k;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(s2[k]), std::bit_cast<std::uint64_t>(t2[k])) << k;
    }
    std::vector<double> y(x.size()), in_place(x);
    mul_n(x.data(), p.data(), y.data(), x.size(), s);
    mul_n(in_place.data(), p.data(), in_place.data(), x.size(), s);
    for (std::size_t k = 0; k < x.size(); ++k) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(y[k]), std::bit_cast<std::uint64_t>(x[k] * p[k])) << k;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(in_place[k]), std::bit_cast<std::uint64_t>(y[k])) << k;
    }
    for (std::size_t k = 0; k < c.size(); ++k)
      ASSERT_EQ(std::bit_cast<std::uint64_t>(c[k]), std::bit_cast<std::uint64_t>(c0[k]))
          << simd_name(s) << " combine " << k;
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(e[i]), std::bit_cast<std::uint64_t>(e0[i]))
          << simd_name(s) << " exp " << x[i];
      ASSERT_EQ(std::bit_cast<std::uint64_t>(l[i]), std::bit_cast<std::uint64_t>(l0[i]))
          << simd_name(s) << " log " << p[i];
    }
  }
}

}  // namespace
}  // namespace tinderbox
