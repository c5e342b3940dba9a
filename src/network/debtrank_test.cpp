// DebtRank, 2012 and linear variants. A published 2012 example (NetworkRiskMeasures' README,
// with its printed output) is in published_test.cpp; the papers' own worked examples (e.g. the
// network of Battiston et al.'s Supplementary Figure 5) could not be retrieved with their numbers,
// so each expected value below is computed by hand in its comment, on the two mechanisms the papers
// describe: a chain, where the variants differ only by the 2012 cap min(1, Λ), and a cycle, where
// the 2012 rule that each node propagates once underestimates the loss (Bardoscia et al.'s
// motivating remark). Random networks are checked against closed forms: the linear variant's
// limit (I − Λ)⁻¹ h(1) when no cap binds, and agreement of both variants on trees.
#include "network/debtrank.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>
#include <tuple>

namespace tinderbox::network {
namespace {

constexpr double kTight = 1e-12;

Exposures exposures(int n, std::vector<std::tuple<int, int, double>> edges) {
  std::sort(edges.begin(), edges.end());
  Exposures X;
  X.nodes = n;
  X.row_start.assign(static_cast<std::size_t>(n) + 1, 0);
  for (const auto& [i, j, a] : edges) {
    ++X.row_start[static_cast<std::size_t>(i) + 1];
    X.counterparty.push_back(j);
    X.amount.push_back(a);
  }
  for (std::size_t k = 1; k < X.row_start.size(); ++k) X.row_start[k] += X.row_start[k - 1];
  return X;
}

DebtRankOptions linear() { return {.variant = DebtRankVariant::kLinear}; }

// a ← b ← c: b is exposed to a for 5, c to b for 4; equity (10, 10, 2); a loses half its equity.
// Λ_ba = 5/10 = 0.5, Λ_cb = 4/2 = 2.
const Exposures kChain = exposures(3, {{1, 0, 5}, {2, 1, 4}});
const std::vector<double> kChainEquity = {10, 10, 2};
const std::vector<double> kChainShock = {0.5, 0, 0};

TEST(NetDebtRank, ChainIn2012CapsTheImpactAtOne) {
  // t=1: h = (0.5, 0, 0), a distressed. t=2: h_b = 0.5 × 0.5 = 0.25. t=3: h_c = min(1, 2) × 0.25
  // = 0.25. Equity shares v = (10, 10, 2)/22: R = (10 × 0.25 + 2 × 0.25)/22 = 3/22.
  const DebtRankResult r = debtrank(kChain, kChainEquity, kChainShock);
  EXPECT_NEAR(r.h[0], 0.5, kTight);
  EXPECT_NEAR(r.h[1], 0.25, kTight);
  EXPECT_NEAR(r.h[2], 0.25, kTight);
  EXPECT_NEAR(r.R, 3.0 / 22, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

TEST(NetDebtRank, ChainInTheLinearVariantPassesTheWholeLeverage) {
  // Linear: h_b = 0.5 × 0.5 = 0.25, then h_c = min(1, 2 × 0.25) = 0.5. R = (2.5 + 1)/22 = 3.5/22.
  const DebtRankResult r = debtrank(kChain, kChainEquity, kChainShock, {}, linear());
  EXPECT_NEAR(r.h[1], 0.25, kTight);
  EXPECT_NEAR(r.h[2], 0.5, kTight);
  EXPECT_NEAR(r.R, 3.5 / 22, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

// a and b are exposed to each other for 5, equity 10 each (Λ_ab = Λ_ba = 0.5); a loses 20 %.
const Exposures kCycle = exposures(2, {{0, 1, 5}, {1, 0, 5}});
const std::vector<double> kCycleEquity = {10, 10};
const std::vector<double> kCycleShock = {0.2, 0};

TEST(NetDebtRank, CycleIn2012PropagatesEachNodeOnce) {
  // t=2: h_b = 0.5 × 0.2 = 0.1 (a becomes inactive). t=3: b, distressed, hits a:
  // h_a = 0.2 + 0.5 × 0.1 = 0.25; then b is inactive and nothing moves. v = (1/2, 1/2):
  // R = (0.05 + 0.1)/2 = 0.075.
  const DebtRankResult r = debtrank(kCycle, kCycleEquity, kCycleShock);
  EXPECT_NEAR(r.h[0], 0.25, kTight);
  EXPECT_NEAR(r.h[1], 0.1, kTight);
  EXPECT_NEAR(r.R, 0.075, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}}));
}

TEST(NetDebtRank, CycleInTheLinearVariantReachesTheFixedPoint) {
  // Every increase goes round again: h_a = 0.2 + 0.5 h_b, h_b = 0.5 h_a in the limit, so
  // h_a = 0.2 / 0.75 = 4/15, h_b = 2/15 and R = (4/15 − 0.2 + 2/15)/2 = 0.1 (2012: 0.075).
  const DebtRankResult r = debtrank(kCycle, kCycleEquity, kCycleShock, {}, linear());
  EXPECT_NEAR(r.h[0], 4.0 / 15, 1e-11);
  EXPECT_NEAR(r.h[1], 2.0 / 15, 1e-11);
  EXPECT_NEAR(r.R, 0.1, 1e-11);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}}));
}

