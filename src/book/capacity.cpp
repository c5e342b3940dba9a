#include "book/capacity.h"

#include <cmath>

namespace tinderbox {
namespace {

int month_index(Date d) {
  const Ymd x = ymd(d);
  return x.year * 12 + (x.month - 1);
}

// `d` plus `months`, kept inside the supported range (a delivery that would fall beyond it is
// beyond any run).
int plus_months(Date d, int months) {
  const auto x = add_months(d, months);
  return x ? x->serial : kOpenTerm;
}

// An owned site's build cost, spread by days over [construction_start, delivery) (the schedule
// as written: delays move the power, not the spending), or paid whole in the period of the
// delivery without a construction start. What falls before the run is history.
std::vector<double> build_costs(const Site& s, const Timeline& t) {
  std::vector<double> out(static_cast<std::size_t>(t.periods), 0.0);
  const double total = s.mw * s.capex_per_mw;
  if (total <= 0) return out;
  if (!s.construction_start) {
    const int k = t.period_of(s.delivery);
    if (k >= 0 && k < t.periods) out[static_cast<std::size_t>(k)] = total;
    return out;
  }
  const double days = s.delivery - *s.construction_start;
  for (int k = 0; k < t.periods; ++k)
    out[static_cast<std::size_t>(k)] =
        total * t.overlap_days(k, *s.construction_start, s.delivery - 1) / days;
  return out;
}

}  // namespace

SitePlan lay_out_site(const Site& s, const Timeline& t) {
  SitePlan p;
  p.mw = s.mw;
  p.it_share = 1.0 / s.pue;
  p.rate = s.type == SiteType::Owned ? 0.0 : s.payment_per_mw_per_period;
  p.hosted = s.type == SiteType::Hosted;
  p.escalates = s.escalator != 0;
  p.start_month = month_index(t.starts.front());
  p.months_per_period = t.months_per_period;
  const int delay0 = s.delay_months;
  const auto first = add_months(s.delivery, delay0);
  const Date from = first ? *first : Date{kOpenTerm};
  p.delivery_month = first ? month_index(from) : INT_MAX / 2;
  p.after_first = first && ymd(from).day > 1;
  // Delays beyond the run's last month deliver nothing within it.
  const int last_month = month_index(t.starts.back());
  const int delays = first ? std::max(1, last_month - p.delivery_month + 2) : 0;
  for (int d = 0; d < delays; ++d) {
    const int on = plus_months(s.delivery, delay0 + d);
    p.delivery.push_back(on);
    p.ramp_days.push_back(on == kOpenTerm ? 0 : plus_months(Date{on}, s.ramp_months) - on);
    p.term_end.push_back(on == kOpenTerm || s.term_months == 0 ? kOpenTerm
                                                                : plus_months(Date{on}, s.term_months));
  }
  // Whole years from the delivery to the run's last period, at most.
  const int years = first ? std::max(0, last_month - p.delivery_month) / 12 + 1 : 0;
  for (int y = 0; y <= years; ++y) p.step_up.push_back(std::pow(1.0 + s.escalator, y));

  p.build = build_costs(s, t);
  p.reimbursement.assign(static_cast<std::size_t>(t.periods), 0.0);
  for (const auto& [date, amount] : s.reimbursement) {
    const int k = t.period_of(date);
    if (k >= 0 && k < t.periods) p.reimbursement[static_cast<std::size_t>(k)] += amount;
  }
  for (int k = 0; k < t.periods; ++k) {
    const SiteInPeriod x = site_in_period_exact(p, 0, t.periods, k, t);
    p.active_mw.push_back(x.mw);
    p.payment.push_back(x.payment);
  }
  if ((s.delay && s.delay->probability > 0) || s.type == SiteType::Hosted) {
    p.periods = t.periods;
    for (int d = 0; d < static_cast<int>(p.delivery.size()); ++d)
      for (int k = 0; k < t.periods; ++k)
        p.by_delay.push_back(site_in_period_exact(p, d, t.periods, k, t));
  }
  return p;
}

double site_level_at(const SitePlan& s, int delay, int stop, int day, const Timeline& t,
                     int& full) {
  full = kOpenTerm;
  if (delay >= static_cast<int>(s.delivery.size())) return 0.0;
  const auto d = static_cast<std::size_t>(delay);
  const int from = s.delivery[d], ramp = s.ramp_days[d];
  const bool stopped = stop < t.periods;
  const int frozen = stopped ? t.starts[static_cast<std::size_t>(stop)].serial : kOpenTerm;
  if (!stopped || frozen >= from + ramp) full = from + ramp;
  // The end of `day` is the start of the next one.
  return ramp_level(std::min(day + 1, frozen) - from, ramp);
}

}  // namespace tinderbox
