// Equity: share counts and dilution, contingent raises, convertibles, against hand calculations.
#include <gtest/gtest.h>

#include "../../tests/support.h"
#include "engine/run.h"

namespace tinderbox {
namespace {

using test_support::flow_sum;
using test_support::scenario_from;

// The share price rises linearly from $10 on 2025-01-01 to $20 on 2026-01-01.
std::string scenario(const std::string& entity) {
  return std::string(R"(
tinderbox: 1
start: 2025-01-01
horizon: 24
market:
  rates:
    sofr: [[2025-01-01, 0.04]]
  equity:
    co: [[2025-01-01, 10], [2026-01-01, 20]]
entities:
  co:
    kind: neocloud
    shares: 100
)") + entity;
}

double price_on(int days_after_start) { return 10 + 10.0 * days_after_start / 365; }

TEST(Equity, ScheduledRaisesIssueSharesAtTheirPriceOrTheMarket) {
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
    cash: 10
    equity:
      - {date: 2025-03-10, amount: 50}
      - {date: 2025-05-02, amount: 50, price: 25}
)")));
  // March: 50 at the share price on 2025-03-31 (89 days in); May: 50 at $25 = 2 million shares.
  const double march = 100 + 50 / price_on(89);
  EXPECT_NEAR(r.entities[0].periods[2].shares, march, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[4].shares, march + 2, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[4].cash, 110, 1e-12);
}

std::string contingent(const std::string& rule) {
  return scenario(R"(
    cash: 10
    operations: {sga: 5}
    equity:
      - {id: backstop, amount: 40, price: 8, when_cash_below: 3)" + rule + R"(}
)");
}

int default_period(const RunResult& r) {
  return r.entities[0].default_period ? *r.entities[0].default_period : -1;
}

TEST(Equity, ContingentRaiseWhenCashRunsLow) {
  // January ends with 5, February with 0 < 3: 40 is raised (5 million shares at $8). Cash then
  // falls 5 a month to 0 in October; November's SG&A finds it empty, and a second raise is
  // allowed only twelve months after the first: default in November (period 10).
  const RunResult once = run_deterministic(scenario_from(contingent("")));
  EXPECT_NEAR(flow_sum(once, 1, FlowKind::Equity), 40, 1e-12);
  EXPECT_NEAR(once.entities[0].periods[1].shares, 105, 1e-12);
  EXPECT_NEAR(once.entities[0].periods[1].cash, 40, 1e-12);
  EXPECT_EQ(default_period(once), 10);
  // Six months apart: October's end (cash 0, eight months later) raises again.
  const RunResult twice = run_deterministic(scenario_from(contingent(", months_apart: 6")));
  EXPECT_NEAR(flow_sum(twice, 9, FlowKind::Equity), 40, 1e-12);
  EXPECT_NEAR(twice.entities[0].periods[9].shares, 110, 1e-12);
  // A window closed at the end of January: no raise at all; March's SG&A meets empty cash.
  const RunResult closed = run_deterministic(scenario_from(contingent(", until: 2025-01-31")));
  EXPECT_EQ(flow_sum(closed, 1, FlowKind::Equity), 0.0);
  EXPECT_EQ(default_period(closed), 2);
}

std::string convertible(double conversion_price) {
  return scenario(R"(
    cash: 500
    debt:
      - {id: converts, type: convertible, lenders: {holders: 1}, outstanding: 100,
         rate: {fixed: 0.0175}, first_payment: 2025-06-30, maturity: 2025-12-31,
         conversion_price: )" + std::to_string(conversion_price) + "}\n");
}

TEST(Equity, ConvertiblesConvertAboveTheConversionPrice) {
  // On 2025-12-31 the share price is 10 + 10 x 364/365 = 19.97: above $15, the holders take
  // 100 / 15 million shares and no principal is paid; above $25 they are repaid in cash.
  const RunResult converted = run_deterministic(scenario_from(convertible(15)));
  EXPECT_EQ(flow_sum(converted, 11, FlowKind::Principal), 0.0);
  EXPECT_NEAR(converted.entities[0].periods[11].shares, 100 + 100.0 / 15, 1e-9);
  EXPECT_EQ(converted.entities[0].periods[11].debt, 0.0);
  // The last coupon is paid either way: 100 x 1.75 % / 2 on 30/360.
  EXPECT_NEAR(flow_sum(converted, 11, FlowKind::Interest), -0.875, 1e-12);
  const RunResult repaid = run_deterministic(scenario_from(convertible(25)));
  EXPECT_NEAR(flow_sum(repaid, 11, FlowKind::Principal), -100, 1e-12);
  EXPECT_NEAR(repaid.entities[0].periods[11].shares, 100, 1e-12);
}

}  // namespace
}  // namespace tinderbox
