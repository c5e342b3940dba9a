// Capacity (issue 7) against hand calculations: GPUs run within the powered MW of an entity's
// sites, contracted GPUs first; sites ramp, run late, cost money; late deliveries cut contracts.
// Every expected number is worked out in the comment beside it (docs/model.md, Capacity).
#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support.h"
#include "engine/entity_step.h"  // State
#include "engine/run.h"
#include "sim/simulate.h"
#include "report/describe.h"
#include "report/json_output.h"
#include "report/ledger_csv.h"
#include "report/metrics.h"

namespace tinderbox {
namespace {

using test_support::flow_sum;
using test_support::scenario_from;

// 10,000 H100s at 1 kW, 4,000 of them under contract at $2.50 all year, half of the rest sold at
// a flat $2.00 spot rent. January has 744 hours.
std::string neocloud(const std::string& sites, const std::string& delivery = "") {
  return R"(tinderbox: 1
name: capacity
start: 2025-01-01
horizon: 12
market:
  gpu:
    H100: {rent: [[2025-01-01, 2.00]], economic_life_years: 5, reference_utilization: 0.75,
           cash_cost_per_hour: 0.35}
  power_usd_per_mwh: 80
  discount_rate: 0.12
entities:
  neo:
    kind: neocloud
    cash: 1000
    fleet:
      - {id: h100, gpu: H100, units: 10000, acquired: 2024-01-01, unit_cost: 0.03,
         book_life_years: 6, kw_per_gpu: 1.0}
    operations: {utilization: 0.5, cash_cost_per_hour: 0.2}
    contracts:
      - {id: anchor, customer: bigco, gpu: H100, gpus: 4000, price_per_gpu_hour: 2.5,
         start: 2024-06-01, end: 2026-12-31)" +
         delivery + R"(}
    sites:
)" + sites;
}

// A run that keeps its scenario (a RunResult points into it).
struct Held {
  Scenario s;
};
struct HeldRun : Held, RunResult {
  explicit HeldRun(Scenario x) : Held{std::move(x)}, RunResult(run_deterministic(s)) {}
};

const PeriodFigures& fig(const Recording& r, int k) {
  return r.entities[0].periods[static_cast<std::size_t>(k)];
}

int count_events(const RunResult& r, EventType t) {
  int n = 0;
  for (const Event& e : r.events) n += e.type == t;
  return n;
}

TEST(Capacity, UncontractedGpusGetWhatPowerIsLeft) {
  const HeldRun r(scenario_from(neocloud(
      "      - {id: colo, type: leased, host: landlord, mw: 6, delivery: 2024-01-01,\n"
      "         payment_per_mw_per_period: 0.1}\n")));
  const PeriodFigures& f = fig(r, 0);
  // 6 MW power 6,000 GPUs at 1 kW. The 4,000 contracted run first: 4,000 x 744 x 2.50 = 7.44.
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Contract), 7.44, 1e-12);
  // 2,000 of the 6,000 uncontracted are powered, half of those sell: 1,000 x 744 x 2.00 = 1.488.
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Spot), 1.488, 1e-12);
  // The 4,000 without power would have sold half their hours: 2,000 x 744 x 2.00 = 2.976 lost.
  EXPECT_NEAR(f.revenue_lost_capacity, 2.976, 1e-12);
  EXPECT_NEAR(f.idle_gpus, 4000, 1e-9);
  // Running 5,000 GPUs: 3.72e6 kWh at $80/MWh = 0.2976; cash cost 3.72e6 x 0.20 = 0.744.
  EXPECT_NEAR(f.power, 0.2976, 1e-12);
  EXPECT_NEAR(f.opex, 0.744, 1e-12);
  // The lease: 6 MW x 0.1 = 0.6; every powered MW holds GPUs.
  EXPECT_NEAR(f.lease, 0.6, 1e-12);
  EXPECT_NEAR(f.active_mw, 6, 1e-12);
  EXPECT_NEAR(f.contracted_mw, 6, 1e-12);
  EXPECT_NEAR(f.powered_utilization, 1.0, 1e-12);
  EXPECT_NEAR(f.ebitda, 7.44 + 1.488 - 0.2976 - 0.744 - 0.6, 1e-12);
  EXPECT_EQ(count_events(r, EventType::CapacityShortfall), 1);  // once, not every period
}

