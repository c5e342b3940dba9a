#include "book/debt_terms.h"

#include <algorithm>
#include <cassert>

namespace tinderbox {
namespace {

// Payment dates are the month ends first_payment + j * pay months, j >= 0, through maturity.
Date payment_date(const Debt& d, int j) {
  const auto date = add_months(d.first_payment, j * months_of(d.pay));
  assert(date && "the loader checks that maturity is a payment date in range");
  return end_of_month(*date);
}

int months_between(Date a, Date b) {
  const Ymd x = ymd(a), y = ymd(b);
  return (y.year - x.year) * 12 + (y.month - x.month);
}

}  // namespace

DebtTerms lay_out_debt(const Debt& d, const Timeline& t) {
  const auto n = static_cast<std::size_t>(t.periods);
  DebtTerms terms;
  terms.pays.assign(n, 0);
  terms.draws.assign(n, 0.0);
  terms.scheduled.assign(n, 0.0);
  terms.payments_left.assign(n, 0);
  terms.amortizes.assign(n, 0);
  terms.day_count = d.day_count;
  terms.percent_amount = d.amortization.per_payment * d.outstanding;

  const Date amort_from = d.amortization.from.value_or(d.first_payment);
  const int step = months_of(d.pay);
  const int total = months_between(d.first_payment, d.maturity) / step + 1;  // payments in all
  for (int j = 0; j < total; ++j) {
    const Date pd = payment_date(d, j);
    const int k = t.period_ending(pd);
    if (k < 0) continue;  // before the start or after the horizon
    terms.pays[k] = 1;
    terms.payments_left[k] = total - j;
    terms.amortizes[k] = pd >= amort_from;
    if (pd == d.maturity) terms.maturity_period = k;
  }
  // Draws and the undrawn fee end at maturity and at the end of the availability window.
  const bool has_fees = d.fees.annual > 0 || d.fees.annual_minimum > 0;
  for (int k = 0; k < t.periods; ++k) {
    const auto i = static_cast<std::size_t>(k);
    const bool before_maturity = t.ends[i] < d.maturity;
    const bool open_window = (!d.available_until || t.ends[i] <= *d.available_until) &&
                             (!d.available_from || t.ends[i] >= *d.available_from);
    terms.can_draw.push_back(before_maturity && open_window);
    terms.fee_accrues.push_back(before_maturity && d.fees.undrawn > 0 &&
                                (!d.available_until || t.starts[i] <= *d.available_until) &&
                                (!d.available_from || t.ends[i] >= *d.available_from));
    terms.annual_fee_due.push_back(has_fees && t.year_ends[i] && t.ends[i] <= d.maturity);
  }
  if (d.draw_term_months > 0) {
    // A draw at the end of period k: its tranche matures on the first payment date at least
    // draw_term_months later, at the latest at maturity.
    const int mat = months_between(d.first_payment, d.maturity);
    for (int k = 0; k < t.periods; ++k) {
      const auto i = static_cast<std::size_t>(k);
      const int target = months_between(d.first_payment, t.ends[i]) + d.draw_term_months;
      const int j = std::clamp((target + step - 1) / step, 0, mat / step);  // payment index
      const int next = std::max(0, (months_between(d.first_payment, t.ends[i]) + step) / step);
      terms.tranche_payments.push_back(std::max(1, j - next + 1));
      const int period = t.period_ending(payment_date(d, j));
      terms.tranche_maturity.push_back(period >= 0 ? period : t.periods);
    }
  }
  if (d.signed_on && d.fees.upfront > 0) {
    const int k = t.period_of(*d.signed_on);
    if (k >= 0 && k < t.periods) terms.upfront_period = k;
  }
  for (const auto& [date, amount] : d.amortization.schedule) {
    const int k = t.period_ending(date);
    if (k >= 0) terms.scheduled[k] += amount;
  }
  for (const auto& [date, amount] : d.draws) {
    const int k = t.period_of(date);
    if (k >= 0 && k < t.periods) terms.draws[k] += amount;
  }
  return terms;
}

}  // namespace tinderbox
