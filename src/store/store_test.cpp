// The results store: every table read back equals what was stored, the stored values equal the
// in-memory results they came from, the schema version, WAL, readers that never block the
// writer, and all-or-nothing runs.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "../../tests/support.h"
#include "report/json_output.h"
#include "report/ledger_csv.h"
#include "report/network_report.h"
#include "report/simulation.h"
#include "store/record.h"
#include "store/report_data.h"
#include "store/sqlite_store.h"

namespace tinderbox::store {
namespace {

using json = nlohmann::ordered_json;
using test_support::fresh_temp_dir;

// export_csv into DIR/TABLE.csv through plain files (the CLI's own output files, with their
// temporary names and late renames, are tested in tests/output_files_test.cpp).
void export_csv_to(SqliteStore& db, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::unique_ptr<std::ofstream>> files;
  db.export_csv([&](const std::string& file) -> std::ostream& {
    files.push_back(std::make_unique<std::ofstream>(dir / file, std::ios::binary));
    return *files.back();
  });
}

struct Loaded {
  LoadResult loaded;
  const Scenario& scenario() const { return *loaded.scenario; }
};

const Loaded& coreweave() {
  static const Loaded* l = new Loaded{load_scenario("coreweave-2025")};
  return *l;
}

// An example with four sites: one in service, one ramping up, one late, one being built.
const Loaded& capacity_constrained() {
  static const Loaded* l = new Loaded{
      load_scenario(TINDERBOX_SOURCE_DIR "/scenarios/examples/capacity-constrained.yaml")};
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
    EXPECT_STREQ(e.what(), "written by a newer tinderbox (schema version 99; this one reads 3)");
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
    const auto& fire_sale = series[{s.entities[e].id, "collateral_fire_sale"}];
    ASSERT_EQ(cash.size(), r.entities[e].periods.size());
    ASSERT_EQ(fire_sale.size(), r.entities[e].periods.size());
    for (std::size_t k = 0; k < cash.size(); ++k) {
      EXPECT_EQ(cash[k], r.entities[e].periods[k].cash);
      EXPECT_EQ(debt[k], r.entities[e].periods[k].debt);
      EXPECT_EQ(fire_sale[k], r.entities[e].periods[k].collateral_fire_sale);
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

// Periods whose fire-sale passes hit network.max_rounds are counted in the store as in the JSON:
// forced-sales.yaml (no shocks, so every path is the run) with the bound below what its April
// sales need leaves that period unsettled on each of 30 paths.
TEST(Store, TheUnsettledFireSalePeriodsAreStored) {
  LoadResult l = load_scenario(std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/forced-sales.yaml");
  ASSERT_TRUE(l.scenario);
  Scenario s = *l.scenario;
  s.network.max_rounds = 5;
  const RunResult r = run_deterministic(s);
  const std::set<int> unsettled = test_support::unsettled_fire_sale_periods(r);
  ASSERT_FALSE(unsettled.empty());
  const json sim = simulate_json(s, 30, 1);
  ASSERT_EQ(sim["fire_sale_unsettled_periods"].get<std::int64_t>(),
            static_cast<std::int64_t>(30 * unsettled.size()));
  auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
  store_simulation(*db, info_for("simulate", l), r, sim);
  const Row system = read_table(*db, Table::SystemLosses).at(0);
  EXPECT_EQ(number(system[col(Table::SystemLosses, "fire_sale_unsettled_periods")]),
            static_cast<double>(30 * unsettled.size()));
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
  // coreweave and its spv are the entities with books.
  EXPECT_EQ(cash.size(), 2 * sim["dates"].size());
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
  EXPECT_EQ(number(system[4]), 0);  // coreweave-2025 has no fire-sale passes
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
  // One node per entity, plus each lender, customer, lessor and site host the scenario names.
  std::set<std::string> names;
  for (const Entity& e : s.entities) {
    names.insert(e.id);
    for (const Debt& d : e.debt)
      for (const Lender& l : d.lenders) names.insert(l.party.name);
    for (const Lease& l : e.leases)
      if (!l.lessor.name.empty()) names.insert(l.lessor.name);
    for (const Site& x : e.sites)
      if (!x.host.name.empty()) names.insert(x.host.name);
  }
  ASSERT_EQ(v.nodes.size(), names.size());
  for (const NetworkNode& n : v.nodes) EXPECT_TRUE(names.count(n.id)) << n.id;
  // Loans to coreweave at each year end sum to the engine's debt at that period end; at the
  // start, to the opening balances of the file.
  const auto cw = static_cast<std::size_t>(
      std::find_if(s.entities.begin(), s.entities.end(),
                   [](const Entity& e) { return e.id == "coreweave"; }) -
      s.entities.begin());
  ASSERT_LT(cw, s.entities.size());
  std::map<std::string, double> loans;
  for (const NetworkEdge& e : v.edges)
    if (e.kind == "loan" && e.target == "coreweave") loans[e.as_of] += e.amount;
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

// A site's host is exposed to its tenant for the site's remaining payments, as a lessor is, and
// for the build-out reimbursements still to come: at every stored date, core_scientific's edges
// to coreweave (sites cs_1 ... cs_6) sum to the ledger's coreweave lease and capex rows with
// counterparty core_scientific dated after that date.
TEST(Store, ASitesHostIsExposedToItsTenant) {
  const Scenario& s = coreweave().scenario();
  const RunResult r = run_deterministic(s);
  const NetworkView v = exposure_network(r);
  std::map<std::string, double> edges;  // as_of -> core_scientific's exposure to coreweave
  std::set<std::string> dates;
  for (const NetworkEdge& e : v.edges) {
    dates.insert(e.as_of);
    if (e.source == "core_scientific") {
      EXPECT_EQ(e.target, "coreweave");
      EXPECT_EQ(e.kind, "lease");
      EXPECT_EQ(e.instrument.rfind("cs_", 0), 0u) << e.instrument;
      edges[e.as_of] += e.amount;
    }
  }
  // The ledger, read back as text: date,entity,instrument,counterparty,kind,amount.
  std::ostringstream csv;
  write_ledger_csv(r, csv);
  std::istringstream in(csv.str());
  // coreweave's payments (lease rows) and build-out reimbursements (capex rows) to core_scientific
  std::vector<std::pair<std::string, double>> paid;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream row(line);
    for (std::string x; std::getline(row, x, ',');) f.push_back(x);
    if (f.size() == 6 && f[1] == "coreweave" && f[3] == "core_scientific" &&
        (f[4] == "lease" || f[4] == "capex"))
      paid.emplace_back(f[0], -std::stod(f[5]));
  }
  ASSERT_FALSE(paid.empty());
  ASSERT_EQ(dates.size(), 6u);  // the start and five year ends
  for (const std::string& d : dates) {
    double left = 0;
    for (const auto& [date, amount] : paid)
      if (date > d) left += amount;  // ISO dates order as text
    if (left == 0) {
      EXPECT_FALSE(edges.count(d)) << d;
      continue;
    }
    ASSERT_TRUE(edges.count(d)) << d;
    EXPECT_NEAR(edges.at(d), left, 1e-5 * paid.size()) << d;  // the ledger prints 6 decimals
  }
  // At the start: everything the horizon's ledger pays core_scientific (3,162 $M of payments,
  // found by review, and 11 reimbursements of 74.94).
  EXPECT_NEAR(edges.at("2025-01-01"), 3162.39 + 11 * 74.94, 0.01);
  // core_scientific is a node of the view (an entity of the scenario, reduced-form).
  EXPECT_TRUE(std::any_of(v.nodes.begin(), v.nodes.end(),
                          [](const NetworkNode& n) { return n.id == "core_scientific"; }));
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

// The stored trace (and so the report's) says what the run's contagion trace (`run --json`,
// network.contagion) says of each default: the customers lost before it ("after the default of")
// and the forced sales that moved the market ("after the forced sales of").
TEST(Store, TheStoredContagionDetailIsTheNetworksOwn) {
  for (const char* file : {"ai-web-stress.yaml", "forced-sales.yaml"}) {
    SCOPED_TRACE(file);
    LoadResult l = load_scenario(std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/" + file);
    ASSERT_TRUE(l.scenario);
    const RunResult r = run_deterministic(*l.scenario);
    const NetworkView v = exposure_network(r);
    const json j = network_json(r, network_report(r));
    std::map<std::string, std::string> detail;  // entity -> its first default's detail
    for (const json& c : j["contagion"])
      detail.emplace(c["entity"].get<std::string>(), c["detail"].get<std::string>());
    ASSERT_EQ(v.contagion.size(), detail.size());
    bool explained = false;  // some detail names what came before the default
    for (const ContagionStep& c : v.contagion) {
      EXPECT_EQ(c.detail, detail.at(c.entity)) << c.entity;
      explained |= c.detail.find("; after the ") != std::string::npos;
    }
    EXPECT_TRUE(explained);
  }
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

// A folder this process cannot create files in, as SQLite's unix VFS meets it for an
// unprivileged user: the tests run as root, whom chmod does not stop, so the default VFS is
// wrapped while this lives. Opening a "-wal" file in `folder` fails as the unix VFS fails there:
// a missing one with SQLITE_READONLY_DIRECTORY (its answer to EACCES on creating a journal: the
// error `runs` met, "attempt to write a readonly database"), an existing one with SQLITE_CANTOPEN
// (what it answers when it then cannot create the -shm beside it). The main file opens as ever.
class ReadOnlyFolder {
 public:
  explicit ReadOnlyFolder(const std::filesystem::path& folder)
      : folder_(std::filesystem::canonical(folder)), real_(sqlite3_vfs_find(nullptr)) {
    vfs_ = *real_;
    vfs_.zName = "tinderbox-test-read-only-folder";
    vfs_.pAppData = this;
    vfs_.xOpen = &open;
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~ReadOnlyFolder() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_, 1);  // the default again (unregistering picks one at random)
  }
  ReadOnlyFolder(const ReadOnlyFolder&) = delete;
  ReadOnlyFolder& operator=(const ReadOnlyFolder&) = delete;
  int refused = 0;  // -wal opens refused

 private:
  static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    auto* self = static_cast<ReadOnlyFolder*>(vfs->pAppData);
    if (name && (flags & SQLITE_OPEN_WAL) &&
        std::filesystem::weakly_canonical(std::filesystem::path(name).parent_path()) ==
            self->folder_) {
      file->pMethods = nullptr;  // nothing to close
      ++self->refused;
      return std::filesystem::exists(name) ? SQLITE_CANTOPEN : SQLITE_READONLY_DIRECTORY;
    }
    return self->real_->xOpen(self->real_, name, file, flags, out_flags);
  }

  std::filesystem::path folder_;
  sqlite3_vfs* real_;
  sqlite3_vfs vfs_{};
};

// D1 of the store review: `runs` and `report` read a results database whose folder they cannot
// write (an archive, a read-only share), and leave nothing beside it.
TEST(Store, ReadsADatabaseInAFolderItCannotWrite) {
  const auto dir = fresh_temp_dir() / "ro";
  std::filesystem::create_directories(dir);
  // '%', '?', '#' and a space in the name: the immutable URI must keep them the file's.
  const auto path = (dir / "a %41?b#c.db").string();
  const RunResult r = run_deterministic(coreweave().scenario());
  std::int64_t ledger_rows = 0;
  {
    auto writer = SqliteStore::open_for_writing(path);
    store_run(*writer, info_for("run", coreweave().loaded), r);
    ledger_rows = writer->connection().scalar("SELECT count(*) FROM ledger");
  }
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));  // the writer cleaned up at its close
  ReadOnlyFolder ro(dir);
  // The condition the reviewer met: a plain read-only open fails to read at all.
  try {
    Connection(path, true).scalar("SELECT count(*) FROM sqlite_schema");
    ADD_FAILURE() << "the folder is writable after all";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), SQLITE_READONLY_DIRECTORY) << e.what();
  }
  auto reader = SqliteStore::open_for_reading(path);
  const auto runs = reader->runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, 1);
  EXPECT_EQ(runs[0].command, "run");
  // Everything the writer stored, counted by the writer and from the run's own ledger (as
  // --ledger splits it), and the run's 60 monthly periods.
  EXPECT_EQ(reader->connection().scalar("SELECT count(*) FROM ledger"), ledger_rows);
  std::int64_t rows = 0;
  for_each_ledger_row(r, [&](const LedgerRow&) { ++rows; });
  EXPECT_EQ(ledger_rows, rows);
  const json data = report_data(*reader, {1});
  EXPECT_EQ(data["runs"][0]["dates"].size(), 60u);
  reader.reset();
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  EXPECT_GE(ro.refused, 1);
}

// ... but not one whose -wal holds changes: `immutable` would not read them, and the run
// committed there would be missing without a word.
TEST(Store, RefusesAWalItCouldNotRead) {
  const auto dir = fresh_temp_dir();
  std::filesystem::create_directories(dir / "ro");
  const auto live = (dir / "live.db").string(), copy = (dir / "ro" / "copy.db").string();
  const RunResult r = run_deterministic(coreweave().scenario());
  auto writer = SqliteStore::open_for_writing(live);
  store_run(*writer, info_for("run", coreweave().loaded), r);
  writer->connection().exec("PRAGMA wal_checkpoint(TRUNCATE)");  // run 1 in the file
  writer->connection().exec("PRAGMA wal_autocheckpoint = 0");
  store_run(*writer, info_for("run", coreweave().loaded), r);  // run 2 only in the -wal
  // A copy of a live database, its -wal with it (the -shm is not needed to read one).
  std::filesystem::copy_file(live, copy);
  std::filesystem::copy_file(live + "-wal", copy + "-wal");
  writer.reset();
  EXPECT_EQ(Connection(copy, true, true).scalar("SELECT count(*) FROM runs"), 1);  // immutable
  EXPECT_EQ(SqliteStore::open_for_reading(copy)->runs().size(), 2u);  // folder writable: both
  std::filesystem::remove(copy + "-shm");
  ReadOnlyFolder ro(dir / "ro");
  try {
    SqliteStore::open_for_reading(copy);
    ADD_FAILURE() << "read a database without its -wal";
  } catch (const AccessError& e) {
    EXPECT_EQ(std::string(e.what()), "its write-ahead log '" + copy + "-wal' holds changes "
              "that only a user who can write the folder '" + (dir / "ro").string() +
              "' can read");
  }
}

TEST(Store, ImmutableUriEscapesTheName) {
  EXPECT_EQ(immutable_uri("/tmp/a b%41?c#d.db"), "file:///tmp/a%20b%2541%3Fc%23d.db?immutable=1");
  EXPECT_EQ(immutable_uri("rel/x:y.db"), "file:rel/x%3Ay.db?immutable=1");
  // "//host/x" as a path, not an authority.
  EXPECT_EQ(immutable_uri("//srv/x.db"), "file:////srv/x.db?immutable=1");
}

// D2: what stopped an open is said, from SQLite's code and what the file system allows (as root
// the file system allows everything, so the facts are given here; as nobody the same messages
// come from path_access: StoreCli.ReadOnlyDatabaseAndFolder).
TEST(Store, AccessProblemsAreNamed) {
  const std::string p = "share/r.db";
  const std::string msg = "attempt to write a readonly database";
  auto problem = [&](int code, PathAccess a, bool writing) {
    return access_problem(p, code, a, writing, msg).value_or("(none)");
  };
  PathAccess ok{true, true, true, true};
  EXPECT_EQ(problem(SQLITE_NOTADB, ok, true), "(none)");  // not a matter of permissions
  EXPECT_EQ(problem(SQLITE_ERROR, ok, false), "(none)");
  PathAccess unreadable{true, false, false, true};
  EXPECT_EQ(problem(SQLITE_CANTOPEN, unreadable, false),
            "permission denied (this user cannot read the file)");
  PathAccess new_in_ro{false, false, false, false};
  EXPECT_EQ(problem(SQLITE_CANTOPEN, new_in_ro, true),
            "permission denied (this user cannot create files in the folder 'share')");
  PathAccess read_only_file{true, true, false, true};
  EXPECT_EQ(problem(SQLITE_READONLY, read_only_file, true),
            "permission denied (the file is read-only to this user)");
  PathAccess ro_folder{true, true, true, false};
  EXPECT_EQ(problem(SQLITE_READONLY_DIRECTORY, ro_folder, true),
            "permission denied (this user cannot create 'share/r.db-wal' in the folder 'share')");
  EXPECT_EQ(problem(SQLITE_READONLY_DIRECTORY, ok, true), "read-only (" + msg + ")");
  EXPECT_EQ(access_problem("r.db", SQLITE_CANTOPEN, new_in_ro, true, msg),
            "permission denied (this user cannot create files in the folder '.')");
  // Another user's reader left a -shm and -wal this user cannot write.
  PathAccess left{true, true, true, true, false, false};
  EXPECT_EQ(writer_blocked(p, left).value_or("(none)"),
            "permission denied (this user cannot write 'share/r.db-shm' and 'share/r.db-wal', "
            "which another user's reader left beside it; docs/store.md says how to clear them)");
  EXPECT_FALSE(writer_blocked(p, ok));
  // The process's own view: as root (CI) everything here may be written.
  const auto dir = fresh_temp_dir();
  const PathAccess here = path_access((dir / "none.db").string());
  EXPECT_FALSE(here.exists);
  EXPECT_TRUE(here.folder_writable);
  EXPECT_TRUE(here.shm_writable);
}

// A reader that cannot write the folder still says "not a results database" of a file that is
// not one: the immutable retry does not hide it.
TEST(Store, ReadOnlyFolderStillTellsWhatIsNotADatabase) {
  const auto dir = fresh_temp_dir();
  std::ofstream(dir / "text.db") << "date,entity\n2025-01-31,x\n";
  SqliteStore::open_for_writing((dir / "x.db").string());  // a database, in WAL mode
  ReadOnlyFolder ro(dir);
  try {
    SqliteStore::open_for_reading((dir / "text.db").string());
    ADD_FAILURE();
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "not a results database (database error: file is not a database)");
  }
  // x.db has the schema and no runs: readable, with none listed.
  EXPECT_EQ(SqliteStore::open_for_reading((dir / "x.db").string())->runs().size(), 0u);
}

