// Independent-oracle tests of the debt instruments' cash flows (SPEC §1, "Floating coupons",
// "Balances", "Amortization").
//
// Each test runs a small scenario through run_deterministic and compares the engine's `interest`
// and `principal` flows with an oracle that shares no code with the engine: QuantLib's bonds and
// legs (FixedRateBond, FixedRateLeg, IborLeg, AmortizingFixedRateBond), or a hand formula written
// from the SPEC sentence where QuantLib's convention differs. The engine's curve, timeline, day
// counts and debt terms are never called by an oracle: curves are interpolated here, dates are
// QuantLib dates.
//
// How the two calendars line up: the engine accrues a payment on a month end E over the days
// [previous payment + 1, E], i.e. [S, E + 1) in QuantLib's terms, so the QuantLib schedules below
// run over the 1sts of months, and a QuantLib coupon whose accrual ends on E + 1 must appear in the
// engine as a flow dated E (RunResult::plan.timeline.ends[period]). Amounts must match to 1e-9.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <ql/cashflows/coupon.hpp>
#include <ql/cashflows/couponpricer.hpp>
#include <ql/cashflows/fixedratecoupon.hpp>
#include <ql/cashflows/iborcoupon.hpp>
#include <ql/currencies/america.hpp>
#include <ql/indexes/iborindex.hpp>
#include <ql/instruments/bonds/amortizingfixedratebond.hpp>
#include <ql/instruments/bonds/fixedratebond.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/date.hpp>
#include <ql/time/daycounters/actual360.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>
#include <ql/time/daycounters/thirty360.hpp>
#include <ql/time/period.hpp>
#include <ql/time/schedule.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/run.h"
#include "scenario/loader.h"

