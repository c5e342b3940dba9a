#include "store/report_data.h"

namespace tinderbox::store {
namespace {

using json = nlohmann::ordered_json;

json to_json(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

// The rows of `sql` (one `?`: the run) as objects keyed by column name.
json rows(Connection& db, const std::string& sql, std::int64_t run) {
  Statement s(db.handle(), sql);
  s.bind(1, run);
  json out = json::array();
  while (s.step()) {
    json row = json::object();
    for (int c = 0; c < s.columns(); ++c) row[s.column_name(c)] = to_json(s.value(c));
    out.push_back(std::move(row));
  }
  return out;
}

// Rows of `t` with every column of this build's schema: those an older database lacks are null.
json with_every_column(json rows, Table t) {
  for (json& row : rows)
    for (const Column& c : table_def(t).columns)
      if (!row.contains(c.name)) row[c.name] = nullptr;
  return rows;
}

json first_row(Connection& db, const std::string& sql, std::int64_t run) {
  json all = rows(db, sql, run);
  return all.empty() ? json(nullptr) : all[0];
}

// {KEY: {NAME: [value by period]}} from rows (key, name, value) in period order.
json grouped_series(Connection& db, const std::string& sql, std::int64_t run) {
  Statement s(db.handle(), sql);
  s.bind(1, run);
  json out = json::object();
  while (s.step()) {
    json& v = out[s.text(0)][s.text(1)];
    if (v.is_null()) v = json::array();
    v.push_back(to_json(s.value(2)));
  }
  return out;
}

// {ENTITY: {p05: [...], ...}} from the wide cash_quantiles table.
json cash_quantiles(Connection& db, std::int64_t run) {
  Statement s(db.handle(),
              "SELECT entity, p05, p25, p50, p75, p95 FROM cash_quantiles WHERE run = ? "
              "ORDER BY entity, period");
  s.bind(1, run);
  json out = json::object();
  static constexpr const char* kNames[] = {"p05", "p25", "p50", "p75", "p95"};
  while (s.step()) {
    json& e = out[s.text(0)];
    for (int q = 0; q < 5; ++q) {
      json& v = e[kNames[q]];
      if (v.is_null()) v = json::array();
      v.push_back(s.real(q + 1));
    }
  }
  return out;
}

json simulation(Connection& db, std::int64_t run) {
  json sim = json::object();
  sim["pd"] = grouped_series(
      db, "SELECT entity, 'pd', pd FROM pd WHERE run = ? ORDER BY entity, period", run);
  const json se = grouped_series(
      db, "SELECT entity, 'pd_se', pd_se FROM pd WHERE run = ? ORDER BY entity, period", run);
  for (const auto& [entity, v] : se.items())
    sim["pd"][entity]["pd_se"] = v["pd_se"];
  sim["cash_quantiles"] = cash_quantiles(db, run);
  sim["runway_quantiles"] =
      rows(db, "SELECT entity, p05, p50, p95 FROM runway_quantiles WHERE run = ? ORDER BY rowid",
           run);
  sim["lenders"] = rows(
      db, "SELECT lender, el, var99, es99, p_loss FROM lender_losses WHERE run = ? ORDER BY rowid",
      run);
  sim["system"] =
      first_row(db,
                "SELECT loss_mean, loss_var99, loss_es99, fire_sale_unsettled_periods "
                "FROM system_losses WHERE run = ?",
                run);
  sim["default_counts"] = rows(
      db, "SELECT defaulted, share FROM default_counts WHERE run = ? ORDER BY defaulted", run);
  return sim;
}

json one_run(Connection& db, std::int64_t run) {
  json r = first_row(db, "SELECT * FROM runs WHERE id = ?", run);
  r["files"] = rows(db, "SELECT name, sha256, text FROM scenario_files WHERE run = ? ORDER BY ord",
                    run);
  json dates = json::array();
  for (const json& p : rows(db, "SELECT date FROM periods WHERE run = ? ORDER BY period", run))
    dates.push_back(p["date"]);
  r["dates"] = dates;
  r["entities"] = rows(db, "SELECT * FROM entities WHERE run = ? ORDER BY rowid", run);
  for (json& e : r["entities"]) {
    e.erase("run");
    json metrics = json::object();
    Statement s(db.handle(), "SELECT name, value, text FROM metrics WHERE run = ? AND entity = ?");
    s.bind(1, run).bind(2, e["entity"].get<std::string>());
    while (s.step()) metrics[s.text(0)] = s.is_null(1) ? to_json(s.value(2)) : to_json(s.value(1));
    e["metrics"] = metrics;
  }
  r["series"] = grouped_series(
      db, "SELECT entity, name, value FROM series WHERE run = ? ORDER BY entity, name, period", run);
  r["years"] = with_every_column(rows(db, "SELECT * FROM years WHERE run = ? ORDER BY rowid", run),
                                 Table::Years);
  r["events"] = rows(db,
                     "SELECT date, entity, instrument, type, detail, value, threshold FROM events "
                     "WHERE run = ? ORDER BY seq",
                     run);
  r["recoveries"] = rows(db, "SELECT * FROM recoveries WHERE run = ? ORDER BY rowid", run);
  // The maturity wall: principal paid (scheduled, at maturity, or early) per instrument and year,
  // by its borrower only. Between modelled entities the ledger books a repayment from both sides
  // (docs/cli.md): the borrower's row on its own debt, − (out), and each lender entity's row,
  // naming the borrower's debt as its instrument, + (in). The sign tells them apart; a join on
  // debts' (entity, instrument) would not, as ids are unique only within an entity, so a lender
  // with a debt of its own of the same id would have its receipts counted as repayments.
  r["principal_by_year"] = rows(
      db,
      "SELECT entity, instrument, substr(date, 1, 4) AS year, -sum(amount) AS amount FROM ledger "
      "WHERE run = ? AND kind IN ('principal', 'prepayment') AND amount < 0 "
      "GROUP BY entity, instrument, year ORDER BY min(seq)",
      run);
  r["debts"] = rows(db, "SELECT * FROM debts WHERE run = ? ORDER BY rowid", run);
  r["covenants"] = rows(db, "SELECT * FROM covenants WHERE run = ? ORDER BY rowid", run);
  r["gpu_markets"] = rows(db, "SELECT * FROM gpu_markets WHERE run = ? ORDER BY rowid", run);
  r["market"] = json::object();
  for (const char* basis : {"base", "paths"}) {
    Statement s(db.handle(),
                "SELECT driver, date, mean, sd FROM market WHERE run = ? AND basis = ? "
                "ORDER BY driver, period");
    s.bind(1, run).bind(2, std::string(basis));
    json m = json::object();
    while (s.step()) {
      json& d = m[s.text(0)];
      if (d.is_null()) d = {{"dates", json::array()}, {"mean", json::array()}, {"sd", json::array()}};
      d["dates"].push_back(s.text(1));
      d["mean"].push_back(s.real(2));
      d["sd"].push_back(s.real(3));
    }
    r["market"][basis] = m;
  }
  const bool simulated = db.scalar("SELECT count(*) FROM pd WHERE run = " + std::to_string(run)) > 0;
  r["simulation"] = simulated ? simulation(db, run) : json(nullptr);
  r["network"] = {
      {"nodes", rows(db, "SELECT node, kind, modelled, failed_round, failed_date FROM network_nodes "
                         "WHERE run = ? ORDER BY rowid",
                     run)},
      {"edges", rows(db, "SELECT as_of, source, target, kind, instrument, amount FROM "
                         "network_edges WHERE run = ? ORDER BY rowid",
                     run)}};
  // In date order, so the table reads as the cascade; rounds count from 0 again in each period.
  r["contagion"] = rows(db,
                        "SELECT period, date, round, entity, reason, detail FROM contagion "
                        "WHERE run = ? ORDER BY period, round, rowid",
                        run);
  return r;
}

}  // namespace

json report_data(SqliteStore& db, const std::vector<std::int64_t>& runs) {
  Connection& c = db.connection();
  c.exec("BEGIN");
  json out = {{"generator", std::string("tinderbox ") + TINDERBOX_VERSION},
              {"schema_version", c.scalar("PRAGMA user_version")},
              {"runs", json::array()}};
  try {
    for (std::int64_t id : runs) out["runs"].push_back(one_run(c, id));
  } catch (...) {
    c.exec("COMMIT");
    throw;
  }
  c.exec("COMMIT");
  return out;
}

}  // namespace tinderbox::store
