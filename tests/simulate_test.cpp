// Monte Carlo end to end: with every shock switched off `simulate` reproduces `run` on every
// built-in and example scenario (issue 4, item 1); the outputs of SPEC §4 against analytic values.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/entity_step.h"  // State
#include "engine/run.h"
#include "report/simulation.h"
#include "sim/simulate.h"
#include "support.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;

json simulate_json(const Scenario& s, std::int64_t paths, std::uint32_t seed, int threads) {
  const Plan plan(s);
  const SimLayout layout(plan);
  SimOptions o;
  o.paths = paths;
  o.seed = seed;
  o.threads = threads;
  Tally t = simulate_share(plan, layout, o, {});
  return simulation_to_json(plan, layout, t, seed);
}

class ShocksOff : public ::testing::TestWithParam<std::string> {};

TEST_P(ShocksOff, SimulateReproducesRun) {
  LoadResult loaded = load_scenario(GetParam());
  ASSERT_TRUE(loaded.scenario);
  Scenario s = *loaded.scenario;
  test_support::switch_off_shocks(s);
  const RunResult r = run_deterministic(s);
  const json j = simulate_json(s, 300, 5, 2);  // 300 paths: a partial block
  const int n = r.plan.timeline.periods;
  int defaulted = 0;
  for (std::size_t i = 0; i < s.entities.size(); ++i) {
    const json& e = j["entities"][s.entities[i].id];
    const auto& run = r.entities[i];
    defaulted += run.default_period.has_value();
    for (int k = 0; k < n; ++k) {
      const double pd = run.default_period && *run.default_period <= k ? 1.0 : 0.0;
      EXPECT_EQ(e["pd"][k].get<double>(), pd) << s.entities[i].id << " period " << k;
      EXPECT_EQ(e["pd_se"][k].get<double>(), 0.0);
      if (!r.plan.entities[i].operates) continue;
      const double cash = run.periods[static_cast<std::size_t>(k)].cash;
      for (const char* q : {"p05", "p25", "p50", "p75", "p95"})
        EXPECT_EQ(e["cash_quantiles"][q][k].get<double>(), cash) << q << " period " << k;
    }
    const json want = run.default_period
                          ? json((*run.default_period + 1) * r.plan.timeline.months_per_period)
                          : json(nullptr);
    EXPECT_EQ(e["runway_quantiles"]["p50"], want);
  }
  // Each lender's loss: the run's loss rows times its share of each instrument.
  std::map<std::string, double> loss;
  for (const Flow& f : r.flows)
    if (f.kind == FlowKind::Loss && f.source == Source::Debt)  // (a holder's liability: no lender)
      for (const Lender& l : s.entities[static_cast<std::size_t>(f.entity)]
                                 .debt[static_cast<std::size_t>(f.index)].lenders)
        loss[l.party.name] -= f.amount * l.share;
  for (const auto& [name, l] : j["lenders"].items()) {
    const double want = loss.count(name) ? loss[name] : 0.0;
    // Exactly (SPEC §4): every path loses the same, so EL, VaR and ES are that loss to the bit.
    EXPECT_EQ(l["el"].get<double>(), want) << name;
    EXPECT_EQ(l["var99"].get<double>(), want) << name;
    EXPECT_EQ(l["es99"].get<double>(), want) << name;
    EXPECT_EQ(l["p_loss"].get<double>(), want > 0 ? 1.0 : 0.0) << name;
  }
  EXPECT_EQ(j["system"]["default_count_hist"][static_cast<std::size_t>(defaulted)].get<double>(), 1.0);
  for (const auto& [name, d] : j["market"].items())
    for (int k = 0; k < n; ++k) EXPECT_EQ(d["sd"][k].get<double>(), 0.0) << name;
}

INSTANTIATE_TEST_SUITE_P(AllScenarios, ShocksOff,
                         ::testing::ValuesIn(test_support::all_scenarios()),
                         test_support::scenario_test_name);

// A secured lender whose collateral covers its claim loses nothing: in fire-sale.yaml weak_cloud
// defaults in January and the sale of its 40,000 H100s repays lender_a's gpu_loan in full. Its recovery is its claim to the
// bit, there is no loss row, and no path of `simulate` counts a loss for it (p_loss 0, not the
// share of paths with a rounding residue). lender_b, short of collateral, still has its loss.
TEST(Simulate, AFullRecoveryIsNoLoss) {
  LoadResult loaded = load_scenario(std::string(TINDERBOX_SOURCE_DIR) +
                                    "/scenarios/examples/fire-sale.yaml");
  ASSERT_TRUE(loaded.scenario);
  const Scenario& s = *loaded.scenario;
  const RunResult r = run_deterministic(s);
  const int weak = 0, levered = 1;
  ASSERT_EQ(s.entities[weak].id, "weak_cloud");
  ASSERT_EQ(s.entities[levered].id, "levered_cloud");
  int recoveries = 0;
  for (const Event& e : r.events)
    if (e.type == EventType::Recovery && e.entity == weak) {
      ++recoveries;
      EXPECT_GT(e.limit, 600.0);        // the claim: what is left of the 700
      EXPECT_EQ(e.value, e.limit);      // recovered: all of it
    }
  EXPECT_EQ(recoveries, 1);
  double weak_loss = 0, levered_loss = 0;
  int weak_rows = 0;
  for (const Flow& f : r.flows)
    if (f.kind == FlowKind::Loss) {
      if (f.entity == weak) ++weak_rows, weak_loss -= f.amount;
      if (f.entity == levered) levered_loss -= f.amount;
    }
  EXPECT_EQ(weak_rows, 0);
  EXPECT_EQ(weak_loss, 0.0);
  EXPECT_GT(levered_loss, 1.0);
  const json j = simulate_json(s, 50, 3, 2);
  EXPECT_EQ(j["lenders"]["lender_a"]["p_loss"].get<double>(), 0.0);
  EXPECT_EQ(j["lenders"]["lender_a"]["el"].get<double>(), 0.0);
  EXPECT_EQ(j["lenders"]["lender_a"]["es99"].get<double>(), 0.0);
  EXPECT_EQ(j["lenders"]["lender_b"]["p_loss"].get<double>(), 1.0);
  EXPECT_EQ(j["lenders"]["lender_b"]["el"].get<double>(), levered_loss);
}

