// A loan's or bond's contractual terms laid out on the period grid, once per run.
#pragma once

#include <algorithm>
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
  std::vector<std::uint8_t> can_draw;     // [k]: a draw at the end of period k is allowed
  std::vector<std::uint8_t> fee_accrues;  // [k]: the undrawn fee accrues through period k
  std::vector<std::uint8_t> annual_fee_due;  // [k]: an annual fee falls at the end of period k
  int upfront_period = -1;          // the period containing `signed`, when the fee is paid
  // Per-draw maturities (draw_term_months > 0), for a draw at the end of period k:
  std::vector<int> tranche_maturity;  // [k]: the period its tranche matures in; n = beyond
  std::vector<int> tranche_payments;  // [k]: its payment dates after the draw, maturity included
  DayCount day_count = DayCount::Act360;  // year fractions come from Timeline::yf
  double percent_amount = 0;        // `percent`: per_payment x original outstanding
};

DebtTerms lay_out_debt(const Debt& d, const Timeline& t);

// The coupon rate of an accrual whose first day has the index values `index` and `alternate`
// (ignored where the rate has none): max(floor, index) + spread, or the alternate base rate's
// own max(floor, index) + spread, as the rate's choice says.
inline double coupon_rate(const Rate& r, double index, double alternate) {
  if (r.is_fixed) return r.fixed;
  const double primary = (index > r.floor ? index : r.floor) + r.spread;
  if (r.alt_index < 0) return primary;
  const double alt = (alternate > r.alt_floor ? alternate : r.alt_floor) + r.alt_spread;
  switch (r.choice) {
    case RateChoice::Primary: return primary;
    case RateChoice::Alternate: return alt;
    case RateChoice::Lower: return primary < alt ? primary : alt;
    case RateChoice::Higher: return primary > alt ? primary : alt;
  }
  return primary;
}

// A drawn tranche of a loan with per-draw maturities.
struct Tranche {
  double balance = 0;
  int drawn_period = 0;     // drawn at this period's end: nothing is due on it then
  int maturity_period = 0;  // may be beyond the horizon
  int payments_left = 0;    // payment dates left, maturity included
  double premium = 0;       // its spread over the loan's own (contract-priced draws)
};

// Scheduled principal of a drawn tranche at the end of period k (a payment date or not).
inline double tranche_due(const Debt& d, const DebtTerms& terms, int k, const Tranche& t) {
  if (t.balance <= 0 || k <= t.drawn_period) return 0.0;
  if (k == t.maturity_period) return t.balance;
  if (!terms.pays[static_cast<std::size_t>(k)] || d.draw_amortization != AmortStyle::Level)
    return 0.0;
  return t.balance / std::max(1, t.payments_left);
}

// Scheduled principal at the end of period k on `balance` (after that period's draws). Inline:
// the period loop asks it of every loan on each of its payment dates.
inline double principal_due(const Debt& d, const DebtTerms& terms, int k, double balance) {
  const auto i = static_cast<std::size_t>(k);
  if (balance <= 0 || !terms.pays[i]) return 0.0;
  if (k == terms.maturity_period) return balance;
  double due = 0.0;
  switch (d.amortization.style) {
    case AmortStyle::Bullet: break;
    case AmortStyle::Level:
      if (terms.amortizes[i]) due = balance / terms.payments_left[i];
      break;
    case AmortStyle::Percent:
      if (terms.amortizes[i]) due = terms.percent_amount;
      break;
    case AmortStyle::Schedule: due = terms.scheduled[i]; break;
  }
  return std::min(due, balance);
}

}  // namespace tinderbox
