#include "report/json_output.h"

#include <cmath>

#include "report/describe.h"
#include "report/metrics.h"
#include "report/network_report.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;

json opt(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// A member pointer per series keeps the names and the figures in one table.
struct SeriesField {
  const char* name;
  double PeriodFigures::*field;
};
constexpr SeriesField kSeries[] = {
    {"cash", &PeriodFigures::cash},
    {"revenue", &PeriodFigures::revenue},
    {"ebitda", &PeriodFigures::ebitda},
    {"interest", &PeriodFigures::interest_expense},
    {"principal", &PeriodFigures::principal},
    {"debt", &PeriodFigures::debt},
    {"collateral_book", &PeriodFigures::collateral_book},
    {"collateral_market", &PeriodFigures::collateral_market},
    // Beyond SPEC §3's eight, documented in docs/cli.md:
    {"power", &PeriodFigures::power},
    {"opex", &PeriodFigures::opex},
    {"sga", &PeriodFigures::sga},
    {"lease", &PeriodFigures::lease},
    {"capex", &PeriodFigures::capex},
    {"draws", &PeriodFigures::draws},
    {"equity", &PeriodFigures::equity},
    {"interest_paid", &PeriodFigures::interest_paid},
    {"prepayments", &PeriodFigures::prepayments},
    {"debt_service", &PeriodFigures::service},
    {"shares", &PeriodFigures::shares},
};
// Capacity, for entities with sites (docs/cli.md).
constexpr SeriesField kCapacitySeries[] = {
    {"active_mw", &PeriodFigures::active_mw},
    {"contracted_mw", &PeriodFigures::contracted_mw},
    {"powered_utilization", &PeriodFigures::powered_utilization},
    {"idle_gpus", &PeriodFigures::idle_gpus},
    {"revenue_lost_capacity", &PeriodFigures::revenue_lost_capacity},
};
// Network series (scenarios with links between modelled entities), docs/cli.md.
constexpr SeriesField kNetworkSeries[] = {
    {"purchases", &PeriodFigures::purchases},
    {"received", &PeriodFigures::received},
    {"loans_held", &PeriodFigures::loans_held},
    {"stakes_value", &PeriodFigures::stakes_value},
    {"liabilities", &PeriodFigures::liabilities},
    {"nav", &PeriodFigures::nav},
    {"mark", &PeriodFigures::mark},
    {"diluted", &PeriodFigures::diluted},
};

json metrics_json(const RunResult& r, int entity) {
  const Metrics m = compute_metrics(r, entity);
  json j;
  j["runway_months"] = m.runway_months ? json(*m.runway_months) : json(nullptr);
  j["runway_no_new_money_months"] = m.dry_runway_months ? json(*m.dry_runway_months) : json(nullptr);
  j["runway_no_new_money_date"] =
      m.dry_runway_date ? json(format_date(*m.dry_runway_date)) : json(nullptr);
  j["runway_date"] = m.runway_date ? json(format_date(*m.runway_date)) : json(nullptr);
  j["price_to_sales"] = opt(m.price_to_sales);
  j["ev_to_revenue"] = opt(m.ev_to_revenue);
  j["debt_to_ebitda"] = opt(m.debt_to_ebitda);
  j["interest_coverage"] = opt(m.interest_coverage);
  j["rule_of_40"] = m.years.empty() ? json(nullptr) : opt(m.years.front().rule_of_40);
  const bool sites = !r.scenario->entities[static_cast<std::size_t>(entity)].sites.empty();
  json years = json::array();
  for (const YearFigures& y : m.years) {
    json year = {{"end", format_date(y.end)}, {"months", y.months}, {"revenue", y.revenue},
                 {"ebitda", y.ebitda}, {"interest", y.interest}, {"principal", y.principal},
                 {"capex", y.capex}, {"free_cash_flow", y.free_cash_flow}, {"cash", y.cash},
                 {"debt", y.debt}, {"ltv", opt(y.ltv)},
                 {"revenue_growth", opt(y.revenue_growth)}, {"rule_of_40", opt(y.rule_of_40)},
                 {"top_customer", y.top_customer.empty() ? json(nullptr) : json(y.top_customer)},
                 {"top_customer_share", opt(y.top_customer_share)}, {"hhi", opt(y.hhi)}};
    if (sites) {
      year["active_mw"] = y.active_mw;
      year["contracted_mw"] = y.contracted_mw;
      year["powered_utilization"] = y.powered_utilization;
      year["idle_gpus"] = y.idle_gpus;
      year["revenue_lost_capacity"] = y.revenue_lost_capacity;
    }
    years.push_back(year);
  }
  j["years"] = years;
  return j;
}

}  // namespace

json run_to_json(const RunResult& r) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  json out;
  out["scenario"] = s.name;
  out["start"] = format_date(s.start);
  out["period"] = s.period == PeriodKind::Month ? "month" : "quarter";
  out["horizon"] = s.horizon;
  json dates = json::array();
  for (Date d : t.ends) dates.push_back(format_date(d));
  out["dates"] = dates;

  json entities = json::object();
  for (std::size_t i = 0; i < s.entities.size(); ++i) {
    const EntitySeries& es = r.entities[i];
    json series;
    for (const SeriesField& f : kSeries) {
      json v = json::array();
      for (const PeriodFigures& p : es.periods) v.push_back(p.*(f.field));
      series[f.name] = v;
    }
    if (!s.entities[i].sites.empty())
      for (const SeriesField& f : kCapacitySeries) {
        json v = json::array();
        for (const PeriodFigures& p : es.periods) v.push_back(p.*(f.field));
        series[f.name] = v;
      }
    if (r.plan.network.linked)
      for (const SeriesField& f : kNetworkSeries) {
        json v = json::array();
        for (const PeriodFigures& p : es.periods) v.push_back(p.*(f.field));
        series[f.name] = v;
      }
    json def = nullptr;
    if (es.default_period) {
      std::string reason;
      for (const Event& ev : r.events)
        if (ev.entity == static_cast<int>(i) && ev.type == EventType::Default)
          reason = event_detail(s, ev);
      json recovered = json::array();
      for (const Event& ev : r.events)
        if (ev.entity == static_cast<int>(i) && ev.type == EventType::Recovery)
          recovered.push_back({{"instrument", instrument_name(s, ev.entity, ev.source, ev.index)},
                               {"claim", ev.limit},
                               {"recovered", ev.value},
                               {"loss", ev.limit - ev.value}});
      def = {{"date", format_date(t.ends[static_cast<std::size_t>(*es.default_period)])},
             {"reason", reason},
             {"recoveries", recovered}};
      if (r.plan.network.linked)
        for (const Event& ev : r.events)
          if (ev.entity == static_cast<int>(i) && ev.type == EventType::Default) {
            def["cause"] = cause_name(ev.cause);
            def["round"] = ev.round;
          }
    }
    entities[s.entities[i].id] = {{"series", series}, {"default", def},
                                  {"metrics", metrics_json(r, static_cast<int>(i))}};
  }
  out["entities"] = entities;

  json events = json::array();
  for (const Event& ev : r.events)
    events.push_back({{"date", format_date(t.ends[static_cast<std::size_t>(ev.period)])},
                      {"entity", s.entities[static_cast<std::size_t>(ev.entity)].id},
                      {"instrument", instrument_name(s, ev.entity, ev.source, ev.index)},
                      {"type", event_type_name(ev.type)},
                      {"detail", event_detail(s, ev)}});
  out["events"] = events;
  if (r.plan.network.linked) out["network"] = network_json(r, network_report(r));
  return out;
}

}  // namespace tinderbox
