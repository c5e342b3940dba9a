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
// linear scaling. Each rate is the best of three runs (the least disturbed by other load).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

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

double best_rate(const tinderbox::Plan& plan, const tinderbox::SimLayout& layout,
                 std::int64_t paths, int threads, std::int64_t& sink) {
  double best = 0;
  for (int i = 0; i < 3; ++i)
    best = std::max(best, double(paths) / seconds_for(plan, layout, paths, threads, sink));
  return best;
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
  const double one = best_rate(plan, layout, paths, 1, sink);
  const double all = best_rate(plan, layout, paths, cores, sink);
  const long rss_small = peak_rss_kib();
  seconds_for(plan, layout, 4 * paths, cores, sink);
  const long rss_large = peak_rss_kib();

  std::printf("scenario %s: %zu entities x %d periods; best of 3 runs of %lld paths\n",
              name.c_str(), plan.entities.size(), plan.timeline.periods,
              static_cast<long long>(paths));
  std::printf("1 thread:   %10.0f paths/s   %12.0f entity-periods/s\n", one, one * entity_periods);
  std::printf("%d threads:  %10.0f paths/s   %12.0f entity-periods/s   scaling efficiency %.0f %%\n",
              cores, all, all * entity_periods, 100 * all / (cores * one));
  std::printf("peak RSS after %lld paths: %ld KiB; after %lld more: %ld KiB (+%ld KiB)\n",
              static_cast<long long>(paths), rss_small, static_cast<long long>(4 * paths),
              rss_large, rss_large - rss_small);
  if (numpy) {
    const double ref = numpy_rate(100000);
    if (ref > 0)
      std::printf("NumPy reference (1 thread, 100000 paths): %.0f paths/s; engine / NumPy per "
                  "core: %.1fx\n", ref, one / ref);
    else
      std::printf("NumPy reference: could not run python3 bench/numpy_reference.py\n");
  }
  return sink < 0 ? 1 : 0;
}
