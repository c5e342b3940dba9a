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
  using std::runtime_error::runtime_error;
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

class Connection {
 public:
  // Opens `path`; read-only connections require the file to exist.
  Connection(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  void exec(const std::string& sql);  // statements without results
  std::int64_t scalar(const std::string& sql);  // the first column of the first row
  std::string scalar_text(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace tinderbox::store
