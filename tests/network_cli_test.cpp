// `tinderbox network` as a user meets it (SPEC §5): JSON keys, exit codes, positioned flag
// errors, the terminal tables, and the invalid-CSV corpus in tests/invalid_network/.
//
// Corpus: each NAME.csv there must fail with exactly the lines of NAME.expected, FILE standing for
// the path. The prefix says which file of which command it is: matrix_ and edges_ are the
// liabilities of `network clear`, vector_ its assets (over ok/liabilities.csv), exposures_ the
// exposures of `network debtrank`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support.h"

namespace {

namespace fs = std::filesystem;
using tinderbox::test_support::read_file;

const fs::path kData = fs::path(TINDERBOX_SOURCE_DIR) / "tests" / "network";
const fs::path kInvalid = fs::path(TINDERBOX_SOURCE_DIR) / "tests" / "invalid_network";

tinderbox::test_support::CliResult cli(const std::string& args) {
  return tinderbox::test_support::run_cli(args);
}

// Quoted for the shell. Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + string&&.
std::string data(const std::string& name) {
  std::string out = "'";
  out += (kData / name).string();
  out += "'";
  return out;
}

std::set<std::string> keys(const nlohmann::json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

const std::string kClear = std::string("network clear --liabilities ") + data("three_banks.csv") +
                           " --assets " + data("three_banks_assets.csv") + " --external " +
                           data("three_banks_external.csv");

TEST(NetCli, ClearJsonFollowsTheContract) {
  // The three-bank network of clearing_test.cpp: p = (6, 7, 10), A then B default.
  const auto r = cli(kClear + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(keys(j), (std::set<std::string>{"payments", "defaulted", "rounds"}));
  EXPECT_NEAR(j["payments"]["A"].get<double>(), 6, 1e-9);
  EXPECT_NEAR(j["payments"]["B"].get<double>(), 7, 1e-9);
  EXPECT_NEAR(j["payments"]["C"].get<double>(), 10, 1e-9);
  EXPECT_EQ(j["defaulted"], nlohmann::json::parse(R"(["A", "B"])"));
  EXPECT_EQ(j["rounds"], nlohmann::json::parse(R"([["A"], ["B"]])"));
}

TEST(NetCli, ClearOfTheEdgeListSaysTheSame) {
  const auto dense = cli(kClear + " --json");
  const auto edges =
      cli(std::string("network clear --liabilities ") + data("three_banks_edges.csv") +
          " --assets " + data("three_banks_assets.csv") + " --external " +
          data("three_banks_external.csv") + " --json");
  ASSERT_EQ(edges.code, 0) << edges.err;
  EXPECT_EQ(edges.out, dense.out);
}

TEST(NetCli, ClearWithDefaultCostsAndTiming) {
  // α = β = 0.5: all three default, p = (27, 23, 40)/19 (clearing_test.cpp).
  const auto r = cli(kClear + " --alpha 0.5 --beta=0.5 --json --timing");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(keys(j), (std::set<std::string>{"payments", "defaulted", "rounds", "timing"}));
  EXPECT_EQ(keys(j["timing"]), (std::set<std::string>{"load_ms", "clear_ms"}));
  EXPECT_GE(j["timing"]["clear_ms"].get<double>(), 0);
  EXPECT_NEAR(j["payments"]["C"].get<double>(), 40.0 / 19, 1e-8);
  EXPECT_EQ(j["rounds"].size(), 3u);
}

TEST(NetCli, ClearPrintsATable) {
  const auto r = cli(kClear);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(
      r.out.find("Eisenberg-Noe clearing: 3 nodes, 3 obligations; 2 in default after 2 rounds"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("60.00%  default (round 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("round 2: B"), std::string::npos) << r.out;
}

const std::string kDebtRank = std::string("network debtrank --exposures ") +
                              data("cycle_exposures.csv") + " --equity " +
                              data("cycle_equity.csv") + " --shock a=0.2";

TEST(NetCli, DebtRankJsonFollowsTheContract) {
  // The cycle of debtrank_test.cpp: 2012 gives h = (0.25, 0.1), R = 0.075.
  const auto r = cli(kDebtRank + " --json --timing");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(keys(j), (std::set<std::string>{"h", "R", "rounds", "timing"}));
  EXPECT_EQ(keys(j["timing"]), (std::set<std::string>{"load_ms", "debtrank_ms"}));
  EXPECT_NEAR(j["h"]["a"].get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(j["h"]["b"].get<double>(), 0.1, 1e-12);
  EXPECT_NEAR(j["R"].get<double>(), 0.075, 1e-12);
  EXPECT_EQ(j["rounds"], nlohmann::json::parse(R"([["a"], ["b"]])"));
}

TEST(NetCli, DebtRankLinearWithWeights) {
  // Linear: h = (4/15, 2/15); weights (1, 3)/4: R = (4/15 − 0.2)/4 + (2/15) × 3/4 = 7/60.
  const auto r =
      cli(kDebtRank + " --variant linear --weights " + data("cycle_weights.csv") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["R"].get<double>(), 7.0 / 60, 1e-10);
}

TEST(NetCli, DebtRankPrintsATable) {
  const auto r = cli(std::string("network debtrank --exposures ") + data("chain_exposures.csv") +
                     " --equity " + data("chain_equity.csv") + " --shock a=0.5");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("DebtRank (2012): 3 nodes, 2 exposures; shock a=0.5"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("R = 0.136364"), std::string::npos) << r.out;  // 3/22
}

// Flags are checked like every command's, with the column of the offending word.
TEST(NetCli, BadFlagsArePositioned) {
  const std::string base = "network clear --liabilities L.csv --assets E.csv";  // flags, then files
  struct Case {
    std::string args, err;
  };
  const std::vector<Case> cases = {
      {"network clear --liabilites L.csv",
       "<command line>:1:25: error: unknown flag '--liabilites' (did you mean '--liabilities'?)"},
      {"network clear --assets E.csv",
       "<command line>:1:19: error: network clear needs '--liabilities FILE.csv'"},
      {base + " --alpha 1.5",
       "<command line>:1:68: error: '--alpha' needs a number from 0 to 1 (got '1.5')"},
      {base + " --beta=x",
       "<command line>:1:67: error: '--beta' needs a number from 0 to 1 (got 'x')"},
      {base + " extra", "<command line>:1:60: error: unexpected argument 'extra'"},
      {"network clearr",
       "<command line>:1:19: error: unknown network subcommand 'clearr' (did you "
       "mean 'clear'?); expected clear or debtrank"},
      {"network debtrank --exposures X.csv --equity E.csv",
       "<command line>:1:19: error: network debtrank needs '--shock NODE=FRACTION'"},
      {"network debtrank --exposures X.csv --equity E.csv --shock a=1 --variant 2013",
       "<command line>:1:83: error: '--variant' is 2012 or linear (got '2013') (did you mean "
       "'2012'?)"},
  };
  for (const Case& c : cases) {
    const auto r = cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_EQ(r.err, c.err + "\n") << c.args;
  }
}

TEST(NetCli, ShockItemsArePositioned) {
  // "tinderbox network debtrank --exposures X --equity E --shock " puts the value at column
  // 12 + len of the words before it; each item is reported at its own column.
  const std::string head = std::string("network debtrank --exposures ") +
                           data("cycle_exposures.csv") + " --equity " + data("cycle_equity.csv") +
                           " --shock ";
  // run_cli passes the words to a shell, which removes the quotes: columns count without them.
  const int value_col = static_cast<int>(std::string("tinderbox ").size() + head.size() - 4) + 1;
  const auto r = cli(head + "a=0.2,bb=0.1,b=2,a=0.1,c");
  EXPECT_EQ(r.code, 2);
  const int c = value_col;
  std::ostringstream want;
  want << "<command line>:1:" << c + 6
       << ": error: unknown node 'bb' in '--shock' (did you mean 'b'?)\n"
       << "<command line>:1:" << c + 15
       << ": error: shock of 'b' must be a fraction in (0, 1] (got '2')\n"
       << "<command line>:1:" << c + 17 << ": error: node 'a' is shocked twice\n"
       << "<command line>:1:" << c + 23
       << ": error: '--shock' needs NODE=FRACTION items separated by commas (got 'c')\n";
  EXPECT_EQ(r.err, want.str());
}

TEST(NetCli, ANonConvergingClearingIsAnEngineFailure) {
  // The nearly closed cycle of clearing_test.cpp (ANearlyClosedCycleStopsAtItsSweepLimit).
  const auto r = cli(std::string("network clear --liabilities ") + data("near_closed_cycle.csv") +
                     " --assets " + data("near_closed_cycle_assets.csv") + " --external " +
                     data("near_closed_cycle_external.csv") + " --json");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("did not converge"), std::string::npos) << r.err;
}

TEST(NetCli, MissingFileIsAnInputError) {
  const auto r = cli("network clear --liabilities /no/such/L.csv --assets E.csv");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "/no/such/L.csv:1:1: error: cannot read file: No such file or directory\n");
  EXPECT_EQ(r.out, "");
}

// ------------------------------------------------------------------------------ the corpus

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kInvalid))
    if (e.is_regular_file() && e.path().extension() == ".csv")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string command_for(const std::string& name, const std::string& path) {
  const std::string ok = (kInvalid / "ok").string();
  if (name.rfind("vector_", 0) == 0)
    return "network clear --liabilities '" + ok + "/liabilities.csv' --assets '" + path + "'";
  if (name.rfind("exposures_", 0) == 0)
    return "network debtrank --exposures '" + path + "' --equity '" + ok +
           "/vector.csv' --shock x=0.5";
  return "network clear --liabilities '" + path + "' --assets '" + ok + "/vector.csv'";
}

std::string expected_for(const std::string& name, const std::string& path) {
  std::string out;
  std::istringstream in(read_file(kInvalid / (name + ".expected")));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line.rfind("FILE", 0) == 0) line = path + line.substr(4);
    out += line + "\n";
  }
  return out;
}

class NetInvalidCsv : public testing::TestWithParam<std::string> {};

TEST_P(NetInvalidCsv, ReportsExactlyTheExpectedErrors) {
  const std::string path = (kInvalid / (GetParam() + ".csv")).string();
  const std::string expected = expected_for(GetParam(), path);
  ASSERT_FALSE(expected.empty()) << GetParam() << ".expected lists no error";
  const auto r = cli(command_for(GetParam(), path) + " --json");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, expected);
}

INSTANTIATE_TEST_SUITE_P(NetCorpus, NetInvalidCsv, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(NetInvalidCorpus, EveryCaseHasItsExpectedFileAndTheValidInputsPass) {
  EXPECT_GE(case_names().size(), 25u);
  for (const std::string& name : case_names())
    EXPECT_TRUE(fs::exists(kInvalid / (name + ".expected"))) << name;
  const std::string ok = (kInvalid / "ok").string();
  const auto r = cli("network clear --liabilities '" + ok + "/liabilities.csv' --assets '" + ok +
                     "/vector.csv' --json");
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
