// The command line as a user meets it (SPEC §2): exit codes, positioned errors, outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.h"

namespace {

namespace fs = std::filesystem;
using tinderbox::test_support::fresh_temp_dir;
using tinderbox::test_support::read_file;

tinderbox::test_support::CliResult cli(const std::string& args) {
  return tinderbox::test_support::run_cli(args);
}

TEST(Cli, NoArgumentsRunsTheDefaultScenario) {
  const auto r = cli("");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("coreweave"), std::string::npos);
  EXPECT_NE(r.out.find("runway"), std::string::npos);
}

TEST(Cli, UnknownFlagIsAPositionedInputError) {
  // "tinderbox run --jsn": the flag starts at column 15.
  const auto r = cli("run --jsn");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:15: error: unknown flag '--jsn' (did you mean '--json'?)\n");
  EXPECT_EQ(r.out, "");
}

TEST(Cli, UnknownCommandSuggestsTheClosest) {
  const auto r = cli("rnu");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "<command line>:1:11: error: unknown command 'rnu' (did you mean 'run'?); see "
            "'tinderbox help'\n");
}

TEST(Cli, FlagValuesAreChecked) {
  EXPECT_EQ(cli("run --ledger").err, "<command line>:1:15: error: flag '--ledger' needs a value\n");
  EXPECT_EQ(cli("run --json=yes").code, 2);
  EXPECT_EQ(cli("run a b").err, "<command line>:1:17: error: unexpected argument 'b'\n");
  EXPECT_EQ(cli("validate").code, 2);
}

TEST(Cli, MissingScenarioFileIsAnInputError) {
  const auto r = cli("run no/such/file.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("no/such/file.yaml:1:1: error: ", 0), 0u) << r.err;
}

TEST(Cli, UnwritableLedgerLeavesNothingBehind) {
  const fs::path dir = fresh_temp_dir();
  const fs::path target = dir / "missing_dir" / "ledger.csv";
  const auto r = cli("run --ledger " + target.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: cannot write"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(target));
}

TEST(Cli, JsonAndLedgerFollowTheContract) {
  const fs::path dir = fresh_temp_dir();
  const fs::path ledger = dir / "ledger.csv";
  const auto r = cli("run coreweave-2025 --json --ledger " + ledger.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["start"], "2025-01-01");
  EXPECT_EQ(j["period"], "month");
  EXPECT_EQ(j["horizon"], 60);
  ASSERT_EQ(j["dates"].size(), 60u);
  EXPECT_EQ(j["dates"][0], "2025-01-31");
  EXPECT_EQ(j["dates"][1], "2025-02-28");
  const auto& cw = j["entities"]["coreweave"];
  for (const char* s : {"cash", "revenue", "ebitda", "interest", "principal", "debt",
                        "collateral_book", "collateral_market"})
    EXPECT_EQ(cw["series"][s].size(), 60u) << s;
  EXPECT_TRUE(cw.contains("default"));
  EXPECT_TRUE(cw["metrics"].is_object());
  for (const auto& e : j["events"])
    for (const char* k : {"date", "entity", "instrument", "type", "detail"}) EXPECT_TRUE(e.contains(k));
  const std::string csv = read_file(ledger);
  EXPECT_EQ(csv.rfind("date,entity,instrument,counterparty,kind,amount\n", 0), 0u);
  EXPECT_FALSE(fs::exists(ledger.string() + ".tmp"));
}

TEST(Cli, ScenariosListsTheBuiltins) {
  const auto r = cli("scenarios");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("coreweave-2025"), std::string::npos);
}

TEST(Cli, ValidateReportsEveryErrorAndExitsTwo) {
  const fs::path dir = fresh_temp_dir();
  std::ofstream(dir / "bad.yaml") << "tinderbox: 1\nstart: 2025-01-02\nhorizon: 0\n";
  const auto r = cli("validate " + (dir / "bad.yaml").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":2:8: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":3:10: error:"), std::string::npos) << r.err;
}

}  // namespace
