#include "book/operations.h"

#include <algorithm>
#include <cmath>

namespace tinderbox {

double contract_gpu_hours(const Contract& c, const Timeline& t, int k) {
  if (c.gpu < 0) return 0.0;
  return c.gpus * 24.0 * t.overlap_days(k, c.start, c.end);
}

double contract_revenue(const Contract& c, const Timeline& t, int k) {
  if (c.gpu >= 0) return contract_gpu_hours(c, t, k) * c.price_per_gpu_hour / 1e6;
  const int inside = t.overlap_days(k, c.start, c.end);
  return c.amount_per_period * inside / t.days[static_cast<std::size_t>(k)];
}

int whole_years(Date from, Date to) {
  if (to < from) return 0;
  const Ymd a = ymd(from), b = ymd(to);
  int years = b.year - a.year;
  if (b.month < a.month || (b.month == a.month && b.day < a.day)) --years;
  return years;
}

double lease_payment(const Lease& l, const Timeline& t, int k) {
  const int inside = t.overlap_days(k, l.start, l.end);
  if (inside == 0) return 0.0;
  const Date first_day = std::max(l.start, t.starts[static_cast<std::size_t>(k)]);
  const double step_up = std::pow(1.0 + l.escalator, whole_years(l.start, first_day));
  return l.payment_per_period * step_up * inside / t.days[static_cast<std::size_t>(k)];
}

}  // namespace tinderbox
