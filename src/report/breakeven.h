// The sector's arithmetic: how much revenue a year of capex needs to pay for itself.
//
// One year's capex C, spent on equipment that lasts N years, must be recovered with a return r
// on capital: the level annual charge that does so is the capital recovery factor
//   k(r, N) = r / (1 − (1 + r)^−N),   k(0, N) = 1/N (straight-line depreciation),
// and only the margin m of revenue left after cash operating costs (power, staff, sites) can pay
// it, so the revenue needed each year of the life is
//   R(N) = C × k(r, N) / m.
// docs/model.md ("The sector's arithmetic") derives it and shows which assumptions give the
// 320,000–480,000 of FACTS.md.
#pragma once

#include <vector>

namespace tinderbox {

struct BreakevenInputs {
  double capex = 400000;                  // $M of one year's capex
  std::vector<double> lives = {3, 4, 5};  // years of depreciation (economic life)
  double margin = 1.0 / 3;                // share of revenue left after cash operating costs
  double cost_of_capital = 0.10;          // r, per year
};

struct BreakevenRow {
  double life = 0;
  double recovery_factor = 0;  // k(r, N)
  double annual_cost = 0;      // C × k(r, N): the capex's yearly charge
  double revenue = 0;          // R(N)
};

double capital_recovery_factor(double rate, double years);
std::vector<BreakevenRow> breakeven(const BreakevenInputs& in);

}  // namespace tinderbox
