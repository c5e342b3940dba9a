// Forced sales (docs/model.md, Forced sales): a borrowing base with `cure: sell` is met by
// selling the facility's GPUs where cash falls short; the units sold move the generation's index
// in the fire-sale fixed point. Every expected number is worked out in the comment beside it, or
// by solving the model's scalar equations here (bisection, or the passes' own recurrence written
// out from the equations), never read from the engine.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "../../tests/support.h"
#include "conventions/date.h"
#include "engine/run.h"
#include "report/describe.h"
#include "report/exposures.h"
#include "report/network_report.h"

namespace tinderbox {
namespace {

using test_support::scenario_from;

constexpr auto id = test_support::entity_index;
constexpr auto flows_of = test_support::entity_flow_sum;

// The forced-sale events (fire_sale events with a lot as their source) of one entity.
std::vector<const Event*> forced_sales(const RunResult& r, int entity) {
  std::vector<const Event*> out;
  for (const Event& e : r.events)
    if (e.entity == entity && e.type == EventType::FireSale && e.source == Source::Lot)
      out.push_back(&e);
  return out;
}

const Event* event_of(const RunResult& r, int entity, EventType t) {
  for (const Event& e : r.events)
    if (e.entity == entity && e.type == t) return &e;
  return nullptr;
}

// v: a lot of 1,000 H100s at a $2 margin, full utilization, 10 %, five years' life, bought on
// 2025-01-01, at 2025-01-31 (income approach): 1000 x 2 x 8760 x annuity(0.1, 5 - 30/365) / 1e6,
// about 65.56.
double lot_value() {
  const double annuity = (1 - std::pow(1.1, -(5 - 30.0 / 365))) / 0.1;
  return 1000 * 2.0 * 8760 * annuity / 1e6;
}

// One month; the H100 market with a liquidation haircut of 0.2 and, if `depth` > 0, a fire-sale
// model; then the entities.
std::string scenario(const std::string& fire_sale_model, const std::string& entities,
                     const std::string& network = "") {
  return R"(tinderbox: 1
start: 2025-01-01
horizon: 1
)" + network + R"(
market:
  gpu:
    H100: {rent: [[2025-01-01, 2.0]], economic_life_years: 5, reference_utilization: 1.0,
           cash_cost_per_hour: 0.0, liquidation_haircut: 0.2)" +
         fire_sale_model + R"(}
  power_usd_per_mwh: 0
  discount_rate: 0.1
entities:
)" + entities;
}

// A borrower with 1,000 H100s securing a loan at 0 % (so no interest falls due), monthly payment
// dates, bullet, a borrowing base at advance rate 0.5 cured by sales.
std::string borrower(const std::string& name, double balance, double cash,
                     const std::string& extra = "") {
  return "  " + name + ":\n    kind: neocloud\n    cash: " + std::to_string(cash) + R"(
    fleet: [{id: lot_)" + name + R"(, gpu: H100, units: 1000, acquired: 2025-01-01, unit_cost: 0.03,
             book_life_years: 6, kw_per_gpu: 0}]
    debt:
      - {id: loan_)" + name + R"(, type: term_loan, lenders: {bank: 1}, outstanding: )" +
         std::to_string(balance) + R"(, rate: {fixed: 0.0}, pay: month,
         first_payment: 2025-01-31, maturity: 2027-12-31, secured_by: [lot_)" + name + R"(],
         prepayment: {borrowing_base: {advance_rate: 0.5, cure: sell}})" + extra + R"(}
)";
}

