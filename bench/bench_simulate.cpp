// Benchmark: Monte Carlo throughput of `tinderbox simulate` (issue 4, item 7).
//
//   build/bench_simulate [SCENARIO] [PATHS] [--no-numpy]
//
// On SCENARIO (default: the built-in coreweave-2025, 60 months) it measures, in this process:
//   - paths per second and entity-periods per second on one thread and on all threads, with the
//     scaling efficiency (all-thread rate / (threads x one-thread rate));
//   - the peak resident memory after PATHS and after 4 x PATHS paths: the tallies keep no
//     paths x periods values, so memory must stay flat in the number of paths;
//   - and, unless --no-numpy, the same model written plainly in NumPy (bench/numpy_reference.py,
//     one thread), run on the same machine, as a ratio: engine paths/s per core over NumPy's.
// Targets (issue 4): >= 100,000 paths/s per core, >= 5x the NumPy reference per core, near-
// linear scaling. Each rate is given as the best and the median of five runs (three for NumPy):
// the best is the least disturbed by other load, the spread says how much there was. It also
// says where one thread's time goes: drawing the market paths (PathGenerator::fill) against
// the rest (the period loop and the tallies), and which SIMD level the array kernels ran with.
// On a loaded machine it also gives the rates from the least disturbed of many short runs.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "market/simd.h"
#include "market/stochastic.h"
#include "scenario/loader.h"
#include "sim/simulate.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_for(const tinderbox::Plan& plan, const tinderbox::SimLayout& layout,
                   std::int64_t paths, int threads, std::int64_t& sink) {
  tinderbox::SimOptions o;
  o.paths = paths;
  o.seed = 1;
  o.threads = threads;
  const auto t0 = Clock::now();
  const tinderbox::Tally t = tinderbox::simulate_share(plan, layout, o, {});
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  sink += t.default_count[0];
  return s;
}

// Rates of repeated runs, sorted from the best down.
struct Rates {
  std::vector<double> r;
  double best() const { return r.front(); }
  double median() const { return r[r.size() / 2]; }
  double worst() const { return r.back(); }
};

template <class Run>
Rates rates_of(int runs, Run run) {
  Rates out;
  for (int i = 0; i < runs; ++i) out.r.push_back(run());
  std::sort(out.r.begin(), out.r.end(), std::greater<>());
  return out;
}

Rates engine_rates(const tinderbox::Plan& plan, const tinderbox::SimLayout& layout,
                   std::int64_t paths, int threads, std::int64_t& sink) {
  return rates_of(5, [&] { return double(paths) / seconds_for(plan, layout, paths, threads, sink); });
}

// Paths per second from the least disturbed of many short runs: on a shared machine a run of a
// few milliseconds often goes through without being descheduled, where one of a second never
// does. Each run's fixed cost (workers, threads) is taken off: it is the time of a run of one
// path. Two blocks per thread.
double window_rate(const tinderbox::Plan& plan, const tinderbox::SimLayout& layout, int threads,
                   std::int64_t& sink) {
  const std::int64_t paths = 2 * tinderbox::kBlock * threads;
  double many = 1e30, one = 1e30;
  for (int i = 0; i < 200; ++i) {
    many = std::min(many, seconds_for(plan, layout, paths, threads, sink));
    one = std::min(one, seconds_for(plan, layout, 1, threads, sink));
  }
  return double(paths - 1) / (many - one);
}

