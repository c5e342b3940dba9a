#include "store/sqlite.h"

#include <sqlite3.h>

namespace tinderbox::store {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"),
                   db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM);
}

}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK)
    fail(db, "cannot prepare '" + sql + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const Value& v) {
  int rc = SQLITE_OK;
  if (std::holds_alternative<std::monostate>(v))
    rc = sqlite3_bind_null(stmt_, index);
  else if (const auto* i = std::get_if<std::int64_t>(&v))
    rc = sqlite3_bind_int64(stmt_, index, *i);
  else if (const auto* d = std::get_if<double>(&v))
    rc = sqlite3_bind_double(stmt_, index, *d);
  else {
    const std::string& s = std::get<std::string>(v);
    rc = sqlite3_bind_text(stmt_, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  if (rc != SQLITE_OK) fail(db_, "cannot bind a value");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "database error");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::columns() const { return sqlite3_column_count(stmt_); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
}

std::optional<std::int64_t> Statement::integer_or_null(int col) const {
  return is_null(col) ? std::nullopt : std::optional<std::int64_t>(integer(col));
}

std::optional<double> Statement::real_or_null(int col) const {
  return is_null(col) ? std::nullopt : std::optional<double>(real(col));
}

Value Statement::value(int col) const {
  switch (sqlite3_column_type(stmt_, col)) {
    case SQLITE_NULL: return std::monostate{};
    case SQLITE_INTEGER: return integer(col);
    case SQLITE_FLOAT: return real(col);
    default: return text(col);
  }
}

std::string Statement::column_name(int col) const { return sqlite3_column_name(stmt_, col); }

std::string immutable_uri(const std::string& path) {
  // Every byte but the unreserved ones as %HH, so that '%', '?', '#' (and ':', spaces, ...) in a
  // file name stay part of the name. An absolute path gets an empty authority ("file:///tmp/x"),
  // so that one starting with "//" is not read as a host name.
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string uri = path.starts_with('/') ? "file://" : "file:";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
        c == '-' || c == '.' || c == '_' || c == '~') {
      uri += ch;
    } else {
      uri += '%';
      uri += hex[c >> 4];
      uri += hex[c & 15];
    }
  }
  return uri + "?immutable=1";
}

Connection::Connection(const std::string& path, bool read_only, bool immutable) {
  const int flags = immutable   ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
                    : read_only ? SQLITE_OPEN_READONLY
                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const std::string name = immutable ? immutable_uri(path) : path;
  if (sqlite3_open_v2(name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(why, code);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { close(); }

void Connection::close() {
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Connection::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw StoreError(why, sqlite3_extended_errcode(db_));
  }
}

std::int64_t Connection::scalar(const std::string& sql) {
  Statement s(db_, sql);
  return s.step() ? s.integer(0) : 0;
}

std::string Connection::scalar_text(const std::string& sql) {
  Statement s(db_, sql);
  return s.step() ? s.text(0) : "";
}

}  // namespace tinderbox::store
