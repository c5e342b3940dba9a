#include "report/simulation.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "market/market_path.h"
#include "sim/risk.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;

constexpr double kTail = 0.99;  // the level of VaR and ES
constexpr struct {
  const char* name;
  double q;
} kCashQuantiles[] = {{"p05", 0.05}, {"p25", 0.25}, {"p50", 0.50}, {"p75", 0.75}, {"p95", 0.95}};

json or_null(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }

json entity_json(const Plan& plan, const SimLayout& layout, const Tally& t, std::size_t i) {
  const int n = plan.timeline.periods;
  const double paths = double(t.paths);
  json pd = json::array(), se = json::array();
  std::vector<std::int64_t> histogram;
  std::int64_t defaulted = 0;
  for (int k = 0; k < n; ++k) {
    const std::int64_t c = t.defaults[i * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)];
    histogram.push_back(c);
    defaulted += c;
    const double p = double(defaulted) / paths;
    pd.push_back(p);
    se.push_back(std::sqrt(p * (1 - p) / paths));
  }
  json e = {{"pd", pd}, {"pd_se", se}};
  if (layout.has_books[i]) {
    json cash;
    for (const auto& q : kCashQuantiles) {
      json v = json::array();
      for (int k = 0; k < n; ++k)
        v.push_back(t.cash[i * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)].quantile(q.q));
      cash[q.name] = v;
    }
    e["cash_quantiles"] = cash;
  }
  // Runway in months: to the end of the default period; null when the quantile's paths have
  // not defaulted within the horizon.
  json runway;
  for (const auto& [name, q] : {std::pair{"p05", 0.05}, {"p50", 0.50}, {"p95", 0.95}}) {
    const auto k = censored_quantile(histogram, t.paths, q);
    runway[name] = or_null(k ? std::optional<int>((*k + 1) * plan.timeline.months_per_period)
                             : std::nullopt);
  }
  e["runway_quantiles"] = runway;
  return e;
}

json loss_json(std::vector<double>& losses, std::int64_t paths) {
  const LossMeasures m = loss_measures(losses, paths, kTail);
  return {{"el", m.mean}, {"var99", m.var}, {"es99", m.es},
          {"p_loss", double(losses.size()) / double(paths)}};
}

}  // namespace

json simulation_to_json(const Plan& plan, const SimLayout& layout, Tally& t, std::uint32_t seed) {
  const Scenario& s = *plan.scenario;
  const int n = plan.timeline.periods;
  json dates = json::array();
  for (Date d : plan.timeline.ends) dates.push_back(format_date(d));
  json j = {{"scenario", s.name}, {"paths", t.paths}, {"seed", seed}, {"horizon", n},
            {"dates", dates}};
  json entities = json::object();
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    entities[s.entities[i].id] = entity_json(plan, layout, t, i);
  j["entities"] = entities;
  json lenders = json::object();
  for (std::size_t l = 0; l < layout.lenders.size(); ++l)
    lenders[layout.lenders[l]] = loss_json(t.lender_loss[l], t.paths);
  j["lenders"] = lenders;
  json system = loss_json(t.system_loss, t.paths);
  json hist = json::array();
  for (std::int64_t c : t.default_count) hist.push_back(double(c) / double(t.paths));
  j["system"] = {{"loss_mean", system["el"]}, {"loss_var99", system["var99"]},
                 {"loss_es99", system["es99"]}, {"default_count_hist", hist}};
  // Beyond SPEC §4 (issue 5): the losses of each creditor class, docs/cli.md.
  json classes = json::object();
  for (int c = 0; c < kCreditorClasses; ++c)
    classes[creditor_class_name(static_cast<CreditorClass>(c))] =
        loss_json(t.class_loss[static_cast<std::size_t>(c)], t.paths);
  j["creditor_classes"] = classes;
  j["fire_sale_unsettled_periods"] = t.unsettled_periods;
  json market = json::object();
  const auto deterministic = deterministic_market(s, plan.timeline);
  for (std::size_t d = 0; d < layout.drivers.size(); ++d) {
    const SimLayout::Driver& drv = layout.drivers[d];
    json mean = json::array(), sd = json::array();
    for (int k = 0; k < n; ++k) {
      const double base = drv.kind == SimLayout::Driver::Rate  ? deterministic.rate_at(drv.index, k)
                          : drv.kind == SimLayout::Driver::Gpu ? deterministic.rent_at(drv.index, k)
                                                               : 0.0;
      const std::size_t at = d * static_cast<std::size_t>(n) + static_cast<std::size_t>(k);
      const double m1 = t.driver_sum[at].value() / double(t.paths);
      const double m2 = t.driver_sum2[at].value() / double(t.paths);
      mean.push_back(base + m1);
      // The population sd over paths (sums of deviations from the curve keep it precise).
      sd.push_back(std::sqrt(std::max(0.0, m2 - m1 * m1)));
    }
    market[drv.name] = {{"mean", mean}, {"sd", sd}};
  }
  j["market"] = market;
  return j;
}

