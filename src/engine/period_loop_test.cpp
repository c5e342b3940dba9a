// The period loop against hand calculations: every expected number below is worked out in the
// comment beside it from SPEC §1's equations, not copied from the engine's output.
#include "engine/period_loop.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support.h"
#include "book/fleet.h"
#include "engine/run.h"

namespace tinderbox {
namespace {

using test_support::flow_sum;
using test_support::scenario_from;

const char* kMarket = R"(
tinderbox: 1
name: small
start: 2025-01-01
horizon: 12
market:
  rates:
    sofr: [[2025-01-01, 0.04]]
  gpu:
    H100:
      rent: [[2025-01-01, 2.00], [2026-01-01, 1.00]]
      economic_life_years: 5
      reference_utilization: 0.75
      cash_cost_per_hour: 0.35
  power_usd_per_mwh: 80
  discount_rate: 0.12
)";

std::string with_entities(const std::string& entities) {
  return std::string(kMarket) + "entities:\n" + entities;
}

const std::string kOperator = with_entities(R"(
  acme:
    kind: neocloud
    cash: 100
    fleet:
      - {id: lot1, gpu: H100, units: 10000, acquired: 2024-01-01, unit_cost: 0.03,
         book_life_years: 6, kw_per_gpu: 1.0}
    operations: {utilization: 0.5, cash_cost_per_hour: 0.2, sga: 1}
    contracts:
      - {id: c1, customer: bigco, gpu: H100, gpus: 4000, price_per_gpu_hour: 2.5,
         start: 2024-06-01, end: 2025-01-15}
    leases:
      - {id: dc, payment_per_period: 2, start: 2024-03-01, end: 2026-12-31, escalator: 0.1}
)");

TEST(PeriodLoop, OperationsOfTheFirstMonthByHand) {
  const Scenario s = scenario_from(kOperator);
  const RunResult r = run_deterministic(s);
  const PeriodFigures& f = r.entities[0].periods[0];
  // January: 31 days = 744 hours. The contract covers Jan 1-15: 4000 x 24 x 15 = 1.44e6 GPU-hours
  // at $2.50 = 3.6. Uncontracted: 10000 x 744 - 1.44e6 = 6.0e6 hours, half sold at $2.00 = 6.0.
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Contract), 3.6, 1e-12);
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Spot), 6.0, 1e-12);
  // Running hours 1.44e6 + 3.0e6 = 4.44e6 at 1 kW and $80/MWh = 0.3552; cash cost x $0.20 = 0.888.
  EXPECT_NEAR(f.power, 0.3552, 1e-12);
  EXPECT_NEAR(f.opex, 0.888, 1e-12);
  EXPECT_NEAR(f.sga, 1.0, 1e-12);
  EXPECT_NEAR(f.lease, 2.0, 1e-12);  // no anniversary of 2024-03-01 has passed yet
  EXPECT_NEAR(f.ebitda, 3.6 + 6.0 - 0.3552 - 0.888 - 1.0 - 2.0, 1e-12);
  EXPECT_NEAR(f.cash, 100 + 5.3568, 1e-12);
}

TEST(PeriodLoop, SpotRentFollowsTheCurveAndLeasesStepUpOnAnniversaries) {
  const Scenario s = scenario_from(kOperator);
  const RunResult r = run_deterministic(s);
  // March: rent on Mar 1 = 2 - 59/365 (linear over 365 days to $1.00); the contract has ended, so
  // half of 10000 x 744 hours are sold.
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Revenue, Source::Spot), 3.72e6 * (2.0 - 59.0 / 365) / 1e6,
              1e-12);
  // The lease's first anniversary (2025-03-01) falls on March's first day: 2 x 1.1.
  EXPECT_NEAR(r.entities[0].periods[2].lease, 2.2, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[1].lease, 2.0, 1e-12);
}

