// A thin RAII layer over SQLite's C API: a connection and prepared statements, errors as
// exceptions with SQLite's own message.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "store/result_sink.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tinderbox::store {

// A database that cannot be opened, read or written; the message is for a person.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& what, int code = 0)
      : std::runtime_error(what), code_(code) {}
  // SQLite's extended result code (SQLITE_READONLY_DIRECTORY, ...), 0 when SQLite did not say:
  // it tells a permission problem from a file that is not a database.
  int code() const { return code_; }

 private:
  int code_;
};

// This user may not read the file, or may not write the file or its folder, as the open needed;
// the message says which. The CLI says "for writing" when the open was a writer's.
class AccessError : public StoreError {
 public:
  using StoreError::StoreError;
};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const Value& v);  // 1-based, as SQLite counts
  // Advances to the next row; false when there is none (the statement is done).
  bool step();
  void reset();  // ready to bind and run again

  int columns() const;
  bool is_null(int col) const;
  std::int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::int64_t> integer_or_null(int col) const;
  std::optional<double> real_or_null(int col) const;
  Value value(int col) const;  // as stored
  std::string column_name(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// `path` as a SQLite URI with immutable=1, every byte of the name that a URI could read as
// something else (%, ?, #, ...) written %HH.
std::string immutable_uri(const std::string& path);

class Connection {
 public:
  // Opens `path`; read-only connections require the file to exist. An immutable connection
  // (read-only, SQLite's `immutable` URI parameter) takes no locks and never touches the -wal or
  // -shm files: only for a file nobody writes while it is open (docs/store.md).
  Connection(const std::string& path, bool read_only, bool immutable = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  void close();  // closes the connection now (its statements must be finalized); idempotent
  void exec(const std::string& sql);  // statements without results
  std::int64_t scalar(const std::string& sql);  // the first column of the first row
  std::string scalar_text(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace tinderbox::store