// The tally does not depend on how the paths are split among threads or processes.
TEST(Simulate, SameResultForAnySplit) {
  LoadResult loaded = load_scenario("coreweave-2025");
  ASSERT_TRUE(loaded.scenario);
  Scenario s = *loaded.scenario;
  s.stochastic.rates[0].ou = {0.5, 0.01};
  for (OuProcess& g : s.stochastic.gpu) g = {1.0, 0.6};
  s.stochastic.demand = {{0.5, 0.3}, 0.4};
  const Plan plan(s);
  const SimLayout layout(plan);
  SimOptions o;
  o.paths = 600;
  o.seed = 9;
  o.threads = 1;
  o.block = 128;  // 5 blocks: two threads, and three ranks of 1, 2 and 2 blocks
  Tally one = simulate_share(plan, layout, o, {});
  o.threads = 2;
  Tally two = simulate_share(plan, layout, o, {});
  Tally ranks = simulate_share(plan, layout, o, {0, 3});
  for (int r = 1; r < 3; ++r)
    ranks.merge(Tally::deserialize(simulate_share(plan, layout, o, {r, 3}).serialize()));
  const std::string a = simulation_to_json(plan, layout, one, 9).dump();
  EXPECT_EQ(a, simulation_to_json(plan, layout, two, 9).dump());
  EXPECT_EQ(a, simulation_to_json(plan, layout, ranks, 9).dump());
  o.seed = 10;  // another seed, other paths
  Tally other = simulate_share(plan, layout, o, {});
  EXPECT_NE(a, simulation_to_json(plan, layout, other, 10).dump());
}

// A stopped contract pays nothing from its stop period on and its GPU-hours are sold at spot:
// 1,000 GPUs of 2,000 under contract at $3, utilization 0.5 + 0.2 x demand, rent $2.
TEST(Simulate, StoppedContractsFreeTheirHoursForSpot) {
  Scenario s = test_support::scenario_from(R"(tinderbox: 1
start: 2025-01-01
horizon: 6
market:
  gpu:
    H100: {rent: [[2025-01-01, 2.0]], economic_life_years: 5, reference_utilization: 0.8,
           cash_cost_per_hour: 0.2}
  discount_rate: 0.1
  power_usd_per_mwh: 80
stochastic:
  demand: {mean_reversion: 0.5, volatility: 0.2, utilization_beta: 0.2}
entities:
  cloud:
    kind: neocloud
    cash: 100
    fleet: [{id: lot, gpu: H100, units: 2000, acquired: 2024-01-01, unit_cost: 0.03,
             book_life_years: 6, kw_per_gpu: 1.0}]
    operations: {utilization: 0.5, cash_cost_per_hour: 0.1, sga: 0}
    contracts:
      - {id: c, customer: lab, gpu: H100, gpus: 1000, price_per_gpu_hour: 3.0,
         start: 2025-01-01, end: 2025-12-31}
)");
  const Plan plan(s);
  MarketPath m = deterministic_market(s, plan.timeline);
  m.contract_stop[0][0] = 3;
  m.demand.assign(6, 0.5);  // utilization 0.5 + 0.2 x 0.5 = 0.6
  State state;
  state.reset(plan);
  Recording rec;
  rec.start(plan);
  record_periods(plan, m, 0, 6, state, rec);
  std::vector<double> contract(6, 0.0), spot(6, 0.0);
  for (const Flow& f : rec.flows)
    if (f.kind == FlowKind::Revenue)
      (f.source == Source::Contract ? contract : spot)[static_cast<std::size_t>(f.period)] += f.amount;
  int stopped = -1;
  for (const Event& e : rec.events)
    if (e.type == EventType::ContractStopped) stopped = e.period;
  for (std::size_t k = 0; k < 6; ++k) {
    const double hours = 24.0 * plan.timeline.days[k];
    const double contracted = k < 3 ? 1000 * hours : 0.0;
    EXPECT_NEAR(contract[k], contracted * 3.0 / 1e6, 1e-12) << k;
    EXPECT_NEAR(spot[k], 0.6 * (2000 * hours - contracted) * 2.0 / 1e6, 1e-12) << k;
  }
  EXPECT_EQ(stopped, 3);
}

}  // namespace
}  // namespace tinderbox
