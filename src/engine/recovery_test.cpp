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

TEST(Recovery, NeverMoreThanTheClaim) {
  const auto got = recoveries({{10}, {S}, {{}}, {1000}, 1000});
  EXPECT_NEAR(got[0], 10, 1e-12);
}

}  // namespace
}  // namespace tinderbox
