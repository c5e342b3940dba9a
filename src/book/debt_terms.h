// A loan's or bond's contractual terms laid out on the period grid, once per run.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/timeline.h"
#include "scenario/scenario.h"

namespace tinderbox {

struct DebtTerms {
  std::vector<std::uint8_t> pays;   // [k]: period k ends on a payment date (maturity included)
  std::vector<double> draws;        // [k]: explicit draws at the end of period k
  std::vector<double> scheduled;    // [k]: `schedule` amortization due at the end of period k
  std::vector<int> payments_left;   // [k]: at a payment date, payments left including it
  std::vector<std::uint8_t> amortizes;  // [k]: a level/percent payment falls at the end of period k
  int maturity_period = -1;         // the period ending on maturity; -1 beyond the horizon
  DayCount day_count = DayCount::Act360;  // year fractions come from Timeline::yf
  double percent_amount = 0;        // `percent`: per_payment x original outstanding
};

DebtTerms lay_out_debt(const Debt& d, const Timeline& t);

// The coupon rate of an accrual whose start day has the index value `index_value` (ignored for
// a fixed rate): max(floor, index) + spread.
inline double coupon_rate(const Rate& r, double index_value) {
  if (r.is_fixed) return r.fixed;
  return (index_value > r.floor ? index_value : r.floor) + r.spread;
}

// Scheduled principal at the end of period k on `balance` (after that period's draws).
double principal_due(const Debt& d, const DebtTerms& terms, int k, double balance);

}  // namespace tinderbox
