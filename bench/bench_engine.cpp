// Benchmark: the deterministic run of a scenario (default: the built-in coreweave-2025).
//
//   build/bench_engine [SCENARIO] [RUNS]
//
// Prints min / median / max wall time over RUNS runs of each stage (load and validate the
// scenario; compile the plan and run the period loop; write the ledger and JSON), the throughput
// in entity-periods per second, and the run's time as a ratio to loading the same file, the
// reference measured in the same process (ninja's *_perftest.cc habit: honest, small numbers).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/run.h"
#include "report/json_output.h"
#include "report/ledger_csv.h"
#include "scenario/loader.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double min, median, max;
};

template <class F>
Stats time_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], ms.back()};
}

void print(const char* what, const Stats& s) {
  std::printf("%-28s min %9.3f ms   median %9.3f ms   max %9.3f ms\n", what, s.min, s.median, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "coreweave-2025";
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;
  const tinderbox::LoadResult loaded = tinderbox::load_scenario(name);
  if (!loaded.scenario) {
    for (const auto& d : loaded.errors) std::fprintf(stderr, "%s\n", d.str().c_str());
    return 2;
  }
  const tinderbox::Scenario& s = *loaded.scenario;
  std::size_t sink = 0;  // keeps the optimizer from dropping the work

  const Stats load = time_ms(runs, [&] { sink += tinderbox::load_scenario(name).errors.size(); });
  const Stats run = time_ms(runs, [&] { sink += tinderbox::run_deterministic(s).flows.size(); });
  const tinderbox::RunResult r = tinderbox::run_deterministic(s);
  const Stats out = time_ms(runs, [&] {
    std::ostringstream csv;
    tinderbox::write_ledger_csv(r, csv);
    sink += csv.str().size() + tinderbox::run_to_json(r).dump().size();
  });

  const double entity_periods = double(s.entities.size()) * s.horizon;
  std::printf("scenario %s: %zu entities x %d periods, %zu flows, %zu events; %d runs\n",
              name.c_str(), s.entities.size(), s.horizon, r.flows.size(), r.events.size(), runs);
  print("load + validate", load);
  print("deterministic run", run);
  print("ledger CSV + JSON", out);
  std::printf("throughput: %.0f entity-periods/s (median run)\n",
              entity_periods / (run.median / 1e3));
  std::printf("ratio run / load: %.2f\n", run.median / load.median);
  return sink == 0 ? 1 : 0;
}