TEST(Capacity, ContractsShareTheShortfallWhenEvenTheyDoNotFit) {
  const HeldRun r(scenario_from(neocloud(
      "      - {id: colo, type: leased, mw: 3, delivery: 2024-01-01, payment_per_mw_per_period: 0}\n")));
  const PeriodFigures& f = fig(r, 0);
  // 3 MW power 3,000 of the 4,000 contracted GPUs: 7.44 x 0.75 = 5.58; nothing for spot.
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Contract), 5.58, 1e-12);
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Spot), 0.0, 1e-12);
  // Lost: 7.44 x 0.25 = 1.86 of contracts and 3,000 x 744 x 2.00 = 4.464 of spot.
  EXPECT_NEAR(f.revenue_lost_capacity, 6.324, 1e-12);
  EXPECT_NEAR(f.idle_gpus, 7000, 1e-9);
  EXPECT_NEAR(f.power, 3000 * 744 * 80 / 1e9, 1e-12);
}

TEST(Capacity, AmpleCapacityChangesNothingButTheLease) {
  const HeldRun with(scenario_from(neocloud(
      "      - {id: big, type: leased, mw: 50, delivery: 2024-01-01, payment_per_mw_per_period: 0}\n")));
  std::string plain = neocloud("");
  plain.erase(plain.find("    sites:"));
  const HeldRun without(scenario_from(plain));
  for (int k = 0; k < 12; ++k) {
    EXPECT_DOUBLE_EQ(fig(with, k).revenue, fig(without, k).revenue) << k;
    EXPECT_DOUBLE_EQ(fig(with, k).power, fig(without, k).power) << k;
    EXPECT_DOUBLE_EQ(fig(with, k).cash, fig(without, k).cash) << k;
    EXPECT_EQ(fig(with, k).idle_gpus, 0);
    // 10,000 GPUs fill 10 of the 50 MW.
    EXPECT_NEAR(fig(with, k).powered_utilization, 0.2, 1e-12);
  }
}

TEST(Capacity, ActiveMegawattsRampLinearlyAndPueTakesItsShare) {
  // 10 MW from 2025-01-01, ramping over two months (59 days, to 2025-03-01); PUE 1.25 leaves 80 %
  // of it for IT. Average over January of 10 x t / 59: 10 x 31 / 118 = 2.62712 MW; over February
  // 10 x (59 / 2 - 31^2 / 118) / 28; from March 10 MW.
  const HeldRun r(scenario_from(neocloud(
      "      - {id: new, type: owned, mw: 10, delivery: 2025-01-01, ramp_months: 2, pue: 1.25,\n"
      "         capex_per_mw: 5, construction_start: 2024-07-01}\n")));
  const double jan = 10.0 * 31 / 118, feb = 10.0 * (59.0 / 2 - 961.0 / 118) / 28;
  EXPECT_NEAR(fig(r, 0).active_mw, jan, 1e-12);
  EXPECT_NEAR(fig(r, 1).active_mw, feb, 1e-12);
  EXPECT_NEAR(fig(r, 2).active_mw, 10, 1e-12);
  // January powers 0.8 x 2.62712 MW = 2,101.7 contracted GPUs of 4,000: 7.44 x 2101.7 / 4000.
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Revenue, Source::Contract), 7.44 * 0.8 * jan / 4, 1e-9);
  // March: 8 MW of IT power 4,000 contracted + 4,000 more, half of which sell: 2,000 x 744 x 2.
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Revenue, Source::Spot), 2000 * 744 * 2.0 / 1e6, 1e-9);
  EXPECT_NEAR(fig(r, 2).idle_gpus, 2000, 1e-9);
  // Built before the start: its cost is history.
  EXPECT_EQ(flow_sum(r, 0, FlowKind::Capex), 0);
}

TEST(Capacity, AnOwnedSiteIsPaidForOverItsConstruction) {
  // 2 MW at 10 a MW = 20, built from 2025-01-01 to 2025-04-01 (90 days): 31, 28 and 31 of them
  // fall in January, February and March.
  const HeldRun r(scenario_from(neocloud(
      "      - {id: old, type: owned, mw: 20, delivery: 2024-01-01, capex_per_mw: 1}\n"
      "      - {id: new, type: owned, mw: 2, construction_start: 2025-01-01, delivery: 2025-04-01,\n"
      "         capex_per_mw: 10}\n")));
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Capex, Source::Site, 1), -20.0 * 31 / 90, 1e-12);
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Capex, Source::Site, 1), -20.0 * 28 / 90, 1e-12);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Capex, Source::Site, 1), -20.0 * 31 / 90, 1e-12);
  EXPECT_EQ(flow_sum(r, 3, FlowKind::Capex, Source::Site, 1), 0);
  EXPECT_NEAR(fig(r, 0).capex, 20.0 * 31 / 90, 1e-12);
  EXPECT_NEAR(fig(r, 0).active_mw, 20, 1e-12);
  EXPECT_NEAR(fig(r, 3).active_mw, 22, 1e-12);
}