// The fixed point of x = f(x) on [lo, hi] where x - f(x) is increasing, by bisection.
double bisect(const std::function<double(double)>& f, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (mid - f(mid) < 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// The passes the engine's fixed point runs on units sold U_n = f(U_{n-1}) from U_0 = 0: until a
// pass moves U by at most max(1e-9, 1e-12 U) (docs/model.md, Forced sales), that pass included.
int passes_to_settle(const std::function<double(double)>& f) {
  int passes = 0;
  for (double before = 0;;) {
    ++passes;
    const double now = f(before);
    if (std::abs(now - before) <= std::max(1e-9, 1e-12 * now)) return passes;
    before = now;
  }
}

// One borrower, no fire-sale model (the index stays 1). Balance 40, cash 1, value v ~ 65.56:
// base 0.5 v ~ 32.78, excess E = 40 - 0.5 v ~ 7.22, of which cash pays 1 and sales the rest,
// R = 39 - 0.5 v ~ 6.22. Selling S of market value raises 0.8 S and lowers the base by 0.5 S, so
// it cures 0.3 S: S = R / 0.3 ~ 20.7, a share S / v ~ 0.316 of the lot, ~316 GPUs, for 0.8 S ~
// 16.6. Then the excess is 40 - 0.8 S - 0.5 (v - S) = E - 0.3 S = 1, which cash pays: the balance
// ends at 0.5 (v - S) ~ 22.4, exactly the new base, and cash at 0.
TEST(ForcedSale, APartialSaleCuresTheBorrowingBase) {
  const Scenario s = scenario_from(scenario("", borrower("a", 40, 1)));
  const RunResult r = run_deterministic(s);
  const int a = id(s, "a");
  const double v = lot_value(), S = (39 - 0.5 * v) / 0.3;
  EXPECT_FALSE(r.entities[a].default_period);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::GpuSale), 0.8 * S, 1e-9);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::Prepayment), -(0.8 * S + 1), 1e-9);
  const PeriodFigures& f = r.entities[a].periods[0];
  EXPECT_NEAR(f.debt, 0.5 * (v - S), 1e-9);
  EXPECT_NEAR(f.cash, 0, 1e-9);
  EXPECT_NEAR(f.collateral_market, v - S, 1e-9);
  // What is left, sold at once: less the haircut of 0.2 (the store's collateral_fire_sale).
  EXPECT_NEAR(f.collateral_fire_sale, 0.8 * (v - S), 1e-9);
  // Book value: 30 x (1 - (30/365) / 6) for the whole lot, of which 1 - S / v is left.
  EXPECT_NEAR(f.collateral_book, 30 * (1 - 30.0 / 365 / 6) * (1 - S / v), 1e-9);
  const auto sales = forced_sales(r, a);
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_NEAR(sales[0]->value, 1000 * S / v, 1e-9);  // units
  EXPECT_NEAR(sales[0]->received, 0.8 * S, 1e-9);
  EXPECT_DOUBLE_EQ(sales[0]->limit, 1.0);  // the index: no fire-sale model
  EXPECT_EQ(sales[0]->facility, 0);
  EXPECT_EQ(event_detail(s, *sales[0]),
            fmt::format("forced sale to cure the borrowing base of loan_a: sold {:.1f} H100 GPUs "
                        "of lot_a for {:.1f}; the H100 market-value index is 1.0000 after 1 pass",
                        1000 * S / v, 0.8 * S));
  // The ledger row: the lot sold to the market.
  for (const Flow& fl : r.flows)
    if (fl.kind == FlowKind::GpuSale) {
      EXPECT_EQ(instrument_name(s, fl.entity, fl.source, fl.index), "lot_a");
      EXPECT_EQ(counterparty_name(s, fl.entity, fl.source, fl.index), "market");
    }
}