// Microseconds per path of PathGenerator::fill alone: the least disturbed of 400 runs of 256
// paths (as window_rate).
double fill_us(const tinderbox::Plan& plan, std::int64_t& sink) {
  tinderbox::PathGenerator g(*plan.scenario, plan.timeline);
  tinderbox::MarketPath m = g.deterministic();
  std::vector<int> defaults;
  double best = 1e30;
  for (std::uint32_t run = 0; run < 400; ++run) {
    const auto t0 = Clock::now();
    for (std::uint32_t p = 0; p < 256; ++p) {
      g.fill(1, run * 256 + p, m, defaults);
      sink += defaults.empty() ? 0 : defaults[0];
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return 1e6 * best / 256;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Runs the NumPy reference and returns its paths per second, or 0 when it cannot run.
double numpy_rate(std::int64_t paths) {
  const std::string cmd = std::string("python3 ") + TINDERBOX_SOURCE_DIR +
                          "/bench/numpy_reference.py --json --paths " + std::to_string(paths);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) return 0;
  const auto j = nlohmann::json::parse(out.substr(out.find('{')), nullptr, false);
  return j.is_discarded() ? 0 : j.value("paths_per_second", 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "coreweave-2025";
  std::int64_t paths = 50000;
  bool numpy = true;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-numpy") == 0)
      numpy = false;
    else if (positional++ == 0)
      name = argv[i];
    else
      paths = std::max<std::int64_t>(1, std::atoll(argv[i]));
  }
  const tinderbox::LoadResult loaded = tinderbox::load_scenario(name);
  if (!loaded.scenario) {
    for (const auto& d : loaded.errors) std::fprintf(stderr, "%s\n", d.str().c_str());
    return 2;
  }
  const tinderbox::Plan plan(*loaded.scenario);
  const tinderbox::SimLayout layout(plan);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Entity-periods of the entities that run the loop (reduced-form parties cost next to nothing).
  const double entity_periods =
      double(std::count(layout.has_books.begin(), layout.has_books.end(), 1)) * plan.timeline.periods;
  std::int64_t sink = 0;

  seconds_for(plan, layout, std::min<std::int64_t>(paths, 2048), 1, sink);  // warm up
  const Rates one = engine_rates(plan, layout, paths, 1, sink);
  const Rates all = engine_rates(plan, layout, paths, cores, sink);
  const double fill = fill_us(plan, sink);
  const double window_one = window_rate(plan, layout, 1, sink);
  const double window_all = window_rate(plan, layout, cores, sink);
  const long rss_small = peak_rss_kib();
  seconds_for(plan, layout, 4 * paths, cores, sink);
  const long rss_large = peak_rss_kib();

  std::printf("scenario %s: %zu entities x %d periods; 5 runs of %lld paths, best (median, "
              "worst); SIMD level %s\n",
              name.c_str(), plan.entities.size(), plan.timeline.periods,
              static_cast<long long>(paths), tinderbox::simd_name(tinderbox::simd_best()));
  std::printf("1 thread:   %10.0f paths/s (%.0f, %.0f)   %12.0f entity-periods/s\n", one.best(),
              one.median(), one.worst(), one.best() * entity_periods);
  std::printf("%d threads:  %10.0f paths/s (%.0f, %.0f)   %12.0f entity-periods/s   scaling "
              "efficiency %.0f %% (medians: %.0f %%)\n",
              cores, all.best(), all.median(), all.worst(), all.best() * entity_periods,
              100 * all.best() / (cores * one.best()), 100 * all.median() / (cores * one.median()));
  std::printf("least disturbed of 200 short runs: 1 thread %.0f paths/s, %d threads %.0f paths/s, "
              "scaling efficiency %.0f %%\n",
              window_one, cores, window_all, 100 * window_all / (cores * window_one));
  const double total = 1e6 / std::max(one.best(), window_one);
  std::printf("1 thread, per path (the faster of the two estimates): %.2f us: market path %.2f us, "
              "period loop and tallies %.2f us\n",
              total, fill, total - fill);
  std::printf("peak RSS after %lld paths: %ld KiB; after %lld more: %ld KiB (+%ld KiB)\n",
              static_cast<long long>(paths), rss_small, static_cast<long long>(4 * paths),
              rss_large, rss_large - rss_small);
  if (numpy) {
    // Three runs, like the engine's best against its best: one run alone would be the more
    // disturbed by other load and flatter the engine.
    const Rates ref = rates_of(3, [] { return numpy_rate(100000); });
    if (ref.worst() > 0)
      std::printf("NumPy reference (1 thread, 100000 paths, 3 runs): %.0f paths/s (%.0f, %.0f); "
                  "engine / NumPy per core: %.1fx (medians: %.1fx)\n",
                  ref.best(), ref.median(), ref.worst(), one.best() / ref.best(),
                  one.median() / ref.median());
    else
      std::printf("NumPy reference: could not run python3 bench/numpy_reference.py\n");
  }
  return sink < 0 ? 1 : 0;
}