TEST(NetDebtRank, ALinearCycleNearCriticalStopsAtItsStepLimit) {
  // Λ_ab = Λ_ba = 1 − 1e-9: an increment loses only 2e-9 a round trip, so h creeps up by about
  // 1e-6 every two steps and would reach 1 (where it stops) only after some 2e6 steps. With a
  // limit of 5,000 steps it stops there, says so, and h stays within [0, 1].
  const Exposures X = exposures(2, {{0, 1, 10 * (1 - 1e-9)}, {1, 0, 10 * (1 - 1e-9)}});
  const std::vector<double> shock = {1e-6, 0};
  DebtRankOptions o = linear();
  o.max_steps = 5000;
  const DebtRankResult r = debtrank(X, kCycleEquity, shock, {}, o);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.steps, 5000);
  EXPECT_LE(r.h[0], 1);
}

TEST(NetDebtRank, WeightsAreNormalized) {
  // Weights (1, 3) → v = (1/4, 3/4); on the 2012 cycle R = 0.05/4 + 0.1 × 3/4 = 0.0875.
  const std::vector<double> w = {1, 3};
  const DebtRankResult r = debtrank(kCycle, kCycleEquity, kCycleShock, w);
  EXPECT_NEAR(r.R, 0.0875, kTight);
}

TEST(NetDebtRank, ANodeWithoutEquityStartsInDefault) {
  // b is exposed to a (5) but has no equity: h_b(1) = 1; c, exposed to b for 3 with equity 6,
  // gets h_c = 3/6 × 1 = 0.5. Shocking a by 0.1 changes nothing for b (already at 1).
  // v = equity shares (4, 0, 6)/10; R = 0.6 × 0.5 = 0.3 (b's loss is in h(1)).
  const Exposures X = exposures(3, {{1, 0, 5}, {2, 1, 3}});
  const std::vector<double> equity = {4, 0, 6}, shock = {0.1, 0, 0};
  const DebtRankResult r = debtrank(X, equity, shock);
  EXPECT_NEAR(r.h[1], 1, kTight);
  EXPECT_NEAR(r.h[2], 0.5, kTight);
  EXPECT_NEAR(r.R, 0.3, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0, 1}, {2}}));
}

// The scenario convention (NoEquity::kNoBuffer): a ← b ← c with b standing on no equity. b is
// exposed to a for 5, c to b for 3; equity (4, 0, 6), so v = (0.4, 0, 0.6).
const Exposures kBufferless = exposures(3, {{1, 0, 5}, {2, 1, 3}});
const std::vector<double> kBufferlessEquity = {4, 0, 6};

DebtRankOptions no_buffer(DebtRankVariant variant = DebtRankVariant::k2012) {
  return {.variant = variant, .no_equity = NoEquity::kNoBuffer};
}

