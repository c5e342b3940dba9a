// Clearing: hand-computed Eisenberg–Noe and Rogers–Veraart networks (each derivation in its
// comment), the greatest of several clearing vectors, external creditors, slow cycles, reuse and
// allocation-free repeated calls, all computed by hand; the RV one shows default costs turning
// EN's two defaults into three. Published examples (a toolbox's Eisenberg–Noe example with its
// printed output, the systemicrisk package's Rogers–Veraart network) are in published_test.cpp;
// the papers' own worked examples could not be retrieved. The random-network property tests
// (GLPK's LP, the rounds' definition, Picard for Rogers–Veraart) are in clearing_lp_test.cpp.
#include "network/clearing.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <tuple>

#include "../../tests/alloc_count.h"
#include "network/test_networks.h"

namespace tinderbox::network {
namespace {

using test::network;

constexpr double kTight = 1e-9;

// A owes B 10, B owes C 8, C owes A 4 and outside creditors 6.
Liabilities three_banks() { return network(3, {{0, 1, 10}, {1, 2, 8}, {2, 0, 4}}, {0, 0, 6}); }

TEST(NetClearing, ThreeBankCascadeStopsAtABankThatExactlyBreaksEven) {
  // p̄ = (10, 8, 10); e = (2, 1, 3).
  // Round 1, everybody paying in full: A has 2 + 4 = 6 < 10, defaults; B has 1 + 10 = 11 ≥ 8;
  //   C has 3 + 8 = 11 ≥ 10.
  // Solve with D = {A}: p_A = 2 + 0.4 p_C = 2 + 0.4 × 10 = 6. Then B has 1 + 6 = 7 < 8: round 2.
  // Solve with D = {A, B}: p_A = 6, p_B = 1 + p_A = 7. C has 3 + 7 = 10 = p̄_C: it pays in full,
  //   exactly; no new default, so p = (6, 7, 10), rounds [[A], [B]].
  Clearer c;
  const std::vector<double> e = {2, 1, 3};
  const ClearingResult& r = c.clear(three_banks(), e);
  ASSERT_EQ(r.payments.size(), 3u);
  EXPECT_NEAR(r.payments[0], 6, kTight);
  EXPECT_NEAR(r.payments[1], 7, kTight);
  EXPECT_NEAR(r.payments[2], 10, kTight);
  EXPECT_EQ(r.defaulted, (std::vector<std::uint8_t>{1, 1, 0}));
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}}));
  EXPECT_TRUE(r.converged);
}

TEST(NetClearing, ThreeBankCascadeThroughEveryBank) {
  // As above with e_C = 2.5: after round 2, C has 2.5 + 7 = 9.5 < 10 and defaults (round 3).
  // With D = {A, B, C}: p_A = 2 + 0.4 p_C, p_B = 1 + p_A, p_C = 2.5 + p_B
  //   → p_C = 5.5 + 0.4 p_C → p_C = 5.5 / 0.6 = 55/6; p_A = 2 + 22/6 = 34/6; p_B = 40/6.
  Clearer c;
  const std::vector<double> e = {2, 1, 2.5};
  const ClearingResult& r = c.clear(three_banks(), e);
  EXPECT_NEAR(r.payments[0], 34.0 / 6, kTight);
  EXPECT_NEAR(r.payments[1], 40.0 / 6, kTight);
  EXPECT_NEAR(r.payments[2], 55.0 / 6, kTight);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

TEST(NetClearing, DefaultCostsSpreadTheCascadeFurther) {
  // Rogers–Veraart with α = β = 0.5 on the first network (e = (2, 1, 3)); a defaulted bank pays
  // 0.5 e_i + 0.5 × what it receives.
  // Round 1: A defaults as before. p_A = 1 + 0.5 × 0.4 × 10 = 3. B has 1 + 3 = 4 < 8: defaults.
  // Round 2: p_B = 0.5 + 0.5 × 3 = 2. C has 3 + 2 = 5 < 10: defaults (under EN it did not).
  // Round 3: p_A = 1 + 0.2 p_C, p_B = 0.5 + 0.5 p_A = 1 + 0.1 p_C, p_C = 1.5 + 0.5 p_B
  //   = 2 + 0.05 p_C → p_C = 2 / 0.95 = 40/19; p_A = 1 + 8/19 = 27/19; p_B = 1 + 4/19 = 23/19.
  Clearer c;
  const std::vector<double> e = {2, 1, 3};
  const ClearingResult& r = c.clear(three_banks(), e, {.alpha = 0.5, .beta = 0.5});
  EXPECT_NEAR(r.payments[0], 27.0 / 19, kTight);
  EXPECT_NEAR(r.payments[1], 23.0 / 19, kTight);
  EXPECT_NEAR(r.payments[2], 40.0 / 19, kTight);
  EXPECT_EQ(r.defaulted, (std::vector<std::uint8_t>{1, 1, 1}));
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

TEST(NetClearing, PicksTheGreatestOfSeveralClearingVectors) {
  // A and B owe each other 10 and have nothing else: every p = (t, t), 0 ≤ t ≤ 10, clears; the
  // greatest is (10, 10) with no default.
  Clearer c;
  const std::vector<double> e = {0, 0};
  const ClearingResult& r = c.clear(network(2, {{0, 1, 10}, {1, 0, 10}}), e);
  EXPECT_NEAR(r.payments[0], 10, kTight);
  EXPECT_NEAR(r.payments[1], 10, kTight);
  EXPECT_TRUE(r.rounds.empty());
}

TEST(NetClearing, ExternalCreditorsShareProRata) {
  // A owes B 6 and outsiders 4 and has 5: it pays 5, of which B gets 5 × 6/10 = 3.
  // B owes C 10 and has 6: 6 + 3 = 9 < 10, so B defaults in round 2 and pays 9.
  Clearer c;
  const std::vector<double> e = {5, 6, 0};
  const ClearingResult& r = c.clear(network(3, {{0, 1, 6}, {1, 2, 10}}, {4, 0, 0}), e);
  EXPECT_NEAR(r.payments[0], 5, kTight);
  EXPECT_NEAR(r.payments[1], 9, kTight);
  EXPECT_NEAR(r.payments[2], 0, kTight);  // C owes nothing
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0}, {1}}));
}

