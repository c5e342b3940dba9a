#include "scenario/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "engine/run.h"
#include "report/json_output.h"
#include "scenario/builtin.h"
#include "scenario/yaml_tree.h"
#include "util/text.h"

namespace tinderbox {
namespace {

namespace fs = std::filesystem;

const fs::path kValid = fs::path(TINDERBOX_SOURCE_DIR) / "tests" / "valid";

Date d(const char* iso) { return *parse_date(iso); }

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder per test, for scenarios that import each other.
class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(testing::TempDir()) / (std::string("loader_test_") + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const Diagnostic& e : r.errors) out += e.str() + "\n";
  return out;
}

const Scenario& loaded(const LoadResult& r) {
  EXPECT_TRUE(r.scenario.has_value()) << all_errors(r);
  static const Scenario empty;
  return r.scenario ? *r.scenario : empty;
}

// ------------------------------------------------------------------------------ a valid file

class LoaderSpecExample : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new LoadResult(load_scenario((kValid / "spec_example.yaml").string()));
  }
  static void TearDownTestSuite() { delete result_; }
  const Scenario& s() const { return loaded(*result_); }
  const Entity& coreweave() const { return s().entities.at(0); }
  static LoadResult* result_;
};
LoadResult* LoaderSpecExample::result_ = nullptr;

TEST_F(LoaderSpecExample, Header) {
  ASSERT_TRUE(result_->scenario) << all_errors(*result_);
  EXPECT_TRUE(result_->errors.empty());
  EXPECT_EQ(s().name, "CoreWeave base case");
  EXPECT_EQ(s().start, d("2025-01-01"));
  EXPECT_EQ(s().horizon, 60);
  EXPECT_EQ(s().period, PeriodKind::Month);
  EXPECT_NE(result_->text.find("tinderbox: 1"), std::string::npos);
}

TEST_F(LoaderSpecExample, Market) {
  const Market& m = s().market;
  ASSERT_EQ(m.rates.size(), 2u);
  EXPECT_EQ(m.rates[0].name, "sofr");
  EXPECT_EQ(m.rates[0].curve.dates,
            (std::vector<Date>{d("2025-01-01"), d("2026-01-01"), d("2027-01-01")}));
  EXPECT_EQ(m.rates[0].curve.values, (std::vector<double>{0.0433, 0.0390, 0.0360}));
  EXPECT_EQ(m.rates[1].name, "abr");
  ASSERT_EQ(m.gpus.size(), 2u);
  EXPECT_EQ(m.gpus[1].name, "GB200");
  EXPECT_EQ(m.gpus[1].rent.values, (std::vector<double>{4.50, 3.00}));
  EXPECT_DOUBLE_EQ(m.gpus[1].economic_life_years, 5);
  EXPECT_DOUBLE_EQ(m.gpus[1].reference_utilization, 0.75);
  EXPECT_DOUBLE_EQ(m.gpus[1].cash_cost_per_hour, 0.45);
  EXPECT_DOUBLE_EQ(m.power_usd_per_mwh, 80);
  EXPECT_DOUBLE_EQ(m.discount_rate, 0.12);
}

TEST_F(LoaderSpecExample, EntityAndOperations) {
  ASSERT_EQ(s().entities.size(), 2u);
  const Entity& e = coreweave();
  EXPECT_EQ(e.id, "coreweave");
  EXPECT_EQ(e.kind, EntityKind::Neocloud);
  EXPECT_DOUBLE_EQ(e.cash, 1361);
  EXPECT_EQ(e.rating, "B");
  EXPECT_FALSE(e.equity_value.has_value());
  EXPECT_DOUBLE_EQ(e.operations.utilization, 0.80);
  EXPECT_DOUBLE_EQ(e.operations.cash_cost_per_hour, 0.30);
  EXPECT_DOUBLE_EQ(e.operations.sga, 40);
  const Entity& magnetar = s().entities[1];
  EXPECT_EQ(magnetar.kind, EntityKind::Fund);
  EXPECT_DOUBLE_EQ(magnetar.operations.utilization, 0);  // operations default to 0
}

TEST_F(LoaderSpecExample, FleetContractsLeases) {
  const Entity& e = coreweave();
  ASSERT_EQ(e.fleet.size(), 1u);
  EXPECT_EQ(e.fleet[0].id, "h100_2023");
  EXPECT_EQ(e.fleet[0].gpu, 0);
  EXPECT_DOUBLE_EQ(e.fleet[0].units, 100000);
  EXPECT_EQ(e.fleet[0].acquired, d("2023-09-01"));
  EXPECT_DOUBLE_EQ(e.fleet[0].unit_cost, 0.030);
  EXPECT_DOUBLE_EQ(e.fleet[0].book_life_years, 6);
  EXPECT_DOUBLE_EQ(e.fleet[0].kw_per_gpu, 1.3);

  ASSERT_EQ(e.contracts.size(), 2u);
  EXPECT_EQ(e.contracts[0].customer.name, "microsoft");
  EXPECT_EQ(e.contracts[0].customer.entity, -1);
  EXPECT_EQ(e.contracts[0].gpu, 0);
  EXPECT_DOUBLE_EQ(e.contracts[0].gpus, 60000);
  EXPECT_DOUBLE_EQ(e.contracts[0].price_per_gpu_hour, 2.80);
  EXPECT_EQ(e.contracts[1].id, "osprey");
  EXPECT_EQ(e.contracts[1].gpu, -1);
  EXPECT_DOUBLE_EQ(e.contracts[1].amount_per_period, 27);
  EXPECT_EQ(e.contracts[1].end, d("2027-05-31"));

  ASSERT_EQ(e.leases.size(), 1u);
  EXPECT_DOUBLE_EQ(e.leases[0].escalator, 0.03);
  EXPECT_EQ(e.leases[0].lessor.name, "");
  EXPECT_EQ(e.leases[0].lessor.entity, -1);
}

TEST_F(LoaderSpecExample, CapexAndEquityDefaultIds) {
  const Entity& e = coreweave();
  ASSERT_EQ(e.capex.size(), 2u);
  EXPECT_EQ(e.capex[0].id, "capex:1");
  EXPECT_EQ(e.capex[0].gpu, 1);
  EXPECT_EQ(e.capex[0].funded_by, 0);
  EXPECT_DOUBLE_EQ(e.capex[0].advance_rate, 0.80);
  EXPECT_EQ(e.capex[1].id, "gb200_2026");
  EXPECT_EQ(e.capex[1].funded_by, -1);
  EXPECT_DOUBLE_EQ(e.capex[1].advance_rate, 0);
  ASSERT_EQ(e.equity.size(), 2u);
  EXPECT_EQ(e.equity[0].id, "equity:1");
  EXPECT_EQ(e.equity[0].kind, "ipo");
  EXPECT_EQ(e.equity[1].id, "follow_on");
  EXPECT_EQ(e.equity[1].kind, "");
}

TEST_F(LoaderSpecExample, TermLoan) {
  const Debt& t = coreweave().debt.at(0);
  EXPECT_EQ(t.id, "ddtl1");
  EXPECT_EQ(t.type, DebtType::TermLoan);
  ASSERT_EQ(t.lenders.size(), 2u);
  EXPECT_EQ(t.lenders[0].party.name, "blackstone_credit");
  EXPECT_EQ(t.lenders[0].party.entity, -1);
  EXPECT_EQ(t.lenders[1].party.entity, 1);  // magnetar is an entity of the file
  EXPECT_DOUBLE_EQ(t.lenders[1].share, 0.4);
  EXPECT_DOUBLE_EQ(t.outstanding, 2012.5);
  EXPECT_DOUBLE_EQ(t.commitment, 2300);
  EXPECT_FALSE(t.rate.is_fixed);
  EXPECT_EQ(t.rate.index, 0);
  EXPECT_DOUBLE_EQ(t.rate.spread, 0.0962);
  EXPECT_EQ(t.day_count, DayCount::Act360);
  EXPECT_EQ(t.pay, Frequency::Quarter);
  EXPECT_EQ(t.first_payment, d("2025-03-31"));
  EXPECT_EQ(t.maturity, d("2028-03-31"));
  EXPECT_EQ(t.amortization.style, AmortStyle::Level);
  EXPECT_FALSE(t.amortization.from.has_value());
  EXPECT_EQ(t.secured_by, (std::vector<int>{0, 1}));  // the fleet lot, then capex:1 after the fleet
  ASSERT_EQ(t.covenants.tests.size(), 1u);
  EXPECT_EQ(t.covenants.tests[0].kind, CovenantKind::MinLiquidity);
  EXPECT_EQ(t.covenants.tests[0].limit, 56);
}