TEST(PeriodLoop, BookAndMarketValueByHand) {
  const Scenario s = scenario_from(kOperator);
  const RunResult r = run_deterministic(s);
  const PeriodFigures& f = r.entities[0].periods[0];
  // At 2025-01-31 the lot is 396 days old: book = 300 x (1 - 396/365/6).
  EXPECT_NEAR(f.collateral_book, 300.0 * (1.0 - 396.0 / 365 / 6), 1e-9);
  // Income approach: (rent - 0.35 cash cost - 1 kW x $80/MWh) x 8760 x 0.75 x annuity(12 %, 5 - age).
  const double rent = 2.0 - 30.0 / 365;
  const double n = 5.0 - 396.0 / 365;
  const double annuity = (1.0 - std::pow(1.12, -n)) / 0.12;
  EXPECT_NEAR(f.collateral_market, (rent - 0.43) * 8760 * 0.75 * annuity * 10000 / 1e6, 1e-9);
}

TEST(PeriodLoop, AnnuityEdgeCases) {
  EXPECT_DOUBLE_EQ(annuity(0.0, 3.0), 3.0);
  EXPECT_DOUBLE_EQ(annuity(0.1, 0.0), 0.0);
  EXPECT_NEAR(annuity(0.1, 2.0), 1 / 1.1 + 1 / 1.21, 1e-12);
}

// A company with 10 of cash, 4 of SG&A a month and a 100 loan at 12 % (act/360, interest monthly).
const std::string kShortOfCash = with_entities(R"(
  thin:
    kind: neocloud
    cash: 10
    operations: {sga: 4}
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1.0}, outstanding: 100,
         rate: {fixed: 0.12}, day_count: act/360, pay: month, first_payment: 2025-01-31,
         maturity: 2026-12-31, covenants: {min_liquidity: 3}}
)");

TEST(PeriodLoop, LiquidityDefaultNamesTheFirstPaymentItCouldNotMake) {
  const Scenario s = scenario_from(kShortOfCash);
  const RunResult r = run_deterministic(s);
  // Jan: 10 - 4 - 100 x 0.12 x 31/360 = 4.9667. Feb: - 4 - 100 x 0.12 x 28/360 = 0.0333.
  EXPECT_NEAR(r.entities[0].periods[0].cash, 10 - 4 - 1.2 * 31 / 36, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[1].cash, 10 - 8 - 1.2 * 59 / 36, 1e-12);
  // March: the SG&A of 4 cannot be paid from 0.0333: default on 2025-03-31, on sga.
  ASSERT_TRUE(r.entities[0].default_period);
  EXPECT_EQ(*r.entities[0].default_period, 2);
  const Event* def = nullptr;
  for (const Event& e : r.events)
    if (e.type == EventType::Default) def = &e;
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->unpaid, FlowKind::Sga);
  EXPECT_NEAR(def->value, 4.0, 1e-12);
  EXPECT_NEAR(def->limit, 10 - 8 - 1.2 * 59 / 36, 1e-12);
  // What was left is paid, nothing after it: cash ends at zero and no interest is paid in March.
  EXPECT_NEAR(r.entities[0].periods[2].cash, 0.0, 1e-12);
  EXPECT_EQ(flow_sum(r, 2, FlowKind::Interest), 0.0);
  // A defaulted entity stops: no flows after the default period. Its unsecured lender's claim,
  // 100 + March's unpaid interest of 100 x 12 % x 31/360, meets no assets: all of it is lost,
  // and the debt is written off.
  for (const Flow& f : r.flows) EXPECT_LE(f.period, 2);
  EXPECT_EQ(flow_sum(r, 2, FlowKind::Recovery), 0.0);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Loss), -(100 + 1.2 * 31 / 36), 1e-12);
  EXPECT_EQ(r.entities[0].periods[11].debt, 0.0);
}

TEST(PeriodLoop, MinLiquidityIsTestedOnPaymentDates) {
  const Scenario s = scenario_from(kShortOfCash);
  const RunResult r = run_deterministic(s);
  // January ends with 4.97 >= 3; February with 0.03 < 3: one breach, none in the default period.
  int breaches = 0;
  for (const Event& e : r.events)
    if (e.type == EventType::CovenantBreach) {
      ++breaches;
      EXPECT_EQ(e.period, 1);
      EXPECT_EQ(e.covenant, Covenant::MinLiquidity);
    }
  EXPECT_EQ(breaches, 1);
}

