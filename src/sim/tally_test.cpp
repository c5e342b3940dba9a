#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <cmath>
#include <random>

#include "sim/quantile_sketch.h"
#include "sim/risk.h"
#include "sim/tally.h"

namespace tinderbox {
namespace {

// The sketch's quantile is within its relative accuracy of the exact sample quantile of rank
// ceil(q n), on a sample with negatives, zeros and positives over many magnitudes.
TEST(QuantileSketch, WithinItsRelativeAccuracyOfTheExactQuantile) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> size(3.0, 2.0);
  std::vector<double> xs;
  QuantileSketch q;
  for (int i = 0; i < 20000; ++i) {
    const double x = i % 10 == 0 ? 0.0 : (i % 7 == 0 ? -1 : 1) * size(rng);
    xs.push_back(x);
    q.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double p : {0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * double(xs.size())));
    const double exact = xs[rank - 1];
    EXPECT_NEAR(q.quantile(p), exact, QuantileSketch::kAccuracy * (1 + 1e-9) * std::fabs(exact))
        << "q = " << p;
  }
  EXPECT_EQ(q.quantile(0.0), xs.front());  // rank 1, clamped to the smallest value
  EXPECT_EQ(q.quantile(1.0), xs.back());
}

// add_n() over a strided batch is add() value after value: the same words.
TEST(QuantileSketch, AddingABatchIsAddingEachValue) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> size(0.0, 20.0);
  std::vector<double> xs;
  for (int i = 0; i < 3000; ++i) xs.push_back(i % 13 == 0 ? 1e-12 : (i % 3 == 0 ? -1 : 1) * size(rng));
  xs.push_back(std::numeric_limits<double>::infinity());
  xs.push_back(-std::numeric_limits<double>::denorm_min());
  xs.push_back(std::numeric_limits<double>::max());
  QuantileSketch one, batch;
  for (std::size_t i = 0; i < xs.size(); i += 3) one.add(xs[i]);
  batch.add_n(xs.data(), 3, (xs.size() + 2) / 3);
  std::vector<std::int64_t> a, b;
  one.write(a);
  batch.write(b);
  EXPECT_EQ(a, b);
}

// A value's bucket is floor((e + m 2^-52) 100) for the value (1 + m 2^-52) 2^e (the key the
// sketch was first written with: exponent and fraction converted apart and added).
TEST(QuantileSketch, BucketsAreThePiecewiseLinearLog) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = (rng() >> 1) % 0x7ff0000000000000;  // finite, positive
    const double x = std::bit_cast<double>(bits);
    if (x < QuantileSketch::kZero) continue;
    const auto exponent = static_cast<std::int64_t>(bits >> 52) - 1023;
    const double fraction = double(bits & ((std::uint64_t(1) << 52) - 1)) * 0x1p-52;
    const auto key = static_cast<std::int64_t>(std::floor((double(exponent) + fraction) * 100));
    QuantileSketch q;
    q.add(x);
    std::vector<std::int64_t> words;
    q.write(words);
    ASSERT_EQ(words[4], key) << x;  // count, zeros, min, max, then the positive store's offset
  }
}

TEST(QuantileSketch, EqualValuesGiveTheValueAndMergingIsExact) {
  QuantileSketch a, b, all;
  for (int i = 0; i < 100; ++i) a.add(1234.5678);
  EXPECT_EQ(a.quantile(0.05), 1234.5678);
  EXPECT_EQ(a.quantile(0.95), 1234.5678);
  for (int i = 0; i < 1000; ++i) {
    const double x = std::exp(0.01 * i) - 3;
    (i % 3 ? a : b).add(x);
    all.add(x);
  }
  for (int i = 0; i < 100; ++i) all.add(1234.5678);
  QuantileSketch ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  std::size_t pos = 0;
  std::vector<std::int64_t> words;
  ab.write(words);
  const QuantileSketch read = QuantileSketch::read(words, pos);
  EXPECT_EQ(pos, words.size());
  for (double p : {0.01, 0.3, 0.5, 0.77, 0.99}) {
    EXPECT_EQ(ab.quantile(p), all.quantile(p));
    EXPECT_EQ(ba.quantile(p), all.quantile(p));
    EXPECT_EQ(read.quantile(p), all.quantile(p));
  }
}

// By hand: 10 paths, losses {0 x 6, 1, 2, 5, 10}. At q = 0.8: rank 8 -> VaR 2; the loss above
// VaR is 15 on 2 paths; P(L <= 2) = 0.8, so ES = (15 + 2 (8 - 8)) / 2 = 7.5. At q = 0.75:
// rank ceil(7.5) = 8 -> VaR 2, ES = (15 + 2 (8 - 7.5)) / 2.5 = 6.4.
TEST(LossMeasures, AcerbiTascheByHand) {
  std::vector<double> losses{10, 1, 5, 2};
  LossMeasures m = loss_measures(losses, 10, 0.8);
  EXPECT_DOUBLE_EQ(m.mean, 1.8);
  EXPECT_EQ(m.var, 2.0);
  EXPECT_DOUBLE_EQ(m.es, 7.5);
  m = loss_measures(losses, 10, 0.75);
  EXPECT_EQ(m.var, 2.0);
  EXPECT_DOUBLE_EQ(m.es, 6.4);
  // Mostly zero: VaR 0 and ES the tail mean spread over the 1 %.
  std::vector<double> rare{50};
  m = loss_measures(rare, 1000, 0.99);
  EXPECT_EQ(m.var, 0.0);
  EXPECT_NEAR(m.es, 50.0 / 10, 1e-12);
}

