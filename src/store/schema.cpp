#include "store/schema.h"

#include <cassert>

namespace tinderbox::store {
namespace {

constexpr const char* kInt = "INTEGER NOT NULL";
constexpr const char* kIntOrNull = "INTEGER";
constexpr const char* kReal = "REAL NOT NULL";
constexpr const char* kRealOrNull = "REAL";  // NULL where the figure is undefined
constexpr const char* kText = "TEXT NOT NULL";
constexpr const char* kTextOrNull = "TEXT";

constexpr Column kRuns[] = {
    {"created_at", kText},     {"command", kText},       {"command_line", kText},
    {"scenario", kTextOrNull}, {"scenario_source", kTextOrNull}, {"scenario_sha256", kTextOrNull},
    {"seed", kIntOrNull},      {"paths", kIntOrNull},    {"version", kText},
    {"start", kTextOrNull},    {"period", kTextOrNull},  {"horizon", kIntOrNull}};
constexpr Column kScenarioFiles[] = {
    {"ord", kInt}, {"name", kText}, {"sha256", kText}, {"text", kText}};
constexpr Column kPeriods[] = {{"period", kInt}, {"date", kText}};
constexpr Column kEntities[] = {{"entity", kText},          {"kind", kText},
                                {"has_books", kInt},        {"default_period", kIntOrNull},
                                {"default_date", kTextOrNull}, {"default_reason", kTextOrNull}};
constexpr Column kSeries[] = {
    {"entity", kText}, {"name", kText}, {"period", kInt}, {"date", kText}, {"value", kReal}};
constexpr Column kMetrics[] = {
    {"entity", kText}, {"name", kText}, {"value", kRealOrNull}, {"text", kTextOrNull}};
constexpr Column kYears[] = {
    {"entity", kText},        {"end_date", kText},      {"months", kInt},
    {"revenue", kReal},       {"ebitda", kReal},        {"interest", kReal},
    {"principal", kReal},     {"capex", kReal},         {"free_cash_flow", kReal},
    {"cash", kReal},          {"debt", kReal},          {"ltv", kRealOrNull},
    {"revenue_growth", kRealOrNull}, {"rule_of_40", kRealOrNull},
    // Version 2: customer concentration (NULL without contract revenue) and, for an entity with
    // sites, capacity (NULL without); runs stored by version 1 have NULL in all of them.
    {"top_customer", kTextOrNull, 2},         {"top_customer_share", kRealOrNull, 2},
    {"hhi", kRealOrNull, 2},                  {"active_mw", kRealOrNull, 2},
    {"contracted_mw", kRealOrNull, 2},        {"powered_utilization", kRealOrNull, 2},
    {"idle_gpus", kRealOrNull, 2},            {"revenue_lost_capacity", kRealOrNull, 2}};
constexpr Column kRecoveries[] = {{"entity", kText},
                                  {"instrument", kText},
                                  {"claim", kReal},
                                  {"recovered", kReal},
                                  {"loss", kReal}};
constexpr Column kLedger[] = {{"seq", kInt},          {"date", kText}, {"entity", kText},
                              {"instrument", kText},  {"counterparty", kText},
                              {"kind", kText},        {"amount", kReal}};
constexpr Column kEvents[] = {{"seq", kInt},        {"period", kInt},     {"date", kText},
                              {"entity", kText},    {"instrument", kText}, {"type", kText},
                              {"detail", kText},    {"value", kReal},      {"threshold", kReal}};
constexpr Column kDebts[] = {{"entity", kText},   {"instrument", kText}, {"type", kText},
                             {"maturity", kText}, {"commitment", kReal}, {"balance_end", kReal}};
constexpr Column kCovenants[] = {{"entity", kText},    {"instrument", kText},
                                 {"covenant", kText},  {"threshold", kReal},
                                 {"from_date", kTextOrNull}, {"every", kInt}};
constexpr Column kGpuMarkets[] = {{"gpu", kText},
                                  {"liquidation_haircut", kReal},
                                  {"economic_life_years", kReal},
                                  {"reference_utilization", kReal}};
constexpr Column kPd[] = {
    {"entity", kText}, {"period", kInt}, {"date", kText}, {"pd", kReal}, {"pd_se", kReal}};
constexpr Column kCashQuantiles[] = {{"entity", kText}, {"period", kInt}, {"date", kText},
                                     {"p05", kReal},    {"p25", kReal},   {"p50", kReal},
                                     {"p75", kReal},    {"p95", kReal}};
constexpr Column kRunwayQuantiles[] = {
    {"entity", kText}, {"p05", kIntOrNull}, {"p50", kIntOrNull}, {"p95", kIntOrNull}};
constexpr Column kLenderLosses[] = {
    {"lender", kText}, {"el", kReal}, {"var99", kReal}, {"es99", kReal}, {"p_loss", kReal}};
constexpr Column kSystemLosses[] = {
    {"loss_mean", kReal}, {"loss_var99", kReal}, {"loss_es99", kReal},
    // Version 3: periods, summed over paths, whose fire-sale passes reached network.max_rounds
    // before the units sold settled (simulate --json); NULL in runs stored by versions 1 and 2.
    {"fire_sale_unsettled_periods", kIntOrNull, 3}};
constexpr Column kDefaultCounts[] = {{"defaulted", kInt}, {"share", kReal}};
constexpr Column kMarket[] = {{"basis", kText}, {"driver", kText}, {"period", kInt},
                              {"date", kText},  {"mean", kReal},   {"sd", kReal}};
constexpr Column kNetworkNodes[] = {{"node", kText},           {"kind", kText},
                                    {"modelled", kInt},        {"failed_round", kIntOrNull},
                                    {"failed_date", kTextOrNull}};
constexpr Column kNetworkEdges[] = {{"as_of", kText},      {"source", kText}, {"target", kText},
                                    {"kind", kText},       {"instrument", kText},
                                    {"amount", kReal}};
constexpr Column kContagion[] = {{"period", kIntOrNull}, {"date", kTextOrNull}, {"round", kInt},
                                 {"entity", kText},      {"reason", kText},     {"detail", kText}};

constexpr TableDef kTables[] = {
    {Table::Runs, "runs", kRuns},
    {Table::ScenarioFiles, "scenario_files", kScenarioFiles},
    {Table::Periods, "periods", kPeriods},
    {Table::Entities, "entities", kEntities},
    {Table::Series, "series", kSeries},
    {Table::Metrics, "metrics", kMetrics},
    {Table::Years, "years", kYears},
    {Table::Recoveries, "recoveries", kRecoveries},
    {Table::Ledger, "ledger", kLedger},
    {Table::Events, "events", kEvents},
    {Table::Debts, "debts", kDebts},
    {Table::Covenants, "covenants", kCovenants},
    {Table::GpuMarkets, "gpu_markets", kGpuMarkets},
    {Table::Pd, "pd", kPd},
    {Table::CashQuantiles, "cash_quantiles", kCashQuantiles},
    {Table::RunwayQuantiles, "runway_quantiles", kRunwayQuantiles},
    {Table::LenderLosses, "lender_losses", kLenderLosses},
    {Table::SystemLosses, "system_losses", kSystemLosses},
    {Table::DefaultCounts, "default_counts", kDefaultCounts},
    {Table::Market, "market", kMarket},
    {Table::NetworkNodes, "network_nodes", kNetworkNodes},
    {Table::NetworkEdges, "network_edges", kNetworkEdges},
    {Table::Contagion, "contagion", kContagion},
};
static_assert(std::size(kTables) == kTableCount);

}  // namespace

const TableDef& table_def(Table t) {
  const TableDef& d = kTables[static_cast<int>(t)];
  assert(d.table == t);
  return d;
}

std::span<const TableDef> all_tables() { return kTables; }

std::string schema_sql() {
  std::string sql;
  for (const TableDef& t : kTables) {
    sql += "CREATE TABLE ";
    sql += t.name;
    sql += t.table == Table::Runs ? "(\n  id INTEGER PRIMARY KEY"
                                  : "(\n  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE";
    for (const Column& c : t.columns) sql += std::string(",\n  ") + c.name + " " + c.type;
    sql += "\n) STRICT;\n";
    if (t.table != Table::Runs)
      sql += std::string("CREATE INDEX ") + t.name + "_run ON " + t.name + "(run);\n";
  }
  return sql;
}

std::string migration_sql(int from) {
  assert(from >= 1 && from < kSchemaVersion);
  std::string sql;
  for (const TableDef& t : kTables)
    for (const Column& c : t.columns)
      if (c.since == from + 1) {
        assert(std::string_view(c.type).find("NOT NULL") == std::string_view::npos);
        sql += std::string("ALTER TABLE ") + t.name + " ADD COLUMN " + c.name + " " + c.type + ";\n";
      }
  return sql + "PRAGMA user_version = " + std::to_string(from + 1) + ";\n";
}

std::string insert_sql(Table t) {
  const TableDef& d = table_def(t);
  std::string names = t == Table::Runs ? "" : "run", marks = t == Table::Runs ? "" : "?";
  for (const Column& c : d.columns) {
    names += names.empty() ? c.name : std::string(", ") + c.name;
    marks += marks.empty() ? "?" : ", ?";
  }
  return std::string("INSERT INTO ") + d.name + "(" + names + ") VALUES (" + marks + ")";
}

}  // namespace tinderbox::store
