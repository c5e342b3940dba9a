#include "report/breakeven.h"

#include <cassert>
#include <cmath>

namespace tinderbox {

double capital_recovery_factor(double rate, double years) {
  assert(years > 0 && rate >= 0);
  if (rate == 0) return 1 / years;
  return rate /
         -std::expm1(-years * std::log1p(rate));  // r / (1 − (1 + r)^−N), accurate for small r
}

std::vector<BreakevenRow> breakeven(const BreakevenInputs& in) {
  assert(in.capex > 0 && in.margin > 0);
  std::vector<BreakevenRow> rows;
  for (const double life : in.lives) {
    BreakevenRow r;
    r.life = life;
    r.recovery_factor = capital_recovery_factor(in.cost_of_capital, life);
    r.annual_cost = in.capex * r.recovery_factor;
    r.revenue = r.annual_cost / in.margin;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace tinderbox
