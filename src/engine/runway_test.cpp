// The runway absent new money, against a hand count.
#include "engine/runway.h"

#include <gtest/gtest.h>

#include "../../tests/support.h"

namespace tinderbox {
namespace {

TEST(Runway, WithoutNewMoneyTakesOutRaisesDrawsAndCommitments) {
  // Cash 10, SG&A 5 a month. With February's raise of 100 it lasts the year (10 + 100 - 60);
  // without it, January ends with 5, February with 0, and March's SG&A cannot be paid: 3 months.
  // The revolver (100 undrawn) and the loan's scheduled draw would also have helped; neither
  // exists without new money.
  const Scenario s = test_support::scenario_from(R"(
tinderbox: 1
start: 2025-01-01
horizon: 12
market:
  rates: {sofr: [[2025-01-01, 0.04]]}
entities:
  co:
    kind: neocloud
    cash: 10
    operations: {sga: 5}
    equity:
      - {date: 2025-02-10, amount: 100}
    debt:
      - {id: rcf, type: revolver, lenders: {bank: 1}, outstanding: 0, commitment: 100,
         rate: {fixed: 0.0}, first_payment: 2025-03-31, maturity: 2026-12-31}
      - {id: dd, type: term_loan, lenders: {bank: 1}, outstanding: 0, commitment: 50,
         draws: [[2025-03-15, 50]], rate: {fixed: 0.0}, first_payment: 2025-03-31,
         maturity: 2026-12-31}
)");
  EXPECT_FALSE(run_deterministic(s).entities[0].default_period);
  EXPECT_EQ(runways_without_new_money(s).at(0), 2);  // period 2 ends on 2025-03-31
  const Scenario dry = without_new_money(s);
  EXPECT_TRUE(dry.entities[0].equity.empty());
  EXPECT_EQ(dry.entities[0].debt[0].commitment, 0.0);
  EXPECT_TRUE(dry.entities[0].debt[1].draws.empty());
}

}  // namespace
}  // namespace tinderbox
