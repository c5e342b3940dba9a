// The results database's tables, in one list: CREATE TABLE, the INSERTs, the CSV export and the
// tests all read it, so a column is named once. docs/store.md describes every column.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tinderbox::store {

// PRAGMA user_version of a database this build writes. A newer one is refused (not understood);
// an older one is read as it is and migrated in place, step by step, before a run is written to
// it (migration_sql). Version 2 added the yearly customer concentration and capacity to `years`;
// version 3 the count of unsettled fire-sale periods to `system_losses`.
inline constexpr int kSchemaVersion = 3;

enum class Table : std::uint8_t {
  Runs, ScenarioFiles, Periods, Entities, Series, Metrics, Years, Recoveries, Ledger, Events,
  Debts, Covenants, GpuMarkets, Pd, CashQuantiles, RunwayQuantiles, LenderLosses, SystemLosses,
  DefaultCounts, Market, NetworkNodes, NetworkEdges, Contagion
};
inline constexpr int kTableCount = static_cast<int>(Table::Contagion) + 1;

struct Column {
  const char* name;
  const char* type;  // SQL: "INTEGER NOT NULL", "REAL", "TEXT NOT NULL", ...
  // The schema version that added the column. Later columns come last in their table and may be
  // NULL, so that ALTER TABLE ADD COLUMN gives a migrated table the shape of a fresh one.
  int since = 1;
};

struct TableDef {
  Table table;
  const char* name;
  std::span<const Column> columns;  // after `run` (every table but runs starts with it)
};

const TableDef& table_def(Table t);
std::span<const TableDef> all_tables();

// The statements that create the schema of kSchemaVersion in an empty database.
std::string schema_sql();

// The statements that turn a database of schema version `from` (1 <= from < kSchemaVersion) into
// one of version from + 1, the user_version included.
std::string migration_sql(int from);

// "INSERT INTO name(run, c1, ...) VALUES (?, ?, ...)"; for runs, without `id`.
std::string insert_sql(Table t);

}  // namespace tinderbox::store
