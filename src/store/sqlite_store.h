// The results database (docs/store.md): SQLite in WAL mode, so that readers never block the
// writer; each run is written in one transaction, so that a run killed at any moment leaves no
// trace of itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/result_sink.h"
#include "store/sqlite.h"

namespace tinderbox::store {

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
  // older schema version is read as it is.
  static std::unique_ptr<SqliteStore> open_for_reading(const std::string& path);
  ~SqliteStore() override;  // rolls back a run that was begun and not committed

  std::int64_t begin_run(const Row& runs) override;
  void row(Table t, const Row& values) override;
  void commit() override;

  Connection& connection() { return db_; }
  std::vector<RunSummary> runs();
  std::optional<std::int64_t> latest_run();
  bool has_run(std::int64_t id);

  // Every table as DIR/TABLE.csv (each written through a temporary file); the folder is created
  // when missing. Throws StoreError naming the file it could not write.
  void export_csv(const std::string& dir);

 private:
  SqliteStore(const std::string& path, bool read_only);
  void check_schema(bool may_create);
  void migrate();  // an older schema to kSchemaVersion, in one transaction
  void maybe_stop(const char* point);  // the documented test hook (docs/store.md)

  Connection db_;
  std::vector<std::unique_ptr<Statement>> inserts_;  // per table, prepared on first use
  std::int64_t run_ = 0;
  bool in_run_ = false;
  std::int64_t rows_ = 0;
  std::string stop_at_;
};

}  // namespace tinderbox::store
