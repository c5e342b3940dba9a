// Credit-facility features of the period loop against hand calculations: fees, pricing choices,
// mandatory prepayments, revolvers, and covenants with cures, waivers and acceleration. Every
// expected number is worked out in the comment beside it from docs/model.md's equations.
#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support.h"
#include "engine/entity_step.h"  // State
#include "engine/run.h"
#include "market/market_path.h"

namespace tinderbox {
namespace {

using test_support::flow_sum;
using test_support::scenario_from;

// SOFR 4 % and an alternate base rate of 7.5 %, both flat; 2025 has 365 days.
std::string scenario(const std::string& entity) {
  return std::string(R"(
tinderbox: 1
start: 2025-01-01
horizon: 24
market:
  rates:
    sofr: [[2025-01-01, 0.04]]
    abr: [[2025-01-01, 0.075]]
  gpu:
    H100:
      rent: [[2025-01-01, 2.00]]
      economic_life_years: 5
      reference_utilization: 0.75
      cash_cost_per_hour: 0.35
  power_usd_per_mwh: 80
  discount_rate: 0.12
entities:
)") + entity;
}

const Event* find_event(const RunResult& r, EventType type, int period = -1) {
  for (const Event& e : r.events)
    if (e.type == type && (period < 0 || e.period == period)) return &e;
  return nullptr;
}

int count_events(const RunResult& r, EventType type) {
  int n = 0;
  for (const Event& e : r.events) n += e.type == type;
  return n;
}

// A delayed-draw loan: 100 drawn of 300, 50 more drawn on 2025-04-15, drawable to 2025-06-30;
// 1 % upfront on signing (2025-02-10), 0.5 % a year undrawn, 0.5 % annual fee on commitment less
// average balance with a 0.5 minimum; 10 % fixed, act/360, quarterly.
const std::string kFees = scenario(R"(
  borrower:
    kind: neocloud
    cash: 1000
    capex:
      - {date: 2025-08-10, gpu: H100, units: 100, unit_cost: 0.03, book_life_years: 5,
         kw_per_gpu: 1, funded_by: dd, advance_rate: 1.0}
    debt:
      - {id: dd, type: term_loan, lenders: {fund: 1}, outstanding: 100, commitment: 300,
         draws: [[2025-04-15, 50]], signed: 2025-02-10, available_until: 2025-06-30,
         fees: {upfront: 0.01, undrawn: 0.005, annual: 0.005, annual_minimum: 0.5},
         rate: {fixed: 0.10}, day_count: act/360, pay: quarter, first_payment: 2025-03-31,
         maturity: 2027-12-31}
)");

TEST(Facilities, UpfrontUndrawnAndAnnualFees) {
  const RunResult r = run_deterministic(scenario_from(kFees));
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Fee), -0.01 * 300, 1e-12);  // upfront, in February
  // Q1: 200 undrawn for 90 days at 0.5 %.
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Fee), -200 * 0.005 * 90 / 360, 1e-12);
  // Q2: 200 undrawn through April (the draw lands at April's end), 150 in May and June.
  EXPECT_NEAR(flow_sum(r, 5, FlowKind::Fee), -(200 * 30 + 150 * 61) * 0.005 / 360, 1e-12);
  // Q3: the window closed on 2025-06-30: no undrawn fee.
  EXPECT_EQ(flow_sum(r, 8, FlowKind::Fee), 0.0);
  // Year end: average balance (100 x 120 days + 150 x 245 days) / 365; 0.5 % of 300 less it is
  // 0.832, above the 0.5 minimum.
  const double average = (100.0 * 120 + 150.0 * 245) / 365;
  EXPECT_NEAR(flow_sum(r, 11, FlowKind::Fee), -0.005 * (300 - average), 1e-12);
  // The August capex finds the window closed: no draw, cash pays all 3.
  EXPECT_EQ(flow_sum(r, 7, FlowKind::Draw), 0.0);
  EXPECT_NEAR(flow_sum(r, 7, FlowKind::Capex), -3.0, 1e-12);
}

std::string priced(const std::string& rate, const std::string& rating = "B") {
  return scenario(R"(
  borrower:
    kind: neocloud
    rating: )" + rating + R"(
    cash: 100
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: )" + rate + R"(,
         day_count: act/360, pay: quarter, first_payment: 2025-03-31, maturity: 2026-12-31}
)");
}