TEST_F(LoaderSpecExample, BondDefaults) {
  const Debt& b = coreweave().debt.at(1);
  EXPECT_EQ(b.type, DebtType::Bond);
  EXPECT_EQ(b.day_count, DayCount::Thirty360);
  EXPECT_EQ(b.pay, Frequency::Semiannual);
  EXPECT_TRUE(b.rate.is_fixed);
  EXPECT_DOUBLE_EQ(b.rate.fixed, 0.0925);
  EXPECT_EQ(b.amortization.style, AmortStyle::Bullet);
  ASSERT_EQ(b.draws.size(), 1u);
  EXPECT_EQ(b.draws[0].first, d("2025-05-27"));
  EXPECT_DOUBLE_EQ(b.commitment, 2000);  // default: outstanding + draws
  EXPECT_TRUE(b.secured_by.empty());
}

// ------------------------------------------------------------------------------ credit facilities

class LoaderCreditFacilities : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new LoadResult(load_scenario((kValid / "credit_facilities.yaml").string()));
  }
  static void TearDownTestSuite() { delete result_; }
  const Scenario& s() const { return loaded(*result_); }
  const Debt& debt(std::size_t entity, std::size_t i) const {
    return s().entities.at(entity).debt.at(i);
  }
  static LoadResult* result_;
};
LoadResult* LoaderCreditFacilities::result_ = nullptr;

TEST_F(LoaderCreditFacilities, RevolverTermsFeesAndAvailability) {
  ASSERT_TRUE(result_->scenario) << all_errors(*result_);
  const Debt& r = debt(0, 0);
  EXPECT_EQ(r.type, DebtType::Revolver);
  EXPECT_EQ(r.day_count, DayCount::Act360);  // a revolver's defaults are a term loan's
  EXPECT_EQ(r.pay, Frequency::Quarter);
  EXPECT_EQ(r.amortization.style, AmortStyle::Bullet);
  EXPECT_DOUBLE_EQ(r.outstanding, 50);
  EXPECT_DOUBLE_EQ(r.commitment, 300);
  EXPECT_DOUBLE_EQ(r.draw_below, 25);
  EXPECT_DOUBLE_EQ(r.repay_above, 150);
  EXPECT_EQ(r.signed_on, d("2024-12-15"));
  EXPECT_EQ(r.available_until, d("2027-06-30"));
  EXPECT_DOUBLE_EQ(r.fees.upfront, 0.0125);
  EXPECT_DOUBLE_EQ(r.fees.undrawn, 0.005);
  EXPECT_DOUBLE_EQ(r.fees.annual, 0.0025);
  EXPECT_DOUBLE_EQ(r.fees.annual_minimum, 0.4);
  EXPECT_TRUE(r.cross_default);
}

TEST_F(LoaderCreditFacilities, SpreadGridAlternateBaseRateAndChoice) {
  const Rate& r = debt(0, 0).rate;
  EXPECT_FALSE(r.is_fixed);
  EXPECT_EQ(r.index, 0);             // sofr
  EXPECT_DOUBLE_EQ(r.spread, 0.03);  // neo is rated BB
  EXPECT_DOUBLE_EQ(r.floor, 0.01);
  EXPECT_EQ(r.alt_index, 1);  // abr
  EXPECT_DOUBLE_EQ(r.alt_spread, 0.02);
  EXPECT_DOUBLE_EQ(r.alt_floor, 0);  // default
  EXPECT_EQ(r.choice, RateChoice::Higher);
  // The same grid for a B-rated entity.
  EXPECT_DOUBLE_EQ(debt(1, 0).rate.spread, 0.045);
  // An alternate without `use` leaves the choice at primary.
  const Rate& abl = debt(0, 1).rate;
  EXPECT_DOUBLE_EQ(abl.spread, 0.05);
  EXPECT_EQ(abl.alt_index, 1);
  EXPECT_DOUBLE_EQ(abl.alt_spread, 0.04);
  EXPECT_DOUBLE_EQ(abl.alt_floor, 0.06);
  EXPECT_EQ(abl.choice, RateChoice::Primary);
}

TEST_F(LoaderCreditFacilities, CovenantsInFileOrderWithTheirSchedules) {
  const Covenants& c = debt(0, 0).covenants;
  EXPECT_TRUE(c.breach_is_default);
  ASSERT_EQ(c.tests.size(), 3u);
  EXPECT_EQ(c.tests[0].kind, CovenantKind::MaxLtv);
  EXPECT_DOUBLE_EQ(c.tests[0].limit, 0.85);
  EXPECT_FALSE(c.tests[0].from.has_value());  // a bare limit takes every default
  EXPECT_EQ(c.tests[0].every, 1);
  EXPECT_EQ(c.tests[0].cure_periods, 0);
  EXPECT_TRUE(c.tests[0].waived.empty());
  const CovenantTest& liquidity = c.tests[1];
  EXPECT_EQ(liquidity.kind, CovenantKind::MinLiquidity);
  EXPECT_DOUBLE_EQ(liquidity.limit, 25);
  EXPECT_EQ(liquidity.from, d("2025-06-30"));
  EXPECT_EQ(liquidity.every, 2);
  EXPECT_EQ(liquidity.cure_periods, 1);
  EXPECT_EQ(liquidity.waived, (std::vector<Date>{d("2025-09-30"), d("2026-03-31")}));
  EXPECT_EQ(c.tests[2].kind, CovenantKind::MinDscr);
  EXPECT_DOUBLE_EQ(c.tests[2].limit, 1.2);
  // A mapping with only a limit; on_breach defaults to an event.
  const Covenants& abl = debt(0, 1).covenants;
  EXPECT_FALSE(abl.breach_is_default);
  ASSERT_EQ(abl.tests.size(), 1u);
  EXPECT_EQ(abl.tests[0].kind, CovenantKind::MinInterestCoverage);
  EXPECT_DOUBLE_EQ(abl.tests[0].limit, 2);
  EXPECT_EQ(abl.tests[0].every, 1);
}

TEST_F(LoaderCreditFacilities, Prepayments) {
  const Prepayments& p = debt(0, 1).prepayment;
  EXPECT_DOUBLE_EQ(p.borrowing_base, 0.7);
  EXPECT_EQ(p.basis, CollateralBasis::Market);  // default
  EXPECT_DOUBLE_EQ(p.sweep_share, 0.5);
  EXPECT_DOUBLE_EQ(p.sweep_above, 200);
  EXPECT_DOUBLE_EQ(p.from_new_debt, 0.25);
  EXPECT_DOUBLE_EQ(p.from_equity, 1);
  EXPECT_TRUE(debt(0, 1).secured_by.empty());  // collateralized by the capex it funds
  EXPECT_FALSE(debt(0, 1).cross_default);
  const Prepayments& book = debt(1, 0).prepayment;
  EXPECT_DOUBLE_EQ(book.borrowing_base, 0.5);
  EXPECT_EQ(book.basis, CollateralBasis::Book);
}

