// The built-in scenarios: every complete one loads, and the CoreWeave scenarios hit the public
// figures they are calibrated to (scenarios/builtin/coreweave-2025.yaml and coreweave-2025h2.yaml,
// header comments; the figures are those of /work/shared/FACTS.md):
//   coreweave-2025: 2025 revenue about 5,000 (guidance; LTM revenue in Dec 2025, press); interest
//     expense 513.5 in the first half of 2025 and 250.3 (contractual) in Q2 2025 (Q2 2025 10-Q);
//     total principal 11,171.5 at 30 Jun 2025 (10-Q);
//   coreweave-2025h2: the same debt from 30 Jun 2025; its scheduled principal by year is the
//     10-Q's maturity table (rest of 2025 986; 2026 4,218; 2027 2,833; 2028 1,010; 2029 124;
//     later 2,000).
#include "scenario/builtin.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "engine/run.h"
#include "scenario/loader.h"

namespace tinderbox {
namespace {

constexpr double kTolerance = 0.10;  // |x / target - 1|

// Sum of one figure over the first `periods` periods of entity `entity`.
template <class Field>
double sum_first(const RunResult& r, int entity, int periods, Field field) {
  double s = 0;
  const auto& series = r.entities[static_cast<std::size_t>(entity)].periods;
  for (int k = 0; k < periods && k < static_cast<int>(series.size()); ++k)
    s += field(series[static_cast<std::size_t>(k)]);
  return s;
}

int entity_index(const Scenario& s, const std::string& id) {
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    if (s.entities[i].id == id) return static_cast<int>(i);
  return -1;
}

TEST(Builtin, EveryCompleteScenarioLoads) {
  int complete = 0;
  for (const BuiltinFile& f : builtin_files()) {
    if (is_import_only(f)) continue;
    ++complete;
    const LoadResult r = load_scenario(std::string(f.name));
    std::string errors;
    for (const Diagnostic& d : r.errors) errors += d.str() + "\n";
    EXPECT_TRUE(r.errors.empty()) << f.name << ":\n" << errors;
    EXPECT_TRUE(r.scenario.has_value()) << f.name;
  }
  EXPECT_GE(complete, 1);
  EXPECT_NE(find_builtin("coreweave-2025"), nullptr);
}

class CoreWeave2025 : public ::testing::Test {
 protected:
  void SetUp() override {
    loaded_ = load_scenario("coreweave-2025");
    for (const Diagnostic& d : loaded_.errors) ADD_FAILURE() << d.str();
    ASSERT_TRUE(loaded_.scenario.has_value());
    const Scenario& s = *loaded_.scenario;
    ASSERT_EQ(s.period, PeriodKind::Month);
    ASSERT_GE(s.horizon, 12);
    cw_ = entity_index(s, "coreweave");
    ASSERT_GE(cw_, 0);
    run_.emplace(run_deterministic(s));
  }