TEST(Facilities, AlternateBaseRateAndSpreadGrid) {
  const auto q1 = [](const std::string& rate) {
    return -flow_sum(run_deterministic(scenario_from(priced(rate))), 2, FlowKind::Interest);
  };
  const std::string both = "{index: sofr, spread: 0.05, alternate: {index: abr, spread: 0.02}";
  // SOFR + 5 % = 9 %; ABR + 2 % = 9.5 %; 90 days of 2025's first quarter.
  EXPECT_NEAR(q1(both + "}"), 100 * 0.09 * 90 / 360, 1e-12);  // primary by default
  EXPECT_NEAR(q1(both + ", use: lower}"), 100 * 0.09 * 90 / 360, 1e-12);
  EXPECT_NEAR(q1(both + ", use: higher}"), 100 * 0.095 * 90 / 360, 1e-12);
  EXPECT_NEAR(q1(both + ", use: alternate}"), 100 * 0.095 * 90 / 360, 1e-12);
  // A B-rated borrower pays the grid's B spread: 4 % + 8 %.
  EXPECT_NEAR(q1("{index: sofr, spread_grid: {BB: 0.05, B: 0.08}}"), 100 * 0.12 * 90 / 360, 1e-12);
}

TEST(Facilities, PrepaymentFromEquityAndNewDebt) {
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  borrower:
    kind: neocloud
    cash: 100
    equity:
      - {date: 2025-02-10, amount: 30}
    debt:
      - {id: senior, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.1},
         pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31,
         prepayment: {from_equity: 1.0, from_new_debt: 0.5}}
      - {id: notes, type: bond, lenders: {holders: 1}, outstanding: 0,
         draws: [[2025-03-05, 40]], rate: {fixed: 0.09}, first_payment: 2025-09-30,
         maturity: 2029-09-30}
)")));
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Prepayment, Source::Debt, 0), -30.0, 1e-12);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Prepayment, Source::Debt, 0), -20.0, 1e-12);  // half of 40
  // Interest on the balance held through each month: 100 (Jan, Feb), then 70 (March).
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Interest, Source::Debt, 0),
              -(100 * 0.1 * 59 / 360 + 70 * 0.1 * 31 / 360), 1e-12);
  EXPECT_NEAR(r.entities[0].periods[2].debt, 50.0 + 40.0, 1e-12);
}