void write_simulation_summary(const json& j, std::ostream& out) {
  const std::size_t n = j["dates"].size();
  out << fmt::format("{}: {} paths, seed {}, {} periods to {}\n", j["scenario"].get<std::string>(),
                     j["paths"].get<std::int64_t>(), j["seed"].get<std::uint32_t>(), n,
                     j["dates"].back().get<std::string>());
  out << "\nProbability of default by (standard error), and cash at the period end, $M:\n";
  for (const auto& [id, e] : j["entities"].items()) {
    const auto& pd = e["pd"];
    if (pd.back().get<double>() == 0 && !e.contains("cash_quantiles")) continue;
    out << fmt::format("  {}\n", id);
    const std::size_t step = n >= 24 ? 12 : 1;
    for (std::size_t k = step - 1; k < n; k += step) {
      std::string line = fmt::format("    {}  PD {:6.2f} % (±{:.2f})", j["dates"][k].get<std::string>(),
                                     100 * pd[k].get<double>(), 100 * e["pd_se"][k].get<double>());
      if (e.contains("cash_quantiles")) {
        const auto& c = e["cash_quantiles"];
        line += fmt::format("   cash p05 {:>9.1f}  p50 {:>9.1f}  p95 {:>9.1f}",
                            c["p05"][k].get<double>(), c["p50"][k].get<double>(),
                            c["p95"][k].get<double>());
      }
      out << line << "\n";
    }
    const auto months = [](const json& v) {
      return v.is_null() ? std::string("beyond the horizon") : fmt::format("{} months", v.get<int>());
    };
    if (!e.contains("cash_quantiles")) continue;  // a reduced-form party has no runway
    const auto& r = e["runway_quantiles"];
    out << fmt::format("    runway: p05 {}, p50 {}, p95 {}\n", months(r["p05"]), months(r["p50"]),
                       months(r["p95"]));
  }
  out << "\nLenders' losses to the horizon, $M (EL, 99 % VaR and expected shortfall):\n";
  for (const auto& [name, l] : j["lenders"].items())
    out << fmt::format("  {:<24} EL {:>9.2f}   VaR99 {:>9.1f}   ES99 {:>9.1f}   P(loss) {:.2f} %\n",
                       name, l["el"].get<double>(), l["var99"].get<double>(), l["es99"].get<double>(),
                       100 * l["p_loss"].get<double>());
  const auto& s = j["system"];
  out << fmt::format("  {:<24} EL {:>9.2f}   VaR99 {:>9.1f}   ES99 {:>9.1f}\n", "all lenders",
                     s["loss_mean"].get<double>(), s["loss_var99"].get<double>(),
                     s["loss_es99"].get<double>());
  out << "\nLosses by creditor class, $M:\n";
  for (const auto& [name, l] : j["creditor_classes"].items())
    out << fmt::format("  {:<24} EL {:>9.2f}   VaR99 {:>9.1f}   ES99 {:>9.1f}   P(loss) {:.2f} %\n",
                       name, l["el"].get<double>(), l["var99"].get<double>(),
                       l["es99"].get<double>(), 100 * l["p_loss"].get<double>());
  const auto unsettled = j["fire_sale_unsettled_periods"].get<std::int64_t>();
  if (unsettled > 0)
    out << fmt::format("\nwarning: in {} period{} (summed over paths) the fire sales had not settled "
                       "when network.max_rounds stopped the passes; the last pass is reported\n",
                       unsettled, unsettled == 1 ? "" : "s");
}

}  // namespace tinderbox