TEST(NetDebtRank, ANodeWithoutBufferStartsUndistressed) {
  // Nobody is shocked: b is not put at h = 1 (kDefaulted would, and c would lose half its
  // equity, R = 0.3), so nothing moves in either variant.
  const std::vector<double> none = {0, 0, 0};
  for (const DebtRankVariant variant : {DebtRankVariant::k2012, DebtRankVariant::kLinear}) {
    const DebtRankResult r = debtrank(kBufferless, kBufferlessEquity, none, {}, no_buffer(variant));
    EXPECT_EQ(r.h, (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(r.R, 0);
    EXPECT_TRUE(r.rounds.empty());
  }
  EXPECT_NEAR(debtrank(kBufferless, kBufferlessEquity, none).R, 0.3, kTight);
}

TEST(NetDebtRank, ANodeWithoutBufferPassesOnWhatReachesIt) {
  // a loses half its equity. 2012: t=2, b's impact from a is min(1, 5/0+) = 1, h_b = 0.5; t=3,
  // h_c = min(1, 3/6) × 0.5 = 0.25. R = 0.6 × 0.25 = 0.15 (b weighs 0).
  const std::vector<double> half_a = {0.5, 0, 0};
  const DebtRankResult r = debtrank(kBufferless, kBufferlessEquity, half_a, {}, no_buffer());
  EXPECT_NEAR(r.h[1], 0.5, kTight);
  EXPECT_NEAR(r.h[2], 0.25, kTight);
  EXPECT_NEAR(r.R, 0.15, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

TEST(NetDebtRank, ANodeWithoutBufferIsWipedOutInTheLinearVariant) {
  // Linear: Λ_ba = 5/0+ = ∞, so b's h jumps to 1 on a's first increase; then h_c = 3/6 × 1 = 0.5.
  // R = 0.6 × 0.5 = 0.3.
  const std::vector<double> half_a = {0.5, 0, 0};
  const DebtRankResult r =
      debtrank(kBufferless, kBufferlessEquity, half_a, {}, no_buffer(DebtRankVariant::kLinear));
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.h[1], 1);
  EXPECT_NEAR(r.h[2], 0.5, kTight);
  EXPECT_NEAR(r.R, 0.3, kTight);
}

TEST(NetDebtRank, ANodeWithoutBufferHasADebtRankOfItsOwn) {
  // b's own default (shock 1): c loses 3/6, R = 0.6 × 0.5 = 0.3 in both variants.
  const std::vector<double> b = {0, 1, 0};
  for (const DebtRankVariant variant : {DebtRankVariant::k2012, DebtRankVariant::kLinear}) {
    const DebtRankResult r = debtrank(kBufferless, kBufferlessEquity, b, {}, no_buffer(variant));
    EXPECT_NEAR(r.R, 0.3, kTight);
    EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{1}, {2}}));
  }
}

TEST(NetDebtRank, EntriesForTheSamePairAreSummedBeforeTheCap) {
  // b is exposed to a twice, 6 and 6, against equity 10: only together (12) do they exceed its
  // equity. c is exposed to b for 5; equity (10, 10, 10), a loses half. X_ba = 12: min(1, 1.2) ×
  // 0.5 = 0.5 = h_b (capping each entry, 0.6 × 0.5 twice, would give 0.6); h_c = 0.5 × 0.5 =
  // 0.25. R = (10 × 0.5 + 10 × 0.25) / 30 = 0.25. The second entry comes after another
  // counterparty in b's row: the entries need not be adjacent.
  Exposures X;
  X.nodes = 3;
  X.row_start = {0, 0, 3, 4};
  X.counterparty = {0, 2, 0, 1};
  X.amount = {6, 0, 6, 5};
  const std::vector<double> equity = {10, 10, 10}, half_a = {0.5, 0, 0};
  const DebtRankResult r = debtrank(X, equity, half_a);
  EXPECT_NEAR(r.h[1], 0.5, kTight);
  EXPECT_NEAR(r.h[2], 0.25, kTight);
  EXPECT_NEAR(r.R, 0.25, kTight);
  // The same as one entry of 12.
  const DebtRankResult one = debtrank(exposures(3, {{1, 0, 12}, {2, 1, 5}}), equity, half_a);
  EXPECT_EQ(one.h, r.h);
  EXPECT_EQ(one.R, r.R);
  // The linear variant has no cap: h_b = 1.2 × 0.5 = 0.6, h_c = 0.5 × 0.6 = 0.3, either way.
  const DebtRankResult lin = debtrank(X, equity, half_a, {}, linear());
  EXPECT_NEAR(lin.h[1], 0.6, kTight);
  EXPECT_NEAR(lin.h[2], 0.3, kTight);
}

