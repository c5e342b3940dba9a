// The results store: every table read back equals what was stored, the stored values equal the
// in-memory results they came from, the schema version, WAL, readers that never block the
// writer, and all-or-nothing runs.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "../../tests/support.h"
#include "report/json_output.h"
#include "report/ledger_csv.h"
#include "report/simulation.h"
#include "store/record.h"
#include "store/report_data.h"
#include "store/sqlite_store.h"

namespace tinderbox::store {
namespace {

using json = nlohmann::ordered_json;
using test_support::fresh_temp_dir;

struct Loaded {
  LoadResult loaded;
  const Scenario& scenario() const { return *loaded.scenario; }
};

const Loaded& coreweave() {
  static const Loaded* l = new Loaded{load_scenario("coreweave-2025")};
  return *l;
}

RunInfo info_for(const char* command, const LoadResult& l) {
  RunInfo info;
  info.command = command;
  info.command_line = std::string("tinderbox ") + command + " coreweave-2025";
  info.scenario_source = "coreweave-2025";
  info.files = l.files;
  info.created_at = "2025-12-01T00:00:00Z";
  return info;
}

json simulate_json(const Scenario& s, std::int64_t paths, std::uint32_t seed) {
  const Plan plan(s);
  const SimLayout layout(plan);
  SimOptions o;
  o.paths = paths;
  o.seed = seed;
  o.threads = 2;
  Tally t = simulate_share(plan, layout, o, {});
  return simulation_to_json(plan, layout, t, seed);
}

// Every row of table `t` in the database, in insertion order.
std::vector<Row> read_table(SqliteStore& db, Table t) {
  Statement s(db.connection().handle(),
              std::string("SELECT * FROM ") + table_def(t).name + " ORDER BY rowid");
  std::vector<Row> out;
  while (s.step()) {
    Row r;
    for (int c = 0; c < s.columns(); ++c) r.push_back(s.value(c));
    out.push_back(std::move(r));
  }
  return out;
}

double number(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
  return std::get<double>(v);
}
const std::string& text(const Value& v) { return std::get<std::string>(v); }

// Column `name` of table `t`, as an index into a read-back row (run/id first).
std::size_t col(Table t, const char* name) {
  const auto columns = table_def(t).columns;
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (std::string(columns[i].name) == name) return i + 1;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(Store, FreshDatabaseHasTheSchemaVersionAndWal) {
  const auto path = (fresh_temp_dir() / "r.db").string();
  SqliteStore::open_for_writing(path);
  Connection c(path, true);
  EXPECT_EQ(c.scalar("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(c.scalar_text("PRAGMA journal_mode"), "wal");
  for (const TableDef& t : all_tables()) {
    Statement s(c.handle(), std::string("SELECT * FROM ") + t.name);
    ASSERT_EQ(s.columns(), static_cast<int>(t.columns.size()) + 1) << t.name;
    EXPECT_EQ(s.column_name(0), t.table == Table::Runs ? "id" : "run");
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      EXPECT_EQ(s.column_name(static_cast<int>(i) + 1), t.columns[i].name);
  }
}

TEST(Store, RefusesWhatItCannotRead) {
  const auto dir = fresh_temp_dir();
  // A missing file is not created by a reader.
  EXPECT_THROW(SqliteStore::open_for_reading((dir / "none.db").string()), StoreError);
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
  // A text file.
  std::ofstream(dir / "text.db") << "date,entity\n2025-01-31,x\n";
  EXPECT_THROW(SqliteStore::open_for_writing((dir / "text.db").string()), StoreError);
  // A newer schema.
  const auto newer = (dir / "newer.db").string();
  SqliteStore::open_for_writing(newer);
  Connection(newer, false).exec("PRAGMA user_version = 99");
  try {
    SqliteStore::open_for_reading(newer);
    ADD_FAILURE() << "opened a database of schema 99";
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "written by a newer tinderbox (schema version 99; this one reads 1)");
  }
  // Another program's database.
  const auto other = (dir / "other.db").string();
  Connection(other, false).exec("CREATE TABLE t(x)");
  EXPECT_THROW(SqliteStore::open_for_writing(other), StoreError);
}

// Stores `write` into a memory sink and a database, and checks every table of the database reads
// back exactly what the memory sink holds.
template <class Write>
void expect_same_rows(const std::string& path, Write write) {
  MemorySink memory;
  write(memory);
  ASSERT_TRUE(memory.committed());
  auto db = SqliteStore::open_for_writing(path);
  write(*db);
  for (const TableDef& t : all_tables()) {
    const std::vector<Row> back = read_table(*db, t.table);
    const std::vector<Row>& kept = memory.rows(t.table);
    ASSERT_EQ(back.size(), kept.size()) << t.name;
    for (std::size_t i = 0; i < back.size(); ++i)
      for (std::size_t c = 0; c < back[i].size(); ++c) {
        // STRICT REAL columns store integers as reals: compare numbers as numbers.
        if (std::holds_alternative<std::int64_t>(kept[i][c]) &&
            std::holds_alternative<double>(back[i][c]))
          EXPECT_EQ(number(back[i][c]), number(kept[i][c])) << t.name << " row " << i;
        else
          EXPECT_EQ(back[i][c], kept[i][c]) << t.name << " row " << i << " column " << c;
      }
  }
}

TEST(Store, RunRoundTripsEveryTable) {
  const RunResult r = run_deterministic(coreweave().scenario());
  expect_same_rows((fresh_temp_dir() / "r.db").string(), [&](ResultSink& sink) {
    store_run(sink, info_for("run", coreweave().loaded), r);
  });
}

TEST(Store, SimulationRoundTripsEveryTable) {
  const RunResult r = run_deterministic(coreweave().scenario());
  const json sim = simulate_json(coreweave().scenario(), 1500, 3);
  expect_same_rows((fresh_temp_dir() / "r.db").string(), [&](ResultSink& sink) {
    store_simulation(sink, info_for("simulate", coreweave().loaded), r, sim);
  });
}

// The stored values are the run's own: series, ledger (as the CSV writer splits it), events,
// metrics and the default, compared with the in-memory results.
TEST(Store, RunValuesEqualTheResults) {
  const Scenario& s = coreweave().scenario();
  const RunResult r = run_deterministic(s);
  const json j = run_to_json(r);
  auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
  const std::int64_t id = store_run(*db, info_for("run", coreweave().loaded), r);
  EXPECT_EQ(id, 1);

  std::map<std::pair<std::string, std::string>, std::vector<double>> series;
  for (const Row& row : read_table(*db, Table::Series))
    series[{text(row[1]), text(row[2])}].push_back(number(row[5]));
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    const auto& cash = series[{s.entities[e].id, "cash"}];
    const auto& debt = series[{s.entities[e].id, "debt"}];
    ASSERT_EQ(cash.size(), r.entities[e].periods.size());
    for (std::size_t k = 0; k < cash.size(); ++k) {
      EXPECT_EQ(cash[k], r.entities[e].periods[k].cash);
      EXPECT_EQ(debt[k], r.entities[e].periods[k].debt);
    }
  }

  // The ledger equals the CSV writer's rows (the CSV rounds to 1e-6).
  std::ostringstream csv;
  write_ledger_csv(r, csv);
  std::istringstream lines(csv.str());
  std::string line;
  std::getline(lines, line);  // header
  const std::vector<Row> ledger = read_table(*db, Table::Ledger);
  std::size_t i = 0;
  for (; std::getline(lines, line); ++i) {
    ASSERT_LT(i, ledger.size());
    const Row& row = ledger[i];
    const std::string prefix = text(row[2]) + "," + text(row[3]) + "," + csv_field(text(row[4])) +
                               "," + csv_field(text(row[5])) + "," + text(row[6]) + ",";
    ASSERT_EQ(line.substr(0, prefix.size()), prefix) << "row " << i;
    // The CSV's rounding (to 1e-6, never "-0") of the stored amount gives the CSV's text.
    const double rounded = std::round(number(row[7]) * 1e6) / 1e6;
    EXPECT_EQ(line.substr(prefix.size()), fmt::format("{:.6f}", rounded == 0 ? 0.0 : rounded));
  }
  EXPECT_EQ(i, ledger.size());

  const std::vector<Row> events = read_table(*db, Table::Events);
  ASSERT_EQ(events.size(), j["events"].size());
  for (std::size_t e = 0; e < events.size(); ++e) {
    EXPECT_EQ(text(events[e][3]), j["events"][e]["date"]);
    EXPECT_EQ(text(events[e][6]), j["events"][e]["type"]);
    EXPECT_EQ(text(events[e][7]), j["events"][e]["detail"]);
  }
  for (const Row& m : read_table(*db, Table::Metrics)) {
    const json& v = j["entities"][text(m[1])]["metrics"][text(m[2])];
    if (v.is_number())
      EXPECT_EQ(number(m[3]), v.get<double>()) << text(m[2]);
    else if (v.is_string())
      EXPECT_EQ(text(m[4]), v.get<std::string>());
    else
      EXPECT_TRUE(std::holds_alternative<std::monostate>(m[3]));
  }
  // Provenance: the whole scenario, its hash, the version.
  const Row run = read_table(*db, Table::Runs).at(0);
  EXPECT_EQ(text(run[col(Table::Runs, "scenario")]), s.name);
  EXPECT_EQ(text(run[col(Table::Runs, "version")]), TINDERBOX_VERSION);
  EXPECT_EQ(text(run[col(Table::Runs, "scenario_sha256")]),
            scenario_sha256(coreweave().loaded.files));
  const std::vector<Row> files = read_table(*db, Table::ScenarioFiles);
  ASSERT_EQ(files.size(), 2u);  // coreweave-2025 and the facility terms it imports
  EXPECT_EQ(text(files[0][2]), "<builtin>/coreweave-2025.yaml");
  EXPECT_EQ(text(files[1][2]), "<builtin>/coreweave-facilities.yaml");
  EXPECT_EQ(text(files[0][4]), std::string(find_builtin("coreweave-2025")->text));
}

TEST(Store, SimulationValuesEqualTheJson) {
  const RunResult r = run_deterministic(coreweave().scenario());
  const json sim = simulate_json(coreweave().scenario(), 1500, 3);
  auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
  store_simulation(*db, info_for("simulate", coreweave().loaded), r, sim);
  for (const Row& row : read_table(*db, Table::Pd)) {
    const json& e = sim["entities"][text(row[1])];
    const auto k = static_cast<std::size_t>(number(row[2]));
    EXPECT_EQ(text(row[3]), sim["dates"][k]);
    EXPECT_EQ(number(row[4]), e["pd"][k].get<double>());
    EXPECT_EQ(number(row[5]), e["pd_se"][k].get<double>());
  }
  const std::vector<Row> cash = read_table(*db, Table::CashQuantiles);
  EXPECT_EQ(cash.size(), sim["dates"].size());  // coreweave is the one entity with books
  for (const Row& row : cash)
    for (const char* q : {"p05", "p25", "p50", "p75", "p95"})
      EXPECT_EQ(number(row[col(Table::CashQuantiles, q)]),
                sim["entities"][text(row[1])]["cash_quantiles"][q][static_cast<std::size_t>(
                    number(row[2]))].get<double>());
  const std::vector<Row> lenders = read_table(*db, Table::LenderLosses);
  ASSERT_EQ(lenders.size(), sim["lenders"].size());
  for (const Row& row : lenders)
    for (const char* m : {"el", "var99", "es99", "p_loss"})
      EXPECT_EQ(number(row[col(Table::LenderLosses, m)]), sim["lenders"][text(row[1])][m].get<double>());
  const Row system = read_table(*db, Table::SystemLosses).at(0);
  EXPECT_EQ(number(system[1]), sim["system"]["loss_mean"].get<double>());
  EXPECT_EQ(number(system[3]), sim["system"]["loss_es99"].get<double>());
  std::size_t market = 0;
  for (const Row& row : read_table(*db, Table::Market))
    if (text(row[1]) == "paths") {
      EXPECT_EQ(number(row[5]), sim["market"][text(row[2])]["mean"][static_cast<std::size_t>(
                                    number(row[3]))].get<double>());
      ++market;
    }
  EXPECT_EQ(market, sim["market"].size() * sim["dates"].size());
}

// The exposure network against the scenario and the engine's own debt series.
TEST(Store, ExposureNetworkAgreesWithTheRun) {
  const Scenario& s = coreweave().scenario();
  const RunResult r = run_deterministic(s);
  const NetworkView v = exposure_network(r);
  // One node per entity, plus each lender, customer and lessor the scenario names.
  std::set<std::string> names;
  for (const Entity& e : s.entities) {
    names.insert(e.id);
    for (const Debt& d : e.debt)
      for (const Lender& l : d.lenders) names.insert(l.party.name);
    for (const Lease& l : e.leases)
      if (!l.lessor.name.empty()) names.insert(l.lessor.name);
  }
  ASSERT_EQ(v.nodes.size(), names.size());
  for (const NetworkNode& n : v.nodes) EXPECT_TRUE(names.count(n.id)) << n.id;
  // Loans to coreweave at each year end sum to the engine's debt at that period end; at the
  // start, to the opening balances of the file.
  const std::size_t cw = s.entities.size() - 1;
  ASSERT_EQ(s.entities[cw].id, "coreweave");
  std::map<std::string, double> loans;
  for (const NetworkEdge& e : v.edges)
    if (e.kind == "loan") loans[e.as_of] += e.amount;
  double opening = 0;
  for (const Debt& d : s.entities[cw].debt) opening += d.outstanding;
  EXPECT_NEAR(loans.at("2025-01-01"), opening, 1e-6);
  for (int k = 11; k < r.plan.timeline.periods; k += 12)
    EXPECT_NEAR(loans.at(format_date(r.plan.timeline.ends[static_cast<std::size_t>(k)])),
                r.entities[cw].periods[static_cast<std::size_t>(k)].debt, 1e-6)
        << "period " << k;
  // A GPU contract's remaining value at the start: GPUs x $/GPU-hour x 24 h x days / 1e6.
  const Contract& c = s.entities[cw].contracts.front();
  ASSERT_GE(c.gpu, 0);
  const double days = double(c.end - std::max(c.start, s.start) + 1);
  for (const NetworkEdge& e : v.edges)
    if (e.as_of == "2025-01-01" && e.instrument == c.id) {
      EXPECT_NEAR(e.amount, c.gpus * c.price_per_gpu_hour * 24 * days / 1e6, 1e-9);
    }
  EXPECT_TRUE(v.contagion.empty());  // nobody defaults in the base case
}

TEST(Store, ADefaultFailsInRoundZero) {
  LoadResult l = load_scenario("coreweave-2025h2");  // runs out of cash in 2026 (README)
  const RunResult r = run_deterministic(*l.scenario);
  const NetworkView v = exposure_network(r);
  ASSERT_EQ(v.contagion.size(), 1u);
  EXPECT_EQ(v.contagion[0].entity, "coreweave");
  // The default's date is the run's own: the period end of the entity's default period.
  int cw = -1;
  for (std::size_t i = 0; i < l.scenario->entities.size(); ++i)
    if (l.scenario->entities[i].id == "coreweave") cw = static_cast<int>(i);
  ASSERT_GE(cw, 0);
  const auto k = r.entities[static_cast<std::size_t>(cw)].default_period;
  ASSERT_TRUE(k);
  EXPECT_EQ(v.contagion[0].date,
            format_date(r.plan.timeline.ends[static_cast<std::size_t>(*k)]));
  EXPECT_EQ(v.contagion[0].round, 0);
  EXPECT_EQ(v.contagion[0].reason, "liquidity");
  for (const NetworkNode& n : v.nodes)
    EXPECT_EQ(n.failed_round.has_value(), n.id == "coreweave") << n.id;
}

TEST(Store, NetworkResultFromClearingJson) {
  const json clear = json::parse(
      R"({"payments": {"a": 1, "b": 2, "c": 0}, "defaulted": ["c", "b"], "rounds": [["c"], ["b"]]})");
  const NetworkView v = network_view_from_json(clear);
  ASSERT_EQ(v.nodes.size(), 3u);
  EXPECT_FALSE(v.nodes[0].failed_round);
  EXPECT_EQ(v.nodes[1].failed_round, 1);
  EXPECT_EQ(v.nodes[2].failed_round, 0);
  ASSERT_EQ(v.contagion.size(), 2u);
  EXPECT_EQ(v.contagion[1].entity, "b");
  EXPECT_EQ(v.contagion[1].reason, "clearing");
  MemorySink sink;
  store_network(sink, RunInfo{"network", "tinderbox network clear", "", {}, {}, {}, ""}, nullptr, v);
  EXPECT_EQ(sink.rows(Table::NetworkNodes).size(), 3u);
  EXPECT_EQ(sink.rows(Table::Contagion).size(), 2u);
}

TEST(Store, Sha256OfTheFipsExample) {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The scenario hash is that of `sha256sum`'s lines for its files.
  const std::vector<ScenarioFile> files{{"a.yaml", "abc"}};
  EXPECT_EQ(scenario_sha256(files),
            sha256_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.yaml\n"));
}

TEST(Store, ARunNotCommittedLeavesNoTrace) {
  const auto path = (fresh_temp_dir() / "r.db").string();
  {
    auto db = SqliteStore::open_for_writing(path);
    db->begin_run(Row{std::string("t"), std::string("run"), std::string("x"), Value{}, Value{},
                      Value{}, Value{}, Value{}, std::string("v"), Value{}, Value{}, Value{}});
    db->row(Table::Periods, {std::int64_t{0}, std::string("2025-01-31")});
  }  // destroyed before commit()
  Connection c(path, true);
  EXPECT_EQ(c.scalar("SELECT count(*) FROM runs"), 0);
  EXPECT_EQ(c.scalar("SELECT count(*) FROM periods"), 0);
}

// WAL: a reader in the middle of a read transaction does not stop a writer from committing, and
// keeps reading its snapshot until it ends.
TEST(Store, ReadersNeverBlockTheWriter) {
  const auto path = (fresh_temp_dir() / "r.db").string();
  const RunResult r = run_deterministic(coreweave().scenario());
  auto writer = SqliteStore::open_for_writing(path);
  store_run(*writer, info_for("run", coreweave().loaded), r);
  auto reader = SqliteStore::open_for_reading(path);
  reader->connection().exec("BEGIN");
  EXPECT_EQ(reader->connection().scalar("SELECT count(*) FROM runs"), 1);
  // No waiting at all: a writer that had to wait would fail with SQLITE_BUSY at once.
  writer->connection().exec("PRAGMA busy_timeout = 0");
  EXPECT_NO_THROW(store_run(*writer, info_for("run", coreweave().loaded), r));
  EXPECT_EQ(reader->connection().scalar("SELECT count(*) FROM runs"), 1);  // its snapshot
  reader->connection().exec("COMMIT");
  EXPECT_EQ(reader->connection().scalar("SELECT count(*) FROM runs"), 2);
  // And the report reads a consistent snapshot too.
  const json data = report_data(*reader, {2});
  EXPECT_EQ(data["runs"][0]["id"], 2);
  EXPECT_EQ(data["runs"][0]["dates"].size(), 60u);
}

TEST(Store, CsvExportWritesEveryTable) {
  const auto dir = fresh_temp_dir();
  const auto path = (dir / "r.db").string();
  const RunResult r = run_deterministic(coreweave().scenario());
  auto db = SqliteStore::open_for_writing(path);
  store_run(*db, info_for("run", coreweave().loaded), r);
  db->export_csv((dir / "csv").string());
  for (const TableDef& t : all_tables()) {
    const std::string body = test_support::read_file(dir / "csv" / (std::string(t.name) + ".csv"));
    std::string header = t.table == Table::Runs ? "id" : "run";
    for (const Column& c : t.columns) header += std::string(",") + c.name;
    EXPECT_EQ(body.substr(0, body.find('\n')), header) << t.name;
    const auto rows = static_cast<std::int64_t>(std::count(body.begin(), body.end(), '\n')) - 1;
    if (t.table != Table::ScenarioFiles) {  // scenario texts hold line breaks of their own
      EXPECT_EQ(rows, db->connection().scalar(std::string("SELECT count(*) FROM ") + t.name))
          << t.name;
    }
  }
}

}  // namespace
}  // namespace tinderbox::store