TEST(Facilities, NewDebtIsWhatTheRuleListsAndNeverARevolverByDefault) {
  // March: the notes issue 40 and the revolver draws for a 120 capex bill. By default only the
  // notes count (half of 40 prepays); listing the revolver alone makes its draw count instead.
  const auto run = [](const std::string& rule) {
    return run_deterministic(scenario_from(scenario(R"(
  borrower:
    kind: neocloud
    cash: 100
    capex:
      - {date: 2025-03-10, gpu: H100, units: 1000, unit_cost: 0.16, book_life_years: 5,
         kw_per_gpu: 1}
    debt:
      - {id: senior, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.0},
         pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31,
         prepayment: {from_new_debt: 0.5)" + rule + R"(}}
      - {id: notes, type: bond, lenders: {holders: 1}, outstanding: 0,
         draws: [[2025-03-05, 40]], rate: {fixed: 0.0}, first_payment: 2025-09-30,
         maturity: 2029-09-30}
      - {id: rcf, type: revolver, lenders: {bank: 1}, outstanding: 0, commitment: 500,
         rate: {fixed: 0.0}, pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31}
)")));
  };
  const RunResult by_default = run("");
  // Cash 100 + 40 - 160 of capex = -20: the revolver draws 20 to pay the capex, then 20 more to
  // pay the prepayment (half the notes' 40) from empty cash; its draws are not new debt.
  EXPECT_NEAR(flow_sum(by_default, 2, FlowKind::Prepayment), -20.0, 1e-12);
  EXPECT_NEAR(flow_sum(by_default, 2, FlowKind::Draw, Source::Debt, 2), 40.0, 1e-12);
  // Listing the revolver alone: half of its 20 drawn before the prepayment, 10, prepays; the
  // notes do not count.
  const RunResult listed = run(", new_debt: [rcf]");
  EXPECT_NEAR(flow_sum(listed, 2, FlowKind::Prepayment), -10.0, 1e-12);
  EXPECT_NEAR(flow_sum(listed, 2, FlowKind::Draw, Source::Debt, 2), 30.0, 1e-12);
}

TEST(Facilities, DrawsPricedByTheCreditQualityOfTheContractTheyServe) {
  // SOFR 4 % + 13 %, or + 6.25 % for draws that finance an investment-grade customer's contract.
  // January's capex (100, for msft, investment grade) draws at the end of January; February's
  // (50, for a B-rated lab) at the end of February. 125 of equity in April prepays 125 of the
  // 250, every portion pro rata.
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 100
    contracts:
      - {id: msft, customer: microsoft, customer_rating: investment_grade,
         amount_per_period: 0, start: 2025-01-01, end: 2030-12-31}
      - {id: lab, customer: ailab, customer_rating: B, amount_per_period: 0,
         start: 2025-01-01, end: 2030-12-31}
    capex:
      - {date: 2025-01-20, gpu: H100, units: 1000, unit_cost: 0.1, book_life_years: 5,
         kw_per_gpu: 0, funded_by: dd, advance_rate: 1.0, for_contract: msft}
      - {date: 2025-02-10, gpu: H100, units: 500, unit_cost: 0.1, book_life_years: 5,
         kw_per_gpu: 0, funded_by: dd, advance_rate: 1.0, for_contract: lab}
    equity:
      - {date: 2025-04-15, amount: 125}
    debt:
      - {id: dd, type: term_loan, lenders: {bank: 1}, outstanding: 100, commitment: 400,
         rate: {index: sofr, spread: 0.13, contract_spreads: {investment_grade: 0.0625}},
         pay: quarter, first_payment: 2025-03-31, maturity: 2029-12-31,
         prepayment: {from_equity: 1.0}}
)")));
  const double q1 = (100 * 0.17 * 31 + (100 * 0.17 + 100 * 0.1025) * 28 +
                     (150 * 0.17 + 100 * 0.1025) * 31) / 360;
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Interest), -q1, 1e-12);
  const double q2 = ((150 * 0.17 + 100 * 0.1025) * 30 + (150 * 0.17 + 100 * 0.1025) / 2 * 61) / 360;
  EXPECT_NEAR(flow_sum(r, 5, FlowKind::Interest), -q2, 1e-12);
}

TEST(Facilities, BorrowingBaseAndCashSweep) {
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  borrower:
    kind: neocloud
    cash: 1000
    fleet:
      - {id: gpus, gpu: H100, units: 1000, acquired: 2025-01-01, unit_cost: 0.1,
         book_life_years: 1, kw_per_gpu: 1}
    debt:
      - {id: abl, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.1},
         pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31, secured_by: [gpus],
         prepayment: {borrowing_base: {advance_rate: 0.5, value: book}}}
      - {id: swept, type: term_loan, lenders: {bank: 1}, outstanding: 400, rate: {fixed: 0.1},
         pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31,
         prepayment: {cash_sweep: {share: 0.5, above: 500}}}
)")));
  // Book value at 2025-03-31 (89 days old, one-year life): 100 x (1 - 89/365); the loan may be
  // at most half of it.
  const double base = 0.5 * 100 * (1 - 89.0 / 365);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Prepayment, Source::Debt, 0), -(100 - base), 1e-12);
  // The sweep comes after everything else is paid: half the cash above 500.
  const double interest = (100 + 400) * 0.1 * 90 / 360;
  const double cash_before_sweep = 1000 - interest - (100 - base);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Prepayment, Source::Debt, 1),
              -0.5 * (cash_before_sweep - 500), 1e-12);
}