TEST_F(LoaderCreditFacilities, DefaultsWhenNoFacilityKeyIsGiven) {
  const Debt& b = debt(0, 2);
  EXPECT_EQ(b.type, DebtType::Bond);
  EXPECT_FALSE(b.signed_on.has_value());
  EXPECT_FALSE(b.available_until.has_value());
  EXPECT_DOUBLE_EQ(b.fees.upfront, 0);
  EXPECT_DOUBLE_EQ(b.fees.undrawn, 0);
  EXPECT_DOUBLE_EQ(b.fees.annual, 0);
  EXPECT_DOUBLE_EQ(b.fees.annual_minimum, 0);
  EXPECT_EQ(b.rate.alt_index, -1);
  EXPECT_EQ(b.rate.choice, RateChoice::Primary);
  EXPECT_DOUBLE_EQ(b.prepayment.borrowing_base, 0);
  EXPECT_DOUBLE_EQ(b.prepayment.sweep_share, 0);
  EXPECT_DOUBLE_EQ(b.prepayment.from_new_debt, 0);
  EXPECT_DOUBLE_EQ(b.prepayment.from_equity, 0);
  EXPECT_TRUE(b.covenants.tests.empty());
  EXPECT_FALSE(b.covenants.breach_is_default);
  EXPECT_FALSE(b.cross_default);
  EXPECT_DOUBLE_EQ(b.draw_below, 0);
  EXPECT_EQ(b.repay_above, std::numeric_limits<double>::infinity());
}

// The ledger names an instrument by its id alone: ids are unique across an entity's items, and
// the second one in file order is the one reported, whatever the order of the sections.
TEST(Loader, IdsAreUniqueAcrossAnEntitysItemsInFileOrder) {
  const std::string text = std::string(R"(tinderbox: 1
start: 2025-01-01
horizon: 12
market:
  rates: {sofr: [[2025-01-01, 0.04]]}
entities:
  neo:
    kind: neocloud
    debt:
      - {id: deal, type: term_loan, lenders: {bank: 1}, outstanding: 10, rate: {fixed: 0.1},
         first_payment: 2025-03-31, maturity: 2025-12-31}
    leases:
      - {id: deal, payment_per_period: 1, start: 2025-01-01, end: 2025-12-31}
    equity:
      - {id: deal, date: 2025-03-01, amount: 10}
)");
  const LoadResult r = load_scenario_text(text, "t.yaml", ".");
  EXPECT_EQ(all_errors(r),
            "t.yaml:13:14: error: duplicate id 'deal' (first defined at 10:14)\n"
            "t.yaml:15:14: error: duplicate id 'deal' (first defined at 10:14)\n");
}

TEST(Loader, DiagnosticFormat) {
  EXPECT_EQ((Diagnostic{"a.yaml", 3, 5, "unknown key 'x'"}).str(),
            "a.yaml:3:5: error: unknown key 'x'");
}

// ------------------------------------------------------------------------------ files and names

TEST(Loader, ADiagnosticIsOneLineWhateverThePath) {
  // A path with a newline and an escape sequence, as a user or a script might pass one.
  const LoadResult r = load_scenario("/no/such/dir/a\nb\x1b[31m.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "/no/such/dir/a\\x0ab\\x1b[31m.yaml:1:1: error: cannot read file: No such file or "
            "directory");
  EXPECT_EQ(one_line("tab\there\x7f"), "tab\\x09here\\x7f");
}

TEST(Loader, MissingFileIsAnErrorAtItsFirstPosition) {
  const LoadResult r = load_scenario("/no/such/dir/scenario.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "/no/such/dir/scenario.yaml:1:1: error: cannot read file: No such file or directory");
  EXPECT_FALSE(r.scenario);
}

TEST(Loader, DirectoryIsNotAScenario) {
  TempDir dir;
  const LoadResult r = load_scenario(dir.path().string() + "/");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "cannot read file: Is a directory");
}

TEST(Loader, UnknownNameSaysItIsNeitherFileNorBuiltin) {
  const LoadResult r = load_scenario("no-such-scenario-xyz");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nor is it a built-in scenario"), std::string::npos);
  // A near miss is suggested inside the one pair of brackets.
  const LoadResult near = load_scenario("coreweave-2026");
  ASSERT_EQ(near.errors.size(), 1u);
  EXPECT_EQ(near.errors[0].message,
            "cannot read file: No such file or directory (nor is it a built-in scenario; did you "
            "mean 'coreweave-2025'?)");
}

TEST(Loader, EveryBuiltinLoads) {
  for (const BuiltinFile& b : builtin_files()) {
    if (is_import_only(b)) continue;  // a part (facility terms, say), not a scenario
    const LoadResult r = load_scenario(std::string(b.name));
    EXPECT_TRUE(r.scenario.has_value()) << b.name << "\n" << all_errors(r);
  }
}

// ------------------------------------------------------------------------------ imports

const char* kBase = R"(tinderbox: 1
start: 2020-01-01
horizon: 1
market:
  rates: {sofr: [[2025-01-01, 0.04]]}
  gpu:
    H100: {rent: [[2025-01-01, 2.0]], economic_life_years: 5, reference_utilization: 0.7,
           cash_cost_per_hour: 0.3}
  power_usd_per_mwh: 80
  discount_rate: 0.1
entities:
  neo:
    kind: neocloud
    cash: 100
    operations: {utilization: 0.5, sga: 10}
    fleet:
      - {id: a, gpu: H100, units: 1, acquired: 2019-01-01, unit_cost: 0.03, book_life_years: 6, kw_per_gpu: 1}
      - {id: b, gpu: H100, units: 2, acquired: 2019-01-01, unit_cost: 0.03, book_life_years: 6, kw_per_gpu: 1}
  bank:
    kind: bank
)";

TEST(LoaderImport, MergesMapsAtAnyDepthAndReplacesLists) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const std::string main = dir.write("main.yaml", R"(tinderbox: 1
start: 2025-01-01
horizon: 12
import: [./base.yaml]
market:
  power_usd_per_mwh: 90
entities:
  neo:
    operations: {sga: 20}
    fleet:
      - {id: c, gpu: H100, units: 3, acquired: 2024-06-01, unit_cost: 0.03, book_life_years: 6, kw_per_gpu: 1}
  lab:
    kind: lab
)");
  const LoadResult r = load_scenario(main);
  const Scenario& s = loaded(r);
  ASSERT_EQ(s.entities.size(), 3u);
  EXPECT_EQ(s.start, d("2025-01-01"));  // the importing file's header, not the imported one's
  EXPECT_EQ(s.horizon, 12);
  EXPECT_DOUBLE_EQ(s.market.power_usd_per_mwh, 90);
  EXPECT_DOUBLE_EQ(s.market.discount_rate, 0.1);
  EXPECT_EQ(s.market.gpus.size(), 1u);
  EXPECT_EQ(s.entities[0].id, "neo");  // imported entities first, in their order
  EXPECT_EQ(s.entities[1].id, "bank");
  EXPECT_EQ(s.entities[2].id, "lab");
  const Entity& neo = s.entities[0];
  EXPECT_DOUBLE_EQ(neo.cash, 100);
  EXPECT_DOUBLE_EQ(neo.operations.utilization, 0.5);
  EXPECT_DOUBLE_EQ(neo.operations.sga, 20);
  ASSERT_EQ(neo.fleet.size(), 1u);
  EXPECT_EQ(neo.fleet[0].id, "c");
}

TEST(LoaderImport, LaterImportsOverrideEarlierOnes) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  dir.write("rich.yaml", "entities:\n  neo:\n    cash: 500\n    rating: BB\n");
  const std::string main =
      dir.write("main.yaml",
                "tinderbox: 1\nstart: 2025-01-01\nhorizon: 12\nimport: [./base.yaml, ./rich.yaml]\n"
                "entities:\n  neo:\n    rating: A\n");
  const LoadResult r = load_scenario(main);
  const Scenario& s = loaded(r);
  ASSERT_EQ(s.entities.size(), 2u);
  EXPECT_DOUBLE_EQ(s.entities[0].cash, 500);
  EXPECT_EQ(s.entities[0].rating, "A");
  EXPECT_EQ(s.entities[0].fleet.size(), 2u);
}

