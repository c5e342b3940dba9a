// Where results go: the seam between what a command computed and where it is kept (STYLE.md 7).
// A sink takes rows of the tables in schema.h; SqliteStore keeps them in a database, MemorySink
// in vectors (for tests). Rows are plain values: the same ones the JSON and CSV writers print.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "store/schema.h"

namespace tinderbox::store {

// NULL, an integer, a real or a text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Row = std::vector<Value>;

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Starts one run: `runs` holds the runs table's columns (schema.h order, without the id).
  // Returns the run's id. Everything up to commit() is one transaction: all of it is kept, or,
  // when the process dies or the sink is destroyed first, none of it.
  virtual std::int64_t begin_run(const Row& runs) = 0;
  // A row of any table but runs, without its `run` column (the sink adds the current run's).
  virtual void row(Table t, const Row& values) = 0;
  virtual void commit() = 0;
};

// Keeps rows in memory, by table, `run` column included.
class MemorySink final : public ResultSink {
 public:
  std::int64_t begin_run(const Row& runs) override;
  void row(Table t, const Row& values) override;
  void commit() override { committed_ = true; }

  const std::vector<Row>& rows(Table t) const { return tables_[static_cast<int>(t)]; }
  bool committed() const { return committed_; }

 private:
  std::vector<Row> tables_[kTableCount];
  std::int64_t run_ = 0;
  bool committed_ = false;
};

}  // namespace tinderbox::store
