#include "store/record.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "market/market_path.h"
#include "report/describe.h"
#include "report/ledger_csv.h"
#include "report/json_output.h"

namespace tinderbox::store {
namespace {

using json = nlohmann::ordered_json;

Value text_or_null(const std::string& s) { return s.empty() ? Value{} : Value{s}; }
Value int_value(std::int64_t i) { return Value{i}; }
template <class T>
Value opt_value(const std::optional<T>& v) {
  if (!v) return Value{};
  if constexpr (std::is_integral_v<T>)
    return Value{static_cast<std::int64_t>(*v)};
  else
    return Value{static_cast<double>(*v)};
}

// A JSON number, or NULL for JSON null.
Value number(const json& v) {
  if (v.is_null()) return Value{};
  if (v.is_number_integer()) return Value{v.get<std::int64_t>()};
  return Value{v.get<double>()};
}
Value real(const json& v) { return v.is_null() ? Value{} : Value{v.get<double>()}; }
// A member that may be absent (a year's capacity figures exist for entities with sites only).
Value real_member(const json& o, const char* key) {
  return o.contains(key) ? real(o[key]) : Value{};
}

Row runs_row(const RunInfo& info, const Scenario* s) {
  const char* period = s && s->period == PeriodKind::Quarter ? "quarter" : "month";
  return Row{info.created_at.empty() ? utc_now() : info.created_at,
             info.command,
             info.command_line,
             s ? Value{s->name} : Value{},
             text_or_null(info.scenario_source),
             info.files.empty() ? Value{} : Value{scenario_sha256(info.files)},
             opt_value(info.seed),
             opt_value(info.paths),
             std::string(TINDERBOX_VERSION),
             s ? Value{format_date(s->start)} : Value{},
             s ? Value{std::string(period)} : Value{},
             s ? Value{std::int64_t{s->horizon}} : Value{}};
}

void write_files(ResultSink& sink, const RunInfo& info) {
  for (std::size_t i = 0; i < info.files.size(); ++i)
    sink.row(Table::ScenarioFiles, {int_value(static_cast<std::int64_t>(i)), info.files[i].name,
                                    sha256_hex(info.files[i].text), info.files[i].text});
}

// The ledger as write_ledger_csv splits it (one row per lender of a debt flow), unrounded.
void write_ledger(ResultSink& sink, const RunResult& r) {
  std::int64_t seq = 0;
  for_each_ledger_row(r, [&](const LedgerRow& x) {
    sink.row(Table::Ledger, {++seq, x.date, x.entity, x.instrument, x.counterparty,
                             std::string(x.kind), x.amount});
  });
}

void write_events(ResultSink& sink, const RunResult& r) {
  const Scenario& s = *r.scenario;
  std::int64_t seq = 0;
  for (const Event& ev : r.events)
    sink.row(Table::Events,
             {++seq, int_value(ev.period),
              format_date(r.plan.timeline.ends[static_cast<std::size_t>(ev.period)]),
              s.entities[static_cast<std::size_t>(ev.entity)].id,
              instrument_name(s, ev.entity, ev.source, ev.index),
              std::string(event_type_name(ev.type)), event_detail(s, ev), ev.value, ev.limit});
}

void write_series(ResultSink& sink, const RunResult& r, const json& entity_json, std::size_t e) {
  const Timeline& t = r.plan.timeline;
  const std::string& id = r.scenario->entities[e].id;
  const auto put = [&](const std::string& name, const auto& values) {
    for (int k = 0; k < t.periods; ++k)
      sink.row(Table::Series, {id, name, int_value(k), format_date(t.ends[static_cast<std::size_t>(k)]),
                               static_cast<double>(values[static_cast<std::size_t>(k)])});
  };
  for (const auto& [name, values] : entity_json["series"].items())
    put(name, values.get<std::vector<double>>());
  std::vector<double> fire_sale;
  for (const PeriodFigures& f : r.entities[e].periods) fire_sale.push_back(f.collateral_fire_sale);
  put("collateral_fire_sale", fire_sale);
}

void write_metrics(ResultSink& sink, const std::string& id, const json& m) {
  for (const auto& [name, v] : m.items()) {
    if (name == "years") continue;
    sink.row(Table::Metrics, {id, name, v.is_number() ? number(v) : Value{},
                              v.is_string() ? Value{v.get<std::string>()} : Value{}});
  }
  for (const json& y : m["years"])
    sink.row(Table::Years, {id, y["end"].get<std::string>(), number(y["months"]),
                            real(y["revenue"]), real(y["ebitda"]), real(y["interest"]),
                            real(y["principal"]), real(y["capex"]), real(y["free_cash_flow"]),
                            real(y["cash"]), real(y["debt"]), real(y["ltv"]),
                            real(y["revenue_growth"]), real(y["rule_of_40"]),
                            y["top_customer"].is_null() ? Value{}
                                                        : Value{y["top_customer"].get<std::string>()},
                            real(y["top_customer_share"]), real(y["hhi"]),
                            real_member(y, "active_mw"), real_member(y, "contracted_mw"),
                            real_member(y, "powered_utilization"), real_member(y, "idle_gpus"),
                            real_member(y, "revenue_lost_capacity")});
}

void write_terms(ResultSink& sink, const RunResult& r) {
  const Scenario& s = *r.scenario;
  const auto balances = debt_balances(r);
  static constexpr const char* kTypes[] = {"term_loan", "bond", "revolver", "convertible"};
  for (std::size_t e = 0; e < s.entities.size(); ++e)
    for (std::size_t d = 0; d < s.entities[e].debt.size(); ++d) {
      const Debt& debt = s.entities[e].debt[d];
      sink.row(Table::Debts, {s.entities[e].id, debt.id, std::string(kTypes[static_cast<int>(debt.type)]),
                              format_date(debt.maturity), debt.commitment,
                              balances[e][d].empty() ? debt.outstanding : balances[e][d].back()});
    }
  for (const Entity& e : s.entities)
    for (const Debt& d : e.debt)
      for (const CovenantTest& c : d.covenants.tests) {
        sink.row(Table::Covenants, {e.id, d.id, std::string(covenant_kind_name(c.kind)),
                                    c.limit, c.from ? Value{format_date(*c.from)} : Value{},
                                    int_value(c.every)});
      }
  for (const GpuMarket& g : s.market.gpus)
    sink.row(Table::GpuMarkets,
             {g.name, g.liquidation_haircut, g.economic_life_years, g.reference_utilization});
}

// The scenario's own curves, as the Monte Carlo `market` moments would be with no randomness.
void write_base_market(ResultSink& sink, const RunResult& r) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  const MarketPath m = deterministic_market(s, t);
  const auto put = [&](const std::string& driver, auto value_at) {
    for (int k = 0; k < t.periods; ++k)
      sink.row(Table::Market, {std::string("base"), driver, int_value(k),
                               format_date(t.starts[static_cast<std::size_t>(k)]), value_at(k), 0.0});
  };
  for (std::size_t i = 0; i < s.market.rates.size(); ++i)
    put(s.market.rates[i].name, [&](int k) { return m.rate_at(static_cast<int>(i), k); });
  for (std::size_t g = 0; g < s.market.gpus.size(); ++g)
    put("gpu." + s.market.gpus[g].name, [&](int k) { return m.rent_at(static_cast<int>(g), k); });
}

void write_network(ResultSink& sink, const NetworkView& v) {
  for (const NetworkNode& n : v.nodes)
    sink.row(Table::NetworkNodes, {n.id, n.kind, int_value(n.modelled ? 1 : 0),
                                   opt_value(n.failed_round), text_or_null(n.failed_date)});
  for (const NetworkEdge& e : v.edges)
    sink.row(Table::NetworkEdges, {e.as_of, e.source, e.target, e.kind, e.instrument, e.amount});
  for (const ContagionStep& c : v.contagion)
    sink.row(Table::Contagion, {opt_value(c.period), text_or_null(c.date), int_value(c.round),
                                c.entity, c.reason, c.detail});
}

void write_base_case(ResultSink& sink, const RunResult& r) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  const json j = run_to_json(r);
  for (int k = 0; k < t.periods; ++k)
    sink.row(Table::Periods, {int_value(k), format_date(t.ends[static_cast<std::size_t>(k)])});
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    const std::string& id = s.entities[e].id;
    const json& ej = j["entities"][id];
    const json& def = ej["default"];
    sink.row(Table::Entities,
             {id, std::string(entity_kind_name(s.entities[e].kind)),
              int_value(r.plan.entities[e].operates ? 1 : 0), opt_value(r.entities[e].default_period),
              def.is_null() ? Value{} : Value{def["date"].get<std::string>()},
              def.is_null() ? Value{} : Value{def["reason"].get<std::string>()}});
    write_series(sink, r, ej, e);
    write_metrics(sink, id, ej["metrics"]);
    if (!def.is_null())
      for (const json& rec : def["recoveries"])
        sink.row(Table::Recoveries, {id, rec["instrument"].get<std::string>(), real(rec["claim"]),
                                     real(rec["recovered"]), real(rec["loss"])});
  }
  write_ledger(sink, r);
  write_events(sink, r);
  write_terms(sink, r);
  write_base_market(sink, r);
  write_network(sink, exposure_network(r));
}