TEST(LoaderImport, ErrorsPointIntoTheFileThatWroteTheNode) {
  TempDir dir;
  std::string base = kBase;
  base.replace(base.find("units: 2"), 8, "units: x");  // line 18
  const std::string imported = dir.write("base.yaml", base);
  const std::string main =
      dir.write("main.yaml",
                "tinderbox: 1\nstart: 2025-01-01\nhorizon: 12\nimport: [./base.yaml]\n"
                "entities:\n  neo:\n    cash: -1\n");
  const LoadResult r = load_scenario(main);
  ASSERT_EQ(r.errors.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(),
            main + ":7:11: error: 'cash' must be >= 0 (got -1)");  // the main file first
  EXPECT_EQ(r.errors[1].file, imported);
  EXPECT_EQ(r.errors[1].line, 18);
  EXPECT_EQ(r.errors[1].col, 35);
  EXPECT_EQ(r.errors[1].message, "expected a number for 'units', got 'x'");
}

TEST(LoaderImport, TextImportsResolveAgainstBaseDirAndCatchSelfImport) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const LoadResult text =
      load_scenario_text("tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./base.yaml]\n",
                         "<stdin>", dir.path().string());
  EXPECT_EQ(loaded(text).entities.size(), 2u);

  const std::string self = "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./self.yaml]\n";
  dir.write("self.yaml", self);
  const LoadResult r = load_scenario_text(self, "self.yaml", dir.path().string());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message.rfind("import cycle: ", 0), 0u) << r.errors[0].message;
}

TEST(LoaderImport, DiamondImportsLoadOnceAndReportOnce) {
  TempDir dir;
  std::string base = kBase;
  base.replace(base.find("cash: 100"), 9, "cash: -100");
  dir.write("base.yaml", base);
  dir.write("left.yaml", "import: [./base.yaml]\n");
  dir.write("right.yaml", "import: [./base.yaml]\n");
  const LoadResult r = load_scenario(dir.write(
      "main.yaml",
      "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./left.yaml, ./right.yaml]\n"));
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message, "'cash' must be >= 0 (got -100)");
}

// "c7.yaml": built by appending, since GCC 12 warns falsely (-Wrestrict) on "c" + to_string(i).
std::string numbered(const char* stem, int i) {
  std::string name = stem;
  name += std::to_string(i);
  name += ".yaml";
  return name;
}

// A chain of files each importing the next: 64 levels load, the 65th is refused at the entry
// that asks for it (a chain of 10,000 overflowed the stack before the limit).
TEST(LoaderImport, ImportsNestAtMostSixtyFourDeep) {
  TempDir dir;
  const auto chain = [&](int levels) {  // main imports c1, ..., c(levels-1) imports c(levels)
    for (int i = 1; i < levels; ++i)
      dir.write(numbered("c", i), "import: [./" + numbered("c", i + 1) + "]\n");
    dir.write(numbered("c", levels), kBase);
    return load_scenario(
        dir.write("main.yaml", "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./c1.yaml]\n"));
  };
  EXPECT_EQ(loaded(chain(64)).entities.size(), 2u);
  const LoadResult r = chain(65);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].file, (dir.path() / "c64.yaml").string());
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[0].col, 10);
  EXPECT_EQ(r.errors[0].message, "imports nested more than 64 deep (" +
                                     (dir.path() / "main.yaml").string() + " -> ... -> " +
                                     (dir.path() / "c64.yaml").string() + " -> " +
                                     (dir.path() / "c65.yaml").string() + ")");
}

// A file that fails to load is not read again on another path: in a diamond 40 levels deep
// with a missing file at the bottom, reading it again per path would take 2^40 reads.
TEST(LoaderImport, AFailedImportIsReportedOnceNotReadAgainPerPath) {
  TempDir dir;
  constexpr int kLevels = 40;
  for (int i = 0; i < kLevels; ++i) {
    const std::string next = "./" + numbered("d", i + 1);
    dir.write(numbered("d", i), "import: [" + next + ", " + next + "]\n");
  }
  const LoadResult r = load_scenario(
      dir.write("main.yaml", "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./d0.yaml]\n"));
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].file, (dir.path() / "d39.yaml").string());
  EXPECT_EQ(r.errors[0].message.rfind("cannot import './d40.yaml': ", 0), 0u) << all_errors(r);
}

// d/up -> .. makes ./d/up/e.yaml the file e.yaml itself: a cycle, found on the canonical path
// (it was followed until the kernel refused the path with ELOOP).
TEST(LoaderImport, ACycleThroughASymlinkedFolderIsACycle) {
  TempDir dir;
  fs::create_directory(dir.path() / "d");
  fs::create_directory_symlink("..", dir.path() / "d" / "up");
  const std::string e = dir.write("e.yaml", "import: [./d/up/e.yaml]\n");
  const LoadResult r = load_scenario(
      dir.write("main.yaml", "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./e.yaml]\n"));
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(), e + ":1:10: error: import cycle: " + e + " -> " +
                                   (dir.path() / "d" / "up" / "e.yaml").string() +
                                   " (the same file)");

  // The same file under two names is also read once: a diamond through the link reports once.
  std::string base = kBase;
  base.replace(base.find("cash: 100"), 9, "cash: -100");
  dir.write("base.yaml", base);
  const LoadResult twice = load_scenario(
      dir.write("two.yaml", "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\n"
                            "import: [./base.yaml, ./d/up/base.yaml]\n"));
  ASSERT_EQ(twice.errors.size(), 1u) << all_errors(twice);
  EXPECT_EQ(twice.errors[0].message, "'cash' must be >= 0 (got -100)");
}

TEST(LoaderImport, ImportedFilesMayNotHaveUnknownTopLevelKeys) {
  TempDir dir;
  const std::string imported = dir.write("part.yaml", "entites: {}\n");
  const LoadResult r = load_scenario(dir.write(
      "main.yaml", "tinderbox: 1\nstart: 2025-01-01\nhorizon: 3\nimport: [./part.yaml]\n"));
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(),
            imported + ":1:1: error: unknown key 'entites' (did you mean 'entities'?)");
}

// ------------------------------------------------------------------------------ items by id

const char* kItemsHeader = R"(tinderbox: 1
start: 2025-01-01
horizon: 24
market:
  rates: {sofr: [[2025-01-01, 0.04]]}
  gpu:
    H100: {rent: [[2025-01-01, 2.0]], economic_life_years: 5, reference_utilization: 0.7,
           cash_cost_per_hour: 0.3}
  power_usd_per_mwh: 80
  discount_rate: 0.1
)";

const char* kItemsAsLists = R"(entities:
  neo:
    kind: neocloud
    cash: 50
    operations: {utilization: 0.5, sga: 1}
    fleet:
      - {id: a, gpu: H100, units: 1000, acquired: 2024-01-01, unit_cost: 0.03, book_life_years: 6, kw_per_gpu: 1}
    contracts:
      - {id: anchor, customer: bigtech, gpu: H100, gpus: 500, price_per_gpu_hour: 2.5, start: 2025-01-01, end: 2026-06-30}
    leases:
      - {id: dc, payment_per_period: 0.2, start: 2025-01-01, end: 2030-12-31, escalator: 0.03}
    capex:
      - {id: b, date: 2025-06-15, gpu: H100, units: 500, unit_cost: 0.025, book_life_years: 6, kw_per_gpu: 1, funded_by: loan, advance_rate: 0.8}
    equity:
      - {id: raise, date: 2025-09-01, amount: 5}
    debt:
      - id: loan
        type: term_loan
        lenders: {bank: 1}
        outstanding: 20
        commitment: 40
        rate: {index: sofr, spread: 0.05}
        first_payment: 2025-03-31
        amortization: {style: level}
        maturity: 2026-12-31
        secured_by: [a]
      - id: notes
        type: bond
        lenders: {holders: 1}
        outstanding: 10
        rate: {fixed: 0.09}
        first_payment: 2025-06-30
        maturity: 2026-12-31
)";

