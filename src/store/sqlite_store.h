// The results database (docs/store.md): SQLite in WAL mode, so that readers never block the
// writer; each run is written in one transaction, so that a run killed at any moment leaves no
// trace of itself.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "store/result_sink.h"
#include "store/sqlite.h"

namespace tinderbox::store {

// What the file system lets this process do with a database path and its folder (access(2) with
// the effective ids), for the messages of access_problem.
struct PathAccess {
  bool exists = false, readable = false, writable = false, folder_writable = false;
  // PATH-shm and PATH-wal may be written by this user (true when they do not exist).
  bool shm_writable = true, wal_writable = true;
};
PathAccess path_access(const std::string& path);

// SQLite's extended result codes that mean a file could not be opened or written (the READONLY
// and CANTOPEN families), as opposed to a file that is not a database.
bool is_access_code(int code);

// Why a writer cannot use `path` before it tries, when SQLite would fail only at the first write
// (after the run has been computed): a -shm or -wal beside it that another user's reader left and
// this user may not write. nullopt when nothing stands in the way that this can see.
std::optional<std::string> writer_blocked(const std::string& path, const PathAccess& a);

// Why opening `path` (to write runs when `writing`) failed with SQLite's extended result `code`,
// in words, when it is a matter of permissions; nullopt when `code` is not an access code.
// `sqlite_message` is SQLite's own text, used when the file system does not say why.
std::optional<std::string> access_problem(const std::string& path, int code, const PathAccess& a,
                                          bool writing, const std::string& sqlite_message);

struct RunSummary {
  std::int64_t id = 0;
  std::string created_at, command, scenario;
  std::optional<std::int64_t> seed, paths;
};

class SqliteStore final : public ResultSink {
 public:
  // Opens `path` to write runs, creating the file and the schema when they do not exist and
  // migrating a database of an older schema version in place.
  // Throws StoreError when it cannot, or when the file is not a results database this build reads.
  static std::unique_ptr<SqliteStore> open_for_writing(const std::string& path);
  // Opens an existing results database to read; never creates or changes it. A database of an
  // older schema version is read as it is. One in a folder this user cannot write is read
  // through SQLite's `immutable` parameter, unless its -wal holds changes (docs/store.md).
  static std::unique_ptr<SqliteStore> open_for_reading(const std::string& path);
  ~SqliteStore() override;  // rolls back a run that was begun and not committed
  // A database that open_for_writing created is removed again (with its -wal and -shm) when it
  // is closed holding no run, so that a command that fails leaves no empty database behind (the
  // CLI's --db, docs/cli.md). A database that existed before is never removed.
  void remove_if_left_empty() { remove_if_empty_ = true; }

  std::int64_t begin_run(const Row& runs) override;
  void row(Table t, const Row& values) override;
  void commit() override;

  Connection& connection() { return db_; }
  std::vector<RunSummary> runs();
  std::optional<std::int64_t> latest_run();
  bool has_run(std::int64_t id);

  // Every table as CSV (a header of column names, then one line per row): `open(FILE)` gives the
  // stream for the table's file name FILE (TABLE.csv). One read transaction, so the files agree
  // with each other even while a run is being written. Where the bytes go, and when they reach
  // a disk, is the caller's (the CLI writes them as its output files, docs/cli.md).
  void export_csv(const std::function<std::ostream&(const std::string& file)>& open);

 private:
  SqliteStore(const std::string& path, bool read_only, bool immutable = false);
  static std::unique_ptr<SqliteStore> open_reader(const std::string& path, bool immutable);
  void check_schema(bool may_create);
  void migrate();  // an older schema to kSchemaVersion, in one transaction
  void maybe_stop(const char* point);  // the documented test hook (docs/store.md)

  Connection db_;
  std::vector<std::unique_ptr<Statement>> inserts_;  // per table, prepared on first use
  std::int64_t run_ = 0;
  bool in_run_ = false;
  std::int64_t rows_ = 0;
  std::string stop_at_;
  std::string path_;
  bool created_ = false;         // open_for_writing made the file
  bool remove_if_empty_ = false;
};

}  // namespace tinderbox::store