void write_simulation(ResultSink& sink, const json& sim, const Timeline& t) {
  const json& dates = sim["dates"];
  for (const auto& [id, e] : sim["entities"].items()) {
    for (std::size_t k = 0; k < dates.size(); ++k)
      sink.row(Table::Pd, {id, int_value(static_cast<std::int64_t>(k)), dates[k].get<std::string>(),
                           real(e["pd"][k]), real(e["pd_se"][k])});
    if (e.contains("cash_quantiles")) {
      const json& q = e["cash_quantiles"];
      for (std::size_t k = 0; k < dates.size(); ++k)
        sink.row(Table::CashQuantiles,
                 {id, int_value(static_cast<std::int64_t>(k)), dates[k].get<std::string>(),
                  real(q["p05"][k]), real(q["p25"][k]), real(q["p50"][k]), real(q["p75"][k]),
                  real(q["p95"][k])});
    }
    const json& rq = e["runway_quantiles"];
    sink.row(Table::RunwayQuantiles, {id, number(rq["p05"]), number(rq["p50"]), number(rq["p95"])});
  }
  for (const auto& [lender, l] : sim["lenders"].items())
    sink.row(Table::LenderLosses,
             {lender, real(l["el"]), real(l["var99"]), real(l["es99"]), real(l["p_loss"])});
  const json& sys = sim["system"];
  sink.row(Table::SystemLosses,
           {real(sys["loss_mean"]), real(sys["loss_var99"]), real(sys["loss_es99"]),
            int_value(sim["fire_sale_unsettled_periods"].get<std::int64_t>())});
  for (std::size_t n = 0; n < sys["default_count_hist"].size(); ++n)
    sink.row(Table::DefaultCounts,
             {int_value(static_cast<std::int64_t>(n)), real(sys["default_count_hist"][n])});
  // Moments on each period's first day, where the drivers are read (SPEC §4).
  for (const auto& [driver, m] : sim["market"].items())
    for (std::size_t k = 0; k < m["mean"].size(); ++k)
      sink.row(Table::Market, {std::string("paths"), driver, int_value(static_cast<std::int64_t>(k)),
                               format_date(t.starts[k]), real(m["mean"][k]), real(m["sd"][k])});
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string scenario_sha256(const std::vector<ScenarioFile>& files) {
  std::string lines;
  for (const ScenarioFile& f : files) lines += sha256_hex(f.text) + "  " + f.name + "\n";
  return sha256_hex(lines);
}

std::string utc_now() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

std::int64_t store_run(ResultSink& sink, const RunInfo& info, const RunResult& r) {
  const std::int64_t id = sink.begin_run(runs_row(info, r.scenario));
  write_files(sink, info);
  write_base_case(sink, r);
  sink.commit();
  return id;
}

std::int64_t store_simulation(ResultSink& sink, const RunInfo& info, const RunResult& base_case,
                              const json& sim) {
  const std::int64_t id = sink.begin_run(runs_row(info, base_case.scenario));
  write_files(sink, info);
  write_base_case(sink, base_case);
  write_simulation(sink, sim, base_case.plan.timeline);
  sink.commit();
  return id;
}

std::int64_t store_network(ResultSink& sink, const RunInfo& info, const Scenario* scenario,
                           const NetworkView& view) {
  const std::int64_t id = sink.begin_run(runs_row(info, scenario));
  write_files(sink, info);
  write_network(sink, view);
  sink.commit();
  return id;
}

}  // namespace tinderbox::store
