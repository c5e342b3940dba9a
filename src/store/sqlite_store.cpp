#include "store/sqlite_store.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "report/ledger_csv.h"

namespace tinderbox::store {

SqliteStore::SqliteStore(const std::string& path, bool read_only) : db_(path, read_only) {
  inserts_.resize(kTableCount);
  // Test hook (docs/store.md): stop the process with SIGSTOP at a named point of the write, so
  // that a test can kill it exactly there.
  if (const char* at = std::getenv("TINDERBOX_STORE_STOP_AT")) stop_at_ = at;
}

SqliteStore::~SqliteStore() {
  if (in_run_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const StoreError&) {
      // Closing the connection rolls back as well.
    }
  }
}

std::unique_ptr<SqliteStore> SqliteStore::open_for_writing(const std::string& path) {
  // SQLite says only "unable to open database file" when the folder is missing: say which.
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec))
    throw StoreError("no folder '" + folder.string() + "'");
  std::unique_ptr<SqliteStore> s(new SqliteStore(path, false));
  // A writer waits for another writer's transaction rather than failing at once.
  s->db_.exec("PRAGMA busy_timeout = 60000");
  s->check_schema(true);
  const std::string mode = s->db_.scalar_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") throw StoreError("cannot switch the database to WAL mode (got " + mode + ")");
  s->db_.exec("PRAGMA foreign_keys = ON");
  return s;
}

std::unique_ptr<SqliteStore> SqliteStore::open_for_reading(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw StoreError("no such file");
  std::unique_ptr<SqliteStore> s(new SqliteStore(path, true));
  s->db_.exec("PRAGMA busy_timeout = 60000");
  s->check_schema(false);
  return s;
}

void SqliteStore::check_schema(bool may_create) {
  std::int64_t version = 0, tables = 0;
  try {
    version = db_.scalar("PRAGMA user_version");
    tables = db_.scalar("SELECT count(*) FROM sqlite_schema");
  } catch (const StoreError& e) {
    throw StoreError(std::string("not a results database (") + e.what() + ")");
  }
  if (version > kSchemaVersion)
    throw StoreError(fmt::format("written by a newer tinderbox (schema version {}; this one "
                                 "reads {})", version, kSchemaVersion));
  if (version == kSchemaVersion) return;
  if (version >= 1) {
    // An older database: a reader takes it as it is (the report reads what columns it has); a
    // writer first migrates it in place (docs/store.md).
    if (may_create) migrate();
    return;
  }
  if (version != 0 || tables != 0 || !may_create)
    throw StoreError(tables == 0 ? "an empty database, with no runs in it"
                                 : "not a tinderbox results database (no schema version)");
  // A fresh file: create the schema, unless another process got there first.
  db_.exec("BEGIN IMMEDIATE");
  try {
    if (db_.scalar("PRAGMA user_version") == 0) {
      db_.exec(schema_sql());
      db_.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
    }
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
}

void SqliteStore::migrate() {
  db_.exec("BEGIN IMMEDIATE");
  try {
    // Another writer may have migrated it while this one waited for the lock.
    for (auto v = db_.scalar("PRAGMA user_version"); v < kSchemaVersion; ++v)
      db_.exec(migration_sql(static_cast<int>(v)));
    db_.exec("COMMIT");
  } catch (const StoreError& e) {
    db_.exec("ROLLBACK");
    throw StoreError(fmt::format("cannot migrate the database to schema version {} ({})",
                                 kSchemaVersion, e.what()));
  }
}

void SqliteStore::maybe_stop(const char* point) {
  if (!stop_at_.empty() && stop_at_ == point) std::raise(SIGSTOP);
}

std::int64_t SqliteStore::begin_run(const Row& runs) {
  db_.exec("BEGIN IMMEDIATE");
  in_run_ = true;
  rows_ = 0;
  maybe_stop("begin");
  auto& insert = inserts_[static_cast<int>(Table::Runs)];
  if (!insert) insert = std::make_unique<Statement>(db_.handle(), insert_sql(Table::Runs));
  for (std::size_t i = 0; i < runs.size(); ++i) insert->bind(static_cast<int>(i) + 1, runs[i]);
  insert->step();
  insert->reset();
  run_ = db_.scalar("SELECT last_insert_rowid()");
  return run_;
}

void SqliteStore::row(Table t, const Row& values) {
  auto& insert = inserts_[static_cast<int>(t)];
  if (!insert) insert = std::make_unique<Statement>(db_.handle(), insert_sql(t));
  insert->bind(1, run_);
  for (std::size_t i = 0; i < values.size(); ++i) insert->bind(static_cast<int>(i) + 2, values[i]);
  insert->step();
  insert->reset();
  if (!stop_at_.empty() && stop_at_ == fmt::format("rows:{}", ++rows_)) std::raise(SIGSTOP);
}

void SqliteStore::commit() {
  maybe_stop("commit");
  db_.exec("COMMIT");
  in_run_ = false;
}

std::vector<RunSummary> SqliteStore::runs() {
  Statement s(db_.handle(),
              "SELECT id, created_at, command, coalesce(scenario, ''), seed, paths FROM runs "
              "ORDER BY id");
  std::vector<RunSummary> out;
  while (s.step())
    out.push_back(RunSummary{s.integer(0), s.text(1), s.text(2), s.text(3), s.integer_or_null(4),
                             s.integer_or_null(5)});
  return out;
}

std::optional<std::int64_t> SqliteStore::latest_run() {
  Statement s(db_.handle(), "SELECT max(id) FROM runs");
  return s.step() ? s.integer_or_null(0) : std::nullopt;
}

bool SqliteStore::has_run(std::int64_t id) {
  Statement s(db_.handle(), "SELECT 1 FROM runs WHERE id = ?");
  s.bind(1, id);
  return s.step();
}

namespace {

std::string csv_value(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&v)) return csv_field(*s);
  return "";
}

}  // namespace

void SqliteStore::export_csv(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) throw StoreError("cannot create folder '" + dir + "'");
  // One read transaction: the files agree with each other even while a run is being written.
  db_.exec("BEGIN");
  for (const TableDef& t : all_tables()) {
    const std::string path = (fs::path(dir) / (std::string(t.name) + ".csv")).string();
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      Statement s(db_.handle(), std::string("SELECT * FROM ") + t.name + " ORDER BY rowid");
      for (int c = 0; c < s.columns(); ++c) out << (c ? "," : "") << s.column_name(c);
      out << "\n";
      while (s.step()) {
        for (int c = 0; c < s.columns(); ++c) out << (c ? "," : "") << csv_value(s.value(c));
        out << "\n";
      }
      out.close();
      if (out.fail()) {
        fs::remove(tmp, ec);
        db_.exec("COMMIT");
        throw StoreError("cannot write '" + path + "'");
      }
    }
    fs::rename(tmp, path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      db_.exec("COMMIT");
      throw StoreError("cannot write '" + path + "'");
    }
  }
  db_.exec("COMMIT");
}

}  // namespace tinderbox::store