TEST(Facilities, RevolverDrawsForShortfallsAndRepaysFromSurplus) {
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  borrower:
    kind: neocloud
    cash: 10
    operations: {sga: 5}
    contracts:
      - {id: k, customer: x, amount_per_period: 60, start: 2025-04-01, end: 2030-12-31}
    debt:
      - {id: rcf, type: revolver, lenders: {bank: 1}, outstanding: 0, commitment: 100,
         rate: {fixed: 0.12}, pay: month, first_payment: 2025-01-31, maturity: 2026-12-31,
         draw_below: 2, repay_above: 50}
)")));
  const auto& p = r.entities[0].periods;
  EXPECT_NEAR(p[0].cash, 5.0, 1e-12);  // January: 10 - 5, above the floor
  EXPECT_NEAR(p[1].cash, 2.0, 1e-12);  // February: 0, topped up to the floor
  EXPECT_NEAR(p[1].debt, 2.0, 1e-12);
  // March: 3 drawn to pay SG&A, then the interest on 2 (0.0207), then 2 to restore the floor.
  const double march_interest = 2 * 0.12 * 31 / 360;
  EXPECT_NEAR(p[2].debt, 2 + 3 + march_interest + 2, 1e-12);
  EXPECT_NEAR(p[2].cash, 2.0, 1e-12);
  // April: 60 of revenue; cash above 50 repays the revolver.
  const double april_interest = p[2].debt * 0.12 * 30 / 360;
  const double surplus = 2 + 60 - 5 - april_interest - 50;
  EXPECT_NEAR(p[3].debt, p[2].debt - surplus, 1e-12);
  EXPECT_NEAR(p[3].cash, 50.0, 1e-12);
  EXPECT_FALSE(r.entities[0].default_period);
}

// Cash starts at 70 and falls by the SG&A of 5 a month; the loan pays interest monthly.
std::string covenanted(const std::string& covenants, const std::string& extra_debt = "") {
  return scenario(R"(
  borrower:
    kind: neocloud
    cash: 70
    operations: {sga: 5}
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.0},
         pay: month, first_payment: 2025-01-31, maturity: 2027-12-31,
         covenants: )" + covenants + "}\n" + extra_debt);
}

TEST(Facilities, UncuredBreachAcceleratesIntoALiquidityDefault) {
  // Tests at each month end: 65, 60 pass; 55 fails (cure 1 tolerated); 50 fails again: event of
  // default, the 100 is due at once, only 50 can be paid: default on 2025-04-30.
  const RunResult r = run_deterministic(
      scenario_from(covenanted("{min_liquidity: {limit: 60, cure_periods: 1}, on_breach: default}")));
  EXPECT_EQ(count_events(r, EventType::CovenantBreach), 2);
  ASSERT_NE(find_event(r, EventType::EventOfDefault, 3), nullptr);
  ASSERT_NE(find_event(r, EventType::Acceleration, 3), nullptr);
  const Event* def = find_event(r, EventType::Default);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->period, 3);
  EXPECT_EQ(def->unpaid, FlowKind::Principal);
  EXPECT_NEAR(def->value, 100.0, 1e-12);
  EXPECT_NEAR(def->limit, 50.0, 1e-12);
}

TEST(Facilities, WaiversAndTestSchedules) {
  // March is waived, so the cure count starts in April: the event of default comes in May.
  const RunResult waived = run_deterministic(scenario_from(covenanted(
      "{min_liquidity: {limit: 60, cure_periods: 1, waived: [2025-03-31]}, on_breach: default}")));
  EXPECT_EQ(count_events(waived, EventType::CovenantWaived), 1);
  ASSERT_NE(find_event(waived, EventType::EventOfDefault), nullptr);
  EXPECT_EQ(find_event(waived, EventType::EventOfDefault)->period, 4);
  // Tested from April, every third payment date: April (50) and July (35) fail; only an event.
  const RunResult sparse = run_deterministic(scenario_from(
      covenanted("{min_liquidity: {limit: 60, from: 2025-04-01, every: 3}}")));
  std::vector<int> periods;
  for (const Event& e : sparse.events)
    if (e.type == EventType::CovenantBreach) periods.push_back(e.period);
  // Cash at the end of period k is 70 - 5(k + 1): 50, 35, 20 and 5 at the tests of April, July,
  // October and January 2026; the SG&A of March 2026 meets empty cash.
  EXPECT_EQ(periods, (std::vector<int>{3, 6, 9, 12}));
  EXPECT_EQ(find_event(sparse, EventType::EventOfDefault), nullptr);
}