TEST(Store, CsvExportWritesEveryTable) {
  const auto dir = fresh_temp_dir();
  const auto path = (dir / "r.db").string();
  const RunResult r = run_deterministic(coreweave().scenario());
  auto db = SqliteStore::open_for_writing(path);
  store_run(*db, info_for("run", coreweave().loaded), r);
  export_csv_to(*db, dir / "csv");
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

// ---------------------------------------------------------------- capacity and concentration

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// A stored value against the JSON's: null (or absent) is NULL, strings and numbers are equal.
void expect_stored(const Value& v, const json& expected, const std::string& what) {
  if (expected.is_null())
    EXPECT_TRUE(is_null(v)) << what;
  else if (expected.is_string())
    EXPECT_EQ(text(v), expected.get<std::string>()) << what;
  else
    EXPECT_EQ(number(v), expected.get<double>()) << what;
}

// The capacity series and every column of `years` (concentration and capacity among them) equal
// the run's JSON: entities with sites have the five series and the capacity columns, the others
// neither; concentration is there for every entity with contract revenue.
void expect_capacity_and_years_equal_the_json(const Loaded& l) {
  const RunResult r = run_deterministic(l.scenario());
  const json j = run_to_json(r);
  auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
  store_run(*db, info_for("run", l.loaded), r);

  std::map<std::pair<std::string, std::string>, std::vector<double>> series;
  for (const Row& row : read_table(*db, Table::Series))
    series[{text(row[1]), text(row[2])}].push_back(number(row[5]));
  int with_sites = 0, concentrated = 0;
  for (const auto& [id, e] : j["entities"].items()) {
    const bool sites = e["series"].contains("active_mw");
    with_sites += sites;
    for (const char* name : {"active_mw", "contracted_mw", "powered_utilization", "idle_gpus",
                             "revenue_lost_capacity"}) {
      const auto& stored = series[{id, name}];
      if (!sites) {
        EXPECT_TRUE(stored.empty()) << id << " " << name;
        continue;
      }
      EXPECT_EQ(stored, e["series"][name].get<std::vector<double>>()) << id << " " << name;
    }
  }
  const std::vector<Row> years = read_table(*db, Table::Years);
  std::map<std::string, std::size_t> seen;
  for (const Row& row : years) {
    const std::string id = text(row[col(Table::Years, "entity")]);
    const json& y = j["entities"][id]["metrics"]["years"][seen[id]++];
    for (const Column& c : table_def(Table::Years).columns) {
      if (std::string(c.name) == "entity") continue;
      const std::string key = std::string(c.name) == "end_date" ? "end" : c.name;
      expect_stored(row[col(Table::Years, c.name)], y.contains(key) ? y[key] : json(nullptr),
                    id + " " + y["end"].get<std::string>() + " " + key);
    }
    concentrated += !is_null(row[col(Table::Years, "hhi")]);
  }
  for (const auto& [id, e] : j["entities"].items())
    EXPECT_EQ(seen[id], e["metrics"]["years"].size()) << id;
  EXPECT_GT(with_sites, 0);      // the scenario exercises what is tested
  EXPECT_GT(concentrated, 0);
}

TEST(Store, CapacityAndConcentrationEqualTheJson) {
  expect_capacity_and_years_equal_the_json(coreweave());
  expect_capacity_and_years_equal_the_json(capacity_constrained());
}

// Stored capacity figures of capacity-constrained.yaml against model.md's equations, by hand.
TEST(Store, CapacityFiguresOfTheExampleByHand) {
  const RunResult r = run_deterministic(capacity_constrained().scenario());
  auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
  store_run(*db, info_for("run", capacity_constrained().loaded), r);
  const auto stored = [&](const char* name, int period) {
    Statement s(db->connection().handle(),
                "SELECT value FROM series WHERE entity = 'fastcloud' AND name = ? AND period = ?");
    s.bind(1, std::string(name)).bind(2, std::int64_t{period});
    EXPECT_TRUE(s.step()) << name << " " << period;
    return s.real(0);
  };
  // The campus (20 MW, delivered 2025-01-01, ramping over R = 181 days to 1 July) averages
  // 20 x A(31) / 31 in January, A(x) = x^2 / 2R; the colocation gives its 36 MW all year.
  const double ramp = 181;
  const auto A = [&](double x) { return x * x / (2 * ramp); };
  const double jan = 36 + 20 * A(31) / 31, mar = 36 + 20 * (A(90) - A(59)) / 31;
  EXPECT_NEAR(stored("active_mw", 0), jan, 1e-9);
  EXPECT_NEAR(stored("active_mw", 2), mar, 1e-9);
  // All four sites are signed: 36 + 20 + 12 + 15 MW.
  EXPECT_EQ(stored("contracted_mw", 0), 83.0);
  // January: 20,000 H100 at 1.4 kW need 28 MW of the 37.7 active (PUE 1): all run, none idle.
  EXPECT_NEAR(stored("powered_utilization", 0), 28 / jan, 1e-12);
  EXPECT_EQ(stored("idle_gpus", 0), 0.0);
  EXPECT_EQ(stored("revenue_lost_capacity", 0), 0.0);
  // March: 15,000 GB200 at 2.0 kW join. Contracted 16,000 H100 (22.4 MW) run first; the 4,000
  // uncontracted H100 (5.6 MW) and 15,000 GB200 (30 MW) share the rest.
  const double powered = (mar - 22.4) / 35.6;
  EXPECT_NEAR(stored("powered_utilization", 2), 1.0, 1e-12);
  EXPECT_NEAR(stored("idle_gpus", 2), (1 - powered) * 19000, 1e-6);
  // What the unpowered spot GPUs would have earned at 70 % utilization and the 1 March rents
  // (linear from 2025-01-01 to 2026-12-31, 729 days), over March's 744 hours.
  const double h100 = 2.20 - 0.60 * 59 / 729, gb200 = 4.50 - 1.30 * 59 / 729;
  EXPECT_NEAR(stored("revenue_lost_capacity", 2),
              0.70 * (1 - powered) * 744 * (4000 * h100 + 15000 * gb200) / 1e6, 1e-9);
  // 2025's row: MW at its end, the campus ramped up (by 1 July) and the late expansion in service
  // (from 1 July, over a month), phase 2 not before 2026; idle GPUs averaged over the twelve
  // months and revenue lost summed, as model.md's Summary figures define them.
  const Row y = read_table(*db, Table::Years).at(0);
  EXPECT_EQ(text(y[col(Table::Years, "end_date")]), "2025-12-31");
  EXPECT_NEAR(number(y[col(Table::Years, "active_mw")]), 36 + 20 + 12, 1e-9);
  EXPECT_EQ(number(y[col(Table::Years, "contracted_mw")]), 83.0);
  double idle = 0, lost = 0;
  for (int k = 0; k < 12; ++k) {
    idle += stored("idle_gpus", k) / 12;
    lost += stored("revenue_lost_capacity", k);
  }
  EXPECT_NEAR(number(y[col(Table::Years, "idle_gpus")]), idle, 1e-9);
  EXPECT_NEAR(number(y[col(Table::Years, "revenue_lost_capacity")]), lost, 1e-9);
}

// The concentration columns agree with the ledger: each customer's contract revenue (spot rows
// excluded) over the year's revenue gives the top share and HHI (docs/store.md's query).
TEST(Store, ConcentrationAgreesWithTheLedger) {
  for (const Loaded* l : {&coreweave(), &capacity_constrained()}) {
    const RunResult r = run_deterministic(l->scenario());
    auto db = SqliteStore::open_for_writing((fresh_temp_dir() / "r.db").string());
    store_run(*db, info_for("run", l->loaded), r);
    Statement s(db->connection().handle(), R"(
      WITH c AS (SELECT entity, substr(date, 1, 4) AS year, counterparty, sum(amount) AS r
                 FROM ledger WHERE run = 1 AND kind = 'revenue' AND instrument NOT LIKE 'spot:%'
                 GROUP BY entity, year, counterparty)
      SELECT y.top_customer, y.top_customer_share, y.hhi, c.counterparty, max(c.r) / y.revenue,
             sum((c.r / y.revenue) * (c.r / y.revenue))
      FROM years y JOIN c ON c.entity = y.entity AND c.year = substr(y.end_date, 1, 4)
      WHERE y.run = 1 GROUP BY y.entity, y.end_date)");
    int years = 0;
    while (s.step()) {
      ++years;
      EXPECT_EQ(s.text(0), s.text(3));
      EXPECT_NEAR(s.real(1), s.real(4), 1e-12);
      EXPECT_NEAR(s.real(2), s.real(5), 1e-12);
    }
    EXPECT_EQ(years, db->connection().scalar("SELECT count(*) FROM years WHERE hhi IS NOT NULL"));
    EXPECT_GT(years, 0);
  }
}

// ---------------------------------------------------------------- a version-1 database

// tests/store/version-1.sql: a database as version 1 wrote it (the file says how it was made).
std::string version_1_database() {
  const auto path = (fresh_temp_dir() / "v1.db").string();
  Connection(path, false).exec(
      test_support::read_file(TINDERBOX_SOURCE_DIR "/tests/store/version-1.sql"));
  return path;
}

// The columns of every table: name, type, NOT NULL, in order.
std::vector<std::string> table_shapes(Connection& c) {
  std::vector<std::string> out;
  for (const TableDef& t : all_tables()) {
    Statement s(c.handle(), std::string("SELECT name, type, \"notnull\" FROM pragma_table_info('") +
                                t.name + "')");
    while (s.step()) out.push_back(std::string(t.name) + "." + s.text(0) + " " + s.text(1) + " " +
                                   std::to_string(s.integer(2)));
  }
  return out;
}

TEST(StoreVersion1, IsReadAsItIs) {
  const std::string path = version_1_database();
  auto db = SqliteStore::open_for_reading(path);
  ASSERT_EQ(db->runs().size(), 1u);
  const json data = report_data(*db, {1});
  EXPECT_EQ(data["schema_version"], 1);
  const json& run = data["runs"][0];
  EXPECT_EQ(run["dates"].size(), 3u);
  ASSERT_EQ(run["years"].size(), 1u);
  // The old columns as stored (revenue of the fixture's three months), the new ones null.
  EXPECT_NEAR(run["years"][0]["revenue"].get<double>(), 114.557588039015, 1e-12);
  for (const Column& c : table_def(Table::Years).columns)
    if (c.since > 1) {
      EXPECT_TRUE(run["years"][0][c.name].is_null()) << c.name;
    }
  // Its capacity series were stored already: version 1 kept every series of `run --json`.
  EXPECT_EQ(run["series"]["fastcloud"]["active_mw"].size(), 3u);
  EXPECT_NO_THROW(export_csv_to(*db, fresh_temp_dir() / "csv"));
  db.reset();
  EXPECT_EQ(Connection(path, true).scalar("PRAGMA user_version"), 1);  // a reader changes nothing
}

TEST(StoreVersion1, IsMigratedInPlaceByAWriter) {
  const std::string path = version_1_database();
  const auto fresh = (fresh_temp_dir() / "fresh.db").string();
  SqliteStore::open_for_writing(fresh);
  std::int64_t series_before = 0;
  {
    Connection old(path, true), made(fresh, true);
    series_before = old.scalar("SELECT count(*) FROM series");
    EXPECT_NE(table_shapes(old), table_shapes(made));
  }
  auto db = SqliteStore::open_for_writing(path);
  EXPECT_EQ(db->connection().scalar("PRAGMA user_version"), kSchemaVersion);
  {
    Connection migrated(path, true), made(fresh, true);
    EXPECT_EQ(table_shapes(migrated), table_shapes(made));  // as if created by this version
  }
  // The old run is intact, its new columns NULL; a new run stores every column.
  EXPECT_EQ(db->connection().scalar("SELECT count(*) FROM series WHERE run = 1"), series_before);
  EXPECT_EQ(db->connection().scalar("SELECT count(*) FROM years WHERE run = 1 AND hhi IS NULL"), 1);
  const RunResult r = run_deterministic(capacity_constrained().scenario());
  EXPECT_EQ(store_run(*db, info_for("run", capacity_constrained().loaded), r), 2);
  const json j = run_to_json(r);
  const json& y = j["entities"]["fastcloud"]["metrics"]["years"][0];
  Statement s(db->connection().handle(),
              "SELECT top_customer, hhi, idle_gpus FROM years WHERE run = 2 ORDER BY rowid");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), y["top_customer"].get<std::string>());
  EXPECT_EQ(s.real(1), y["hhi"].get<double>());
  EXPECT_EQ(s.real(2), y["idle_gpus"].get<double>());
  const json data = report_data(*db, {1, 2});
  EXPECT_EQ(data["schema_version"], kSchemaVersion);
  EXPECT_EQ(data["runs"][1]["years"][0]["hhi"], y["hhi"]);
  // Opening it again finds nothing left to migrate.
  db.reset();
  EXPECT_EQ(SqliteStore::open_for_writing(path)->connection().scalar("PRAGMA user_version"),
            kSchemaVersion);
}

// Migration steps add only columns that may be NULL, at the end of their tables, so that a
// migrated table has the shape of a fresh one (the test above checks it on a real file).
TEST(StoreVersion1, LaterColumnsComeLastAndMayBeNull) {
  for (const TableDef& t : all_tables()) {
    int since = 1;
    for (const Column& c : t.columns) {
      EXPECT_GE(c.since, since) << t.name << "." << c.name;
      since = c.since;
      if (c.since > 1) {
        EXPECT_EQ(std::string(c.type).find("NOT NULL"), std::string::npos) << c.name;
      }
    }
  }
  EXPECT_EQ(migration_sql(1).substr(0, 47), "ALTER TABLE years ADD COLUMN top_customer TEXT;");
}

}  // namespace
}  // namespace tinderbox::store