const char* kItemsAsMappings = R"(entities:
  neo:
    kind: neocloud
    cash: 50
    operations: {utilization: 0.5, sga: 1}
    fleet:
      a: {gpu: H100, units: 1000, acquired: 2024-01-01, unit_cost: 0.03, book_life_years: 6, kw_per_gpu: 1}
    contracts:
      anchor: {customer: bigtech, gpu: H100, gpus: 500, price_per_gpu_hour: 2.5, start: 2025-01-01, end: 2026-06-30}
    leases:
      dc: {payment_per_period: 0.2, start: 2025-01-01, end: 2030-12-31, escalator: 0.03}
    capex:
      b: {date: 2025-06-15, gpu: H100, units: 500, unit_cost: 0.025, book_life_years: 6, kw_per_gpu: 1, funded_by: loan, advance_rate: 0.8}
    equity:
      raise: {date: 2025-09-01, amount: 5}
    debt:
      loan:
        type: term_loan
        lenders: {bank: 1}
        outstanding: 20
        commitment: 40
        rate: {index: sofr, spread: 0.05}
        first_payment: 2025-03-31
        amortization: {style: level}
        maturity: 2026-12-31
        secured_by: [a]
      notes:
        type: bond
        lenders: {holders: 1}
        outstanding: 10
        rate: {fixed: 0.09}
        first_payment: 2025-06-30
        maturity: 2026-12-31
)";

std::string run_json(const Scenario& s) { return run_to_json(run_deterministic(s)).dump(); }

TEST(LoaderItemsById, MappingFormReadsAsTheListForm) {
  const LoadResult lists =
      load_scenario_text(std::string(kItemsHeader) + kItemsAsLists, "l.yaml", ".");
  const LoadResult maps =
      load_scenario_text(std::string(kItemsHeader) + kItemsAsMappings, "m.yaml", ".");
  const Entity& l = loaded(lists).entities.at(0);
  const Entity& m = loaded(maps).entities.at(0);
  EXPECT_EQ(m.fleet.at(0).id, "a");
  EXPECT_EQ(m.contracts.at(0).id, "anchor");
  EXPECT_EQ(m.leases.at(0).id, "dc");
  EXPECT_EQ(m.capex.at(0).id, "b");
  EXPECT_EQ(m.capex.at(0).funded_by, 0);
  EXPECT_EQ(m.equity.at(0).id, "raise");
  ASSERT_EQ(m.debt.size(), 2u);
  EXPECT_EQ(m.debt[0].id, "loan");
  EXPECT_EQ(m.debt[1].id, "notes");
  EXPECT_EQ(m.debt[0].secured_by, l.debt[0].secured_by);
  // Every flow, figure and event of the run is the same.
  EXPECT_EQ(run_json(loaded(maps)), run_json(loaded(lists)));
}

TEST(LoaderItemsById, AnImportOverridesOneFieldOfOneItemAndKeepsTheOrder) {
  TempDir dir;
  dir.write("terms.yaml", std::string(kItemsAsMappings));
  const LoadResult r = load_scenario(dir.write("main.yaml", std::string(kItemsHeader) + R"(
import: [./terms.yaml]
entities:
  neo:
    debt:
      notes: {outstanding: 15}
      revolver:
        type: revolver
        lenders: {bank: 1}
        outstanding: 0
        commitment: 10
        rate: {fixed: 0.07}
        first_payment: 2025-03-31
        maturity: 2026-12-31
    contracts:
      anchor: {gpus: 400}
)"));
  const Entity& e = loaded(r).entities.at(0);
  ASSERT_EQ(e.debt.size(), 3u);
  EXPECT_EQ(e.debt[0].id, "loan");  // imported keys first, in their order, then new ones
  EXPECT_EQ(e.debt[1].id, "notes");
  EXPECT_EQ(e.debt[2].id, "revolver");
  EXPECT_DOUBLE_EQ(e.debt[0].outstanding, 20);
  EXPECT_DOUBLE_EQ(e.debt[1].outstanding, 15);  // overridden
  EXPECT_EQ(e.debt[1].type, DebtType::Bond);    // the rest of its terms kept
  EXPECT_DOUBLE_EQ(e.debt[1].rate.fixed, 0.09);
  EXPECT_EQ(e.debt[1].maturity, d("2026-12-31"));
  ASSERT_EQ(e.contracts.size(), 1u);
  EXPECT_DOUBLE_EQ(e.contracts[0].gpus, 400);
  EXPECT_DOUBLE_EQ(e.contracts[0].price_per_gpu_hour, 2.5);
  EXPECT_EQ(e.capex.at(0).funded_by, 0);
}

TEST(LoaderItemsById, ErrorsPointIntoTheFileThatWroteEachKey) {
  TempDir dir;
  std::string terms = kItemsAsMappings;
  terms.replace(terms.find("rate: {fixed: 0.09}"), 19, "rate: {fixed: 9.00}");  // line 31
  const std::string imported = dir.write("terms.yaml", terms);
  const std::string main =
      dir.write("main.yaml", std::string(kItemsHeader) +
                                 "import: [./terms.yaml]\nentities:\n  neo:\n"
                                 "    debt:\n      notes: {outstanding: -1}\n");
  const LoadResult r = load_scenario(main);
  ASSERT_EQ(r.errors.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(), main + ":15:28: error: 'outstanding' must be >= 0 (got -1)");
  EXPECT_EQ(r.errors[1].file, imported);
  EXPECT_EQ(r.errors[1].line, 31);
}

TEST(LoaderItemsById, MixingListAndMappingAcrossAnImportIsAnError) {
  TempDir dir;
  const std::string lists = dir.write("lists.yaml", kItemsAsLists);
  const std::string maps = dir.write("maps.yaml", kItemsAsMappings);
  const std::string over_lists = dir.write(
      "a.yaml",
      std::string(kItemsHeader) +
          "import: [./lists.yaml]\nentities:\n  neo:\n    debt:\n      notes: {outstanding: 1}\n");
  LoadResult r = load_scenario(over_lists);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(), over_lists +
                                   ":15:7: error: 'debt' is a mapping here but a list in " + lists +
                                   ":17:7; write both as lists or both as mappings");

  const std::string over_maps =
      dir.write("b.yaml", std::string(kItemsHeader) +
                              "import: [./maps.yaml]\nentities:\n  neo:\n    equity:\n      - "
                              "{date: 2025-10-01, amount: 1}\n");
  r = load_scenario(over_maps);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(), over_maps +
                                   ":15:7: error: 'equity' is a list here but a mapping in " +
                                   maps + ":15:7; write both as lists or both as mappings");

  // An item written with nothing after its id removes the imported item.
  const std::string removed = dir.write(
      "d.yaml", std::string(kItemsHeader) +
                    "import: [./maps.yaml]\nentities:\n  neo:\n    debt:\n      notes:\n");
  r = load_scenario(removed);
  ASSERT_EQ(loaded(r).entities.at(0).debt.size(), 1u);
  EXPECT_EQ(loaded(r).entities.at(0).debt[0].id, "loan");

  // Written with nothing, an imported section is discarded whatever its form.
  const std::string cleared =
      dir.write("c.yaml", std::string(kItemsHeader) +
                              "import: [./maps.yaml]\nentities:\n  neo:\n    equity:\n");
  r = load_scenario(cleared);
  EXPECT_TRUE(loaded(r).entities.at(0).equity.empty());
}

// ------------------------------------------------------------------------------ Monte Carlo

// Three rates (prime follows sofr, abr has no driver) and three GPU generations, market order
// deliberately unlike the order of the `stochastic:` keys.
const char* kMarket3 = R"(tinderbox: 1
start: 2025-01-01
horizon: 12
market:
  rates:
    abr: [[2025-01-01, 0.075]]
    sofr: [[2025-01-01, 0.043]]
    prime: [[2025-01-01, 0.075]]
  gpu:
    A100: {rent: [[2025-01-01, 1.0]], economic_life_years: 4, reference_utilization: 0.7,
           cash_cost_per_hour: 0.2}
    H100: {rent: [[2025-01-01, 2.0]], economic_life_years: 5, reference_utilization: 0.7,
           cash_cost_per_hour: 0.3}
    GB200: {rent: [[2025-01-01, 4.0]], economic_life_years: 5, reference_utilization: 0.7,
            cash_cost_per_hour: 0.4}
  power_usd_per_mwh: 80
  discount_rate: 0.1
)";

