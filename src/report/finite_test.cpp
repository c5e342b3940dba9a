// The last check before output (report/finite.h): it finds a planted infinity or NaN and says
// where, and no scenario whose numbers sit at their limits (scenario.md, "Limits") makes it fire.
#include "report/finite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "report/exposures.h"
#include "report/json_output.h"
#include "scenario/builtin.h"
#include "scenario/loader.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Finite, FindsTheFirstNonFiniteNumberByItsJsonPointer) {
  EXPECT_EQ(first_non_finite(json::parse(R"({"a": [1, 2.5, -3], "b": {"c": null}})")),
            std::nullopt);
  json j = json::parse(R"({"a": [1, 2.5], "b/c~d": {"e": [0.0, 1.0]}, "z": 0.5})");
  j["b/c~d"]["e"][1] = kNaN;
  j["z"] = kInf;  // later in document order: the NaN is the first
  EXPECT_EQ(first_non_finite(j), "/b~1c~0d/e/1");
  j["b/c~d"]["e"][1] = 1.0;
  EXPECT_EQ(first_non_finite(j), "/z");
  j["z"] = -kInf;
  EXPECT_EQ(first_non_finite(j), "/z");
  // Integers are never flagged, whatever their size.
  EXPECT_EQ(first_non_finite(json{{"n", std::numeric_limits<std::int64_t>::max()}}), std::nullopt);
}

TEST(Finite, NamesAPlantedFigureAndLedgerRowOfARun) {
  const LoadResult loaded = load_scenario("coreweave-2025");
  ASSERT_TRUE(loaded.scenario);
  RunResult r = run_deterministic(*loaded.scenario);
  EXPECT_EQ(non_finite_error(run_to_json(r), &r), std::nullopt);

  // Period 17's cash of coreweave, as the JSON output lists it.
  const Scenario& s = *loaded.scenario;
  std::size_t coreweave = 0;
  while (coreweave < s.entities.size() && s.entities[coreweave].id != "coreweave") ++coreweave;
  ASSERT_LT(coreweave, s.entities.size());
  r.entities[coreweave].periods[17].cash = kInf;
  const auto figure = non_finite_error(run_to_json(r), &r);
  ASSERT_TRUE(figure);
  EXPECT_NE(figure->find("at /entities/coreweave/series/cash/17 of the JSON output"),
            std::string::npos)
      << *figure;
  EXPECT_NE(figure->find("this is a bug in tinderbox"), std::string::npos);
  r.entities[coreweave].periods[17].cash = 0;

  // A flow: found in the ledger's rows (the JSON carries no flows).
  ASSERT_GT(r.flows.size(), 3u);
  r.flows[3].amount = kNaN;
  EXPECT_EQ(first_non_finite(run_to_json(r)), std::nullopt);
  const auto row = non_finite_error(run_to_json(r), &r);
  ASSERT_TRUE(row);
  EXPECT_NE(row->find("ledger row "), std::string::npos) << *row;
  EXPECT_EQ(row->find("JSON output"), std::string::npos) << *row;
}

// Every number of these keys in every built-in and example scenario set to its lower limit (a
// positive value as small as a double holds) and to its ceiling: the run, its ledger and the
// scenario's exposure network stay finite. A division by a tiny life or depth, or a product of
// ceilings, would show here as inf or NaN.
TEST(Finite, ScenariosAtTheirLimitsStayFinite) {
  struct Limit {
    const char* key;
    const char* value;
  };
  const Limit limits[] = {
      {"book_life_years", "1e-300"},          {"economic_life_years", "1e-300"},
      {"market_depth_units", "1e-300"},       {"recovery_half_life_months", "1e-300"},
      {"unit_cost", "1e-300"},                {"kw_per_gpu", "1e-300"},
      {"price_per_gpu_hour", "1e-300"},       {"conversion_price", "1e-300"},
      {"units", "1e8"},                       {"price_per_gpu_hour", "1e4"},
      {"kw_per_gpu", "1e3"},                  {"unit_cost", "1e9"},
  };
  namespace fs = std::filesystem;
  const fs::path root(TINDERBOX_SOURCE_DIR);
  int changed = 0;
  for (const char* folder : {"scenarios/builtin", "scenarios/examples"}) {
    for (const fs::directory_entry& e : fs::directory_iterator(root / folder)) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("tinderbox:") != 0 && text.str().find("\ntinderbox:") == std::string::npos)
        continue;  // import-only
      for (const Limit& l : limits) {
        const std::regex number(std::string("\\b") + l.key + ": [0-9.eE+-]+");
        const std::string edited =
            std::regex_replace(text.str(), number, std::string(l.key) + ": " + l.value);
        if (edited == text.str()) continue;
        const std::string name = e.path().filename().string() + " with " + l.key + ": " + l.value;
        const LoadResult loaded =
            load_scenario_text(edited, e.path().string(), e.path().parent_path().string());
        if (!loaded.scenario) {
          // A limit may break another rule (a fleet's units over what its sites hold, say): then
          // the loader refuses it, which is also not a non-finite result.
          EXPECT_FALSE(loaded.errors.empty()) << name;
          continue;
        }
        ++changed;
        const RunResult r = run_deterministic(*loaded.scenario);
        EXPECT_EQ(non_finite_error(run_to_json(r), &r), std::nullopt) << name;
        const ExposureNetwork x = exposure_network(*loaded.scenario, 0);
        EXPECT_EQ(non_finite_error(exposure_json(*loaded.scenario, x)), std::nullopt) << name;
      }
    }
  }
  EXPECT_GT(changed, 40);  // the edits reached most scenarios
}

}  // namespace
}  // namespace tinderbox