TEST(Capacity, ADelayMovesTheWholeSchedule) {
  // Delivery 2025-01-01, two months late: nothing runs in January and February.
  const HeldRun r(scenario_from(neocloud(
      "      - {id: colo, type: leased, mw: 12, delivery: 2025-01-01, delay_months: 2,\n"
      "         payment_per_mw_per_period: 0.1}\n")));
  for (int k : {0, 1}) {
    EXPECT_EQ(fig(r, k).active_mw, 0);
    EXPECT_EQ(flow_sum(r, k, FlowKind::Revenue), 0);
    EXPECT_EQ(flow_sum(r, k, FlowKind::Lease), 0);  // paid on active MW only
    EXPECT_NEAR(fig(r, k).idle_gpus, 10000, 1e-9);
    // All 4,000 contracted GPU-hours lost (7.44, 6.72 in February's 672 hours) and the 6,000
    // spot GPUs' half.
    const double hours = k == 0 ? 744 : 672;
    EXPECT_NEAR(fig(r, k).revenue_lost_capacity, (4000 * 2.5 + 3000 * 2.0) * hours / 1e6, 1e-9);
  }
  EXPECT_NEAR(fig(r, 2).active_mw, 12, 1e-12);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Lease), -1.2, 1e-12);
  EXPECT_EQ(fig(r, 2).idle_gpus, 0);
}

TEST(Capacity, HostingPaysOnActiveMegawattsWithEscalatorAndReimbursements) {
  // 5 MW hosted by core_sci from 2024-03-15 at 0.2 a MW a month, +10 % on each anniversary, for
  // 18 months (to 2025-09-14); 30 reimbursed on 2025-02-10.
  const HeldRun r(scenario_from(neocloud(
      "      - {id: cs1, type: hosted, host: core_sci, mw: 5, delivery: 2024-03-15,\n"
      "         payment_per_mw_per_period: 0.2, escalator: 0.1, term_months: 18,\n"
      "         reimbursement: [[2025-02-10, 30]]}\n")));
  EXPECT_NEAR(flow_sum(r, 0, FlowKind::Lease, Source::Site, 0), -1.0, 1e-12);
  // March 2025 starts before the anniversary (2025-03-15): still 1.0; April 1.1.
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Lease, Source::Site, 0), -1.0, 1e-12);
  EXPECT_NEAR(flow_sum(r, 3, FlowKind::Lease, Source::Site, 0), -1.1, 1e-12);
  // September: 14 of its 30 days inside the term; October: none.
  EXPECT_NEAR(fig(r, 8).active_mw, 5.0 * 14 / 30, 1e-12);
  EXPECT_NEAR(flow_sum(r, 8, FlowKind::Lease, Source::Site, 0), -1.1 * 14 / 30, 1e-12);
  EXPECT_EQ(flow_sum(r, 9, FlowKind::Lease, Source::Site, 0), 0);
  EXPECT_NEAR(flow_sum(r, 1, FlowKind::Capex, Source::Site, 0), -30, 1e-12);
  EXPECT_NEAR(fig(r, 1).lease, 1.0, 1e-12);
  // In the ledger both are from neo's side, the host as the counterparty.
  std::ostringstream csv;
  write_ledger_csv(r, csv);
  EXPECT_NE(csv.str().find("2025-02-28,neo,cs1,core_sci,capex,-30.000000"), std::string::npos);
  EXPECT_NE(csv.str().find("2025-04-30,neo,cs1,core_sci,lease,-1.100000"), std::string::npos);
}

TEST(Capacity, ContractedMegawattsCountFromSigning) {
  const HeldRun r(scenario_from(neocloud(
      "      - {id: a, type: leased, mw: 10, delivery: 2024-01-01, payment_per_mw_per_period: 0}\n"
      "      - {id: b, type: leased, mw: 30, signed: 2025-03-10, delivery: 2026-01-01,\n"
      "         payment_per_mw_per_period: 0}\n")));
  EXPECT_EQ(fig(r, 1).contracted_mw, 10);
  EXPECT_EQ(fig(r, 2).contracted_mw, 40);
  EXPECT_EQ(fig(r, 2).active_mw, 10);
}

