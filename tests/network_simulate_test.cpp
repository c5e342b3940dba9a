// Monte Carlo of a network (issue 5, item 8): with every shock switched off, each creditor
// class's expected loss, VaR and ES are the run's losses of that class; the same seed gives the
// same bytes for any number of threads on a network with fire sales.
#include <gtest/gtest.h>

#include <set>

#include "report/network_report.h"
#include "report/simulation.h"
#include "sim/simulate.h"
#include "support.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;

json simulate(const Scenario& s, std::int64_t paths, int threads, std::int64_t block = kBlock) {
  const Plan plan(s);
  const SimLayout layout(plan);
  SimOptions o;
  o.paths = paths;
  o.seed = 3;
  o.threads = threads;
  o.block = block;
  Tally t = simulate_share(plan, layout, o, {});
  return simulation_to_json(plan, layout, t, 3);
}

Scenario shocks_off(const std::string& name) {
  LoadResult loaded = load_scenario(name);
  EXPECT_TRUE(loaded.scenario);
  Scenario s = *loaded.scenario;
  test_support::switch_off_shocks(s);
  return s;
}

TEST(NetSimulate, ClassLossesWithShocksOffAreTheRunsLosses) {
  const std::string stress =
      std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/ai-web-stress.yaml";
  const Scenario s = shocks_off(stress);
  const NetworkReport n = network_report(run_deterministic(s));
  ASSERT_GT(n.total_credit_losses, 0);
  const json j = simulate(s, 40, 2);
  for (int c = 0; c < kCreditorClasses; ++c) {
    const json& x = j["creditor_classes"][creditor_class_name(static_cast<CreditorClass>(c))];
    const double want = n.credit_losses[static_cast<std::size_t>(c)];
    for (const char* key : {"el", "var99", "es99"})
      EXPECT_NEAR(x[key].get<double>(), want, 1e-6 * std::max(1.0, want))
          << creditor_class_name(static_cast<CreditorClass>(c)) << " " << key;
  }
}

// A class's loss on a path is the sum of its lenders' losses, so its expected loss is the sum of
// theirs, and it loses on a path whenever one of them does. coreweave-2025's lenders are external
// names, classed by `creditor_classes` (coreweave-facilities.yaml).
TEST(NetSimulate, AClassLosesWhatItsLendersLose) {
  LoadResult loaded = load_scenario("coreweave-2025");
  ASSERT_TRUE(loaded.scenario);
  const json j = simulate(*loaded.scenario, 4000, 2);
  const json& lenders = j["lenders"];
  const auto el = [&](const char* l) { return lenders[l]["el"].get<double>(); };
  const auto p = [&](const char* l) { return lenders[l]["p_loss"].get<double>(); };
  const json& classes = j["creditor_classes"];
  const double private_credit = el("blackstone") + el("magnetar");
  const double bank = el("revolver_banks") + el("ddtl3_lenders");
  ASSERT_GT(private_credit, 0);
  ASSERT_GT(bank, 0);
  EXPECT_NEAR(classes["private_credit"]["el"].get<double>(), private_credit, 1e-9 * private_credit);
  EXPECT_NEAR(classes["bank"]["el"].get<double>(), bank, 1e-9 * bank);
  double all = 0;
  for (const auto& [name, l] : lenders.items()) all += l["el"].get<double>();
  EXPECT_NEAR(classes["other"]["el"].get<double>(), all - private_credit - bank, 1e-9 * all);
  EXPECT_EQ(classes["insurer"]["el"].get<double>(), 0);
  EXPECT_GE(classes["private_credit"]["p_loss"].get<double>(),
            std::max(p("blackstone"), p("magnetar")));
  EXPECT_LE(classes["private_credit"]["p_loss"].get<double>(), p("blackstone") + p("magnetar"));
}

TEST(NetSimulate, SameBytesForAnyThreadsOnANetwork) {
  LoadResult loaded = load_scenario("ai-web-2025");
  ASSERT_TRUE(loaded.scenario);
  const Scenario& s = *loaded.scenario;
  // Blocks of 32 paths: two threads share 7 blocks in whatever order they take them.
  EXPECT_EQ(simulate(s, 200, 1, 32).dump(), simulate(s, 200, 2, 32).dump());
}

// With the shocks off every path is the run: a bound on the fire-sale passes below what the
// run's forced sales need leaves the same periods unsettled on every path, and Monte Carlo
// counts them (paths x the run's unsettled periods), on any number of threads.
TEST(NetSimulate, CountsThePeriodsWhoseFireSalesDidNotSettle) {
  Scenario s = shocks_off(std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/forced-sales.yaml");
  EXPECT_EQ(simulate(s, 30, 2)["fire_sale_unsettled_periods"].get<std::int64_t>(), 0);
  s.network.max_rounds = 5;
  const std::set<int> periods = test_support::unsettled_fire_sale_periods(run_deterministic(s));
  ASSERT_FALSE(periods.empty());
  const auto want = static_cast<std::int64_t>(30 * periods.size());
  EXPECT_EQ(simulate(s, 30, 1)["fire_sale_unsettled_periods"].get<std::int64_t>(), want);
  EXPECT_EQ(simulate(s, 30, 2)["fire_sale_unsettled_periods"].get<std::int64_t>(), want);
}

}  // namespace
}  // namespace tinderbox