// The same loss on every path: EL, VaR and ES are that loss to the bit. Summed and divided by N,
// ten losses of 0.1 give 0.09999999999999999, and the reviewer's 2,000 of 90521.4762121115 an
// EL above the VaR and an ES below it.
TEST(LossMeasures, EqualLossesGiveThatLoss) {
  for (const auto& [loss, paths] : {std::pair{0.1, 10}, {90521.4762121115, 2000}, {1.0 / 3, 150}}) {
    std::vector<double> losses(static_cast<std::size_t>(paths), loss);
    const LossMeasures m = loss_measures(losses, paths, 0.99);
    EXPECT_EQ(m.mean, loss) << paths;
    EXPECT_EQ(m.var, loss) << paths;
    EXPECT_EQ(m.es, loss) << paths;
  }
}

// ES as the mean of the worst (1 - q) N paths, counted by hand. 200 paths, losses 1 to 5 on five
// of them: the worst 2 paths lost 5 and 4, ES 4.5; VaR (rank 198) is 3. 150 paths: the worst 1.5
// are 5 and half a path of 4, ES (5 + 2) / 1.5; VaR (rank 149) is 4. Every path losing 2 but one
// that loses 402: EL = 2 + 400 / 100, VaR 2, ES 2 + 400 / 1 (the worst path is the 1 %).
TEST(LossMeasures, TailMeanByHand) {
  std::vector<double> losses{5, 3, 1, 4, 2};
  LossMeasures m = loss_measures(losses, 200, 0.99);
  EXPECT_EQ(m.var, 3.0);
  EXPECT_NEAR(m.es, 4.5, 1e-12);
  EXPECT_NEAR(m.mean, 15.0 / 200, 1e-15);
  m = loss_measures(losses, 150, 0.99);
  EXPECT_EQ(m.var, 4.0);
  EXPECT_NEAR(m.es, 7.0 / 1.5, 1e-12);
  std::vector<double> one_bad(100, 2.0);
  one_bad[37] = 402;
  m = loss_measures(one_bad, 100, 0.99);
  EXPECT_NEAR(m.mean, 6.0, 1e-12);
  EXPECT_EQ(m.var, 2.0);
  EXPECT_NEAR(m.es, 402.0, 1e-9);
  EXPECT_GE(m.es, m.var);
}

TEST(CensoredQuantile, NullWhenTheRankIsBeyondTheHorizon) {
  // 100 paths: 3 default in period 2, 10 in period 5, the rest survive.
  std::vector<std::int64_t> h(12, 0);
  h[2] = 3;
  h[5] = 10;
  EXPECT_EQ(censored_quantile(h, 100, 0.03), 2);
  EXPECT_EQ(censored_quantile(h, 100, 0.05), 5);
  EXPECT_EQ(censored_quantile(h, 100, 0.13), 5);
  EXPECT_EQ(censored_quantile(h, 100, 0.14), std::nullopt);
}

TEST(ExactSum, OrderDoesNotMatter) {
  ExactSum a, b;
  const double xs[] = {1e8, 1e-7, -1e8, 3.3, 0.1, 0.2};
  for (double x : xs) a.add_block(x);
  for (int i = 5; i >= 0; --i) b.add_block(xs[i]);
  EXPECT_EQ(a.value(), b.value());
  EXPECT_NEAR(a.value(), 3.6000001, 1e-11);
}

TEST(Tally, SerializesAndReadsBack) {
  Tally t(2, 3, 2, 1);
  t.paths = 7;
  t.defaults[4] = 2;
  t.default_count[1] = 3;
  t.cash[1].add(5.5);
  t.lender_loss[1] = {1.5, 2.5};
  t.system_loss = {4.0};
  t.driver_sum[2].add_block(-0.25);
  t.unsettled_periods = 3;
  const Tally r = Tally::deserialize(t.serialize());
  EXPECT_EQ(r.serialize(), t.serialize());
  EXPECT_EQ(r.paths, 7);
  EXPECT_EQ(r.unsettled_periods, 3);
  EXPECT_EQ(r.lender_loss[1], t.lender_loss[1]);
  EXPECT_EQ(r.driver_sum[2].value(), -0.25);
  EXPECT_EQ(r.cash[1].quantile(0.5), 5.5);
}

}  // namespace
}  // namespace tinderbox