// The same borrower with a fire-sale model: depth 1,000, impact 0.1, so m = exp(-1e-4 x) for x
// GPUs sold. At index m the lot is worth v m, and curing needs x = 1000 (39 - 0.5 v m) /
// (0.3 v m): x and m at the fixed point solve both (bisection; x ~ 323, m ~ 0.968). The sale
// raises 0.8 v m x / 1000 and the balance ends at the new base 0.5 v m (1 - x / 1000).
TEST(ForcedSale, OneBorrowerSellsAtTheFixedPointIndex) {
  const Scenario s =
      scenario_from(scenario(", market_depth_units: 1000, impact: 0.1, recovery_half_life_months: 1",
                             borrower("a", 40, 1), "network: {max_rounds: 50}\n"));
  const RunResult r = run_deterministic(s);
  const int a = id(s, "a");
  const double v = lot_value();
  const auto units = [&](double U) {
    const double m = std::exp(-(0.1 / 1000) * U);
    return 1000 * (39 - 0.5 * v * m) / (0.3 * v * m);
  };
  const double x = bisect(units, 0, 1000), m = std::exp(-(0.1 / 1000) * x);
  // The passes: pass n values the lot at exp(-1e-4 U_{n-1}) (U_0 = 0) and sells U_n =
  // units(U_{n-1}); the loop stops at the first pass that sells what the one before did (to a
  // relative 1e-12). The error shrinks ~5-fold a pass (the map's slope is ~0.2).
  const int passes = passes_to_settle(units);
  EXPECT_FALSE(r.entities[a].default_period);
  const auto sales = forced_sales(r, a);
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_NEAR(sales[0]->value, x, 1e-6);
  EXPECT_NEAR(sales[0]->limit, m, 1e-10);
  EXPECT_EQ(sales[0]->round, passes);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::GpuSale), 0.8 * v * m * x / 1000, 1e-6);
  EXPECT_NEAR(r.entities[a].periods[0].debt, 0.5 * v * m * (1 - x / 1000), 1e-6);
  EXPECT_NEAR(r.entities[a].periods[0].collateral_market, v * m * (1 - x / 1000), 1e-6);
  EXPECT_NEAR(r.entities[a].periods[0].collateral_fire_sale, 0.8 * v * m * (1 - x / 1000), 1e-6);
}

// A spiral: A (balance 40, cash 1) must sell at any index; B (balance 32.7, cash 0) is within
// its base at index 1 (0.5 v ~ 32.78) but not once A's sale has moved it (m < 32.7 / (0.5 v) ~
// 0.9976). C owes 60 with max_ltv 0.92 and no borrowing base: 60 / v ~ 0.915 passes at index 1,
// fails below 60 / (0.92 v) ~ 0.9948. Depth 10,000, impact 0.3: m = exp(-3e-5 U).
//   Pass 1 (m = 1): A sells x_A(1) = 1000 (39 - 0.5 v) / (0.3 v) ~ 316; B and C hold.
//   Pass 2 (m = exp(-3e-5 x 316) ~ 0.9905): B's base ~ 32.47 < 32.7: B sells x_B(m) =
//     1000 (32.7 - 0.5 v m) / (0.3 v m) ~ 11.7; A sells more; C's LTV ~ 0.924 breaks.
//   ... until the units stop changing; the test solves U = x_A(m) + x_B(m), m = exp(-3e-5 U).
TEST(ForcedSale, OneBorrowersSaleForcesAnothersAndBreaksAnLtv) {
  const std::string c = R"(  c:
    kind: neocloud
    fleet: [{id: lot_c, gpu: H100, units: 1000, acquired: 2025-01-01, unit_cost: 0.03,
             book_life_years: 6, kw_per_gpu: 0}]
    debt:
      - {id: loan_c, type: term_loan, lenders: {bank: 1}, outstanding: 60, rate: {fixed: 0.0},
         pay: month, first_payment: 2025-01-31, maturity: 2027-12-31, secured_by: [lot_c],
         covenants: {max_ltv: 0.92}}
)";
  const Scenario s = scenario_from(
      scenario(", market_depth_units: 10000, impact: 0.3, recovery_half_life_months: 1",
               borrower("a", 40, 1) + borrower("b", 32.7, 0) + c));
  const RunResult r = run_deterministic(s);
  const int a = id(s, "a"), b = id(s, "b"), ci = id(s, "c");
  const double v = lot_value();
  const auto x_a = [&](double m) { return 1000 * (39 - 0.5 * v * m) / (0.3 * v * m); };
  const auto x_b = [&](double m) {
    return 32.7 > 0.5 * v * m ? 1000 * (32.7 - 0.5 * v * m) / (0.3 * v * m) : 0.0;
  };
  const auto sold = [&](double U) {
    const double m = std::exp(-(0.3 / 10000) * U);
    return x_a(m) + x_b(m);
  };
  const double U = bisect(sold, 0, 2000), m = std::exp(-(0.3 / 10000) * U);
  const int passes = passes_to_settle(sold);
  EXPECT_GT(passes, 2);
  EXPECT_FALSE(r.entities[a].default_period || r.entities[b].default_period ||
               r.entities[ci].default_period);
  const auto sa = forced_sales(r, a), sb = forced_sales(r, b);
  ASSERT_EQ(sa.size(), 1u);
  ASSERT_EQ(sb.size(), 1u);
  EXPECT_NEAR(sa[0]->value, x_a(m), 1e-6);
  EXPECT_NEAR(sb[0]->value, x_b(m), 1e-6);
  EXPECT_GT(sb[0]->value, 5);  // B really sells (~12 GPUs)
  EXPECT_NEAR(sa[0]->limit, m, 1e-10);
  EXPECT_EQ(sa[0]->round, passes);
  EXPECT_EQ(sb[0]->round, passes);
  EXPECT_NEAR(flows_of(r, b, 0, FlowKind::GpuSale), 0.8 * v * m * x_b(m) / 1000, 1e-6);
  // B had no cash: its balance ends at its new base, 0.5 v m (1 - x_B / 1000).
  EXPECT_NEAR(r.entities[b].periods[0].debt, 0.5 * v * m * (1 - x_b(m) / 1000), 1e-6);
  // C's loan-to-value at the fixed point's index breaks its covenant in the same period.
  const Event* breach = event_of(r, ci, EventType::CovenantBreach);
  ASSERT_NE(breach, nullptr);
  EXPECT_NEAR(breach->value, 60 / (v * m), 1e-9);
  EXPECT_NEAR(r.entities[ci].periods[0].collateral_market, v * m, 1e-6);
  // C sold nothing, but its fleet sold at once would fetch the moved market less the haircut.
  EXPECT_NEAR(r.entities[ci].periods[0].collateral_fire_sale, 0.8 * v * m, 1e-6);
}

