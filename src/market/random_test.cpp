#include "market/random.h"

#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

namespace tinderbox {
namespace {

// AS 241 against Boost's normal quantile over the body and both tails, 1e-14 relative.
TEST(NormalQuantile, MatchesBoostAcrossTheRange) {
  const boost::math::normal_distribution<double> n;
  for (double p : {1e-300, 1e-100, 1e-20, 1e-12, 1e-8, 1e-4, 0.001, 0.01, 0.02425, 0.075, 0.1,
                   0.25, 0.4, 0.5, 0.6, 0.75, 0.925, 0.975, 0.999, 1 - 1e-8, 1 - 1e-12}) {
    const double want = boost::math::quantile(n, p);
    EXPECT_NEAR(normal_quantile(p), want, 1e-14 * std::max(1.0, std::fabs(want))) << "p = " << p;
  }
  for (int i = 1; i < 1000; ++i) {
    const double p = i / 1000.0;
    const double want = boost::math::quantile(n, p);
    EXPECT_NEAR(normal_quantile(p), want, 1e-14 * std::max(1.0, std::fabs(want))) << "p = " << p;
  }
}

// The batch version: the scalar function's bits in the central region (|p - 0.5| <= 0.425), and
// within 1e-14 of Boost's quantile everywhere, for the body, both tails (the far one, p < 1.4e-11,
// too) and the extremes of 32-bit uniforms, at any length (the vectorised loops' remainders).
TEST(NormalQuantiles, MatchTheScalarFunctionAndBoost) {
  const boost::math::normal_distribution<double> normal;
  std::vector<double> u;
  for (int i = 1; i < 2000; ++i) u.push_back(i / 2000.0);
  for (double p : {0.5 * 0x1p-32, 1e-9, 0.075, 0.0749999999, 0.0750000001, 0.925, 0.9250000001,
                   1 - 0.5 * 0x1p-32, 1e-12, 1e-20, 1e-100, 1e-300, 1 - 1e-12, 1 - 1e-16})
    u.push_back(p);
  const PathRandom r(3, 5);
  for (std::uint32_t k = 0; k < 500; ++k)
    for (double x : r.uniforms(k, Stream::Gpu, 0)) u.push_back(x);
  for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), u.size()}) {
    std::vector<double> z(n, -1.0);
    QuantileScratch scratch(n);
    normal_quantiles(u.data(), z.data(), n, scratch);
    for (std::size_t i = 0; i < n; ++i) {
      const double want = boost::math::quantile(normal, u[i]);
      EXPECT_NEAR(z[i], want, 1e-14 * std::max(1.0, std::fabs(want))) << "u = " << u[i];
      if (std::fabs(u[i] - 0.5) <= 0.425) {
        EXPECT_EQ(std::bit_cast<std::uint64_t>(z[i]), std::bit_cast<std::uint64_t>(normal_quantile(u[i])))
            << "u = " << u[i];
      }
    }
  }
}

// Every SIMD level this machine runs gives the baseline's bits.
TEST(NormalQuantiles, EverySimdLevelGivesTheSameBits) {
  const PathRandom r(8, 1);
  std::vector<double> u;
  for (std::uint32_t k = 0; k < 25001; ++k)
    for (double x : r.uniforms(k, Stream::Demand, 0)) u.push_back(x);
  u.push_back(1e-20);  // the far tail
  std::vector<double> z0(u.size()), z(u.size());
  QuantileScratch scratch(u.size());
  normal_quantiles(u.data(), z0.data(), u.size(), scratch, Simd::Baseline);
  for (Simd s : simd_levels()) {
    normal_quantiles(u.data(), z.data(), u.size(), scratch, s);
    for (std::size_t i = 0; i < u.size(); ++i)
      ASSERT_EQ(std::bit_cast<std::uint64_t>(z[i]), std::bit_cast<std::uint64_t>(z0[i]))
          << simd_name(s) << " u = " << u[i];
  }
}