// Site b (6 MW) ramps over four months from 2025-01-01 (120 days, full on 2025-05-01); a (4 MW)
// is there all along. The contract needs both by the end of 2025-03-31, when b has 90 / 120 of
// its MW: 4 + 4.5 = 8.5 of 10 MW, 85 %.
const char* kTwoSites =
    "      - {id: a, type: leased, mw: 4, delivery: 2024-01-01, payment_per_mw_per_period: 0}\n"
    "      - {id: b, type: leased, mw: 6, delivery: 2025-01-01, ramp_months: 4,\n"
    "         payment_per_mw_per_period: 0}\n";

TEST(Capacity, PartialRemedyCancelsTheUndeliveredShare) {
  const HeldRun r(scenario_from(neocloud(
      kTwoSites, ",\n         delivery: {deadline: 2025-03-31, sites: [a, b], remedy: partial}")));
  // From April, 85 % of the contract: 3,400 GPUs x 720 hours x 2.50 = 6.12. April's capacity:
  // 4 MW + 6 x (120 - 60 - 90^2 / 240) / 30 = 9.25 MW, enough for them.
  EXPECT_NEAR(flow_sum(r, 3, FlowKind::Revenue, Source::Contract), 6.12, 1e-9);
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Revenue, Source::Contract), 7.44, 1e-9);  // March: all
  // The 600 freed GPUs join the 6,000 uncontracted: 9.25 MW - 3.4 MW = 5,850 of 6,600 powered,
  // half of which sell: 2,925 x 720 x 2.00.
  EXPECT_NEAR(flow_sum(r, 3, FlowKind::Revenue, Source::Spot), 2925 * 720 * 2.0 / 1e6, 1e-9);
  // Lost in April: the cancelled 15 % (1.08) and the unpowered 750 GPUs' half (0.54).
  EXPECT_NEAR(fig(r, 3).revenue_lost_capacity, 1.08 + 375 * 720 * 2.0 / 1e6, 1e-9);
  ASSERT_EQ(count_events(r, EventType::DeliveryMissed), 1);
  for (const Event& e : r.events)
    if (e.type == EventType::DeliveryMissed) {
      EXPECT_EQ(e.period, 2);  // reported at the end of March
      EXPECT_NEAR(e.value, 0.85, 1e-12);
      EXPECT_EQ(event_detail(*r.scenario, e),
                "anchor: 85.0 % of its sites' MW active at the deadline 2025-03-31; the "
                "undelivered share is cancelled");
    }
}

TEST(Capacity, CancelRemedyEndsTheContract) {
  const HeldRun r(scenario_from(neocloud(
      kTwoSites, ",\n         delivery: {deadline: 2025-03-31, sites: [b], remedy: cancel}")));
  EXPECT_GT(flow_sum(r, 2, FlowKind::Revenue, Source::Contract), 0);
  for (int k = 3; k < 12; ++k) EXPECT_EQ(flow_sum(r, k, FlowKind::Revenue, Source::Contract), 0);
  // May on: 10 MW, all 10,000 GPUs uncontracted, half sell: 5,000 x 744 x 2.00.
  EXPECT_NEAR(flow_sum(r, 4, FlowKind::Revenue, Source::Spot), 5000 * 744 * 2.0 / 1e6, 1e-9);
  EXPECT_NEAR(fig(r, 4).revenue_lost_capacity, 7.44, 1e-9);  // the cancelled contract's May
}

TEST(Capacity, OnTimeDeliveryOwesNothing) {
  const HeldRun r(scenario_from(neocloud(
      kTwoSites, ",\n         delivery: {deadline: 2025-04-30, sites: [a, b], remedy: cancel}")));
  EXPECT_EQ(count_events(r, EventType::DeliveryMissed), 0);
  EXPECT_NEAR(flow_sum(r, 11, FlowKind::Revenue, Source::Contract), 7.44, 1e-9);
}

