// One path of the world outside the entities' books, on the period grid: market values and what
// customers do. The deterministic run reads the scenario's curves; Monte Carlo fills the same
// arrays from its stochastic drivers (market/stochastic.h). The period loop reads nothing else
// that is random.
#pragma once

#include <vector>

#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

struct MarketPath {
  int periods = 0;
  std::vector<double> rate;      // [r * periods + k]: rate index r on d_k (fixings)
  std::vector<double> rent;      // [g * periods + k]: GPU rent on d_k, $/GPU-hour (revenue)
  std::vector<double> rent_end;  // [g * periods + k]: GPU rent on e_k (valuation at period end)
  std::vector<double> share_price;  // [i * periods + k]: Market::equity[i]'s price on e_k
  std::vector<double> demand;       // [k]: the demand factor on d_k (0: the median path)
  // [entity][contract]: the first period in which the contract pays nothing because its customer
  // cancelled or defaulted; `periods` when it runs its course.
  std::vector<std::vector<int>> contract_stop;
  // Capacity, [entity][site]: months the site is late beyond the scenario's `delay_months`, and the
  // first period from which its host (in default) builds no more (`periods`: never); and
  // [entity], the sites late or stopped on this path (none on the deterministic path).
  std::vector<std::vector<int>> site_delay, site_stop, moved_sites;

  double rate_at(int r, int k) const { return rate[static_cast<std::size_t>(r * periods + k)]; }
  double rent_at(int g, int k) const { return rent[static_cast<std::size_t>(g * periods + k)]; }
  double share_price_at(int i, int k) const {
    return share_price[static_cast<std::size_t>(i * periods + k)];
  }
  double rent_end_at(int g, int k) const {
    return rent_end[static_cast<std::size_t>(g * periods + k)];
  }
};

// The market of the scenario's curves, with no randomness.
MarketPath deterministic_market(const Scenario& s, const Timeline& t);

}  // namespace tinderbox