TEST(NetDebtRank, NoShockNoLoss) {
  const std::vector<double> none = {0, 0};
  const DebtRankResult r = debtrank(kCycle, kCycleEquity, none);
  EXPECT_EQ(r.R, 0);
  EXPECT_TRUE(r.rounds.empty());
}

// Random exposures with leverage small enough that no h reaches 1: the linear variant's limit
// is then h(∞) = (I − Λ)⁻¹ h(1) (sum the increments: h(∞) − h(1) = Λ h(∞)).
TEST(NetDebtRank, LinearVariantMatchesItsClosedFormOnRandomNetworks) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 2 + trial % 20;
    std::vector<std::tuple<int, int, double>> edges;
    std::vector<double> equity(static_cast<std::size_t>(n)),
        shock(static_cast<std::size_t>(n), 0.0);
    Eigen::MatrixXd lambda = Eigen::MatrixXd::Zero(n, n);
    for (int i = 0; i < n; ++i) {
      equity[static_cast<std::size_t>(i)] = 1 + 9 * u(rng);
      for (int j = 0; j < n; ++j)
        if (i != j && u(rng) < 0.4) {
          // Row sums of Λ below 0.3 keep the losses small (h ≤ 0.1 / 0.7 < 1).
          const double x = 0.3 / n * u(rng) * equity[static_cast<std::size_t>(i)];
          edges.emplace_back(i, j, x);
          lambda(i, j) = x / equity[static_cast<std::size_t>(i)];
        }
    }
    shock[0] = 0.1;
    const DebtRankResult r = debtrank(exposures(n, edges), equity, shock, {}, linear());
    const Eigen::VectorXd h1 = Eigen::Map<const Eigen::VectorXd>(shock.data(), n);
    const Eigen::VectorXd expected = (Eigen::MatrixXd::Identity(n, n) - lambda).lu().solve(h1);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(r.h[static_cast<std::size_t>(i)], expected(i), 1e-10);
  }
}

// On a tree every node hears of the shock once, by one path: both variants give the product of
// the impacts along the path (capped at 1 in 2012 per edge; here Λ ≤ 1).
TEST(NetDebtRank, BothVariantsAgreeOnTrees) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 30; ++trial) {
    const int n = 2 + trial;
    std::vector<std::tuple<int, int, double>> edges;
    std::vector<double> equity(static_cast<std::size_t>(n), 10.0),
        expected(static_cast<std::size_t>(n));
    std::vector<double> shock(static_cast<std::size_t>(n), 0.0);
    shock[0] = expected[0] = 0.8;
    for (int i = 1; i < n; ++i) {
      std::uniform_int_distribution<int> parent(0, i - 1);
      const int p = parent(rng);
      const double x = 10 * u(rng);  // Λ = x / 10 ≤ 1
      edges.emplace_back(i, p, x);   // i is exposed to its parent
      expected[static_cast<std::size_t>(i)] = expected[static_cast<std::size_t>(p)] * x / 10;
    }
    const Exposures X = exposures(n, edges);
    const DebtRankResult a = debtrank(X, equity, shock);
    const DebtRankResult b = debtrank(X, equity, shock, {}, linear());
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(a.h[static_cast<std::size_t>(i)], expected[static_cast<std::size_t>(i)], 1e-12);
      EXPECT_NEAR(b.h[static_cast<std::size_t>(i)], expected[static_cast<std::size_t>(i)], 1e-12);
    }
  }
}

}  // namespace
}  // namespace tinderbox::network
