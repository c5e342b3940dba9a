#include "store/sqlite_store.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>

#include "report/ledger_csv.h"

namespace tinderbox::store {

namespace {

std::string folder_of(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

bool can(const std::string& path, int mode) {
  return faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0;
}

}  // namespace

PathAccess path_access(const std::string& path) {
  PathAccess a;
  a.exists = can(path, F_OK);
  a.readable = can(path, R_OK);
  a.writable = can(path, W_OK);
  a.folder_writable = can(folder_of(path), W_OK | X_OK);
  a.shm_writable = !can(path + "-shm", F_OK) || can(path + "-shm", W_OK);
  a.wal_writable = !can(path + "-wal", F_OK) || can(path + "-wal", W_OK);
  return a;
}

std::optional<std::string> writer_blocked(const std::string& path, const PathAccess& a) {
  if (!a.exists || !a.writable || (a.shm_writable && a.wal_writable)) return std::nullopt;
  // A read-only connection that creates the -shm and -wal of a WAL database (in a folder it may
  // write) leaves them when it closes, owned by its user, with the database file's mode bits:
  // SQLite's ordinary behaviour (docs/store.md). The owner's writer can then read but not write.
  return "permission denied (this user cannot write '" + path + "-shm' and '" + path +
         "-wal', which another user's reader left beside it; docs/store.md says how to clear "
         "them)";
}

bool is_access_code(int code) {
  return (code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_CANTOPEN;
}

std::optional<std::string> access_problem(const std::string& path, int code, const PathAccess& a,
                                          bool writing, const std::string& sqlite_message) {
  if (!is_access_code(code)) return std::nullopt;
  const std::string folder = folder_of(path);
  if (a.exists && !a.readable) return "permission denied (this user cannot read the file)";
  if (writing && !a.exists && !a.folder_writable)
    return "permission denied (this user cannot create files in the folder '" + folder + "')";
  if (writing && a.exists && !a.writable)
    return "permission denied (the file is read-only to this user)";
  // The file itself may be written, but WAL mode needs '-wal' and '-shm' files beside it.
  if (writing && !a.folder_writable)
    return "permission denied (this user cannot create '" + path + "-wal' in the folder '" +
           folder + "')";
  // Permissions allow it (root, say) and SQLite still cannot: a read-only file system, a file
  // made immutable. SQLite's own words, then.
  return writing ? "read-only (" + sqlite_message + ")" : sqlite_message;
}

SqliteStore::SqliteStore(const std::string& path, bool read_only, bool immutable)
    : db_(path, read_only, immutable) {
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
  if (!created_ || !remove_if_empty_) return;
  bool empty = false;
  try {
    empty = db_.scalar("SELECT count(*) FROM runs") == 0;
  } catch (const StoreError&) {
    return;  // whatever it holds, it is not ours to judge: leave it
  }
  if (!empty) return;
  inserts_.clear();  // finalized before the connection closes
  db_.close();
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
}

std::unique_ptr<SqliteStore> SqliteStore::open_for_writing(const std::string& path) {
  // SQLite says only "unable to open database file" when the folder is missing: say which.
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec))
    throw StoreError("no folder '" + folder.string() + "'");
  if (auto why = writer_blocked(path, path_access(path))) throw AccessError(*why, SQLITE_READONLY);
  try {
    const bool existed = std::filesystem::exists(path, ec);
    std::unique_ptr<SqliteStore> s(new SqliteStore(path, false));
    s->path_ = path;
    s->created_ = !existed;
    // SQLite opens a file it may only read read-only, silently, and fails at the first write:
    // say so before anything is read (and a -shm created), unless it is no database at all.
    if (sqlite3_db_readonly(s->db_.handle(), "main") == 1) {
      char head[16] = {};
      std::ifstream(path, std::ios::binary).read(head, sizeof head);
      if (std::filesystem::file_size(path, ec) > 0 &&
          std::string(head, sizeof head) != std::string("SQLite format 3\0", 16))
        throw StoreError("not a results database (database error: file is not a database)",
                         SQLITE_NOTADB);
      throw StoreError("attempt to write a readonly database", SQLITE_READONLY);
    }
    // A writer waits for another writer's transaction rather than failing at once.
    s->db_.exec("PRAGMA busy_timeout = 60000");
    s->check_schema(true);
    const std::string mode = s->db_.scalar_text("PRAGMA journal_mode = WAL");
    if (mode != "wal")
      throw StoreError("cannot switch the database to WAL mode (got " + mode + ")");
    s->db_.exec("PRAGMA foreign_keys = ON");
    return s;
  } catch (const AccessError&) {
    throw;
  } catch (const StoreError& e) {
    if (auto why = access_problem(path, e.code(), path_access(path), true, e.what()))
      throw AccessError(*why, e.code());
    throw;
  }
}

std::unique_ptr<SqliteStore> SqliteStore::open_reader(const std::string& path, bool immutable) {
  std::unique_ptr<SqliteStore> s(new SqliteStore(path, true, immutable));
  s->db_.exec("PRAGMA busy_timeout = 60000");
  s->check_schema(false);
  return s;
}

std::unique_ptr<SqliteStore> SqliteStore::open_for_reading(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw StoreError("no such file");
  try {
    return open_reader(path, false);
  } catch (const StoreError& e) {
    if (!is_access_code(e.code())) throw;
    const PathAccess a = path_access(path);
    if (a.exists && !a.readable)
      throw AccessError(*access_problem(path, e.code(), a, false, e.what()), e.code());
    // A read-only connection to a WAL database needs the -shm (and -wal) beside it, and creates
    // them when they are missing: in a folder this user cannot write it cannot
    // (SQLITE_READONLY_DIRECTORY, or SQLITE_CANTOPEN for the -shm). SQLite's answer (wal.html,
    // "Read-Only Databases") is `immutable`: no locks, no -wal, no -shm, the file read as it is.
    // That is what the database holds when no -wal holds changes. And this retry is met only
    // while no writer has the database open: a writer makes both files as it opens, with the
    // file's mode (so readable to whoever may read the file), and the ordinary open then works;
    // a tinderbox writer checkpoints and deletes both when it closes. A -wal with changes in it
    // (a copy of a live database, without its -shm) would be ignored, the runs committed to it
    // missing without a word, so that is refused. What is left (docs/store.md): a
    // writer that starts (the folder's owner can) while this reader reads could checkpoint
    // into the file under it, and the reader, taking no locks, may then see a mix of old and new
    // pages or fail with "database disk image is malformed"; it never changes the file.
    const std::string wal = path + "-wal";
    const auto wal_size = std::filesystem::file_size(wal, ec);
    if (!ec && wal_size > 0)
      throw AccessError("its write-ahead log '" + wal + "' holds changes that only a user who "
                        "can write the folder '" + folder_of(path) + "' can read", e.code());
    return open_reader(path, true);
  }
}

void SqliteStore::check_schema(bool may_create) {
  std::int64_t version = 0, tables = 0;
  try {
    version = db_.scalar("PRAGMA user_version");
    tables = db_.scalar("SELECT count(*) FROM sqlite_schema");
  } catch (const StoreError& e) {
    // A file that cannot be opened or written is not thereby a file of another kind: the
    // callers say what stopped them (access_problem).
    if (is_access_code(e.code())) throw;
    throw StoreError(std::string("not a results database (") + e.what() + ")", e.code());
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

void SqliteStore::export_csv(const std::function<std::ostream&(const std::string& file)>& open) {
  db_.exec("BEGIN");
  try {
    for (const TableDef& t : all_tables()) {
      std::ostream& out = open(std::string(t.name) + ".csv");
      Statement s(db_.handle(), std::string("SELECT * FROM ") + t.name + " ORDER BY rowid");
      for (int c = 0; c < s.columns(); ++c) out << (c ? "," : "") << s.column_name(c);
      out << "\n";
      while (s.step()) {
        for (int c = 0; c < s.columns(); ++c) out << (c ? "," : "") << csv_value(s.value(c));
        out << "\n";
      }
    }
  } catch (...) {
    db_.exec("COMMIT");  // a read transaction: ending it changes nothing
    throw;
  }
  db_.exec("COMMIT");
}

}  // namespace tinderbox::store
