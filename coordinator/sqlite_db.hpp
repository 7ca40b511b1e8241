#pragma once

// Small RAII wrappers over sqlite3's C API: a connection and a prepared
// statement. Errors come back as values (errc::io_failure with SQLite's
// message). Not thread-safe: one owner at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "actors/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace drover::coordinator {

class sqlite_db;

/// One prepared statement. Bind parameters by 1-based index, then `step`
/// until it reports no more rows. `reset` makes it reusable.
class sqlite_statement {
 public:
  sqlite_statement(sqlite_statement&&) noexcept;
  sqlite_statement& operator=(sqlite_statement&&) noexcept;
  ~sqlite_statement();

  sqlite_statement& bind(int index, std::int64_t value);
  sqlite_statement& bind(int index, double value);
  sqlite_statement& bind(int index, std::string_view text);
  sqlite_statement& bind_null(int index);

  /// True while a row is available, false once done; an error otherwise.
  actors::result<bool> step();
  /// Runs a statement that returns no rows.
  actors::result<void> run();

  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class sqlite_db;
  sqlite_statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  /// Back to unbound and not stepped, whatever its last use left.
  void reset();

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool bind_failed_ = false;
};

/// A database connection, closed on destruction.
class sqlite_db {
 public:
  /// Opens (or creates) the database file at `path`.
  static actors::result<sqlite_db> open(const std::string& path);

  sqlite_db(sqlite_db&&) noexcept;
  sqlite_db& operator=(sqlite_db&&) noexcept;
  ~sqlite_db();

  /// Runs one or more statements that take no parameters.
  actors::result<void> exec(const std::string& sql);
  actors::result<sqlite_statement> prepare(std::string_view sql);
  /// The statement for `sql`, prepared on first use and kept with the
  /// connection, reset and unbound: for statements run once per prompt, whose
  /// preparation would cost more than running them. The pointer stays valid
  /// while the connection lives; one user at a time.
  actors::result<sqlite_statement*> cached(std::string_view sql);

  /// Runs `body` inside BEGIN IMMEDIATE … COMMIT; rolls back if it fails.
  template <class Body>
  actors::result<void> transaction(Body&& body) {
    DROVER_TRYV(run_cached("BEGIN IMMEDIATE"));
    actors::result<void> outcome = body();
    if (!outcome) {
      (void)exec("ROLLBACK");  // the original failure is what the caller needs
      return outcome;
    }
    return run_cached("COMMIT");
  }

  /// Runs one statement without parameters through `cached`.
  actors::result<void> run_cached(std::string_view sql);

 private:
  explicit sqlite_db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  /// Finalized before the connection closes.
  std::unordered_map<std::string, std::unique_ptr<sqlite_statement>> cache_;
};

}  // namespace drover::coordinator
