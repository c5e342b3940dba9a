// Helpers shared by the tests: scenarios from YAML text, and flows picked out of a run.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "engine/run.h"
#include "scenario/builtin.h"
#include "scenario/loader.h"

namespace tinderbox::test_support {

// Loads a scenario from YAML text; fails the test (and returns an empty one) on any error.
inline Scenario scenario_from(const std::string& yaml) {
  LoadResult r = load_scenario_text(yaml, "test.yaml", ".");
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.str();
  return r.scenario ? *r.scenario : Scenario{};
}

// Every volatility, jump rate, default probability and site-delay probability set to zero (mean
// reversions kept): Monte Carlo then repeats the deterministic run on every path.
inline void switch_off_shocks(Scenario& s) {
  for (RateDriver& r : s.stochastic.rates) r.ou.volatility = 0;
  for (OuProcess& g : s.stochastic.gpu) g.volatility = 0;
  s.stochastic.releases.rate_per_year = 0;
  s.stochastic.demand.ou.volatility = 0;
  for (Entity& e : s.entities) {
    if (e.credit) e.credit->pd_annual = 0;
    for (Site& site : e.sites)
      if (site.delay) site.delay->probability = 0;
  }
}

// Sum of the flows of one kind (and, if given, one source index) in period k.
inline double flow_sum(const RunResult& r, int k, FlowKind kind, Source src = Source::None,
                       int index = -1) {
  double s = 0;
  for (const Flow& f : r.flows)
    if (f.period == k && f.kind == kind && (src == Source::None || f.source == src) &&
        (index < 0 || f.index == index))
      s += f.amount;
  return s;
}

// The index of the entity with id `name`; fails the test (and returns -1) when there is none.
inline int entity_index(const Scenario& s, const std::string& name) {
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    if (s.entities[i].id == name) return static_cast<int>(i);
  ADD_FAILURE() << "no entity " << name;
  return -1;
}

// The periods of a run whose fire-sale passes reached network.max_rounds before the units sold
// settled (their fire_sale events say settled: false).
inline std::set<int> unsettled_fire_sale_periods(const RunResult& r) {
  std::set<int> periods;
  for (const Event& e : r.events)
    if (e.type == EventType::FireSale && !e.settled) periods.insert(e.period);
  return periods;
}

// Sum of one entity's flows of one kind in period k (both own and counter-side flows).
inline double entity_flow_sum(const RunResult& r, int entity, int k, FlowKind kind) {
  double s = 0;
  for (const Flow& f : r.flows)
    if (f.entity == entity && f.period == k && f.kind == kind) s += f.amount;
  return s;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder for one test's files: ctest runs tests in parallel, so names must not clash.
inline std::filesystem::path fresh_temp_dir() {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
      ("tinderbox_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + name);
  std::filesystem::create_directories(dir);
  return dir;
}

struct CliResult {
  int code = -1;
  std::string out, err;
};

// Runs the tinderbox binary with `args` (shell words), no standard input.
inline CliResult run_cli(const std::string& args) {
  const std::filesystem::path dir = fresh_temp_dir();
  const std::string cmd = std::string(TINDERBOX_BINARY) + " " + args + " >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(dir / "out");
  r.err = read_file(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

// Every built-in scenario that runs on its own, and every example scenario (paths).
inline std::vector<std::string> all_scenarios() {
  std::vector<std::string> out;
  for (const BuiltinFile& f : builtin_files())
    if (!is_import_only(f)) out.emplace_back(f.name);
  const std::filesystem::path dir = std::filesystem::path(TINDERBOX_SOURCE_DIR) / "scenarios/examples";
  if (std::filesystem::exists(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  return out;
}

// A test name for a scenario parameter: its file stem with anything but letters and digits as _.
inline std::string scenario_test_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string name = std::filesystem::path(p.param).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

}  // namespace tinderbox::test_support
