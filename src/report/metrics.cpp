#include "report/metrics.h"

#include <map>


namespace tinderbox {
namespace {

// Each block's revenue by customer: contract revenue (penalties netted) from the ledger.
std::vector<std::map<std::string, double>> revenue_by_customer(const RunResult& r, int entity) {
  const Entity& e = r.scenario->entities[static_cast<std::size_t>(entity)];
  const int per_year = r.plan.timeline.periods_per_year;
  std::vector<std::map<std::string, double>> out(
      static_cast<std::size_t>((r.plan.timeline.periods + per_year - 1) / per_year));
  for (const Flow& f : r.flows)
    if (f.entity == entity && f.kind == FlowKind::Revenue && f.source == Source::Contract)
      out[static_cast<std::size_t>(f.period / per_year)]
         [e.contracts[static_cast<std::size_t>(f.index)].customer.name] += f.amount;
  return out;
}

void concentration(YearFigures& y, const std::map<std::string, double>& customers) {
  if (y.revenue <= 0 || customers.empty()) return;
  double hhi = 0, top = 0;
  for (const auto& [name, amount] : customers) {
    const double share = amount / y.revenue;
    hhi += share * share;
    if (amount > top || y.top_customer.empty()) {
      top = amount;
      y.top_customer = name;
    }
  }
  y.top_customer_share = top / y.revenue;
  y.hhi = hhi;
}

}  // namespace

Metrics compute_metrics(const RunResult& r, int entity) {
  const Entity& e = r.scenario->entities[static_cast<std::size_t>(entity)];
  const EntitySeries& s = r.entities[static_cast<std::size_t>(entity)];
  const Timeline& t = r.plan.timeline;
  const int per_year = r.plan.timeline.periods_per_year;
  Metrics m;
  const auto customers = revenue_by_customer(r, entity);

  for (int k0 = 0; k0 < t.periods; k0 += per_year) {
    const int k1 = std::min(t.periods, k0 + per_year);  // exclusive
    YearFigures y;
    y.end = t.ends[static_cast<std::size_t>(k1 - 1)];
    y.months = (k1 - k0) * t.months_per_period;
    // Capacity averages count the periods in which the entity still operated.
    const int operated = std::max(1, std::min(k1, s.default_period.value_or(k1 - 1) + 1) - k0);
    for (int k = k0; k < k1; ++k) {
      const PeriodFigures& f = s.periods[static_cast<std::size_t>(k)];
      y.revenue += f.revenue;
      y.ebitda += f.ebitda;
      y.interest += f.interest_expense;
      y.principal += f.principal;
      y.capex += f.capex;
      y.free_cash_flow += free_cash_flow(f);
      y.powered_utilization += f.powered_utilization / operated;
      y.idle_gpus += f.idle_gpus / operated;
      y.revenue_lost_capacity += f.revenue_lost_capacity;
    }
    const PeriodFigures& last = s.periods[static_cast<std::size_t>(k1 - 1)];
    y.cash = last.cash;
    y.debt = last.debt;
    y.collateral_market = last.collateral_market;
    // Capacity at the block's end, or at the last period the entity operated in.
    const PeriodFigures& open =
        s.periods[static_cast<std::size_t>(std::min(k1 - 1, std::max(k0, s.default_period.value_or(k1 - 1))))];
    y.active_mw = open.active_mw;
    y.contracted_mw = open.contracted_mw;
    concentration(y, customers[static_cast<std::size_t>(k0 / per_year)]);
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
  if (const auto k = r.dry_runways().at(static_cast<std::size_t>(entity))) {
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
    // A default in the block writes the debt off (its series shows none after), so the block's
    // closing debt would read 0x: undefined, as LTV is without a fleet.
    const int y1_end = std::min(t.periods, per_year);
    const bool defaulted = s.default_period && *s.default_period < y1_end;
    if (y1.ebitda > 0 && !defaulted) m.debt_to_ebitda = y1.debt / y1.ebitda;
    if (y1.interest > 0) m.interest_coverage = y1.ebitda / y1.interest;
  }
  return m;
}

}  // namespace tinderbox