const char* kStochastic = R"(stochastic:
  prime: {follows: sofr}
  sofr: {mean_reversion: 0.5, volatility: 0.01}
  gpu:
    GB200: {mean_reversion: 1.5, volatility: 0.35}
    H100: {mean_reversion: 1.0, volatility: 0.30}
  gpu_correlation: [[1.0, 0.2, 0.1], [0.2, 1.0, 0.8], [0.1, 0.8, 1.0]]
  releases: {rate_per_year: 0.5, cut_mean: 0.25, cut_sd: 0.10, hits: [GB200, H100]}
  demand: {mean_reversion: 0.7, volatility: 0.20, utilization_beta: -0.3}
entities:
  neo:
    kind: neocloud
    contracts:
      - {id: c1, customer: microsoft, amount_per_period: 3, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.2, probability: 0.3, notice_months: 3}}
      - {id: c2, customer: openai, amount_per_period: 2, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.5, probability: 1}}
      - {id: c3, customer: meta, amount_per_period: 1, start: 2025-01-01, end: 2026-12-31}
  microsoft: {kind: external, credit: {pd_annual: 0.002, correlation: 0.3}}
  openai: {kind: lab, cash: 500, credit: {pd_annual: 0, correlation: 1}}
)";

void expect_stochastic_section(const Scenario& s) {
  const Stochastic& st = s.stochastic;
  ASSERT_EQ(st.rates.size(), 3u);  // per market rate: abr, sofr, prime
  EXPECT_EQ(st.rates[0].follows, -1);
  EXPECT_DOUBLE_EQ(st.rates[0].ou.volatility, 0);  // not listed: deterministic
  EXPECT_EQ(st.rates[1].follows, -1);
  EXPECT_DOUBLE_EQ(st.rates[1].ou.mean_reversion, 0.5);
  EXPECT_DOUBLE_EQ(st.rates[1].ou.volatility, 0.01);
  EXPECT_EQ(st.rates[2].follows, 1);  // prime follows sofr
  EXPECT_DOUBLE_EQ(st.rates[2].ou.volatility, 0);

  ASSERT_EQ(st.gpu.size(), 3u);  // per generation, market order: A100, H100, GB200
  EXPECT_DOUBLE_EQ(st.gpu[0].mean_reversion, 0);
  EXPECT_DOUBLE_EQ(st.gpu[0].volatility, 0);
  EXPECT_DOUBLE_EQ(st.gpu[1].mean_reversion, 1.0);
  EXPECT_DOUBLE_EQ(st.gpu[1].volatility, 0.30);
  EXPECT_DOUBLE_EQ(st.gpu[2].mean_reversion, 1.5);
  EXPECT_DOUBLE_EQ(st.gpu[2].volatility, 0.35);
  const std::vector<std::vector<double>> rho = {{1.0, 0.2, 0.1}, {0.2, 1.0, 0.8}, {0.1, 0.8, 1.0}};
  EXPECT_EQ(st.gpu_correlation, rho);

  EXPECT_DOUBLE_EQ(st.releases.rate_per_year, 0.5);
  EXPECT_DOUBLE_EQ(st.releases.cut_mean, 0.25);
  EXPECT_DOUBLE_EQ(st.releases.cut_sd, 0.10);
  EXPECT_EQ(st.releases.hits, (std::vector<int>{2, 1}));  // in the order written

  EXPECT_DOUBLE_EQ(st.demand.ou.mean_reversion, 0.7);
  EXPECT_DOUBLE_EQ(st.demand.ou.volatility, 0.20);
  EXPECT_DOUBLE_EQ(st.demand.utilization_beta, -0.3);
}

void expect_credit_and_cancel(const Scenario& s) {
  ASSERT_EQ(s.entities.size(), 3u);
  const Entity& neo = s.entities[0];
  EXPECT_FALSE(neo.credit);
  ASSERT_EQ(neo.contracts.size(), 3u);
  ASSERT_TRUE(neo.contracts[0].cancel);
  EXPECT_DOUBLE_EQ(neo.contracts[0].cancel->demand_below, -0.2);
  EXPECT_DOUBLE_EQ(neo.contracts[0].cancel->probability, 0.3);
  EXPECT_EQ(neo.contracts[0].cancel->notice_months, 3);
  ASSERT_TRUE(neo.contracts[1].cancel);
  EXPECT_DOUBLE_EQ(neo.contracts[1].cancel->demand_below, -0.5);
  EXPECT_DOUBLE_EQ(neo.contracts[1].cancel->probability, 1);
  EXPECT_EQ(neo.contracts[1].cancel->notice_months, 0);  // the default
  EXPECT_FALSE(neo.contracts[2].cancel);
  EXPECT_EQ(neo.contracts[0].customer.entity, 1);  // the customer with credit is an entity

  ASSERT_TRUE(s.entities[1].credit);
  EXPECT_DOUBLE_EQ(s.entities[1].credit->pd_annual, 0.002);
  EXPECT_DOUBLE_EQ(s.entities[1].credit->correlation, 0.3);
  ASSERT_TRUE(s.entities[2].credit);  // cash alone is not books of its own
  EXPECT_DOUBLE_EQ(s.entities[2].credit->pd_annual, 0);
  EXPECT_DOUBLE_EQ(s.entities[2].credit->correlation, 1);
}

TEST(LoaderStochastic, FillsEveryDriverByMarketIndex) {
  const LoadResult r = load_scenario_text(std::string(kMarket3) + kStochastic, "mc.yaml", ".");
  ASSERT_TRUE(r.scenario) << all_errors(r);
  expect_stochastic_section(*r.scenario);
  expect_credit_and_cancel(*r.scenario);
}

TEST(LoaderStochastic, WithoutTheSectionEveryDriverIsZeroAndSized) {
  const LoadResult r = load_scenario_text(kMarket3, "plain.yaml", ".");
  const Stochastic& st = loaded(r).stochastic;
  ASSERT_EQ(st.rates.size(), 3u);
  ASSERT_EQ(st.gpu.size(), 3u);
  for (const RateDriver& x : st.rates) {
    EXPECT_EQ(x.follows, -1);
    EXPECT_DOUBLE_EQ(x.ou.volatility, 0);
  }
  for (const OuProcess& x : st.gpu) EXPECT_DOUBLE_EQ(x.volatility, 0);
  EXPECT_TRUE(st.gpu_correlation.empty());
  EXPECT_DOUBLE_EQ(st.releases.rate_per_year, 0);
  EXPECT_TRUE(st.releases.hits.empty());
  EXPECT_DOUBLE_EQ(st.demand.ou.volatility, 0);
}

TEST(LoaderStochastic, CancelRulesNeedNoDemandProcess) {
  // Without demand volatility a rule never triggers: accepted, and no diagnostic of any kind.
  const LoadResult r = load_scenario_text(std::string(kMarket3) + R"(stochastic:
  demand: {mean_reversion: 0.5, volatility: 0}
entities:
  neo:
    kind: neocloud
    contracts:
      - {id: c1, customer: acme, amount_per_period: 3, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.2, probability: 0.3}}
)",
                                          "cancel.yaml", ".");
  ASSERT_TRUE(r.scenario) << all_errors(r);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.scenario->entities.at(0).contracts.at(0).cancel);
  const std::string text = R"(tinderbox: 1
start: 2025-01-01
horizon: 3
entities:
  neo:
    kind: neocloud
    contracts:
      - {id: c1, customer: acme, amount_per_period: 3, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.2, probability: 0.3}}
)";
  const LoadResult none = load_scenario_text(text, "none.yaml", ".");
  ASSERT_TRUE(none.scenario) << all_errors(none);
  EXPECT_TRUE(none.errors.empty());
}