  LoadResult loaded_;
  std::optional<RunResult> run_;
  int cw_ = -1;
};

TEST_F(CoreWeave2025, RevenueOf2025IsAboutFiveBillion) {
  const double revenue =
      sum_first(*run_, cw_, 12, [](const PeriodFigures& f) { return f.revenue; });
  EXPECT_LE(std::abs(revenue / 5000.0 - 1), kTolerance) << "2025 revenue " << revenue;
}

// Periods 3-5: April to June 2025. The 10-Q's 250.3 is contractual interest, before the
// amortization of issuance costs (+29.0) and capitalized interest (-23.2), which the engine does
// not model.
TEST_F(CoreWeave2025, SecondQuarterInterestExpenseIsAbout250) {
  const double q2 =
      sum_first(*run_, cw_, 6, [](const PeriodFigures& f) { return f.interest_expense; }) -
      sum_first(*run_, cw_, 3, [](const PeriodFigures& f) { return f.interest_expense; });
  EXPECT_LE(std::abs(q2 / 250.3 - 1), kTolerance) << "Q2 2025 interest expense " << q2;
}

// The balances of 31 Dec 2024 and the draws of H1 2025 add up to the 10-Q's 30 Jun 2025 total.
TEST_F(CoreWeave2025, DebtAt30June2025IsTheTenQs) {
  const double debt = run_->entities[static_cast<std::size_t>(cw_)].periods.at(5).debt;
  EXPECT_NEAR(debt, 11171.5, 1.0);
}

TEST_F(CoreWeave2025, FirstHalfInterestExpenseIsAbout513) {
  const double interest =
      sum_first(*run_, cw_, 6, [](const PeriodFigures& f) { return f.interest_expense; });
  EXPECT_LE(std::abs(interest / 513.5 - 1), kTolerance) << "H1 2025 interest expense " << interest;
}

// CoreWeave did not default in 2025: a base case that does is mis-calibrated.
TEST_F(CoreWeave2025, DoesNotDefaultIn2025) {
  const auto& d = run_->entities[static_cast<std::size_t>(cw_)].default_period;
  EXPECT_TRUE(!d.has_value() || *d >= 12) << "defaults in period " << d.value_or(-1);
}

// FACTS: active / contracted power 420 / 1,600 MW (Q1 2025), 470 / 2,200 (Q2), 590 / 2,900 (Q3),
// over 850 / 3,100 (Q4); 1.3 GW contracted at end-2024. Active MW at the end of each quarter-end
// day, from the sites' schedules (site_level_at); contracted MW from the run's series.
TEST_F(CoreWeave2025, CapacityIsFactsActiveAndContractedMegawatts) {
  const Timeline& t = run_->plan.timeline;
  const EntityPlan& p = run_->plan.entities[static_cast<std::size_t>(cw_)];
  const std::array<std::tuple<const char*, double, double>, 4> quarters = {
      {{"2025-03-31", 420, 1600}, {"2025-06-30", 470, 2200}, {"2025-09-30", 590, 2900},
       {"2025-12-31", 850, 3100}}};
  EXPECT_NEAR(run_->entities[static_cast<std::size_t>(cw_)].periods[0].contracted_mw, 1300, 1e-9);
  for (const auto& [day, active, contracted] : quarters) {
    const Date d = *parse_date(day);
    double mw = 0;
    for (const SitePlan& s : p.sites) {
      int full = 0;
      mw += s.mw * site_level_at(s, 0, t.periods, d.serial, t, full);
    }
    EXPECT_LE(std::abs(mw / active - 1), 0.01) << day << ": " << mw << " MW active";
    const int k = t.period_ending(d);
    EXPECT_NEAR(run_->entities[static_cast<std::size_t>(cw_)].periods[static_cast<std::size_t>(k)]
                    .contracted_mw, contracted, 1e-9) << day;
  }
}

// ------------------------------------------------------------------------- coreweave-2025h2

TEST(CoreWeaveFacilities, IsAnImportOnlyFileThatBothScenariosShare) {
  const BuiltinFile* terms = find_builtin("coreweave-facilities");
  ASSERT_NE(terms, nullptr);
  EXPECT_TRUE(is_import_only(*terms));
  for (const char* name : {"coreweave-2025", "coreweave-2025h2"}) {
    const BuiltinFile* f = find_builtin(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_FALSE(is_import_only(*f)) << name;
  }
}

class CoreWeave2025H2 : public ::testing::Test {
 protected:
  void SetUp() override {
    loaded_ = load_scenario("coreweave-2025h2");
    for (const Diagnostic& d : loaded_.errors) ADD_FAILURE() << d.str();
    ASSERT_TRUE(loaded_.scenario.has_value());
    const Scenario& s = *loaded_.scenario;
    ASSERT_EQ(s.start, *parse_date("2025-07-01"));
    ASSERT_EQ(s.period, PeriodKind::Month);
    ASSERT_GE(s.horizon, 54);  // through 2029 at least
    cw_ = entity_index(s, "coreweave");
    ASSERT_GE(cw_, 0);
  }
  const Entity& coreweave() const {
    return loaded_.scenario->entities[static_cast<std::size_t>(cw_)];
  }

  LoadResult loaded_;
  int cw_ = -1;
};

TEST_F(CoreWeave2025H2, StartsFromTheBalancesOf30June2025) {
  double total = 0;
  for (const Debt& d : coreweave().debt) {
    total += d.outstanding;
    EXPECT_TRUE(d.draws.empty()) << d.id;
  }
  EXPECT_NEAR(total, 11171.5, 0.5);  // 10-Q
}

// No new borrowing, and nothing bought that would need it: no draw, no GPU purchase, no
// contract without the GPUs to serve it. (Capex rows of sites remain: the reimbursements of Core
// Scientific's build-out, which the hosting contracts of 30 Jun 2025 already commit.)
TEST_F(CoreWeave2025H2, BorrowsNothingAndBuysNothing) {
  const RunResult r = run_deterministic(*loaded_.scenario);
  for (const Flow& f : r.flows) {
    EXPECT_NE(f.kind, FlowKind::Draw) << "a draw in period " << f.period;
    if (f.kind == FlowKind::Capex) {
      EXPECT_EQ(f.source, Source::Site) << "a GPU purchase in period " << f.period;
    }
  }
  for (const Event& e : r.events) EXPECT_NE(e.type, EventType::Overcontracted);
}

// The scheduled principal by calendar year against the 10-Q's maturity table. The scenario itself
// runs out of cash in 2026 (it is a run-off without new money), and a defaulted entity pays no
// more principal; the schedule is therefore read from the same scenario with cash enough for
// every payment, so that what is checked is what falls due, not what could be paid.
TEST_F(CoreWeave2025H2, ScheduledPrincipalByYearIsTheTenQsMaturityTable) {
  Scenario s = *loaded_.scenario;
  s.entities[static_cast<std::size_t>(cw_)].cash += 1e6;
  const RunResult r = run_deterministic(s);
  ASSERT_FALSE(r.entities[static_cast<std::size_t>(cw_)].default_period.has_value());
  std::map<int, double> by_year;
  for (const Flow& f : r.flows)
    if (f.entity == cw_ && f.kind == FlowKind::Principal)
      by_year[ymd(r.plan.timeline.ends[static_cast<std::size_t>(f.period)]).year] -= f.amount;
  const std::array<std::pair<int, double>, 5> table = {
      {{2025, 986}, {2026, 4218}, {2027, 2833}, {2028, 1010}, {2029, 124}}};
  for (const auto& [year, due] : table)
    EXPECT_LE(std::abs(by_year[year] / due - 1), 0.15)
        << year << ": " << by_year[year] << " against the 10-Q's " << due;
  // "Later": what is still owed after 2029 (the 2030 notes).
  const int end_2029 = r.plan.timeline.period_of(*parse_date("2029-12-31"));
  ASSERT_GE(end_2029, 0);
  const double later =
      r.entities[static_cast<std::size_t>(cw_)].periods[static_cast<std::size_t>(end_2029)].debt;
  EXPECT_LE(std::abs(later / 2000 - 1), 0.15) << "owed after 2029: " << later;
}

}  // namespace
}  // namespace tinderbox
