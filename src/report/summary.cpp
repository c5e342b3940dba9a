#include "report/summary.h"

#include <fmt/format.h>

#include "report/describe.h"
#include "report/metrics.h"
#include "report/network_report.h"

namespace tinderbox {
namespace {

std::string ratio(const std::optional<double>& v, const char* unit) {
  return v ? fmt::format("{:.2f}{}", *v, unit) : std::string("n/a");
}

std::string percent(const std::optional<double>& v) {
  return v ? fmt::format("{:.1f} %", *v * 100) : std::string("n/a");
}

// Capacity (for an entity with sites) and customer concentration, year by year, through the
// year of a default.
void write_operating_picture(const RunResult& r, int i, const Metrics& m, std::ostream& out) {
  const Entity& e = r.scenario->entities[static_cast<std::size_t>(i)];
  const auto& defaulted = r.entities[static_cast<std::size_t>(i)].default_period;
  const int per_year = r.plan.timeline.periods_per_year;
  std::vector<YearFigures> years;
  for (std::size_t y = 0; y < m.years.size(); ++y)
    if (!defaulted || static_cast<int>(y) * per_year <= *defaulted) years.push_back(m.years[y]);
  if (!e.sites.empty()) {
    out << fmt::format("{:<12}{:>10}{:>12}{:>10}{:>12}{:>14}\n", "capacity", "active MW",
                       "contracted", "MW used", "idle GPUs", "revenue lost");
    for (const YearFigures& y : years)
      out << fmt::format("{:<12}{:>10.0f}{:>12.0f}{:>10}{:>12.0f}{:>14.0f}\n",
                         format_date(y.end) + (y.months < 12 ? "*" : ""), y.active_mw,
                         y.contracted_mw, percent(y.powered_utilization), y.idle_gpus,
                         y.revenue_lost_capacity);
  }
  bool any = false;
  for (const YearFigures& y : years) any = any || y.top_customer_share.has_value();
  if (!any) return;
  out << fmt::format("{:<12}  {:<24}{:>8}{:>8}\n", "customers", "largest", "share", "HHI");
  for (const YearFigures& y : years) {
    if (!y.top_customer_share) continue;
    out << fmt::format("{:<12}  {:<24}{:>8}{:>8.3f}\n",
                       format_date(y.end) + (y.months < 12 ? "*" : ""), y.top_customer,
                       percent(y.top_customer_share), *y.hhi);
  }
}

void write_entity(const RunResult& r, int i, std::ostream& out) {
  const Scenario& s = *r.scenario;
  const Entity& e = s.entities[static_cast<std::size_t>(i)];
  const Metrics m = compute_metrics(r, i);
  out << fmt::format("\n{} ({})\n", e.id, entity_kind_name(e.kind));
  out << fmt::format("{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>8}\n", "year to", "revenue",
                     "EBITDA", "interest", "principal", "capex", "cash", "debt", "LTV");
  const auto& series = r.entities[static_cast<std::size_t>(i)];
  for (std::size_t y_index = 0; y_index < m.years.size(); ++y_index) {
    const YearFigures& y = m.years[y_index];
    const int first_period = static_cast<int>(y_index) * r.plan.timeline.periods_per_year;
    if (series.default_period && first_period > *series.default_period) {
      out << fmt::format("{:<12}  defaulted\n", format_date(y.end));
      continue;
    }
    out << fmt::format("{:<12}{:>10.0f}{:>10.0f}{:>10.0f}{:>10.0f}{:>10.0f}{:>10.0f}{:>10.0f}{:>8}\n",
                       format_date(y.end) + (y.months < 12 ? "*" : ""), y.revenue, y.ebitda,
                       y.interest, y.principal, y.capex, y.cash, y.debt,
                       y.ltv ? fmt::format("{:.2f}", *y.ltv) : "n/a");
    if (series.default_period && *series.default_period < first_period + r.plan.timeline.periods_per_year)
      out << fmt::format("{:<12}  defaults on {}; the figures above stop there\n", "",
                         format_date(r.plan.timeline.ends[static_cast<std::size_t>(
                             *series.default_period)]));
  }
  if (!m.years.empty() && m.years.back().months < 12)
    out << fmt::format("  * a part year of {} months\n", m.years.back().months);
  write_operating_picture(r, i, m, out);

  if (m.runway_date)
    out << fmt::format("runway: {} months; cash runs out at {}\n", *m.runway_months,
                       format_date(*m.runway_date));
  else
    out << fmt::format("runway: beyond the horizon ({} months); cash never falls below zero\n",
                       r.plan.timeline.periods * r.plan.timeline.months_per_period);
  if (m.dry_runway_date)
    out << fmt::format("runway absent new money (no raises or draws; committed capex still paid): "
                       "{} months, to {}\n",
                       *m.dry_runway_months, format_date(*m.dry_runway_date));
  else
    out << "runway absent new money (no raises or draws; committed capex still paid): beyond the "
           "horizon\n";
  for (const Event& ev : r.events)
    if (ev.entity == i && ev.type == EventType::Default)
      out << fmt::format("default: {} {}\n",
                         format_date(r.plan.timeline.ends[static_cast<std::size_t>(ev.period)]),
                         event_detail(s, ev));
  for (const Event& ev : r.events)
    if (ev.entity == i && ev.type == EventType::Recovery)
      out << fmt::format("  {}\n", event_detail(s, ev));
  if (m.first_breach) {
    const Event& ev = r.events[*m.first_breach];
    out << fmt::format("first covenant breach: {} on {}: {}\n",
                       format_date(r.plan.timeline.ends[static_cast<std::size_t>(ev.period)]),
                       instrument_name(s, i, ev.source, ev.index), event_detail(s, ev));
  } else {
    out << "first covenant breach: none\n";
  }
  if (e.shares && !r.entities[static_cast<std::size_t>(i)].periods.empty()) {
    const double end = r.entities[static_cast<std::size_t>(i)].periods.back().shares;
    out << fmt::format("shares: {:.1f} M at the start, {:.1f} M at the end (dilution {:.1f} %)\n",
                       *e.shares, end, end > 0 ? 100 * (1 - *e.shares / end) : 0.0);
  }
  const YearFigures* y1 = m.years.empty() ? nullptr : &m.years.front();
  out << fmt::format("year one: P/S {}  EV/revenue {}  debt/EBITDA {}  interest coverage {}  "
                     "Rule of 40 {}\n",
                     ratio(m.price_to_sales, "x"), ratio(m.ev_to_revenue, "x"),
                     ratio(m.debt_to_ebitda, "x"), ratio(m.interest_coverage, "x"),
                     y1 ? percent(y1->rule_of_40) : "n/a");
}

}  // namespace

void write_summary(const RunResult& r, std::ostream& out) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  out << fmt::format("{}: {} {}s from {} ($M)\n", s.name.empty() ? "scenario" : s.name,
                     t.periods, s.period == PeriodKind::Month ? "month" : "quarter",
                     format_date(s.start));
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    if (r.plan.entities[i].operates) write_entity(r, static_cast<int>(i), out);
  if (r.plan.network.linked) write_network_summary(r, network_report(r), out);
}

}  // namespace tinderbox