TEST(LoaderStochastic, ASingleGenerationTakesAOneByOneMatrix) {
  const LoadResult r = load_scenario_text(std::string(kBase) + R"(stochastic:
  gpu: {H100: {mean_reversion: 0, volatility: 0.3}}
  gpu_correlation: [[1]]
  releases: {rate_per_year: 0}
)",
                                          "one.yaml", ".");
  const Stochastic& st = loaded(r).stochastic;
  EXPECT_EQ(st.gpu_correlation, (std::vector<std::vector<double>>{{1.0}}));
  EXPECT_DOUBLE_EQ(st.gpu.at(0).volatility, 0.3);
  EXPECT_DOUBLE_EQ(st.releases.rate_per_year, 0);
}

TEST(LoaderStochastic, ImportedDriversMergeKeyByKey) {
  TempDir dir;
  // The imported file gives the market, part of each block and the credit; the main file the rest.
  dir.write("model.yaml", std::string(kMarket3) + R"(stochastic:
  prime: {follows: sofr}
  sofr: {mean_reversion: 0.5, volatility: 0.05}
  abr: {mean_reversion: 2, volatility: 0.02}
  gpu:
    GB200: {mean_reversion: 1.5, volatility: 0.35}
    H100: {mean_reversion: 1.0, volatility: 0.50}
  gpu_correlation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
  releases: {rate_per_year: 0.5, cut_mean: 0.25, hits: [A100]}
  demand: {mean_reversion: 0.7, volatility: 0.20}
entities:
  microsoft: {kind: external, credit: {pd_annual: 0.002, correlation: 0.3}}
)");
  const std::string main = dir.write("main.yaml", R"(tinderbox: 1
start: 2025-01-01
horizon: 12
import: [./model.yaml]
stochastic:
  sofr: {volatility: 0.01}
  abr:
  gpu:
    H100: {volatility: 0.30}
  gpu_correlation: [[1.0, 0.2, 0.1], [0.2, 1.0, 0.8], [0.1, 0.8, 1.0]]
  releases: {cut_sd: 0.10, hits: [GB200, H100]}
  demand: {utilization_beta: -0.3}
entities:
  neo:
    kind: neocloud
    contracts:
      - {id: c1, customer: microsoft, amount_per_period: 3, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.2, probability: 0.3, notice_months: 3}}
      - {id: c2, customer: openai, amount_per_period: 2, start: 2025-01-01, end: 2026-12-31,
         cancel: {demand_below: -0.5, probability: 1}}
      - {id: c3, customer: meta, amount_per_period: 1, start: 2025-01-01, end: 2026-12-31}
  openai: {kind: lab, cash: 500, credit: {pd_annual: 0, correlation: 1}}
)");
  const LoadResult r = load_scenario(main);
  ASSERT_TRUE(r.scenario) << all_errors(r);
  expect_stochastic_section(*r.scenario);  // `abr:` with nothing dropped the imported driver
  // Imported entities come first: microsoft, then neo and openai.
  ASSERT_EQ(r.scenario->entities.size(), 3u);
  EXPECT_EQ(r.scenario->entities[0].id, "microsoft");
  EXPECT_TRUE(r.scenario->entities[0].credit);
  EXPECT_EQ(r.scenario->entities[1].contracts.at(0).customer.entity, 0);
}

TEST(LoaderStochastic, ErrorsInImportedDriversPointIntoTheirFile) {
  TempDir dir;
  const std::string imported = dir.write(
      "model.yaml", "stochastic:\n  gpu:\n    H200: {mean_reversion: 1, volatility: 0.3}\n");
  const LoadResult r = load_scenario_text(std::string(kBase) + "import: [./model.yaml]\n",
                                          "main.yaml", dir.path().string());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(),
            imported + ":3:5: error: unknown GPU generation 'H200' (did you mean 'H100'?)");
}

TEST(LoaderStochastic, UnknownKeysSuggestRatesAndSections) {
  const LoadResult r = load_scenario_text(std::string(kMarket3) + R"(stochastic:
  demnad: {mean_reversion: 0.5, volatility: 0.2}
  libor: {mean_reversion: 0.5, volatility: 0.2}
)",
                                          "typo.yaml", ".");
  ASSERT_EQ(r.errors.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message,
            "unknown key 'demnad' in 'stochastic': not a rate in 'market.rates', nor gpu, "
            "gpu_correlation, releases or demand (did you mean 'demand'?)");
  EXPECT_EQ(r.errors[1].message,
            "unknown key 'libor' in 'stochastic': not a rate in 'market.rates', nor gpu, "
            "gpu_correlation, releases or demand");
}

TEST(LoaderStochastic, CreditNamesEveryBookTheEntityKeeps) {
  const LoadResult r = load_scenario_text(std::string(kBase) + R"(  fund:
    kind: fund
    credit: {pd_annual: 0.01, correlation: 0.2}
    leases: [{id: office, payment_per_period: 1, start: 2025-01-01, end: 2025-12-31}]
    equity: [{date: 2025-06-01, amount: 10}]
)",
                                          "books.yaml", ".");
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].str(),
            "books.yaml:23:5: error: 'credit' is for parties that are not fully modelled; entity "
            "'fund' has its own books (leases, equity)");
}

// ------------------------------------------------------------------------------ the YAML tree

TEST(LoaderYaml, KeepsPositionsAndQuoting) {
  const YamlParse p = parse_yaml("a: 1\nb: \"1\"\nc:\n  - [x, {y: z}]\n", 3);
  ASSERT_TRUE(p.root && p.errors.empty());
  const YNode& root = *p.root;
  EXPECT_EQ(root.file, 3);
  ASSERT_TRUE(root.find("a") && root.find("b") && root.find("c"));
  EXPECT_FALSE(root.find("a")->quoted);
  EXPECT_TRUE(root.find("b")->quoted);
  const YNode& inner = root.find("c")->items.at(0);
  EXPECT_EQ(inner.line, 4);
  EXPECT_EQ(inner.col, 5);
  EXPECT_EQ(inner.items.at(1).find("y")->scalar, "z");
  EXPECT_EQ(inner.items.at(1).find("y")->col, 13);
}

TEST(LoaderYaml, DuplicateKeyKeepsTheFirstAndGoesOn) {
  const YamlParse p = parse_yaml("a: 1\na: 2\nb: 3\n", 0);
  ASSERT_TRUE(p.root);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 2);
  EXPECT_EQ(p.root->find("a")->scalar, "1");
  EXPECT_EQ(p.root->find("b")->scalar, "3");
}

TEST(LoaderYaml, LimitsStopHugeInputs) {
  YamlLimits small;
  small.max_nodes = 10;
  const YamlParse many = parse_yaml("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", 0, small);
  ASSERT_EQ(many.errors.size(), 1u);
  EXPECT_EQ(many.errors[0].message, "more than 10 YAML nodes");
  EXPECT_FALSE(many.root);

  small.max_depth = 3;
  const YamlParse deep = parse_yaml("a: [[[1]]]", 0, small);
  ASSERT_EQ(deep.errors.size(), 1u);
  EXPECT_EQ(deep.errors[0].message, "nesting deeper than 3 levels");
  EXPECT_EQ(deep.errors[0].col, 6);
}

TEST(LoaderYaml, RejectsAnchorsTagsAndBadBytes) {
  EXPECT_EQ(parse_yaml("a: &x 1\n", 0).errors.at(0).message,
            "YAML anchors and aliases are not supported");
  EXPECT_EQ(parse_yaml("a: !!str 1\n", 0).errors.at(0).message,
            "YAML tags are not supported ('tag:yaml.org,2002:str')");
  const YamlParse bad = parse_yaml("a: 1\nb: \xC3\x28\n", 0);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].line, 2);
  EXPECT_EQ(bad.errors[0].col, 4);
  EXPECT_EQ(parse_yaml(std::string_view("a: \x04 1", 6), 0).errors.at(0).message,
            "control character 0x04 is not allowed (a scenario is UTF-8 text)");
}

