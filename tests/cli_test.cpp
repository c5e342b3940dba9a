// The command line as a user meets it (SPEC §2): exit codes, positioned errors, outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>
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

// debt/EBITDA is the first block's closing debt over its EBITDA, and undefined (null, "n/a") for
// an entity that defaults in that block: its debt is written off at default, and 0 / EBITDA would
// read as an unlevered company.
TEST(Cli, DebtToEbitdaIsUndefinedForADefaultInYearOne) {
  const std::string dir = std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/";
  const auto d = cli("run " + dir + "liquidity-default.yaml --json");
  ASSERT_EQ(d.code, 0) << d.err;
  const auto jd = nlohmann::json::parse(d.out);
  for (const auto& [id, e] : jd["entities"].items()) {
    if (e["default"].is_null()) continue;
    ASSERT_LT(e["default"]["date"].get<std::string>(), e["metrics"]["years"][0]["end"].get<std::string>());
    EXPECT_TRUE(e["metrics"]["debt_to_ebitda"].is_null()) << id;
  }
  const auto text = cli("run " + dir + "liquidity-default.yaml");
  EXPECT_NE(text.out.find("debt/EBITDA n/a"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("debt/EBITDA 0.00x"), std::string::npos) << text.out;

  // Without a default: the closing debt of the first block over its EBITDA, both from the series.
  const auto r = cli("run coreweave-2025 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& cw = j["entities"]["coreweave"];
  ASSERT_TRUE(cw["default"].is_null() ||
              cw["default"]["date"].get<std::string>() > cw["metrics"]["years"][0]["end"].get<std::string>());
  double ebitda = 0;
  for (int k = 0; k < 12; ++k) ebitda += cw["series"]["ebitda"][k].get<double>();
  const double debt = cw["series"]["debt"][11].get<double>();
  EXPECT_NEAR(cw["metrics"]["debt_to_ebitda"].get<double>(), debt / ebitda, 1e-9 * debt / ebitda);
}

TEST(Cli, ScenariosListsTheBuiltins) {
  const auto r = cli("scenarios");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("coreweave-2025"), std::string::npos);
}

// An import-only built-in (no `tinderbox:`) named as the scenario: every command that loads one
// reports that alone, not the balances and dates its importers supply; `scenarios` omits it.
TEST(Cli, ImportOnlyBuiltinIsOneErrorForEveryCommand) {
  for (const char* command : {"run", "simulate --paths 10", "network", "validate"}) {
    const auto r = cli(std::string(command) + " coreweave-facilities");
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_EQ(r.out, "") << command;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << command << ": " << r.err;
    EXPECT_EQ(r.err.rfind("<builtin>/coreweave-facilities.yaml:", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(": error: missing required key 'tinderbox': a file without it is an "
                         "import-only fragment; import it from a scenario (`import: "
                         "[coreweave-facilities]`)"),
              std::string::npos)
        << command << ": " << r.err;
  }
  const auto listed = cli("scenarios");
  EXPECT_EQ(listed.code, 0);
  EXPECT_EQ(listed.out.find("coreweave-facilities"), std::string::npos) << listed.out;
}

TEST(Cli, ValidateReportsEveryErrorAndExitsTwo) {
  const fs::path dir = fresh_temp_dir();
  std::ofstream(dir / "bad.yaml") << "tinderbox: 1\nstart: 2025-01-02\nhorizon: 0\n";
  const auto r = cli("validate " + (dir / "bad.yaml").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":2:8: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":3:10: error:"), std::string::npos) << r.err;
}

// `tinderbox help`, as a reader of a terminal 80 columns wide meets it: every command of
// docs/cli.md's synopsis is listed with its help; a help sits beside its usage (at column 32)
// or on the line below (at column 6); nothing passes column 80; each listed name is a command.
struct HelpLine {
  std::string usage, help;
};

std::vector<HelpLine> help_entries(const std::string& out) {
  std::vector<HelpLine> entries;
  std::istringstream lines(out);
  std::string line;
  const auto words = [](const std::string& s) {
    std::istringstream in(s);
    std::string w, all;
    while (in >> w) {
      if (!all.empty()) all += ' ';
      all += w;
    }
    return all;
  };
  while (std::getline(lines, line)) {
    const std::size_t lead = line.find_first_not_of(' ');
    if (lead == std::string::npos) continue;
    if (line.rfind("  tinderbox", 0) == 0) {
      const std::size_t gap = line.find("  ", 2);  // two spaces end a usage with its help beside
      entries.push_back({words(line.substr(11, gap == std::string::npos ? std::string::npos : gap - 11)),
                         gap == std::string::npos ? "" : words(line.substr(gap))});
      if (gap != std::string::npos) {
        EXPECT_EQ(line.find_first_not_of(' ', gap), 32u) << line;
      }
    } else if (!entries.empty() && line.rfind("  ", 0) == 0) {
      HelpLine& e = entries.back();
      // A help's lines start at 6 (below) or 32 (beside); a usage's lines under its first flag.
      std::string& to = lead == 6 || (lead == 32 && !e.help.empty()) ? e.help : e.usage;
      if (!to.empty()) to += ' ';
      to += words(line);
    }
  }
  return entries;
}

TEST(Cli, HelpListsEveryCommandWithItsHelp) {
  const auto r = cli("help");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cli("--help").out, r.out);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;

  // The commands docs/cli.md's synopsis names: "tinderbox NAME ..." lines of its first block.
  const std::string doc = read_file(fs::path(TINDERBOX_SOURCE_DIR) / "docs/cli.md");
  const std::size_t open = doc.find("```\n"), close = doc.find("```", open + 4);
  std::set<std::string> documented;
  std::istringstream synopsis(doc.substr(open + 4, close - open - 4));
  for (std::string line; std::getline(synopsis, line);) {
    // "tinderbox NAME ...", the name one space after (bare `tinderbox` is followed by many).
    if (line.rfind("tinderbox ", 0) == 0 && line.size() > 10 && line[10] != ' ')
      documented.insert(line.substr(10, line.find(' ', 10) - 10));
  }
  EXPECT_GE(documented.size(), 9u);  // run, simulate, validate, scenarios, runs, report, ...

  const std::vector<HelpLine> entries = help_entries(r.out);
  std::set<std::string> listed;
  for (const HelpLine& e : entries) {
    const std::string name = e.usage.substr(0, e.usage.find(' '));
    // At least three words of help for each, bare `tinderbox` included.
    EXPECT_GE(std::count(e.help.begin(), e.help.end(), ' '), 2) << "'" << e.usage << "': '" << e.help << "'";
    if (name.empty()) continue;
    listed.insert(name);
    const auto probe = cli(name + " --no-such-flag");
    EXPECT_EQ(probe.err.find("unknown command"), std::string::npos) << name << ": " << probe.err;
  }
  for (const std::string& name : documented) EXPECT_TRUE(listed.count(name)) << name << " is not in help";
  EXPECT_EQ(entries.front().usage, "");  // bare `tinderbox` first
}

}  // namespace
