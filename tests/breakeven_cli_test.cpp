// `tinderbox breakeven` as a user meets it: the table, JSON, positioned flag errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.h"

namespace {

tinderbox::test_support::CliResult cli(const std::string& args) {
  return tinderbox::test_support::run_cli(args);
}

TEST(BreakevenCli, DefaultsPrintTheFactsRange) {
  // 400,000 × k(0.1, N) × 3: 482,538 at 3 years, 316,557 at 5 (report/breakeven_test.cpp).
  const auto r = cli("breakeven");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("482,538"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("316,557"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cost of capital 10.0 %"), std::string::npos) << r.out;
}

// At r = 0 the footer names the formula the figures use (1 / life), not the annuity's 0 / 0:
// 400,000 / 5 / 0.25 = 320,000.
TEST(BreakevenCli, ZeroCostOfCapitalIsStraightLine) {
  const auto r = cli("breakeven --cost-of-capital 0 --margin 0.25 --life 5");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("320,000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("k = 1 / life at r = 0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("(1 + r)^-life"), std::string::npos) << r.out;
  EXPECT_NE(cli("breakeven").out.find("k = r / (1 - (1 + r)^-life)"), std::string::npos);
}

// A flag's number is read as a scenario file reads one: a value too small for a double is 0
// (it was refused as out of range), and only the whole text as one decimal number is accepted.
TEST(BreakevenCli, FlagNumbersReadAsScenarioNumbers) {
  const auto zero = cli("breakeven --cost-of-capital 0 --margin 0.25 --life 5 --json");
  ASSERT_EQ(zero.code, 0) << zero.err;
  const auto tiny = cli("breakeven --cost-of-capital 1e-400 --margin +0.25 --life 5 --json");
  ASSERT_EQ(tiny.code, 0) << tiny.err;
  EXPECT_EQ(tiny.out, zero.out);
  for (const char* bad : {"0x1p-2", "inf", "nan", "1e400", "0.25x", "' 0.25'"})
    EXPECT_EQ(cli(std::string("breakeven --margin ") + bad).code, 2) << bad;
}

TEST(BreakevenCli, Json) {
  const auto r = cli("breakeven --capex 1000 --life 2 --margin 0.5 --cost-of-capital 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["capex"], 1000.0);
  ASSERT_EQ(j["lives"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["lives"][0]["years"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(j["lives"][0]["annual_capital_charge"].get<double>(), 500);  // 1000 / 2
  EXPECT_DOUBLE_EQ(j["lives"][0]["revenue_needed"].get<double>(), 1000);        // 500 / 0.5
}

TEST(BreakevenCli, BadFlagsArePositioned) {
  // "tinderbox breakeven --life 3,x,0": the items start at columns 28, 30, 32.
  const auto r = cli("breakeven --life 3,x,0 --margin 2 --capex=-5");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "<command line>:1:53: error: '--capex' needs a number above 0 and up to 1e12 (got '-5')\n"
      "<command line>:1:30: error: '--life' needs years from 0.1 to 100, separated by "
      "commas (got 'x')\n"
      "<command line>:1:32: error: '--life' needs years from 0.1 to 100, separated by "
      "commas (got '0')\n"
      "<command line>:1:43: error: '--margin' needs a number from 0.001 to 1 (got '2')\n");
  EXPECT_EQ(cli("breakeven --cost-of-capital 1").code, 2);
  EXPECT_EQ(cli("breakeven --lfe 3").err,
            "<command line>:1:21: error: unknown flag '--lfe' (did you mean '--life'?)\n");
}

}  // namespace
