// Recoveries in a default against hand-worked waterfalls.
#include "engine/recovery.h"

#include <gtest/gtest.h>

namespace tinderbox {
namespace {

constexpr Seniority S = Seniority::Senior, J = Seniority::Subordinated;

TEST(Recovery, CollateralFirstThenThePoolBySeniorityProRata) {
  // Debt 0 (senior, claim 100) is secured by lot 0 (60); debt 1 (senior, 50) and debt 2
  // (subordinated, 30) are unsecured; lot 1 (40) is unencumbered. Lot 0 pays debt 0 60; the pool
  // of 40 pays the seniors' remaining 40 and 50 pro rata: 40 x 40/90 and 40 x 50/90; nothing is
  // left for the subordinated debt.
  const auto got = recoveries({{100, 50, 30}, {S, S, J}, {{0}, {}, {}}, {60, 40}, 0});
  EXPECT_NEAR(got[0], 60 + 40.0 * 40 / 90, 1e-12);
  EXPECT_NEAR(got[1], 40.0 * 50 / 90, 1e-12);
  EXPECT_EQ(got[2], 0.0);
}

TEST(Recovery, ExcessCollateralJoinsThePool) {
  // Lot 0 (80) more than covers debt 0 (50); the other 30 and the cash of 5 pay the senior
  // unsecured debt (20) in full and 15 of the subordinated debt's 30.
  const auto got = recoveries({{50, 20, 30}, {S, S, J}, {{0}, {}, {}}, {80}, 5});
  EXPECT_NEAR(got[0], 50, 1e-12);
  EXPECT_NEAR(got[1], 20, 1e-12);
  EXPECT_NEAR(got[2], 15, 1e-12);
}

TEST(Recovery, SharedCollateralSeniorBeforeSubordinatedThenProRata) {
  // One lot of 100 secures a senior claim of 70 and a subordinated claim of 50: 70 and 30.
  auto got = recoveries({{70, 50}, {S, J}, {{0}, {0}}, {100}, 0});
  EXPECT_NEAR(got[0], 70, 1e-12);
  EXPECT_NEAR(got[1], 30, 1e-12);
  // Two senior claims of 100 and 50 on a lot of 60 share it pro rata: 40 and 20.
  got = recoveries({{100, 50}, {S, S}, {{0}, {0}}, {60}, 0});
  EXPECT_NEAR(got[0], 40, 1e-12);
  EXPECT_NEAR(got[1], 20, 1e-12);
}

TEST(Recovery, AClaimCoveredInFullRecoversExactlyTheClaim) {
  // Three senior claims of 22.7, 46.5 and 29.7 secured by a lot of 42.2 and a lot of 1000: the
  // first lot pays 42.2 pro rata, the second the rest. Paid pro rata again (1000 x each
  // remaining / their total), the pieces add up to 22.7 - 3.6e-15 and 29.7 - 3.6e-15, a "loss"
  // of 3.6e-15 each; recovered in full, each must be its claim to the bit, a loss of exactly 0.
  const std::vector<double> claims{22.7, 46.5, 29.7};
  auto got = recoveries({claims, {S, S, S}, {{0, 1}, {0, 1}, {0, 1}}, {42.2, 1000}, 0});
  for (std::size_t d = 0; d < claims.size(); ++d) EXPECT_EQ(got[d], claims[d]) << d;
  // The same when the pool (the cash) covers what the lot left.
  got = recoveries({claims, {S, S, S}, {{0}, {0}, {0}}, {42.2}, 1000});
  for (std::size_t d = 0; d < claims.size(); ++d) EXPECT_EQ(got[d], claims[d]) << d;
  // A rank short of the pool still shares it pro rata: the subordinated claim gets 1000 - 98.9.
  got = recoveries({{22.7, 46.5, 29.7, 2000}, {S, S, S, J}, {{0}, {0}, {0}, {}}, {42.2}, 1000});
  for (std::size_t d = 0; d < claims.size(); ++d) EXPECT_EQ(got[d], claims[d]) << d;
  EXPECT_NEAR(got[3], 42.2 + 1000 - 98.9, 1e-9);
}

TEST(Recovery, NeverMoreThanTheClaim) {
  const auto got = recoveries({{10}, {S}, {{}}, {1000}, 1000});
  EXPECT_NEAR(got[0], 10, 1e-12);
}

}  // namespace
}  // namespace tinderbox
