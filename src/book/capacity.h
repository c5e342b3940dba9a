// Data-center sites on the period grid: the megawatts each one has active in each period (with
// its ramp and its delays), what it costs, and when it is fully delivered (docs/model.md,
// Capacity). Laid out once per run; the period loop asks site_in_period() only on Monte Carlo
// paths where a site is late or its host has failed: a lookup by months of delay while the host
// builds, the closed form once it has stopped.
#pragma once

#include <algorithm>
#include <climits>
#include <vector>

#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

// ∫_0^x clamp(u / r, 0, 1) du: the MW-days a site of 1 MW has delivered x days after its
// delivery, ramping linearly over r days (a step at the delivery when r = 0).
inline double ramp_area(double x, double r) {
  if (x <= 0) return 0.0;
  return x >= r ? x - r / 2 : x * x / (2 * r);
}

// clamp(x / r, 0, 1): the share of a site's MW active x days after its delivery.
inline double ramp_level(double x, double r) {
  if (x < 0) return 0.0;
  return x >= r ? 1.0 : x / r;
}

inline constexpr int kOpenTerm = INT_MAX;  // a site whose term does not end

struct SiteInPeriod {
  double mw = 0;       // average MW active over the period
  double payment = 0;  // $M
};

struct SitePlan {
  double mw = 0;
  double it_share = 1;  // 1 / pue: the share of the site's MW that powers GPUs
  double rate = 0;      // payment per active MW per period (leased, hosted)
  bool hosted = false;
  // Per months of delay beyond the scenario's on a path, d = 0 .. size - 1 (serial days): the
  // first day of power, the ramp's length in days and the end of the term (exclusive). A larger
  // delay delivers nothing within the run.
  std::vector<int> delivery, ramp_days, term_end;
  int delivery_month = 0;  // month index (12 year + month - 1) of delivery[0]
  bool after_first = false;  // delivery's day of the month is after the 1st (anniversaries)
  int start_month = 0;       // month index of the run's first day
  int months_per_period = 1;
  std::vector<double> step_up;  // [y]: (1 + escalator)^y
  bool escalates = false;       // escalator not 0
  // The deterministic run's, per period:
  std::vector<double> active_mw;      // average MW active over the period
  std::vector<double> payment;        // $M, leased and hosted sites
  std::vector<double> build;          // $M, an owned site's construction cost
  std::vector<double> reimbursement;  // $M, a hosted site's reimbursements to its host
  // A site that can move on a path (a `delay` law, or hosted): site_in_period_exact() with no
  // stop for every delay d < delivery.size() and period k, at [d * periods + k]. Monte Carlo
  // looks them up for every late site in every period its ramp or escalator runs; the closed
  // form costs divisions. Empty for a site that never moves.
  std::vector<SiteInPeriod> by_delay;
  int periods = 0;
};

SitePlan lay_out_site(const Site& s, const Timeline& t);

// Site s in period k when it is `delay` months later than the scenario says and its host builds
// nothing more from period `stop` on (its MW stay at their level on that period's first day).
inline SiteInPeriod site_in_period_exact(const SitePlan& s, int delay, int stop, int k,
                                         const Timeline& t) {
  if (delay >= static_cast<int>(s.delivery.size())) return {};
  const auto d = static_cast<std::size_t>(delay);
  const int from = s.delivery[d], ramp = s.ramp_days[d], term = s.term_end[d];
  const int lo = t.starts[static_cast<std::size_t>(k)].serial;
  const int hi = std::min(t.starts[static_cast<std::size_t>(k) + 1].serial, term);
  if (hi <= lo || hi <= from) return {};
  const double days = t.days[static_cast<std::size_t>(k)];
  double share;
  if (k >= stop)
    share = ramp_level(t.starts[static_cast<std::size_t>(stop)].serial - from, ramp) * (hi - lo) / days;
  else
    share = (ramp_area(hi - from, ramp) - ramp_area(lo - from, ramp)) / days;
  SiteInPeriod out;
  out.mw = s.mw * share;
  if (s.rate > 0) {
    // Whole years from the delivery to the period's first day (0 before the delivery), as for
    // leases: anniversaries passed, counted in months.
    const int months = s.start_month + k * s.months_per_period - (s.delivery_month + delay);
    const int years = lo < from ? 0 : (months - (s.after_first ? 1 : 0)) / 12;
    out.payment = s.rate * out.mw * s.step_up[static_cast<std::size_t>(
                                        std::min<int>(years, static_cast<int>(s.step_up.size()) - 1))];
  }
  return out;
}

// site_in_period_exact(), looked up where the plan has it.
inline SiteInPeriod site_in_period(const SitePlan& s, int delay, int stop, int k,
                                   const Timeline& t) {
  if (k < stop && !s.by_delay.empty() && delay < static_cast<int>(s.delivery.size()))
    return s.by_delay[static_cast<std::size_t>(delay) * static_cast<std::size_t>(s.periods) +
                      static_cast<std::size_t>(k)];
  return site_in_period_exact(s, delay, stop, k, t);
}

// The share of site s's MW active at the end of day `day` (serial), with `delay` and `stop` as
// above; and in `full` the first day it has every MW active (kOpenTerm: not within the run).
double site_level_at(const SitePlan& s, int delay, int stop, int day, const Timeline& t, int& full);

}  // namespace tinderbox
