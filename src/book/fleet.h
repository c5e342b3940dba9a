// GPU lots on the period grid: when each is owned, its book value and its income-approach value.
#pragma once

#include <vector>

#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

// Ages are in years of 365 days throughout (SPEC §1).
inline double age_years(Date at, Date acquired) { return double(at - acquired) / 365.0; }

// annuity(r, n) = (1 - (1 + r)^-n) / r, and n itself when r = 0.
double annuity(double rate, double years);

// A lot's market value at a period end: max(0, rent(e_k) - cost_per_hour) x value_factor[k], $M.
inline double lot_market_value(double rent_end, double cost_per_hour, double value_factor) {
  const double margin = rent_end - cost_per_hour;
  // A select, not a branch (the sign of the margin changes from path to path): 0 x a factor is
  // the 0 of `margin > 0 ? margin * value_factor : 0`.
  return (margin > 0 ? margin : 0.0) * value_factor;
}

struct LotPlan {
  int gpu = 0;
  int first_period = 0;  // owned from this period on (0 for the opening fleet)
  double units = 0;
  double kw_per_gpu = 0;
  std::vector<double> book;  // [k]: book value at e_k, $M
  // Market value at e_k = max(0, rent(e_k) - cost_per_hour) x value_factor[k], $M.
  double cost_per_hour = 0;  // $ per GPU-hour: the generation's cash cost plus this lot's power
  std::vector<double> value_factor;  // [k]: units x 8760 x reference utilization x annuity / 1e6

  double market_value(double rent_end, int k) const {
    return lot_market_value(rent_end, cost_per_hour, value_factor[static_cast<std::size_t>(k)]);
  }
};

// One lot: the opening fleet's (first_period 0) or a capex purchase's (its period).
LotPlan lay_out_lot(const Market& m, const Timeline& t, int gpu, double units, Date acquired,
                    double unit_cost, double book_life_years, double kw_per_gpu, int first_period);

}  // namespace tinderbox