// A sale that cannot cover the excess: balance 60, cash 1, excess 60 - 0.5 v ~ 27.2. Selling the
// whole lot would cure only 0.3 v ~ 19.7 of the 26.2 cash cannot pay, so nothing is sold: the
// prepayment of 27.2 takes the 1 of cash and A defaults, as without the rule. Its lenders seize
// the lot and sell it for 0.8 v ~ 52.4 against a claim of 59.
TEST(ForcedSale, ASaleThatCannotCoverTheExcessDefaults) {
  const Scenario s = scenario_from(scenario("", borrower("a", 60, 1)));
  const RunResult r = run_deterministic(s);
  const int a = id(s, "a");
  const double v = lot_value();
  ASSERT_TRUE(r.entities[a].default_period);
  EXPECT_TRUE(forced_sales(r, a).empty());
  EXPECT_EQ(flows_of(r, a, 0, FlowKind::GpuSale), 0);
  const Event* d = event_of(r, a, EventType::Default);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->unpaid, FlowKind::Prepayment);
  EXPECT_EQ(d->cause, Cause::Liquidity);
  EXPECT_NEAR(d->value, 60 - 0.5 * v, 1e-9);
  EXPECT_NEAR(d->limit, 1, 1e-9);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::Recovery), 0.8 * v, 1e-9);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::Loss), -(59 - 0.8 * v), 1e-9);
}

// Sold GPUs leave the fleet: from the next period they earn nothing. With spot utilization 0.5
// at $2, January earns 0.5 x 1000 x 744 h x 2 / 1e6 = 0.744, so cash at the payment date is
// 1.744 and the sale must cure R = 40 - 0.5 v - 1.744, selling S = R / 0.3 of value, a share
// S / v of the lot. February's spot revenue is then 0.5 x 1000 (1 - S / v) x 672 h x 2 / 1e6.
TEST(ForcedSale, SoldGpusEarnNothingAfterTheSale) {
  std::string yaml = scenario("", borrower("a", 40, 1));
  yaml.replace(yaml.find("horizon: 1"), 10, "horizon: 2");
  yaml.replace(yaml.find("    fleet:"), 0, "    operations: {utilization: 0.5, cash_cost_per_hour: 0, sga: 0}\n");
  const Scenario s = scenario_from(yaml);
  const RunResult r = run_deterministic(s);
  const int a = id(s, "a");
  const double v = lot_value(), S = (40 - 0.5 * v - 1.744) / 0.3;
  EXPECT_NEAR(r.entities[a].periods[0].revenue, 0.744, 1e-12);
  EXPECT_NEAR(flows_of(r, a, 0, FlowKind::GpuSale), 0.8 * S, 1e-9);
  EXPECT_NEAR(r.entities[a].periods[1].revenue, 0.5 * 1000 * (1 - S / v) * 672 * 2 / 1e6, 1e-9);
}