TEST(Capacity, PenaltyRunsFromTheDeadlineToTheDelivery) {
  // b is full on 2025-05-01; the deadline 2025-03-15 is missed by 47 days: March 16-31 (16 of
  // 31 days) and all of April, at 0.5 a month.
  const HeldRun r(scenario_from(neocloud(
      kTwoSites,
      ",\n         delivery: {deadline: 2025-03-15, sites: [b], remedy: penalty, "
      "penalty_per_month: 0.5}")));
  EXPECT_NEAR(flow_sum(r, 2, FlowKind::Revenue, Source::Contract), 7.44 - 0.5 * 16 / 31, 1e-9);
  EXPECT_NEAR(flow_sum(r, 3, FlowKind::Revenue, Source::Contract), 7.2 - 0.5, 1e-9);
  EXPECT_NEAR(flow_sum(r, 4, FlowKind::Revenue, Source::Contract), 7.44, 1e-9);
  // The penalty is revenue given back, so it lowers the period's revenue and EBITDA.
  EXPECT_NEAR(fig(r, 3).revenue, 7.2 - 0.5 + flow_sum(r, 3, FlowKind::Revenue, Source::Spot),
              1e-9);
}

// Customer concentration, every scenario: customer a buys 6 + 1 a month, b 3 a month, and 1,000
// GPUs sell every hour at $2.00 on the spot market: 1,000 x 8,760 x 2 / 1e6 = 17.52 in 2025.
TEST(Concentration, TopCustomerShareAndHerfindahlIndexByYear) {
  const HeldRun r(scenario_from(R"(tinderbox: 1
start: 2025-01-01
horizon: 18
market:
  gpu:
    H100: {rent: [[2025-01-01, 2.00]], economic_life_years: 5, reference_utilization: 0.75,
           cash_cost_per_hour: 0.35}
  power_usd_per_mwh: 0
  discount_rate: 0.12
entities:
  neo:
    kind: neocloud
    fleet:
      - {id: h100, gpu: H100, units: 1000, acquired: 2024-01-01, unit_cost: 0.03,
         book_life_years: 6, kw_per_gpu: 1.0}
    operations: {utilization: 1.0}
    contracts:
      - {id: c1, customer: a, amount_per_period: 6, start: 2025-01-01, end: 2026-12-31}
      - {id: c2, customer: b, amount_per_period: 3, start: 2025-01-01, end: 2026-12-31}
      - {id: c3, customer: a, amount_per_period: 1, start: 2025-01-01, end: 2025-12-31}
)"));
  const Metrics m = compute_metrics(r, 0);
  ASSERT_EQ(m.years.size(), 2u);
  // 2025: a 84, b 36, spot 17.52 of 137.52.
  const double total = 137.52;
  EXPECT_EQ(m.years[0].top_customer, "a");
  EXPECT_NEAR(*m.years[0].top_customer_share, 84 / total, 1e-12);
  EXPECT_NEAR(*m.years[0].hhi, (84 * 84 + 36 * 36) / (total * total), 1e-12);
  // 2026 to June: a 36, b 18, spot 1,000 x 24 x 181 days x 2 / 1e6 = 8.688.
  const double half = 36 + 18 + 8.688;
  EXPECT_NEAR(*m.years[1].top_customer_share, 36 / half, 1e-12);
  EXPECT_NEAR(*m.years[1].hhi, (36 * 36 + 18 * 18) / (half * half), 1e-12);
  const auto j = run_to_json(r);
  EXPECT_EQ(j["entities"]["neo"]["metrics"]["years"][0]["top_customer"], "a");
  EXPECT_FALSE(j["entities"]["neo"]["series"].contains("active_mw"));  // no sites
}

TEST(Capacity, JsonHasTheCapacitySeriesAndYears) {
  const HeldRun r(scenario_from(neocloud(
      "      - {id: colo, type: leased, host: landlord, mw: 6, delivery: 2024-01-01,\n"
      "         payment_per_mw_per_period: 0.1}\n")));
  const auto j = run_to_json(r);
  const auto& neo = j["entities"]["neo"];
  for (const char* k : {"active_mw", "contracted_mw", "powered_utilization", "idle_gpus",
                        "revenue_lost_capacity"}) {
    ASSERT_EQ(neo["series"][k].size(), 12u) << k;
    EXPECT_TRUE(neo["metrics"]["years"][0].contains(k)) << k;
  }
  EXPECT_NEAR(neo["series"]["idle_gpus"][0].get<double>(), 4000, 1e-9);
  EXPECT_EQ(neo["metrics"]["years"][0]["active_mw"].get<double>(), 6);
  // 2.976 lost in January (see above), and in each month by its hours: 4,000 x 0.5 x 8,760 x 2.
  EXPECT_NEAR(neo["metrics"]["years"][0]["revenue_lost_capacity"].get<double>(),
              2000 * 8760 * 2.0 / 1e6, 1e-9);
}

// A Monte Carlo path on which a site is d months late is the deterministic run with
// delay_months: d, flow for flow: the loop's path arithmetic (site_in_period) and the plan's
// agree, escalator and term included.
TEST(Capacity, ALatePathIsTheRunWithThatDelay) {
  const std::string sites =
      "      - {id: a, type: leased, mw: 3, delivery: 2024-01-01, payment_per_mw_per_period: 0.1}\n"
      "      - {id: cs, type: hosted, host: builder, mw: 5, delivery: 2025-02-15, ramp_months: 3,\n"
      "         payment_per_mw_per_period: 0.2, escalator: 0.1, term_months: 7DELAY}\n"
      "      - {id: old, type: leased, mw: 2, delivery: 2024-03-15, payment_per_mw_per_period: 0.1,\n"
      "         escalator: 0.1, term_months: 24AGED}\n";
  const std::string deadline =
      ",\n         delivery: {deadline: 2025-06-30, sites: [cs], remedy: penalty, "
      "penalty_per_month: 0.3}";
  std::string on_time = neocloud(sites, deadline), late = on_time;
  on_time.replace(on_time.find("DELAY"), 5, "");
  on_time.replace(on_time.find("AGED"), 4, "");
  late.replace(late.find("DELAY"), 5, ", delay_months: 4");
  // Two months late, its first anniversary moves from March into May 2025.
  late.replace(late.find("AGED"), 4, ", delay_months: 2");
  const Scenario s = scenario_from(on_time);
  const HeldRun want(scenario_from(late));
  const Plan plan(s);
  MarketPath m = deterministic_market(s, plan.timeline);
  m.site_delay[0][1] = 4;
  m.site_delay[0][2] = 2;
  m.moved_sites[0] = {1, 2};
  State state;
  state.reset(plan);
  Recording got;
  got.start(plan);
  record_periods(plan, m, 0, plan.timeline.periods, state, got);
  ASSERT_EQ(got.flows.size(), want.flows.size());
  for (std::size_t i = 0; i < got.flows.size(); ++i) {
    EXPECT_EQ(got.flows[i].kind, want.flows[i].kind) << i;
    EXPECT_EQ(got.flows[i].index, want.flows[i].index) << i;
    EXPECT_NEAR(got.flows[i].amount, want.flows[i].amount, 1e-12) << i;
  }
  for (int k = 0; k < plan.timeline.periods; ++k) {
    EXPECT_NEAR(fig(got, k).active_mw, fig(want, k).active_mw, 1e-12);
    EXPECT_NEAR(fig(got, k).cash, fig(want, k).cash, 1e-9);
  }
}

// Monte Carlo end to end: a tenant lives on one contract that is cancelled if its site is late
// (any lateness misses the deadline, the site's delivery day); without it the tenant cannot pay
// its SG&A and defaults. So its PD at the horizon is the site's probability of being late, 0.3.
TEST(Capacity, MonteCarloDefaultsFollowTheSiteDelays) {
  const Scenario s = scenario_from(R"(tinderbox: 1
start: 2025-01-01
horizon: 12
entities:
  tenant:
    kind: neocloud
    cash: 0
    operations: {sga: 5}
    contracts:
      - {id: only, customer: lab, amount_per_period: 10, start: 2025-01-01, end: 2025-12-31,
         delivery: {deadline: 2025-04-01, sites: [dc], remedy: cancel}}
    sites:
      - {id: dc, type: leased, mw: 10, delivery: 2025-04-01, payment_per_mw_per_period: 0,
         delay: {probability: 0.3, mean_months: 2}}
)");
  EXPECT_FALSE(run_deterministic(s).entities[0].default_period.has_value());
  const Plan plan(s);
  const SimLayout layout(plan);
  SimOptions o;
  o.paths = 20000;
  o.seed = 9;
  o.threads = 2;
  const Tally t = simulate_share(plan, layout, o, {});
  std::int64_t defaulted = 0;
  for (int k = 0; k < 12; ++k) {
    defaulted += t.defaults[static_cast<std::size_t>(k)];
    // The cancellation comes from the first period after the deadline (May): none before.
    if (k < 4) {
      EXPECT_EQ(t.defaults[static_cast<std::size_t>(k)], 0) << k;
    }
  }
  EXPECT_NEAR(defaulted / 20000.0, 0.3, 4 * std::sqrt(0.3 * 0.7 / 20000));
}

}  // namespace
}  // namespace tinderbox
