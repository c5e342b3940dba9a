// Ledger invariants (issue 2, item 5), on every built-in and example scenario:
//   cash(t) = cash(t-1) + sum of the ledger in period t;
//   debt(t) = debt(t-1) + draws(t) - principal(t) - prepayments(t);
// and the CSV ledger, rounded to 1e-6 a row, still adds up to the cash series.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "report/ledger_csv.h"
#include "scenario/builtin.h"
#include "scenario/loader.h"
#include "support.h"

namespace tinderbox {
namespace {

using test_support::all_scenarios;

class LedgerInvariants : public ::testing::TestWithParam<std::string> {};

TEST_P(LedgerInvariants, CashAndDebtFollowTheLedger) {
  const LoadResult loaded = load_scenario(GetParam());
  ASSERT_TRUE(loaded.scenario) << loaded.errors.front().str();
  const Scenario& s = *loaded.scenario;
  const RunResult r = run_deterministic(s);
  const int n = r.plan.timeline.periods;
  for (std::size_t i = 0; i < s.entities.size(); ++i) {
    std::vector<double> net(n, 0.0), debt_moves(n, 0.0);
    std::vector<bool> written_off(n, false);
    for (const Flow& f : r.flows) {
      if (f.entity != static_cast<int>(i)) continue;
      // Recoveries and losses are the lenders' rows; the borrower's debt is written off.
      if (f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) {
        written_off[f.period] = true;
        continue;
      }
      net[f.period] += f.amount;
      if (f.kind == FlowKind::Draw) debt_moves[f.period] += f.amount;
      if (f.kind == FlowKind::Principal || f.kind == FlowKind::Prepayment)
        debt_moves[f.period] += f.amount;  // negative: paid
    }
    // A convertible that converts leaves the debt without any cash moving.
    for (const Event& ev : r.events)
      if (ev.entity == static_cast<int>(i) && ev.type == EventType::Conversion)
        debt_moves[ev.period] -= ev.value;
    double cash = s.entities[i].cash, debt = 0;
    for (const Debt& d : s.entities[i].debt) debt += d.outstanding;
    for (int k = 0; k < n; ++k) {
      const PeriodFigures& f = r.entities[i].periods[k];
      cash += net[k];
      debt += debt_moves[k];
      if (written_off[k]) debt = 0;
      EXPECT_NEAR(f.cash, cash, 1e-9 * (1 + std::abs(cash))) << s.entities[i].id << " period " << k;
      EXPECT_NEAR(f.debt, debt, 1e-9 * (1 + std::abs(debt))) << s.entities[i].id << " period " << k;
    }
  }
}

TEST_P(LedgerInvariants, RoundedCsvAddsUpToTheCashSeries) {
  const LoadResult loaded = load_scenario(GetParam());
  ASSERT_TRUE(loaded.scenario) << loaded.errors.front().str();
  const Scenario& s = *loaded.scenario;
  const RunResult r = run_deterministic(s);
  std::ostringstream csv;
  write_ledger_csv(r, csv);
  std::istringstream in(csv.str());
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line, "date,entity,instrument,counterparty,kind,amount");
  std::map<std::pair<std::string, std::string>, double> net;  // (entity, date) -> sum
  std::map<std::pair<std::string, std::string>, int> rows;
  while (std::getline(in, line)) {
    // Entity ids and dates hold no commas; the amount is the last field.
    const std::string date = line.substr(0, 10);
    const std::string entity = line.substr(11, line.find(',', 11) - 11);
    net[{entity, date}] += std::stod(line.substr(line.rfind(',') + 1));
    ++rows[{entity, date}];
  }
  for (std::size_t i = 0; i < s.entities.size(); ++i) {
    double prev = s.entities[i].cash;
    for (int k = 0; k < r.plan.timeline.periods; ++k) {
      const std::pair key{s.entities[i].id, format_date(r.plan.timeline.ends[k])};
      const double cash = r.entities[i].periods[k].cash;
      // Each row is off by at most 5e-7 from rounding.
      EXPECT_NEAR(cash - prev, net[key], 5e-7 * (rows[key] + 1)) << key.first << " " << key.second;
      prev = cash;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllScenarios, LedgerInvariants, ::testing::ValuesIn(all_scenarios()),
                         test_support::scenario_test_name);

}  // namespace
}  // namespace tinderbox