TEST(Facilities, CrossDefaultAcceleratesTheOtherInstruments) {
  // Cash 1000 falls by 5 a month: 995, 990, then 985 in March, below 990. The event of default
  // accelerates the loan and, by cross-default, `other`: 110 is paid, 875 is left.
  const std::string other = R"(      - {id: other, type: term_loan, lenders: {bank2: 1}, outstanding: 10,
         rate: {fixed: 0.0}, pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31,
         cross_default: true}
)";
  Scenario s = scenario_from(
      covenanted("{min_liquidity: {limit: 990}, on_breach: default}", other));
  s.entities[0].cash = 1000;
  const RunResult r = run_deterministic(s);
  EXPECT_NEAR(r.entities[0].periods[2].cash, 875.0, 1e-12);
  EXPECT_EQ(count_events(r, EventType::Acceleration), 2);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Principal, Source::Debt, 1), -10.0, 1e-12);
  EXPECT_FALSE(r.entities[0].default_period);
}

TEST(Facilities, DebtServiceCoverage) {
  // EBITDA 3 - 1 = 2 a month; debt service 100 x 24 % x 30/360 = 2 a month of interest, paid
  // quarterly; trailing DSCR at the first test = 6 / 6 = 1.0 < 1.2.
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 50
    operations: {sga: 1}
    contracts:
      - {id: k, customer: x, amount_per_period: 3, start: 2025-01-01, end: 2030-12-31}
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.24},
         day_count: 30/360, pay: quarter, first_payment: 2025-03-31, maturity: 2029-12-31,
         covenants: {min_dscr: 1.2}}
)")));
  const Event* b = find_event(r, EventType::CovenantBreach, 2);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->covenant, Covenant::MinDscr);
  EXPECT_NEAR(b->value, 1.0, 1e-12);
}

TEST(Facilities, DefaultSellsTheCollateralAtAHaircutAndPaysBySeniority) {
  Scenario s = scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 1
    operations: {sga: 3}
    fleet:
      - {id: lot, gpu: H100, units: 1000, acquired: 2024-01-01, unit_cost: 0.03,
         book_life_years: 6, kw_per_gpu: 1}
    debt:
      - {id: sec, type: term_loan, lenders: {a: 1}, outstanding: 5, rate: {fixed: 0.1},
         first_payment: 2025-03-31, maturity: 2026-12-31, secured_by: [lot]}
      - {id: sub, type: term_loan, lenders: {b: 0.5, c: 0.5}, outstanding: 20,
         rate: {fixed: 0.1}, first_payment: 2025-03-31, maturity: 2026-12-31,
         seniority: subordinated}
      - {id: senior_unsecured, type: term_loan, lenders: {d: 1}, outstanding: 10,
         rate: {fixed: 0.1}, first_payment: 2025-03-31, maturity: 2026-12-31}
)"));
  s.market.gpus[0].liquidation_haircut = 0.4;
  const RunResult r = run_deterministic(s);
  // January: SG&A of 3 against cash of 1: default. Claims = balance + January's interest
  // (act/360, 31 days): 5.0431, 20.1722, 10.0861.
  ASSERT_TRUE(r.entities[0].default_period);
  const auto claim = [](double b) { return b * (1 + 0.1 * 31 / 360); };
  // The lot at 2025-01-31 (396 days old): (2.00 - 0.35 - 1 kW x $80/MWh) x 8760 x 0.75 x
  // annuity(12 %, 5 - 396/365) x 1000 / 1e6, sold for 60 % of that.
  const double n = 5 - 396.0 / 365;
  const double sale = 0.6 * 1.57 * 8760 * 0.75 * (1 - std::pow(1.12, -n)) / 0.12 * 1000 / 1e6;
  // The secured loan is paid in full from the sale; the rest goes to the senior unsecured loan
  // first (in full, as the rest exceeds its claim), then to the subordinated one.
  const double left = sale - claim(5);
  ASSERT_GT(left, claim(10));
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Recovery, Source::Debt, 0), claim(5), 1e-9);
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Recovery, Source::Debt, 2), claim(10), 1e-9);
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Recovery, Source::Debt, 1), left - claim(10), 1e-9);
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Loss, Source::Debt, 1), -(claim(20) - left + claim(10)),
              1e-9);
  EXPECT_EQ(r.entities[0].periods[0].debt, 0.0);
  EXPECT_EQ(r.entities[0].periods[0].collateral_market, 0.0);  // sold
}