TEST(NetClearing, NegativeAssetsCountAsNone) {
  // A owes B 4 and has −3 (the engine's cash after other outflows): it pays what it has, 0.
  Clearer c;
  const std::vector<double> e = {-3, 0};
  const ClearingResult& r = c.clear(network(2, {{0, 1, 4}}), e);
  EXPECT_EQ(r.payments[0], 0);
  EXPECT_EQ(r.defaulted[0], 1);
}

TEST(NetClearing, SlowCycleIsSolvedToTheTolerance) {
  // A and B owe each other 100 and outsiders 1 each (p̄ = 101); e = (0, 0.5). Both default in
  // round 1 (100 < 101 and 100.5 < 101). With q = 100/101: p_A = q p_B, p_B = 0.5 + q p_A, so
  // p_B = 0.5 / (1 − q²) = 0.5 × 101² / 201 and p_A = 0.5 × 101 × 100 / 201. Gauss–Seidel
  // contracts by q² ≈ 0.98 a sweep here: a test that the stopping rule is not fooled by that.
  Clearer c;
  const std::vector<double> e = {0, 0.5};
  const ClearingResult& r = c.clear(network(2, {{0, 1, 100}, {1, 0, 100}}, {1, 1}), e);
  EXPECT_NEAR(r.payments[0], 0.5 * 101 * 100 / 201, 1e-9 * 101);
  EXPECT_NEAR(r.payments[1], 0.5 * 101 * 101 / 201, 1e-9 * 101);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0, 1}}));
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.residual, 1e-9);
}

TEST(NetClearing, ANearlyClosedCycleStopsAtItsSweepLimit) {
  // A and B owe each other 1e6 and outsiders 0.01 (a leak of 1e-8, above the tolerance, so both
  // default: A has 0 + 1e6 < 1e6 + 0.01 − 1e-3, B 0.005 + 1e6 too). q = 1e6 / (1e6 + 0.01)
  // contracts by 1 − 2e-8 a sweep: reaching the tolerance would take some 1e9 sweeps. The call
  // stops at its limit and says so; its payments are still an upper bound of the clearing vector
  // (B's is 0.005 / (1 − q²)), since the iteration comes from above.
  Clearer c;
  const std::vector<double> e = {0, 0.005};
  const ClearingResult& r = c.clear(network(2, {{0, 1, 1e6}, {1, 0, 1e6}}, {0.01, 0.01}), e);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.rounds, (std::vector<std::vector<int>>{{0, 1}}));
  const double q = 1e6 / (1e6 + 0.01);
  EXPECT_GE(r.payments[1], 0.005 / (1 - q * q) * (1 - 1e-9));
  EXPECT_LE(r.payments[1], 1e6 + 0.01);
}