// In the example's spiral, the default the others' forced sales caused names them in the
// contagion trace.
TEST(ForcedSale, TheContagionTraceNamesTheForcedSalesBeforeADefault) {
  const LoadResult l = load_scenario(std::string(TINDERBOX_SOURCE_DIR) +
                                     "/scenarios/examples/forced-sales.yaml");
  ASSERT_TRUE(l.scenario);
  const RunResult r = run_deterministic(*l.scenario);
  const int d = id(*l.scenario, "cloud_d");
  const Event* e = event_of(r, d, EventType::Default);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->cause, Cause::FireSale);
  const std::string detail = contagion_detail(r, *e);
  EXPECT_NE(detail.find("after the forced sales of cloud_a ("), std::string::npos) << detail;
  EXPECT_NE(detail.find("cloud_b ("), std::string::npos) << detail;
}

// `network --at` the month of the sales (forced-sales.yaml, April 2025) marks each cloud's equity
// at its net assets after them (none of the clouds has holders: docs/model.md, Marks): cash +
// the fleet it has left at the moved index - debt, from the run's own figures; cloud_d, which
// defaulted that month, is marked 0 and defaulted.
TEST(ForcedSale, TheNetworkAtTheMonthOfTheSalesSeesWhatIsLeft) {
  LoadResult l = load_scenario(std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/forced-sales.yaml");
  ASSERT_TRUE(l.scenario);
  const Scenario& s = *l.scenario;
  const RunResult r = run_deterministic(s);
  const ExposureNetwork x = exposure_network(s, 3);
  for (const char* name : {"cloud_a", "cloud_b", "cloud_c"}) {
    const auto i = static_cast<std::size_t>(id(s, name));
    const PeriodFigures& f = r.entities[i].periods[3];
    EXPECT_FALSE(x.defaulted[i]) << name;
    EXPECT_NEAR(x.equity[i], f.cash + f.collateral_market - f.debt, 1e-9) << name;
  }
  const auto a = static_cast<std::size_t>(id(s, "cloud_a"));
  EXPECT_LT(r.entities[a].periods[3].collateral_market,
            0.8 * r.entities[a].periods[2].collateral_market);  // about a third sold
  const auto d = static_cast<std::size_t>(id(s, "cloud_d"));
  EXPECT_TRUE(x.defaulted[d]);
  EXPECT_EQ(x.equity[d], 0.0);
}

}  // namespace
// A bound below the passes the fixed point needs is not a silent approximation: the period's
// fire-sale events say that the sales had not settled (and the JSON's `settled` is false).
TEST(ForcedSale, APeriodThatHitsTheBoundOfPassesSaysItDidNotSettle) {
  const LoadResult l = load_scenario(std::string(TINDERBOX_SOURCE_DIR) +
                                     "/scenarios/examples/forced-sales.yaml");
  ASSERT_TRUE(l.scenario);
  const auto sales_of = [](const RunResult& r) {
    std::vector<const Event*> out;
    for (const Event& e : r.events)
      if (e.type == EventType::FireSale) out.push_back(&e);
    return out;
  };
  const RunResult settled = run_deterministic(*l.scenario);
  const auto first = sales_of(settled);
  ASSERT_FALSE(first.empty());
  const int needed = first.front()->round;
  ASSERT_GT(needed, 2);
  ASSERT_LT(needed, l.scenario->network.max_rounds);
  for (const Event* e : first) EXPECT_TRUE(e->settled);

  Scenario bounded = *l.scenario;
  bounded.network.max_rounds = needed - 1;
  const RunResult cut = run_deterministic(bounded);
  const auto cut_sales = sales_of(cut);
  ASSERT_FALSE(cut_sales.empty());
  const Event& e = *cut_sales.front();
  EXPECT_EQ(e.period, first.front()->period);
  EXPECT_FALSE(e.settled);
  EXPECT_EQ(e.round, needed - 1);
  EXPECT_NE(event_detail(bounded, e).find("not settled"), std::string::npos)
      << event_detail(bounded, e);
}

}  // namespace tinderbox