TEST(Facilities, EachDrawAmortizesOverItsOwnTerm) {
  // 100 at start (bullet to 2030) and 60 drawn on 2025-02-10, each draw maturing on the first
  // payment date twelve months after it: 2026-03-31. The draw pays 60 / 5 on its five payment
  // dates (2025-03-31 ... 2026-03-31); the opening 100 pays nothing.
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 500
    debt:
      - {id: dd, type: term_loan, lenders: {bank: 1}, outstanding: 100, commitment: 200,
         draws: [[2025-02-10, 60]], draw_term_months: 12, draw_amortization: level,
         rate: {fixed: 0.1}, pay: quarter, first_payment: 2025-03-31, maturity: 2030-12-31}
)")));
  for (int k : {2, 5, 8, 11, 14}) EXPECT_NEAR(flow_sum(r, k, FlowKind::Principal), -12.0, 1e-12) << k;
  EXPECT_NEAR(r.entities[0].periods[14].debt, 100.0, 1e-12);
  EXPECT_NEAR(r.entities[0].periods[23].debt, 100.0, 1e-12);
  // Interest in Q2 2025 is on 148 (160 less the first 12).
  EXPECT_NEAR(flow_sum(r, 5, FlowKind::Interest), -148 * 0.1 * 91 / 360, 1e-12);
}

TEST(Facilities, ADrawOnAPaymentDatePaysNothingThatDay) {
  // Drawn at 2025-09-30's period end, a 24-month tranche matures on 2027-09-30: eight payment
  // dates after the draw (Dec 2025 ... Sep 2027), 60 / 8 = 7.5 each, none on the draw date.
  const RunResult r = run_deterministic(scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 500
    debt:
      - {id: dd, type: term_loan, lenders: {bank: 1}, outstanding: 0, commitment: 60,
         draws: [[2025-09-15, 60]], draw_term_months: 24, rate: {fixed: 0.1}, pay: quarter,
         first_payment: 2025-03-31, maturity: 2030-12-31}
)")));
  EXPECT_EQ(flow_sum(r, 8, FlowKind::Principal), 0.0);
  for (int k = 11; k <= 23; k += 3) EXPECT_NEAR(flow_sum(r, k, FlowKind::Principal), -7.5, 1e-12) << k;
}

TEST(Facilities, ContractRealizationCountsWhatCustomersStoppedPaying) {
  // Contracts of 3 and 1 a month; the second customer stops paying from May 2025 (period 4).
  // Trailing-twelve-month received / due at the quarterly tests:
  //   Mar 2025: 12 / 12 = 1;  Jun: (4 x 4 + 2 x 3) / 24 = 22 / 24;  Sep: (16 + 5 x 3) / 36 = 31 / 36
  //   (all >= 0.85);  Dec: (16 + 8 x 3) / 48 = 40 / 48 = 0.8333 < 0.85, a breach;
  //   Mar 2026 (periods 3..14): (4 + 11 x 3) / 48 = 37 / 48, a breach.
  const Scenario s = scenario_from(scenario(R"(
  co:
    kind: neocloud
    cash: 500
    contracts:
      - {id: a, customer: x, amount_per_period: 3, start: 2025-01-01, end: 2030-12-31}
      - {id: b, customer: y, amount_per_period: 1, start: 2025-01-01, end: 2030-12-31}
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 100, rate: {fixed: 0.05},
         pay: quarter, first_payment: 2025-03-31, maturity: 2029-12-31,
         covenants: {min_contract_realization: 0.85}}
)"));
  const Plan plan(s);
  MarketPath m = deterministic_market(s, plan.timeline);
  m.contract_stop[0][1] = 4;
  State state;
  state.reset(plan);
  Recording rec;
  rec.start(plan);
  record_periods(plan, m, 0, 15, state, rec);
  std::vector<Event> breaches;
  for (const Event& e : rec.events)
    if (e.type == EventType::CovenantBreach) breaches.push_back(e);
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0].period, 11);
  EXPECT_EQ(breaches[0].covenant, Covenant::MinContractRealization);
  EXPECT_NEAR(breaches[0].value, 40.0 / 48.0, 1e-12);
  EXPECT_NEAR(breaches[0].limit, 0.85, 1e-15);
  EXPECT_EQ(breaches[1].period, 14);
  EXPECT_NEAR(breaches[1].value, 37.0 / 48.0, 1e-12);
  // Without the stop every contract is paid: no breach.
  EXPECT_EQ(find_event(run_deterministic(s), EventType::CovenantBreach), nullptr);
}

}  // namespace
}  // namespace tinderbox