TEST(NetClearing, EmptyAndObligationFreeNetworks) {
  Clearer c;
  const ClearingResult& none = c.clear(network(0, {}), std::vector<double>{});
  EXPECT_TRUE(none.payments.empty());
  const std::vector<double> e = {1, 0};
  const ClearingResult& r = c.clear(network(2, {}), e);
  EXPECT_EQ(r.payments, (std::vector<double>{0, 0}));
  EXPECT_TRUE(r.rounds.empty());
}

TEST(NetClearing, WhatANodeOwesIsItsObligationsSummedInRowOrder) {
  // Every node solvent (assets far above what it owes), so each pays p̄_i exactly: its external
  // claim, then its obligations added one by one in row order, as docs/network.md defines it.
  // Rows of every length from 0 to 40 (a vectorised sum must handle short, long and empty rows
  // and an external of −0.0), and amounts of mixed magnitude, so that another order of the
  // additions gives other bits: 1e16 + 1 + 1 is 1e16 in this order, 1e16 + 2 in another.
  std::mt19937_64 rng(23);
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int n = 300;
  std::vector<std::tuple<int, int, double>> edges;
  std::vector<double> external(n);
  for (int i = 0; i < n; ++i) {
    const int k = i < 41 ? i : length(rng);  // every length from 0 to 40 at least once
    external[static_cast<std::size_t>(i)] = i % 7 == 0 ? -0.0 : (i % 5 == 0 ? 0.0 : unit(rng));
    for (int j = 0; j < k; ++j) {
      const double a = j == 0 && i % 3 == 0 ? 1e16 : 0.5 + unit(rng) * (j % 4 == 0 ? 1e6 : 1.0);
      edges.emplace_back(i, (i + 1 + j) % n, a);
    }
  }
  const Liabilities L = network(n, edges, external);
  std::vector<double> expected(n);
  bool order_matters = false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto first = static_cast<std::size_t>(L.row_start[i]);
    const auto last = static_cast<std::size_t>(L.row_start[i + 1]);
    double owed = L.external[i], reversed = 0;
    for (std::size_t k = first; k < last; ++k) owed += L.amount[k];
    for (std::size_t k = last; k > first; --k) reversed += L.amount[k - 1];
    order_matters |= reversed + L.external[i] != owed;
    expected[i] = owed;
  }
  ASSERT_TRUE(order_matters);  // the test tells the orders apart
  const std::vector<double> assets(n, 1e20);
  Clearer c;
  const ClearingResult& r = c.clear(L, assets);
  ASSERT_EQ(r.payments.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(r.payments[i]), std::bit_cast<std::uint64_t>(expected[i]))
        << "node " << i << ": " << r.payments[i] << " != " << expected[i];
  }
  EXPECT_TRUE(r.rounds.empty());
}

TEST(NetClearing, AClearerReusedOnOtherNetworksGivesWhatAFreshOneGives) {
  std::mt19937_64 rng(7);
  Clearer reused;
  for (int trial = 0; trial < 20; ++trial) {
    const test::RandomNetwork net = test::random_network(rng, 2 + trial * 13, 0.4);
    Clearer fresh;
    const ClearingResult expected = fresh.clear(net.L, net.assets);
    const ClearingResult& got = reused.clear(net.L, net.assets);
    EXPECT_EQ(got.payments, expected.payments) << trial;
    EXPECT_EQ(got.defaulted, expected.defaulted) << trial;
    EXPECT_EQ(got.rounds, expected.rounds) << trial;
  }
}

TEST(NetClearing, RepeatedCallsAllocateNothing) {
  std::mt19937_64 rng(11);
  const test::RandomNetwork big = test::random_network(rng, 400, 0.5);
  const test::RandomNetwork small = test::random_network(rng, 5, 0.5);
  Clearer c;
  c.clear(big.L, big.assets);                               // the first call sizes the workspace
  c.clear(big.L, big.assets, {.alpha = 0.7, .beta = 0.9});  // and a call with more rounds
  c.clear(small.L, small.assets);
  test_support::start_counting_allocations();
  for (int i = 0; i < 3; ++i) {
    c.clear(big.L, big.assets, {.alpha = 0.7, .beta = 0.9});
    c.clear(small.L, small.assets);
    c.clear(big.L, big.assets);
  }
  EXPECT_EQ(test_support::stop_counting_allocations(), 0);
}

}  // namespace
}  // namespace tinderbox::network
