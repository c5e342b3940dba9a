// Ledger invariants (issue 2, item 5), on every built-in and example scenario:
//   cash(t) = cash(t-1) + sum of the ledger in period t, for every entity, with the flows between
//   modelled entities (issue 5) and the recoveries a modelled lender receives;
//   debt(t) = debt(t-1) + draws(t) - principal(t) - prepayments(t);
// every flow between two modelled entities is booked once from each side, for the same amount;
// and the CSV ledger, rounded to 1e-6 a row, still adds up to the cash series.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

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
      // A modelled lender receives its share of a recovery on its borrower's debt, unless it had
      // defaulted in an earlier period (its estate does).
      if (f.kind == FlowKind::Recovery && f.source == Source::Debt && f.entity != int(i))
        for (const Lender& l : s.entities[static_cast<std::size_t>(f.entity)]
                                   .debt[static_cast<std::size_t>(f.index)].lenders) {
          const auto& dp = r.entities[i].default_period;
          if (l.party.entity == int(i) && is_modelled(s.entities[i]) && (!dp || *dp >= f.period))
            net[f.period] += f.amount * l.share;
        }
      if (f.entity != static_cast<int>(i)) continue;
      // Recoveries and losses are the lenders' rows; the borrower's debt is written off.
      if (f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) {
        written_off[f.period] = true;
        continue;
      }
      net[f.period] += f.amount;
      if (f.other >= 0) continue;  // a lender's side of its borrower's debt: not its own debt
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

// The side whose instrument a flow is on books it as its own (other = -1); the other entity's
// flow names that instrument (other >= 0). Per period and instrument the two must match: a debt
// flow times the lender's share, a purchase against the provider's contract revenue, a lease,
// a guarantee, an invest-to-buy investment.
TEST_P(LedgerInvariants, EveryInterEntityFlowIsBookedFromBothSides) {
  const LoadResult loaded = load_scenario(GetParam());
  ASSERT_TRUE(loaded.scenario) << loaded.errors.front().str();
  const Scenario& s = *loaded.scenario;
  const RunResult r = run_deterministic(s);
  using Key = std::tuple<int, int, int, int, int>;  // period, owner, source, index, counterparty
  std::map<Key, double> own, counter;
  const auto pair_kind = [](FlowKind k) {
    switch (k) {  // the counter-side kind -> the owner's kind
      case FlowKind::Purchase: return FlowKind::Revenue;
      case FlowKind::Equity: return FlowKind::Investment;
      default: return k;
    }
  };
  for (const Flow& f : r.flows) {
    if (f.other < 0) continue;
    counter[{f.period, f.other, int(f.source), f.index * 32 + int(pair_kind(f.kind)), f.entity}] +=
        f.amount;
  }
  for (const Flow& f : r.flows) {
    if (f.other >= 0 || f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) continue;
    const Entity& e = s.entities[static_cast<std::size_t>(f.entity)];
    const int code = f.index * 32 + int(f.kind);
    const auto add = [&](int party) {
      if (party >= 0 && counter.count({f.period, f.entity, int(f.source), code, party}))
        own[{f.period, f.entity, int(f.source), code, party}] -= f.amount;
    };
    switch (f.source) {
      case Source::Debt:
        for (const Lender& l : e.debt[static_cast<std::size_t>(f.index)].lenders)
          if (l.party.entity >= 0 &&
              counter.count({f.period, f.entity, int(f.source), code, l.party.entity}))
            own[{f.period, f.entity, int(f.source), code, l.party.entity}] -= f.amount * l.share;
        break;
      case Source::Contract: add(e.contracts[static_cast<std::size_t>(f.index)].customer.entity); break;
      case Source::Lease: add(e.leases[static_cast<std::size_t>(f.index)].lessor.entity); break;
      case Source::Site: add(e.sites[static_cast<std::size_t>(f.index)].host.entity); break;
      case Source::Guarantee:
      case Source::Distribution: add(e.parent); break;
      case Source::Deal: add(e.invest_to_buy[static_cast<std::size_t>(f.index)].investee); break;
      default: break;
    }
  }
  for (const auto& [key, amount] : counter) {
    const double mine = own.count(key) ? own.at(key) : 0.0;
    EXPECT_NEAR(amount, mine, 1e-6 * (1 + std::abs(amount)))
        << "period " << std::get<0>(key) << " owner " << std::get<1>(key) << " counterparty "
        << std::get<4>(key);
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
    // A loss row says what a lender lost: it moves no cash.
    if (line.find(",loss,") != std::string::npos) continue;
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