// Capex of 1000 GB-class GPUs at 0.05 each (50) on 2025-02-10, 80 % funded by a facility with
// 30 left undrawn: the draw is capped at 30 and cash pays 20.
const std::string kCapex = with_entities(R"(
  builder:
    kind: neocloud
    cash: 100
    operations: {utilization: 0.5}
    capex:
      - {date: 2025-02-10, gpu: H100, units: 1000, unit_cost: 0.05, book_life_years: 5,
         kw_per_gpu: 1.0, funded_by: dd, advance_rate: 0.8}
    debt:
      - {id: dd, type: term_loan, lenders: {fund_a: 0.25, fund_b: 0.75}, outstanding: 100,
         commitment: 130, rate: {index: sofr, spread: 0.06}, day_count: act/360, pay: quarter,
         first_payment: 2025-03-31, maturity: 2027-12-31,
         covenants: {max_ltv: 0.5}}
)");

TEST(PeriodLoop, CapexDrawsTheFacilityUpToItsCommitment) {
  const Scenario s = scenario_from(kCapex);
  const RunResult r = run_deterministic(s);
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Capex), -50.0, 1e-12);
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Draw), 30.0, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[1].debt, 130.0, 1e-12);
  // The lot is in the fleet for all of February: half the month's 672 hours x 1000 units at rent.
  EXPECT_EQ(flow_sum(r, 0, FlowKind::Revenue), 0.0);
  EXPECT_GT(flow_sum(r, 1, FlowKind::Revenue), 0.0);
  // Interest for Q1 (paid 2025-03-31): 100 x 10 % x (31 + 28)/360 + 130 x 10 % x 31/360.
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Interest), -(100 * 0.1 * 59 / 360 + 130 * 0.1 * 31 / 360),
              1e-12);
  // The purchased lot secures the facility that funded it: LTV = 130 / its market value, far
  // above 0.5 (the lot is worth well under 130), so the covenant breaks at the first test.
  bool ltv_breach = false;
  for (const Event& e : r.events)
    if (e.type == EventType::CovenantBreach && e.covenant == Covenant::MaxLtv && e.period == 2) {
      ltv_breach = true;
      EXPECT_NEAR(e.value, 130.0 / r.entities[0].periods[2].collateral_market, 1e-9);
    }
  EXPECT_TRUE(ltv_breach);
}

// Trailing-twelve-month interest coverage: EBITDA is a fixed contract of 3 a month less SG&A of 1;
// interest is 100 x 24 % / 12 = 2 a month on 30/360. Coverage = 2/2 = 1.0 < 1.5: a breach each
// quarter; with a 1.0 floor it would pass.
TEST(PeriodLoop, InterestCoverageUsesTrailingSums) {
  const auto yaml = [](const char* cov) {
    return with_entities(std::string(R"(
  co:
    kind: neocloud
    cash: 50
    operations: {sga: 1}
    contracts:
      - {id: k, customer: x, amount_per_period: 3, start: 2025-01-01, end: 2030-12-31}
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.24},
         day_count: 30/360, pay: quarter, first_payment: 2025-03-31, maturity: 2029-12-31,
         covenants: {min_interest_coverage: )") + cov + "}}\n");
  };
  const RunResult breach = run_deterministic(scenario_from(yaml("1.5")));
  int n = 0;
  for (const Event& e : breach.events)
    if (e.type == EventType::CovenantBreach) {
      EXPECT_NEAR(e.value, 1.0, 1e-12);
      ++n;
    }
  EXPECT_EQ(n, 4);  // four quarterly tests in twelve months
  const RunResult pass = run_deterministic(scenario_from(yaml("0.99")));
  for (const Event& e : pass.events) EXPECT_NE(e.type, EventType::CovenantBreach);
}

}  // namespace
}  // namespace tinderbox
