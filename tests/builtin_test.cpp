// The built-in scenarios: every complete one loads, and the CoreWeave base case hits the public
// figures it is calibrated to (scenarios/builtin/coreweave-2025.yaml, header comment):
//   2025 revenue about 5,000 (guidance; LTM revenue in Dec 2025, press);
//   first-half 2025 interest expense 513.5 (Q2 2025 10-Q).
#include "scenario/builtin.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

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

}  // namespace
}  // namespace tinderbox
