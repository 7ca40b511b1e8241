#include "coordinator/sqlite_db.hpp"

#include <sqlite3.h>

namespace drover::coordinator {

using actors::errc;
using actors::fail;

namespace {

actors::error sqlite_error(sqlite3* db, std::string_view what) {
  return fail(errc::io_failure,
              std::string{what} + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_failed_(other.bind_failed_) {
  other.stmt_ = nullptr;
}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_failed_ = other.bind_failed_;
    other.stmt_ = nullptr;
  }
  return *this;
}

sqlite_statement::~sqlite_statement() {
  sqlite3_finalize(stmt_);
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value) {
  bind_failed_ |= sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK;
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, double value) {
  bind_failed_ |= sqlite3_bind_double(stmt_, index, value) != SQLITE_OK;
  return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text) {
  bind_failed_ |= sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                                      SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK;
  return *this;
}

sqlite_statement& sqlite_statement::bind_null(int index) {
  bind_failed_ |= sqlite3_bind_null(stmt_, index) != SQLITE_OK;
  return *this;
}

void sqlite_statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_failed_ = false;
}

actors::result<bool> sqlite_statement::step() {
  if (bind_failed_) {
    return sqlite_error(db_, "binding a parameter failed");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return false;
  }
  auto err = sqlite_error(db_, "statement failed");
  sqlite3_reset(stmt_);
  return err;
}

actors::result<void> sqlite_statement::run() {
  while (true) {
    DROVER_TRY(more, step());
    if (!more) {
      return actors::ok();
    }
  }
}

std::int64_t sqlite_statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double sqlite_statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string sqlite_statement::column_text(int index) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text ? std::string{text,
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))}
              : std::string{};
}

bool sqlite_statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

actors::result<sqlite_db> sqlite_db::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(db, "cannot open " + path);
    sqlite3_close(db);
    return err;
  }
  sqlite3_busy_timeout(db, 5000);
  return sqlite_db{db};
}

sqlite_db::sqlite_db(sqlite_db&& other) noexcept
    : db_(other.db_), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
}

sqlite_db& sqlite_db::operator=(sqlite_db&& other) noexcept {
  if (this != &other) {
    cache_.clear();
    sqlite3_close(db_);
    db_ = other.db_;
    cache_ = std::move(other.cache_);
    other.db_ = nullptr;
  }
  return *this;
}

sqlite_db::~sqlite_db() {
  cache_.clear();  // sqlite3_close refuses a connection with live statements
  sqlite3_close(db_);
}

actors::result<void> sqlite_db::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(errc::io_failure, "sqlite: " + text);
  }
  return actors::ok();
}

actors::result<sqlite_statement> sqlite_db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return sqlite_error(db_, "cannot prepare statement");
  }
  return sqlite_statement{db_, stmt};
}

actors::result<sqlite_statement*> sqlite_db::cached(std::string_view sql) {
  auto found = cache_.find(std::string{sql});
  if (found != cache_.end()) {
    found->second->reset();
    return found->second.get();
  }
  DROVER_TRY(statement, prepare(sql));
  auto& slot = cache_[std::string{sql}];
  slot = std::make_unique<sqlite_statement>(std::move(statement));
  return slot.get();
}

actors::result<void> sqlite_db::run_cached(std::string_view sql) {
  DROVER_TRY(statement, cached(sql));
  return statement->run();
}

}  // namespace drover::coordinator
