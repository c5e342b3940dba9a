#include "book/fleet.h"

#include <algorithm>
#include <cmath>

namespace tinderbox {

double annuity(double rate, double years) {
  if (years <= 0) return 0.0;
  if (rate == 0) return years;
  return (1.0 - std::pow(1.0 + rate, -years)) / rate;
}

LotPlan lay_out_lot(const Market& m, const Timeline& t, int gpu, double units, Date acquired,
                    double unit_cost, double book_life_years, double kw_per_gpu, int first_period) {
  const GpuMarket& g = m.gpus[static_cast<std::size_t>(gpu)];
  LotPlan lot;
  lot.gpu = gpu;
  lot.first_period = first_period;
  lot.units = units;
  lot.kw_per_gpu = kw_per_gpu;
  // kW x $/MWh / 1000 = $ per GPU-hour of power.
  lot.cost_per_hour = g.cash_cost_per_hour + kw_per_gpu * m.power_usd_per_mwh / 1000.0;
  for (int k = 0; k < t.periods; ++k) {
    const double age = std::max(0.0, age_years(t.ends[k], acquired));
    lot.book.push_back(units * unit_cost * std::max(0.0, 1.0 - age / book_life_years));
    const double remaining = std::max(0.0, g.economic_life_years - age);
    lot.value_factor.push_back(units * 8760.0 * g.reference_utilization *
                               annuity(m.discount_rate, remaining) / 1e6);
  }
  return lot;
}

}  // namespace tinderbox