// Uniforms of a driver's periods are those of its four-period draws, in period order.
TEST(PathRandom, PeriodUniformsAreTheBlocksOfFour) {
  const PathRandom r(9, 4);
  std::vector<double> u(61);
  r.period_uniforms(Stream::Demand, 2, 61, u.data());
  for (std::uint32_t k = 0; k < 61; ++k)
    EXPECT_EQ(u[k], r.uniforms(k / 4, Stream::Demand, 2)[k % 4]) << k;
}

// The batch of counters gives Random123's Philox4x32-10 bit for bit, at every SIMD level and
// every length (groups of sixteen counters and the scalar remainder).
TEST(Philox, BatchIsRandom123) {
  std::vector<std::uint32_t> c0, c1, c2;
  for (std::uint32_t i = 0; i < 53; ++i) {
    c0.push_back(i * 2654435761u);
    c1.push_back(i % 7);
    c2.push_back(0xffffffffu - i);
  }
  for (Simd s : simd_levels())
    for (std::size_t n : {0, 1, 15, 16, 17, 33, 53}) {
      std::vector<std::uint32_t> out(4 * n);
      philox4x32_n(0xdeadbeef, 12345, c0.data(), c1.data(), c2.data(), out.data(), n, s);
      for (std::size_t i = 0; i < n; ++i) {
        const r123::Philox4x32::ctr_type ctr{{c0[i], c1[i], c2[i], 0}};
        const auto want = r123::Philox4x32()(ctr, {{0xdeadbeef, 12345}});
        for (std::size_t j = 0; j < 4; ++j)
          ASSERT_EQ(out[4 * i + j], want[j]) << simd_name(s) << " n " << n << " i " << i;
      }
    }
}

// PeriodUniforms is period_uniforms() for each of its draws, whatever the number of periods, at
// every SIMD level.
TEST(PathRandom, PeriodUniformsInOnePassAreThePerDrawOnes) {
  const std::vector<std::pair<Stream, std::uint32_t>> draws{
      {Stream::Rate, 0}, {Stream::Gpu, 0}, {Stream::Gpu, 3}, {Stream::Releases, 0}};
  for (int periods : {1, 3, 4, 20, 60, 61}) {
    PeriodUniforms batch(draws, periods);
    std::vector<double> u(batch.size()), want(static_cast<std::size_t>(periods));
    for (std::uint32_t path : {0u, 7u, 4000000000u})
      for (Simd s : simd_levels()) {
        batch.fill(5, path, u.data(), s);
        const PathRandom r(5, path);
        for (std::size_t j = 0; j < draws.size(); ++j) {
          r.period_uniforms(draws[j].first, draws[j].second, periods, want.data());
          for (std::size_t k = 0; k < want.size(); ++k)
            ASSERT_EQ(u[j * want.size() + k], want[k])
                << simd_name(s) << " " << periods << " " << j << " " << k;
        }
      }
  }
}

// The same (seed, path, period, stream, draw) always gives the same numbers; any change of one
// of them gives others. Uniforms lie strictly inside (0, 1).
TEST(PathRandom, IsAPureFunctionOfItsCounters) {
  const PathRandom a(7, 11), b(7, 11), c(8, 11), d(7, 12);
  EXPECT_EQ(a.uniforms(3, Stream::Gpu, 0), b.uniforms(3, Stream::Gpu, 0));
  EXPECT_NE(a.uniforms(3, Stream::Gpu, 0), c.uniforms(3, Stream::Gpu, 0));
  EXPECT_NE(a.uniforms(3, Stream::Gpu, 0), d.uniforms(3, Stream::Gpu, 0));
  EXPECT_NE(a.uniforms(3, Stream::Gpu, 0), a.uniforms(4, Stream::Gpu, 0));
  EXPECT_NE(a.uniforms(3, Stream::Gpu, 0), a.uniforms(3, Stream::Rate, 0));
  EXPECT_NE(a.uniforms(3, Stream::Gpu, 0), a.uniforms(3, Stream::Gpu, 1));
  for (std::uint32_t k = 0; k < 1000; ++k) {
    for (double u : a.uniforms(k, Stream::Demand, 0)) EXPECT_TRUE(u > 0 && u < 1);
    for (double u : a.fine_uniforms(k, Stream::Copula, 0)) EXPECT_TRUE(u > 0 && u < 1);
  }
}

}  // namespace
}  // namespace tinderbox