namespace tinderbox {
namespace {

namespace ql = QuantLib;

constexpr double kTol = 1e-9;

// ---------------------------------------------------------------------------------------------
// Dates and curves, on QuantLib's side only.

ql::Date qd(int y, int m, int d) { return ql::Date(d, static_cast<ql::Month>(m), y); }

ql::Date parse_iso(const std::string& s) {
  return qd(std::atoi(s.substr(0, 4).c_str()), std::atoi(s.substr(5, 2).c_str()),
            std::atoi(s.substr(8, 2).c_str()));
}

std::string iso(const ql::Date& d) {
  return fmt::format("{:04}-{:02}-{:02}", d.year(), static_cast<int>(d.month()), d.dayOfMonth());
}

struct CurvePoint {
  std::string date;
  double value;
};
using CurvePoints = std::vector<CurvePoint>;

// SPEC §1 "Curves": linear in days between the surrounding points, flat outside them. Written
// here from the sentence, on QuantLib serial days, independently of tinderbox's Curve.
double curve_value(const CurvePoints& c, const ql::Date& d) {
  if (d <= parse_iso(c.front().date)) return c.front().value;
  for (std::size_t i = 0; i + 1 < c.size(); ++i) {
    const ql::Date a = parse_iso(c[i].date), b = parse_iso(c[i + 1].date);
    if (d < b) {
      const double w = static_cast<double>(d - a) / static_cast<double>(b - a);
      return c[i].value + w * (c[i + 1].value - c[i].value);
    }
  }
  return c.back().value;
}

std::string curve_yaml(const CurvePoints& c) {
  std::string s = "[";
  for (std::size_t i = 0; i < c.size(); ++i)
    s += fmt::format("{}[{}, {}]", i ? ", " : "", c[i].date, c[i].value);
  return s + "]";
}

// A SOFR curve whose points fall between quarter starts, so that every quarterly fixing is an
// interpolation (or, before the first / after the last point, a flat extrapolation).
const CurvePoints kSofr = {{"2025-02-10", 0.0433},
                           {"2025-05-15", 0.0418},
                           {"2025-11-20", 0.0385},
                           {"2026-08-01", 0.0360},
                           {"2027-06-15", 0.0372}};

// Engine-side dates compared as calendar dates (no serial-number coupling).
ql::Date engine_date(const RunResult& r, int period) {
  const Ymd y = ymd(r.plan.timeline.ends[static_cast<std::size_t>(period)]);
  return qd(y.year, y.month, y.day);
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

struct ScenarioSpec {
  std::string start = "2025-01-01";
  int horizon = 36;
  std::string period = "month";
  CurvePoints sofr = kSofr;
  std::string debt;  // one YAML flow mapping
};

std::string scenario_yaml(const ScenarioSpec& s) {
  return fmt::format(
      "tinderbox: 1\n"
      "name: debt oracle\n"
      "start: {}\n"
      "horizon: {}\n"
      "period: {}\n"
      "market:\n"
      "  rates:\n"
      "    sofr: {}\n"
      "entities:\n"
      "  acme:\n"
      "    kind: neocloud\n"
      "    cash: 1000000\n"
      "    debt:\n"
      "      - {}\n",
      s.start, s.horizon, s.period, curve_yaml(s.sofr), s.debt);
}

// Loads and runs. Not movable: the RunResult points at the Scenario beside it.
struct Outcome {
  explicit Outcome(const ScenarioSpec& s) {
    LoadResult lr = load_scenario_text(scenario_yaml(s), "debt_oracle.yaml", ".");
    for (const Diagnostic& d : lr.errors) ADD_FAILURE() << d.str() << "\n" << scenario_yaml(s);
    if (!lr.scenario) return;
    scenario = std::move(*lr.scenario);
    result.emplace(run_deterministic(scenario));
  }
  Outcome(const Outcome&) = delete;
  Outcome& operator=(const Outcome&) = delete;

  Scenario scenario;
  std::optional<RunResult> result;
};

// The engine's payments of one kind on debt 0 of entity 0, by period, as positive amounts.
std::map<int, double> paid(const RunResult& r, FlowKind kind) {
  std::map<int, double> m;
  for (const Flow& f : r.flows)
    if (f.entity == 0 && f.source == Source::Debt && f.index == 0 && f.kind == kind)
      m[f.period] += -f.amount;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

// The period whose flows are dated `d`, or -1.
int period_dated(const RunResult& r, const ql::Date& d) {
  for (int k = 0; k < r.plan.timeline.periods; ++k)
    if (engine_date(r, k) == d) return k;
  return -1;
}

// Every coupon of `leg` (QuantLib) must be an engine interest payment of the same amount dated
// the coupon's last accrual day; the engine may pay nothing else. A zero coupon (nothing left
// outstanding) must be no flow at all.
void expect_interest_matches(const RunResult& r, const ql::Leg& leg) {
  std::map<int, double> engine = paid(r, FlowKind::Interest);
  int coupons = 0;
  for (const auto& cf : leg) {
    const auto c = ql::ext::dynamic_pointer_cast<ql::Coupon>(cf);
    if (!c) continue;
    ++coupons;
    const ql::Date last_day = c->accrualEndDate() - 1;
    const int k = period_dated(r, last_day);
    ASSERT_GE(k, 0) << "no period ends on " << iso(last_day);
    const double got = engine.count(k) ? engine[k] : 0.0;
    EXPECT_NEAR(got, c->amount(), kTol)
        << "interest for accrual " << iso(c->accrualStartDate()) << " .. " << iso(last_day)
        << " on notional " << c->nominal() << " (QuantLib rate " << c->rate() << ")";
    engine.erase(k);
  }
  EXPECT_GT(coupons, 0);
  for (const auto& [k, amount] : engine)
    ADD_FAILURE() << "unexpected engine interest " << amount << " on " << iso(engine_date(r, k));
}

// Principal: the engine's payments against expected (date -> amount) pairs, nothing else paid.
void expect_principal_matches(const RunResult& r,
                              const std::vector<std::pair<ql::Date, double>>& expected) {
  std::map<int, double> engine = paid(r, FlowKind::Principal);
  for (const auto& [date, amount] : expected) {
    const int k = period_dated(r, date);
    ASSERT_GE(k, 0) << "no period ends on " << iso(date);
    const double got = engine.count(k) ? engine[k] : 0.0;
    EXPECT_NEAR(got, amount, kTol) << "principal on " << iso(date);
    engine.erase(k);
  }
  for (const auto& [k, amount] : engine)
    if (amount != 0)
      ADD_FAILURE() << "unexpected engine principal " << amount << " on " << iso(engine_date(r, k));
}

// A QuantLib bond's principal payments (AmortizingPayment / Redemption), re-dated to the engine's
// convention: the day before QuantLib's date, which is an accrual end (a 1st of a month).
std::vector<std::pair<ql::Date, double>> bond_principal(const ql::Bond& b) {
  std::vector<std::pair<ql::Date, double>> out;
  for (const auto& cf : b.redemptions()) out.emplace_back(cf->date() - 1, cf->amount());
  return out;
}

double sum_principal(const RunResult& r) {
  double s = 0;
  for (const auto& [k, a] : paid(r, FlowKind::Principal)) s += a;
  return s;
}

// QuantLib's evaluation date is global: every fixing in these tests must be in the past (so that
// IborCoupon takes it from the index history, never from a forecast), and it is restored after.
class DebtQuantLib : public ::testing::Test {
 protected:
  void SetUp() override { ql::Settings::instance().evaluationDate() = qd(2100, 1, 1); }

 private:
  ql::SavedSettings saved_;
};

ql::Schedule schedule(const ql::Date& from, const ql::Date& to, const ql::Period& tenor,
                      ql::DateGeneration::Rule rule = ql::DateGeneration::Forward) {
  return ql::Schedule(from, to, tenor, ql::NullCalendar(), ql::Unadjusted, ql::Unadjusted, rule,
                      false);
}

// ---------------------------------------------------------------------------------------------
// 1. Fixed rates.

// Oracle: QuantLib::FixedRateBond, 30/360 bond basis, semiannual accruals [Jun 1, Dec 1) ...
// [Dec 1 2029, Jun 1 2030), face 2000 redeemed at 100%. The engine's accrual for the payment on
// Nov 30 is Jun 1..Nov 30 inclusive = QuantLib's [Jun 1, Dec 1): the same 180/360, so every coupon
// is 2000 x 9.25% / 2 = 92.5 and the redemption 2000 on 2030-05-31.
TEST_F(DebtQuantLib, FixedRateBondThirty360MatchesFixedRateBond) {
  ScenarioSpec s;
  s.start = "2025-06-01";
  s.horizon = 60;
  s.debt =
      "{id: notes, type: bond, lenders: {holders: 1.0}, outstanding: 2000, rate: {fixed: 0.0925}, "
      "day_count: 30/360, pay: semiannual, first_payment: 2025-11-30, maturity: 2030-05-31}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::FixedRateBond bond(
      0, 2000.0, schedule(qd(2025, 6, 1), qd(2030, 6, 1), ql::Period(6, ql::Months)), {0.0925},
      ql::Thirty360(ql::Thirty360::BondBasis), ql::Unadjusted, 100.0, qd(2025, 6, 1));
  expect_interest_matches(*x.result, bond.cashflows());
  expect_principal_matches(*x.result, bond_principal(bond));
  EXPECT_EQ(paid(*x.result, FlowKind::Interest).size(), 10u);
  EXPECT_NEAR(paid(*x.result, FlowKind::Interest).begin()->second, 92.5, kTol);
}

// Oracle: FixedRateBond with a short first coupon (QuantLib's backward schedule from the
// redemption): first_payment Aug 31 accrues [Jun 1, Sep 1) = 90/360, then 180/360 each.
TEST_F(DebtQuantLib, FixedRateBondShortFirstCouponMatchesFixedRateBond) {
  ScenarioSpec s;
  s.start = "2025-06-01";
  s.horizon = 24;
  s.debt =
      "{id: notes, type: bond, lenders: {holders: 1.0}, outstanding: 650, rate: {fixed: 0.0725}, "
      "day_count: 30/360, pay: semiannual, first_payment: 2025-08-31, maturity: 2027-02-28}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::FixedRateBond bond(0, 650.0,
                               schedule(qd(2025, 6, 1), qd(2027, 3, 1), ql::Period(6, ql::Months),
                                        ql::DateGeneration::Backward),
                               {0.0725}, ql::Thirty360(ql::Thirty360::BondBasis), ql::Unadjusted,
                               100.0, qd(2025, 6, 1));
  ASSERT_EQ(bond.cashflows().size(), 5u);  // 4 coupons + redemption
  expect_interest_matches(*x.result, bond.cashflows());
  expect_principal_matches(*x.result, bond_principal(bond));
}

// Oracle: QuantLib::FixedRateLeg, Actual360, quarterly accruals [Jan 1, Apr 1) ... on a
// monthly-period run (the engine sums days/360 over the three months of each accrual).
TEST_F(DebtQuantLib, FixedTermLoanAct360MatchesFixedRateLeg) {
  ScenarioSpec s;
  s.horizon = 24;
  s.debt =
      "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 500, rate: {fixed: 0.08}, "
      "day_count: act/360, pay: quarter, first_payment: 2025-03-31, maturity: 2026-12-31}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Leg leg =
      ql::FixedRateLeg(schedule(qd(2025, 1, 1), qd(2027, 1, 1), ql::Period(3, ql::Months)))
          .withNotionals(500.0)
          .withCouponRates(0.08, ql::Actual360())
          .withPaymentAdjustment(ql::Unadjusted);
  expect_interest_matches(*x.result, leg);
  expect_principal_matches(*x.result, {{qd(2026, 12, 31), 500.0}});
}

// Oracle: FixedRateLeg, Actual365Fixed, monthly accruals through February 2028 (29 days / 365).
TEST_F(DebtQuantLib, FixedTermLoanAct365MonthlyMatchesFixedRateLeg) {
  ScenarioSpec s;
  s.start = "2027-10-01";
  s.horizon = 12;
  s.debt =
      "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 750, rate: {fixed: 0.065}, "
      "day_count: act/365, pay: month, first_payment: 2027-10-31, maturity: 2028-09-30}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Leg leg =
      ql::FixedRateLeg(schedule(qd(2027, 10, 1), qd(2028, 10, 1), ql::Period(1, ql::Months)))
          .withNotionals(750.0)
          .withCouponRates(0.065, ql::Actual365Fixed())
          .withPaymentAdjustment(ql::Unadjusted);
  expect_interest_matches(*x.result, leg);
  expect_principal_matches(*x.result, {{qd(2028, 9, 30), 750.0}});
}

// Oracle: FixedRateLeg, Actual365Fixed, annual accruals on a quarterly-period run; 2028 has 366
// days, so that coupon is 366/365 of a year.
TEST_F(DebtQuantLib, FixedTermLoanAct365AnnualOnQuarterPeriodsMatchesFixedRateLeg) {
  ScenarioSpec s;
  s.start = "2027-01-01";
  s.horizon = 12;
  s.period = "quarter";
  s.debt =
      "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 300, rate: {fixed: 0.11}, "
      "day_count: act/365, pay: annual, first_payment: 2027-12-31, maturity: 2029-12-31}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Leg leg =
      ql::FixedRateLeg(schedule(qd(2027, 1, 1), qd(2030, 1, 1), ql::Period(1, ql::Years)))
          .withNotionals(300.0)
          .withCouponRates(0.11, ql::Actual365Fixed())
          .withPaymentAdjustment(ql::Unadjusted);
  expect_interest_matches(*x.result, leg);
  expect_principal_matches(*x.result, {{qd(2029, 12, 31), 300.0}});
}

// ---------------------------------------------------------------------------------------------
// 2. Floating rates.

// An IborIndex with no fixing days, no calendar and no curve: every coupon takes the fixing
// stored for its accrual start date, which is SPEC's "rate fixed once, on the accrual start".
ql::ext::shared_ptr<ql::IborIndex> oracle_index(const ql::Handle<ql::YieldTermStructure>& h = {}) {
  auto index = ql::ext::make_shared<ql::IborIndex>("TinderboxOracleSofr", ql::Period(3, ql::Months),
                                                   0, ql::USDCurrency(), ql::NullCalendar(),
                                                   ql::Unadjusted, false, ql::Actual360(), h);
  index->clearFixings();
  return index;
}

// Adds the hand-interpolated curve value as the fixing of every accrual start of `sched`.
void add_fixings(ql::IborIndex& index, const ql::Schedule& sched, const CurvePoints& c) {
  for (std::size_t i = 0; i + 1 < sched.size(); ++i)
    index.addFixing(sched[i], curve_value(c, sched[i]), true);
}

ql::Leg ibor_leg(const ql::Schedule& sched, const ql::ext::shared_ptr<ql::IborIndex>& index,
                 const std::vector<double>& notionals, double spread) {
  return ql::IborLeg(sched, index)
      .withNotionals(notionals)
      .withPaymentDayCounter(ql::Actual360())
      .withPaymentAdjustment(ql::Unadjusted)
      .withFixingDays(0)
      .withSpreads(spread);
}

// 2012.5 at SOFR + 9.62% act/360, paid quarterly from 2025-03-31, bullet at 2027-12-31.
std::string floating_loan(double floor) {
  return fmt::format(
      "{{id: tl, type: term_loan, lenders: {{bank: 1.0}}, outstanding: 2012.5, "
      "rate: {{index: sofr, spread: 0.0962, floor: {}}}, day_count: act/360, pay: quarter, "
      "first_payment: 2025-03-31, maturity: 2027-12-31}}",
      floor);
}

// Oracle: QuantLib::IborLeg (spread 9.62%, Actual360) on an index whose fixing on each accrual
// start is the SOFR curve's value that day, interpolated here by hand. The curve's points sit
// between quarter starts, so all twelve fixings differ; the first and the last two are flat
// extrapolations. Monthly periods: each quarter's interest is summed over three engine periods.
TEST_F(DebtQuantLib, FloatingTermLoanMonthlyPeriodsMatchesIborLeg) {
  ScenarioSpec s;
  s.debt = floating_loan(0);
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Schedule sched = schedule(qd(2025, 1, 1), qd(2028, 1, 1), ql::Period(3, ql::Months));
  auto index = oracle_index();
  add_fixings(*index, sched, kSofr);
  const ql::Leg leg = ibor_leg(sched, index, {2012.5}, 0.0962);
  expect_interest_matches(*x.result, leg);
  expect_principal_matches(*x.result, {{qd(2027, 12, 31), 2012.5}});
  // The fixings really differ per quarter (the test would be weak otherwise).
  EXPECT_NE(curve_value(kSofr, qd(2025, 4, 1)), curve_value(kSofr, qd(2025, 7, 1)));
}

// Same loan on quarterly periods: one engine period per accrual.
TEST_F(DebtQuantLib, FloatingTermLoanQuarterPeriodsMatchesIborLeg) {
  ScenarioSpec s;
  s.period = "quarter";
  s.horizon = 12;
  s.debt = floating_loan(0);
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Schedule sched = schedule(qd(2025, 1, 1), qd(2028, 1, 1), ql::Period(3, ql::Months));
  auto index = oracle_index();
  add_fixings(*index, sched, kSofr);
  expect_interest_matches(*x.result, ibor_leg(sched, index, {2012.5}, 0.0962));
  expect_principal_matches(*x.result, {{qd(2027, 12, 31), 2012.5}});
}

// A short first accrual: first_payment 2025-02-28 with quarterly payments after it. Oracle:
// IborLeg on QuantLib's backward schedule [Jan 1, Mar 1), [Mar 1, Jun 1), ... [Sep 1, Dec 1 2026):
// each accrual, the stub included, fixes on its own start (Jan 1, Mar 1, Jun 1, ...), which on
// monthly periods is not every third period start.
TEST_F(DebtQuantLib, FloatingTermLoanShortFirstAccrualMatchesIborLeg) {
  ScenarioSpec s;
  s.horizon = 24;
  s.debt =
      "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 800, "
      "rate: {index: sofr, spread: 0.045, floor: 0}, day_count: act/360, pay: quarter, "
      "first_payment: 2025-02-28, maturity: 2026-11-30}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  const ql::Schedule sched = schedule(qd(2025, 1, 1), qd(2026, 12, 1), ql::Period(3, ql::Months),
                                      ql::DateGeneration::Backward);
  ASSERT_EQ(sched[1], qd(2025, 3, 1));
  auto index = oracle_index();
  add_fixings(*index, sched, kSofr);
  expect_interest_matches(*x.result, ibor_leg(sched, index, {800.0}, 0.045));
  expect_principal_matches(*x.result, {{qd(2026, 11, 30), 800.0}});
}

// Floors. SPEC floors the index: rate = max(floor, index) + spread. QuantLib's floored coupons
// (IborLeg::withFloors) floor the whole coupon rate, max(floor, index + spread), which with a 9.62%
// spread never binds for these floors. So the oracle here is the hand formula
//   interest(accrual) = 2012.5 x (max(floor, sofr(accrual start)) + 0.0962) x days / 360,
// cross-checked against QuantLib's floored coupon with the floor shifted by the spread
// (max(floor + spread, index + spread) is the same number).
TEST_F(DebtQuantLib, FloatingTermLoanFloorAppliesToTheIndex) {
  const ql::Schedule sched = schedule(qd(2025, 1, 1), qd(2028, 1, 1), ql::Period(3, ql::Months));
  // 0.05 is above the whole curve; 0.04 binds only from the quarter the curve falls below it.
  for (double floor : {0.05, 0.04}) {
    SCOPED_TRACE(fmt::format("floor {}", floor));
    ScenarioSpec s;
    s.debt = floating_loan(floor);
    Outcome x(s);
    ASSERT_TRUE(x.result);

    std::map<int, double> engine = paid(*x.result, FlowKind::Interest);
    ASSERT_EQ(engine.size(), sched.size() - 1);
    int binds = 0;
    for (std::size_t i = 0; i + 1 < sched.size(); ++i) {
      const ql::Date from = sched[i], to = sched[i + 1];
      const double index = curve_value(kSofr, from);
      binds += index < floor;
      const double hand =
          2012.5 * (std::max(floor, index) + 0.0962) * static_cast<double>(to - from) / 360.0;
      const int k = period_dated(*x.result, to - 1);
      ASSERT_GE(k, 0);
      EXPECT_NEAR(engine[k], hand, kTol) << "accrual from " << iso(from);
    }
    EXPECT_GT(binds, 0);
    if (floor == 0.04) {
      EXPECT_LT(binds, static_cast<int>(sched.size()) - 1);
    }

    // QuantLib cross-check: a floor of floor + spread on the whole rate, priced with the fixings
    // already known (a flat curve only gives the pricer a discount factor; it forecasts nothing).
    const ql::Handle<ql::YieldTermStructure> flat(
        ql::ext::make_shared<ql::FlatForward>(0, ql::NullCalendar(), 0.03, ql::Actual365Fixed()));
    auto index = oracle_index(flat);
    add_fixings(*index, sched, kSofr);
    ql::Leg shifted = ql::IborLeg(sched, index)
                          .withNotionals(2012.5)
                          .withPaymentDayCounter(ql::Actual360())
                          .withPaymentAdjustment(ql::Unadjusted)
                          .withFixingDays(0)
                          .withSpreads(0.0962)
                          .withFloors(floor + 0.0962);
    ql::setCouponPricer(shifted, ql::ext::make_shared<ql::BlackIborCouponPricer>());
    expect_interest_matches(*x.result, shifted);

    // And QuantLib's own floor convention gives the unfloored coupons here: not SPEC's.
    ql::Leg whole_rate = ql::IborLeg(sched, index)
                             .withNotionals(2012.5)
                             .withPaymentDayCounter(ql::Actual360())
                             .withPaymentAdjustment(ql::Unadjusted)
                             .withFixingDays(0)
                             .withSpreads(0.0962)
                             .withFloors(floor);
    ql::setCouponPricer(whole_rate, ql::ext::make_shared<ql::BlackIborCouponPricer>());
    double whole_rate_total = 0, shifted_total = 0;
    for (const auto& cf : whole_rate) whole_rate_total += cf->amount();
    for (const auto& cf : shifted) shifted_total += cf->amount();
    EXPECT_LT(whole_rate_total, shifted_total - 1.0);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Amortization.

// The fixed amortizing loan used below: 1200 at 7% act/360, quarterly from 2025-03-31 to
// 2027-12-31 (12 payments), monthly periods.
std::string amortizing_loan(const std::string& amortization) {
  return "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 1200, rate: {fixed: 0.07}, "
         "day_count: act/360, pay: quarter, first_payment: 2025-03-31, maturity: 2027-12-31, "
         "amortization: " +
         amortization + "}";
}

ql::Schedule amortizing_schedule() {
  return schedule(qd(2025, 1, 1), qd(2028, 1, 1), ql::Period(3, ql::Months));
}

// Oracle: QuantLib::AmortizingFixedRateBond over the notionals given (one per accrual, the
// balance outstanding during it): QuantLib computes each coupon on its accrual's notional and the
// principal payments as the notional steps. Also checked by hand, per engine period: interest
// expense = balance during the period x 7% x days / 360 (the balance changes only at period
// ends), the period-end debt balance, and that the principal paid adds up to the 1200 borrowed.
void expect_amortizing_bond(const RunResult& r, const std::vector<double>& notionals) {
  const ql::Schedule sched = amortizing_schedule();
  ASSERT_EQ(notionals.size(), sched.size() - 1);
  const ql::AmortizingFixedRateBond bond(0, notionals, sched, {0.07}, ql::Actual360(),
                                         ql::Unadjusted, qd(2025, 1, 1));
  expect_interest_matches(r, bond.cashflows());
  expect_principal_matches(r, bond_principal(bond));
  EXPECT_NEAR(sum_principal(r), 1200.0, kTol);

  const EntitySeries& es = r.entities[0];
  for (int k = 0; k < r.plan.timeline.periods; ++k) {
    const ql::Date last = engine_date(r, k);
    const ql::Date first = qd(last.year(), static_cast<int>(last.month()), 1);
    std::size_t q = 0;  // the accrual that contains period k
    while (q + 1 < sched.size() - 1 && sched[q + 1] <= first) ++q;
    const double balance = first < sched.endDate() ? notionals[q] : 0.0;
    const double expense = balance * 0.07 * static_cast<double>(last + 1 - first) / 360.0;
    const auto kk = static_cast<std::size_t>(k);
    EXPECT_NEAR(es.periods[kk].interest_expense, expense, kTol) << "period ending " << iso(last);
    const bool pays = last + 1 == sched[q + 1];
    const double end_balance = pays ? (q + 1 < notionals.size() ? notionals[q + 1] : 0.0) : balance;
    EXPECT_NEAR(es.periods[kk].debt, end_balance, kTol) << "balance at " << iso(last);
  }
}

// SPEC: level: principal = balance before the payment / payments left (maturity included); here
// from first_payment with 12 payments, so 1200, 1100, ..., 100 outstanding (computed by the SPEC
// recurrence, not by the closed form).
TEST_F(DebtQuantLib, LevelAmortizationMatchesAmortizingFixedRateBond) {
  ScenarioSpec s;
  s.debt = amortizing_loan("{style: level}");
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  double b = 1200;
  for (int left = 12; left >= 1; --left) {
    notionals.push_back(b);
    b -= b / left;
  }
  EXPECT_NEAR(notionals[1], 1100.0, 1e-12);
  expect_amortizing_bond(*x.result, notionals);
}

// Level from 2026-03-31: nothing amortizes before it, then 8 payments left (maturity included),
// 150 each.
TEST_F(DebtQuantLib, LevelAmortizationFromLaterDateMatchesAmortizingFixedRateBond) {
  ScenarioSpec s;
  s.debt = amortizing_loan("{style: level, from: 2026-03-31}");
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  double b = 1200;
  for (int j = 0; j < 12; ++j) {
    notionals.push_back(b);
    if (j >= 4) b -= b / (12 - j);
  }
  EXPECT_NEAR(notionals[5], 1050.0, 1e-12);
  expect_amortizing_bond(*x.result, notionals);
}

// Percent: per_payment x the original outstanding (2.5% x 1200 = 30) at every payment, the rest
// (1200 - 11 x 30 = 870) at maturity.
TEST_F(DebtQuantLib, PercentAmortizationMatchesAmortizingFixedRateBond) {
  ScenarioSpec s;
  s.debt = amortizing_loan("{style: percent, per_payment: 0.025}");
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  for (int j = 0; j < 12; ++j) notionals.push_back(1200.0 - 30.0 * j);
  expect_amortizing_bond(*x.result, notionals);
  EXPECT_NEAR(paid(*x.result, FlowKind::Principal).rbegin()->second, 870.0, kTol);
}

// Percent that would overpay: 15% x 1200 = 180 a payment; SPEC: principal never exceeds the
// balance, so the 7th payment is the 120 left and the loan is repaid (no interest, no principal
// afterwards, and nothing at maturity).
TEST_F(DebtQuantLib, PercentAmortizationNeverExceedsTheBalance) {
  ScenarioSpec s;
  s.debt = amortizing_loan("{style: percent, per_payment: 0.15}");
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  for (int j = 0; j < 12; ++j) notionals.push_back(std::max(0.0, 1200.0 - 180.0 * j));
  expect_amortizing_bond(*x.result, notionals);
  EXPECT_NEAR(paid(*x.result, FlowKind::Principal).rbegin()->second, 120.0, kTol);
}

// Schedule: the listed amounts on their payment dates, the rest (1200 - 400 = 800) at maturity.
TEST_F(DebtQuantLib, ScheduleAmortizationMatchesAmortizingFixedRateBond) {
  ScenarioSpec s;
  s.debt = amortizing_loan(
      "{style: schedule, payments: [[2025-06-30, 100], [2025-12-31, 250], [2026-09-30, 50]]}");
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  double b = 1200;
  const std::map<int, double> scheduled = {{1, 100}, {3, 250}, {6, 50}};  // payment index j
  for (int j = 0; j < 12; ++j) {
    notionals.push_back(b);
    if (scheduled.count(j)) b -= scheduled.at(j);
  }
  expect_amortizing_bond(*x.result, notionals);
  EXPECT_NEAR(paid(*x.result, FlowKind::Principal).rbegin()->second, 800.0, kTol);
}

// Level amortization of the floating loan on quarterly periods. Oracle: IborLeg with the SPEC
// level notionals 2012.5 x (12 - j) / 12 (by the recurrence) and the hand-interpolated fixings.
TEST_F(DebtQuantLib, LevelAmortizingFloatingLoanMatchesIborLeg) {
  ScenarioSpec s;
  s.period = "quarter";
  s.horizon = 12;
  s.debt =
      "{id: tl, type: term_loan, lenders: {bank: 1.0}, outstanding: 2012.5, "
      "rate: {index: sofr, spread: 0.0962, floor: 0}, day_count: act/360, pay: quarter, "
      "first_payment: 2025-03-31, maturity: 2027-12-31, amortization: {style: level}}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  std::vector<double> notionals;
  std::vector<std::pair<ql::Date, double>> principal;
  const ql::Schedule sched = schedule(qd(2025, 1, 1), qd(2028, 1, 1), ql::Period(3, ql::Months));
  double b = 2012.5;
  for (int left = 12; left >= 1; --left) {
    notionals.push_back(b);
    principal.emplace_back(sched[static_cast<std::size_t>(13 - left)] - 1, b / left);
    b -= b / left;
  }
  auto index = oracle_index();
  add_fixings(*index, sched, kSofr);
  expect_interest_matches(*x.result, ibor_leg(sched, index, notionals, 0.0962));
  expect_principal_matches(*x.result, principal);
  EXPECT_NEAR(sum_principal(*x.result), 2012.5, kTol);
}

// ---------------------------------------------------------------------------------------------
// 4. Delayed draws.

// 100 drawn at start, 150 more drawn on 2025-02-15 against a 300 commitment; 10% act/360, paid
// quarterly, bullet at 2025-12-31. SPEC "Balances": the draw happens at the end of the period that
// contains its date, after that period's interest has accrued. By hand, monthly periods:
//   Q1 = 100 x 10% x (31 + 28) / 360 + 250 x 10% x 31 / 360   (Jan, Feb on 100; Mar on 250)
//   Q2 = 250 x 10% x 91 / 360, Q3 = Q4 = 250 x 10% x 92 / 360; principal 250 at maturity.
// Quarterly periods: the draw falls in [Jan 1, Apr 1) and happens on Mar 31, so
//   Q1 = 100 x 10% x 90 / 360 and the later quarters as above.
TEST_F(DebtQuantLib, DelayedDrawAccruesFromThePeriodAfterTheDraw) {
  const std::string loan =
      "{id: ddtl, type: term_loan, lenders: {bank: 1.0}, outstanding: 100, commitment: 300, "
      "draws: [[2025-02-15, 150]], rate: {fixed: 0.10}, day_count: act/360, pay: quarter, "
      "first_payment: 2025-03-31, maturity: 2025-12-31}";
  const double q2 = 250 * 0.10 * 91 / 360, q34 = 250 * 0.10 * 92 / 360;
  struct Case {
    std::string period;
    int horizon;
    double q1;
    ql::Date draw_date;
  };
  for (const Case& c :
       {Case{"month", 12, 100 * 0.10 * 59 / 360 + 250 * 0.10 * 31 / 360, qd(2025, 2, 28)},
        Case{"quarter", 4, 100 * 0.10 * 90 / 360, qd(2025, 3, 31)}}) {
    SCOPED_TRACE(c.period);
    ScenarioSpec s;
    s.period = c.period;
    s.horizon = c.horizon;
    s.debt = loan;
    Outcome x(s);
    ASSERT_TRUE(x.result);
    const RunResult& r = *x.result;

    std::map<int, double> interest = paid(r, FlowKind::Interest);
    const std::vector<std::pair<ql::Date, double>> expected = {{qd(2025, 3, 31), c.q1},
                                                               {qd(2025, 6, 30), q2},
                                                               {qd(2025, 9, 30), q34},
                                                               {qd(2025, 12, 31), q34}};
    ASSERT_EQ(interest.size(), expected.size());
    for (const auto& [date, amount] : expected) {
      const int k = period_dated(r, date);
      ASSERT_GE(k, 0);
      EXPECT_NEAR(interest[k], amount, kTol) << "interest on " << iso(date);
    }
    expect_principal_matches(r, {{qd(2025, 12, 31), 250.0}});

    // The draw itself: +150 received once, at the end of the period that contains Feb 15.
    int draws = 0;
    for (const Flow& f : r.flows)
      if (f.kind == FlowKind::Draw && f.source == Source::Debt) {
        ++draws;
        EXPECT_NEAR(f.amount, 150.0, kTol);
        EXPECT_EQ(engine_date(r, f.period), c.draw_date);
      }
    EXPECT_EQ(draws, 1);
  }
}

// A delayed draw on a floating loan: the draw at the end of February accrues in March at the rate
// fixed on the accrual start (Jan 1), not at a rate of its own. By hand, with r_q = max(0,
// sofr(quarter start)) + 5% and sofr interpolated here:
//   Q1 = r_1 x (100 x 59 + 250 x 31) / 360,  Q2 = r_2 x 250 x 91 / 360, ...
TEST_F(DebtQuantLib, DelayedDrawOnFloatingLoanTakesTheAccrualRate) {
  ScenarioSpec s;
  s.horizon = 12;
  s.debt =
      "{id: ddtl, type: term_loan, lenders: {bank: 1.0}, outstanding: 100, commitment: 300, "
      "draws: [[2025-02-15, 150]], rate: {index: sofr, spread: 0.05, floor: 0}, "
      "day_count: act/360, pay: quarter, first_payment: 2025-03-31, maturity: 2025-12-31}";
  Outcome x(s);
  ASSERT_TRUE(x.result);
  auto rate = [](const ql::Date& d) { return std::max(0.0, curve_value(kSofr, d)) + 0.05; };
  const std::vector<std::pair<ql::Date, double>> expected = {
      {qd(2025, 3, 31), rate(qd(2025, 1, 1)) * (100.0 * 59 + 250.0 * 31) / 360},
      {qd(2025, 6, 30), rate(qd(2025, 4, 1)) * 250.0 * 91 / 360},
      {qd(2025, 9, 30), rate(qd(2025, 7, 1)) * 250.0 * 92 / 360},
      {qd(2025, 12, 31), rate(qd(2025, 10, 1)) * 250.0 * 92 / 360}};
  std::map<int, double> interest = paid(*x.result, FlowKind::Interest);
  ASSERT_EQ(interest.size(), expected.size());
  for (const auto& [date, amount] : expected) {
    const int k = period_dated(*x.result, date);
    ASSERT_GE(k, 0);
    EXPECT_NEAR(interest[k], amount, kTol) << "interest on " << iso(date);
  }
  expect_principal_matches(*x.result, {{qd(2025, 12, 31), 250.0}});
}

}  // namespace
}  // namespace tinderbox