// yaml-cpp gives an empty value the position of the next token, lines further down; the tree
// gives it its key's, while a written `~` keeps its own (positions counted by hand below).
TEST(LoaderYaml, AnEmptyValueIsAtItsKey) {
  const YamlParse r = parse_yaml(
      "a:\n\n# note\nnullable: ~\nb: {c: , d: 1}\n", 0);
  ASSERT_TRUE(r.root) << (r.errors.empty() ? "" : r.errors[0].message);
  const YNode& root = *r.root;
  const auto at = [](const YNode* n) {
    return n ? std::to_string(n->line) + ":" + std::to_string(n->col) : std::string("absent");
  };
  // was 4:1: the next key, whose `null...` is not a written null (the word goes on)
  EXPECT_EQ(at(root.find("a")), "1:1");
  EXPECT_EQ(at(root.find("nullable")), "4:11");  // the ~ itself
  EXPECT_EQ(at(root.find("b")->find("c")), "5:5");  // was 5:8, the comma
}

// A line that begins with '%' is a directive error unless a quoted scalar holds it; escaped
// quotes do not close a string; a lone CR in an LF file is named (positions by hand).
TEST(LoaderYaml, DirectivesQuotesAndCarriageReturns) {
  const YamlParse text = parse_yaml("a: \"x \\\" y\n%b\"\nc: 'it''s\n%d'\n", 0);
  ASSERT_TRUE(text.root) << (text.errors.empty() ? "" : text.errors[0].message);
  EXPECT_EQ(text.root->find("a")->scalar, "x \" y %b");
  EXPECT_EQ(text.root->find("c")->scalar, "it's %d");

  const YamlParse head = parse_yaml("%YAML 1.2\n---\na: 1\n", 0);
  EXPECT_FALSE(head.root);
  ASSERT_EQ(head.errors.size(), 1u);
  EXPECT_EQ(head.errors[0].line, 1);

  const YamlParse open = parse_yaml("a: 1\nb: \"x \\\"\n", 0);
  ASSERT_EQ(open.errors.size(), 1u);
  EXPECT_EQ(open.errors[0].line, 2);
  EXPECT_EQ(open.errors[0].col, 4);
  EXPECT_EQ(open.errors[0].message, "unterminated quoted string (it runs to the end of the file)");

  const YamlParse cr = parse_yaml("a: 1\nb: 2\rc: 3\n", 0);
  ASSERT_EQ(cr.errors.size(), 1u);
  EXPECT_EQ(cr.errors[0].line, 2);
  EXPECT_EQ(cr.errors[0].col, 5);
  EXPECT_EQ(cr.errors[0].message,
            "carriage return (CR) without a line feed after it; lines end with LF or CRLF");
  EXPECT_TRUE(parse_yaml("a: 1\r\nb: 2\r\n", 0).errors.empty());  // CRLF is fine
}

// ------------------------------------------------------------------------------ robustness

// Random byte flips, insertions and deletions of a valid file never crash the loader, and every
// outcome is either a scenario or at least one positioned error.
class LoaderFuzz : public testing::TestWithParam<const char*> {};

TEST_P(LoaderFuzz, MutationsNeverCrashAndAlwaysSaySomething) {
  const std::string original = read_all(kValid / GetParam());
  ASSERT_FALSE(original.empty());
  std::mt19937 rng(12345);
  int loaded_count = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      const char byte =
          static_cast<char>(rng() % 4 == 0 ? rng() % 256 : " :-[]{},#&*!|>'\"\n0.9a"[rng() % 21]);
      switch (rng() % 3) {
        case 0:
          text[at] = byte;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    const LoadResult r = load_scenario_text(text, "fuzz.yaml", kValid.string());
    if (r.scenario) {
      ++loaded_count;
      EXPECT_TRUE(r.errors.empty());
      continue;
    }
    ASSERT_FALSE(r.errors.empty()) << "round " << round;
    for (const Diagnostic& e : r.errors) {
      EXPECT_GE(e.line, 1) << e.str();
      EXPECT_GE(e.col, 1) << e.str();
      EXPECT_FALSE(e.file.empty());
      EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.str();
    }
  }
  EXPECT_GT(loaded_count, 0);  // some mutations land in comments or harmless places
}

// Capacity (issue 7): every key of a site and of a contract's delivery terms reaches the
// Scenario; sites written as a mapping merge by id across imports (the built-ins do this).
TEST(LoaderCapacity, SitesReadEveryKeyAndMergeById) {
  TempDir dir;
  dir.write("terms.yaml", R"(entities:
  host_co: {kind: external, credit: {pd_annual: 0.05, correlation: 0.2}}
  neo:
    kind: neocloud
    sites:
      cs1: {type: hosted, host: host_co, mw: 50, signed: 2024-06-01,
            construction_start: 2024-07-01, delivery: 2025-03-15, ramp_months: 4,
            delay_months: 1, payment_per_mw_per_period: 0.12, escalator: 0.02,
            term_months: 144, pue: 1.2, reimbursement: [[2025-01-10, 30], [2025-03-10, 20]],
            delay: {probability: 0.3, mean_months: 2.5}}
      plant: {type: owned, mw: 10, delivery: 2026-01-01, capex_per_mw: 12}
      old: {type: leased, mw: 5, delivery: 2023-01-01, payment_per_mw_per_period: 0.1}
)");
  const std::string main = dir.write("main.yaml", R"(tinderbox: 1
start: 2025-01-01
horizon: 12
import: [./terms.yaml]
entities:
  neo:
    sites:
      plant: {mw: 20}
      old:
    contracts:
      - {id: c1, customer: lab, amount_per_period: 1, start: 2025-01-01, end: 2025-12-31,
         delivery: {deadline: 2025-06-30, sites: [plant, cs1], remedy: penalty,
                    penalty_per_month: 0.4}}
)");
  const LoadResult r = load_scenario(main);
  const Scenario& s = loaded(r);
  const Entity& e = s.entities[1];
  ASSERT_EQ(e.sites.size(), 2u);
  const Site& cs = e.sites[0];
  EXPECT_EQ(cs.id, "cs1");
  EXPECT_EQ(cs.type, SiteType::Hosted);
  EXPECT_EQ(cs.host.name, "host_co");
  EXPECT_EQ(cs.host.entity, 0);
  EXPECT_EQ(cs.mw, 50);
  EXPECT_EQ(*cs.signed_on, d("2024-06-01"));
  EXPECT_EQ(*cs.construction_start, d("2024-07-01"));
  EXPECT_EQ(cs.delivery, d("2025-03-15"));
  EXPECT_EQ(cs.ramp_months, 4);
  EXPECT_EQ(cs.delay_months, 1);
  EXPECT_EQ(cs.payment_per_mw_per_period, 0.12);
  EXPECT_EQ(cs.escalator, 0.02);
  EXPECT_EQ(cs.term_months, 144);
  EXPECT_EQ(cs.pue, 1.2);
  ASSERT_EQ(cs.reimbursement.size(), 2u);
  EXPECT_EQ(cs.reimbursement[1], (std::pair<Date, double>{d("2025-03-10"), 20}));
  ASSERT_TRUE(cs.delay.has_value());
  EXPECT_EQ(cs.delay->probability, 0.3);
  EXPECT_EQ(cs.delay->mean_months, 2.5);
  const Site& plant = e.sites[1];
  EXPECT_EQ(plant.id, "plant");
  EXPECT_EQ(plant.type, SiteType::Owned);
  EXPECT_EQ(plant.mw, 20);  // the importing file's
  EXPECT_EQ(plant.capex_per_mw, 12);
  EXPECT_EQ(plant.pue, 1.0);
  const DeliveryTerms& t = *e.contracts[0].delivery;
  EXPECT_EQ(t.deadline, d("2025-06-30"));
  EXPECT_EQ(t.sites, (std::vector<int>{1, 0}));
  EXPECT_EQ(t.remedy, Remedy::Penalty);
  EXPECT_EQ(t.penalty_per_month, 0.4);
}

INSTANTIATE_TEST_SUITE_P(ValidFiles, LoaderFuzz,
                         testing::Values("spec_example.yaml", "credit_facilities.yaml"),
                         [](const testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace tinderbox
