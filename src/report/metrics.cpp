#include "report/metrics.h"

#include "engine/runway.h"

namespace tinderbox {

Metrics compute_metrics(const RunResult& r, int entity) {
  const Entity& e = r.scenario->entities[static_cast<std::size_t>(entity)];
  const EntitySeries& s = r.entities[static_cast<std::size_t>(entity)];
  const Timeline& t = r.plan.timeline;
  const int per_year = r.plan.timeline.periods_per_year;
  Metrics m;

  for (int k0 = 0; k0 < t.periods; k0 += per_year) {
    const int k1 = std::min(t.periods, k0 + per_year);  // exclusive
    YearFigures y;
    y.end = t.ends[static_cast<std::size_t>(k1 - 1)];
    y.months = (k1 - k0) * t.months_per_period;
    for (int k = k0; k < k1; ++k) {
      const PeriodFigures& f = s.periods[static_cast<std::size_t>(k)];
      y.revenue += f.revenue;
      y.ebitda += f.ebitda;
      y.interest += f.interest_expense;
      y.principal += f.principal;
      y.capex += f.capex;
      y.free_cash_flow += free_cash_flow(f);
    }
    const PeriodFigures& last = s.periods[static_cast<std::size_t>(k1 - 1)];
    y.cash = last.cash;
    y.debt = last.debt;
    y.collateral_market = last.collateral_market;
    if (last.collateral_market > 0) y.ltv = last.debt / last.collateral_market;
    const std::optional<double> prior =
        m.years.empty() ? e.revenue_prior_year : std::optional<double>(m.years.back().revenue);
    // Growth compares whole years only.
    if (prior && *prior > 0 && y.months == 12) {
      y.revenue_growth = y.revenue / *prior - 1.0;
      if (y.revenue > 0) y.rule_of_40 = *y.revenue_growth + y.free_cash_flow / y.revenue;
    }
    m.years.push_back(y);
  }

  // A holder found insolvent did not run out of cash: it has no runway.
  bool insolvent = false;
  for (const Event& ev : r.events)
    insolvent = insolvent || (ev.entity == entity && ev.type == EventType::Default &&
                              ev.cause == Cause::Insolvency);
  if (s.default_period && !insolvent) {
    m.runway_months = (*s.default_period + 1) * t.months_per_period;
    m.runway_date = t.ends[static_cast<std::size_t>(*s.default_period)];
  }
  if (const auto k = runway_without_new_money(*r.scenario, entity)) {
    m.dry_runway_months = (*k + 1) * t.months_per_period;
    m.dry_runway_date = t.ends[static_cast<std::size_t>(*k)];
  }
  for (std::size_t i = 0; i < r.events.size(); ++i)
    if (r.events[i].entity == entity && r.events[i].type == EventType::CovenantBreach) {
      m.first_breach = i;
      break;
    }

  if (!m.years.empty()) {
    const YearFigures& y1 = m.years.front();
    double debt0 = 0;
    for (const Debt& d : e.debt) debt0 += d.outstanding;
    if (e.equity_value && y1.revenue > 0) {
      m.price_to_sales = *e.equity_value / y1.revenue;
      m.ev_to_revenue = (*e.equity_value + debt0 - e.cash) / y1.revenue;
    }
    if (y1.ebitda > 0) m.debt_to_ebitda = y1.debt / y1.ebitda;
    if (y1.interest > 0) m.interest_coverage = y1.ebitda / y1.interest;
  }
  return m;
}

}  // namespace tinderbox
