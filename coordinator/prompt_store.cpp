#include "coordinator/prompt_store.hpp"

namespace drover::coordinator {

using actors::errc;
using actors::fail;
using actors::ok;
using actors::result;

namespace {

constexpr std::int64_t max_history = 10000;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  prompt_id TEXT NOT NULL UNIQUE,
  number REAL NOT NULL,
  number_json TEXT NOT NULL,
  counter INTEGER,
  has_client_id INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  prompt TEXT NOT NULL,
  extra_data TEXT NOT NULL,
  outputs TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  requeued INTEGER NOT NULL,
  running INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  prompt_id TEXT NOT NULL UNIQUE,
  counter INTEGER,
  entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counter (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS catalog (
  worker_id TEXT PRIMARY KEY,
  seen INTEGER NOT NULL,
  entries TEXT NOT NULL);
)sql";

result<json> parse_column(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    return fail(errc::internal, "database holds malformed JSON");
  }
  return parsed;
}

}  // namespace

json queued_prompt::queue_item() const {
  auto number_value = json::parse(number_json, nullptr, false);
  return json::array({number_value.is_discarded() ? json(number) : number_value,
                      prompt_id, prompt, extra_data, outputs});
}

result<std::unique_ptr<prompt_store>> prompt_store::open(const std::string& path) {
  DROVER_TRY(db, sqlite_db::open(path));
  std::unique_ptr<prompt_store> store{new prompt_store{std::move(db)}};
  DROVER_TRYV(store->prepare_schema());
  DROVER_TRYV(store->recover_running());
  DROVER_TRYV(store->load_counter());
  return store;
}

result<void> prompt_store::prepare_schema() {
  DROVER_TRYV(db_.exec("PRAGMA journal_mode=WAL"));
  DROVER_TRYV(db_.exec("PRAGMA synchronous=FULL"));
  return db_.exec(schema);
}

result<void> prompt_store::recover_running() {
  return db_.exec(
      "UPDATE queue SET running = 0, requeued = 1, attempt = attempt + 1 WHERE running = "
      "1");
}

result<void> prompt_store::load_counter() {
  // The counter table keeps the high-water mark when history is cleared.
  DROVER_TRY(query,
             db_.prepare("SELECT MAX(c) FROM (SELECT MAX(counter) + 1 AS c FROM queue "
                         "UNION ALL SELECT MAX(counter) + 1 FROM history "
                         "UNION ALL SELECT next FROM counter)"));
  DROVER_TRY(row, query.step());
  next_counter_ = row && !query.column_is_null(0) ? query.column_int(0) : 0;
  return query.run();
}

result<std::vector<queued_prompt>> prompt_store::load_queue() {
  DROVER_TRY(
      query,
      db_.prepare("SELECT seq, prompt_id, number, number_json, counter, has_client_id, "
                  "client_id, prompt, extra_data, outputs, attempt, requeued, running "
                  "FROM queue ORDER BY requeued DESC, number, seq"));
  std::vector<queued_prompt> rows;
  while (true) {
    DROVER_TRY(more, query.step());
    if (!more) {
      return rows;
    }
    queued_prompt p;
    p.seq = query.column_int(0);
    p.prompt_id = query.column_text(1);
    p.number = query.column_double(2);
    p.number_json = query.column_text(3);
    if (!query.column_is_null(4)) {
      p.counter = query.column_int(4);
    }
    p.has_client_id = query.column_int(5) != 0;
    p.client_id = query.column_text(6);
    DROVER_TRY(prompt, parse_column(query.column_text(7)));
    DROVER_TRY(extra, parse_column(query.column_text(8)));
    DROVER_TRY(outputs, parse_column(query.column_text(9)));
    p.prompt = std::move(prompt);
    p.extra_data = std::move(extra);
    for (const auto& o : outputs) {
      p.outputs.push_back(o.is_string() ? o.get<std::string>() : o.dump());
    }
    p.attempt = static_cast<std::uint32_t>(query.column_int(10));
    p.requeued = query.column_int(11) != 0;
    p.running = query.column_int(12) != 0;
    rows.push_back(std::move(p));
  }
}

result<void> prompt_store::enqueue(queued_prompt& p) {
  // TODO(#5): group the commits of concurrent submissions into one transaction
  // (design.md), so that fsync does not cap the submission rate.
  return db_.transaction([&]() -> result<void> {
    DROVER_TRY(
        insert,
        db_.prepare("INSERT INTO queue (prompt_id, number, number_json, counter, "
                    "has_client_id, client_id, prompt, extra_data, outputs, attempt, "
                    "requeued, running) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
    insert.bind(1, p.prompt_id).bind(2, p.number).bind(3, p.number_json);
    if (p.counter) {
      insert.bind(4, *p.counter);
    } else {
      insert.bind_null(4);
    }
    insert.bind(5, std::int64_t{p.has_client_id})
        .bind(6, p.client_id)
        .bind(7, p.prompt.dump())
        .bind(8, p.extra_data.dump())
        .bind(9, json(p.outputs).dump())
        .bind(10, std::int64_t{p.attempt})
        .bind(11, std::int64_t{p.requeued})
        .bind(12, std::int64_t{p.running});
    DROVER_TRYV(insert.run());
    DROVER_TRY(last, db_.prepare("SELECT last_insert_rowid()"));
    DROVER_TRYV(last.step());
    p.seq = last.column_int(0);
    DROVER_TRYV(last.run());
    if (!p.counter) {
      return ok();
    }
    DROVER_TRY(mark,
               db_.prepare("INSERT INTO counter (id, next) VALUES (0, ?) ON CONFLICT "
                           "(id) DO UPDATE SET next = MAX(next, excluded.next)"));
    return mark.bind(1, *p.counter + 1).run();
  });
}

result<void> prompt_store::mark(const queued_prompt& p) {
  DROVER_TRY(update,
             db_.prepare("UPDATE queue SET attempt = ?, requeued = ?, running = ? "
                         "WHERE prompt_id = ?"));
  update.bind(1, std::int64_t{p.attempt})
      .bind(2, std::int64_t{p.requeued})
      .bind(3, std::int64_t{p.running})
      .bind(4, p.prompt_id);
  return update.run();
}

result<void> prompt_store::remove_pending(const std::vector<std::string>& ids, bool all) {
  return db_.transaction([&]() -> result<void> {
    if (all) {
      DROVER_TRYV(db_.exec("DELETE FROM queue WHERE running = 0"));
    }
    DROVER_TRY(remove,
               db_.prepare("DELETE FROM queue WHERE prompt_id = ? AND running = 0"));
    for (const auto& id : ids) {
      DROVER_TRYV(remove.bind(1, id).run());
    }
    return ok();
  });
}

result<void> prompt_store::complete(const std::string& prompt_id,
                                    std::optional<std::int64_t> counter,
                                    const json& entry) {
  return db_.transaction([&]() -> result<void> {
    DROVER_TRY(insert, db_.prepare("INSERT OR REPLACE INTO history (prompt_id, counter, "
                                   "entry) VALUES (?, ?, ?)"));
    insert.bind(1, prompt_id).bind(3, entry.dump());
    if (counter) {
      insert.bind(2, *counter);
    } else {
      insert.bind_null(2);
    }
    DROVER_TRYV(insert.run());
    DROVER_TRY(remove, db_.prepare("DELETE FROM queue WHERE prompt_id = ?"));
    DROVER_TRYV(remove.bind(1, prompt_id).run());
    // Trimmed entries keep no counter row; the counter lives on in next_counter_
    // and in the newer entries.
    DROVER_TRY(trim, db_.prepare("DELETE FROM history WHERE seq <= (SELECT MAX(seq) FROM "
                                 "history) - ?"));
    return trim.bind(1, max_history).run();
  });
}

result<json> prompt_store::history_entry(const std::string& prompt_id) {
  DROVER_TRY(query, db_.prepare("SELECT entry FROM history WHERE prompt_id = ?"));
  query.bind(1, prompt_id);
  DROVER_TRY(row, query.step());
  json out = json::object();
  if (row) {
    DROVER_TRY(entry, parse_column(query.column_text(0)));
    out[prompt_id] = std::move(entry);
    DROVER_TRYV(query.run());
  }
  return out;
}

result<json> prompt_store::history(std::int64_t max_items, std::int64_t offset) {
  DROVER_TRY(count_query, db_.prepare("SELECT COUNT(*) FROM history"));
  DROVER_TRYV(count_query.step());
  auto count = count_query.column_int(0);
  DROVER_TRYV(count_query.run());

  // execution.py get_history: a negative offset with max_items shows the
  // last max_items; max_items stops the window once that many are taken,
  // checked after adding one entry.
  if (offset < 0 && max_items >= 0) {
    offset = count - max_items;
  }
  auto start = std::max<std::int64_t>(offset, 0);
  auto limit = max_items < 0 ? -1 : std::max<std::int64_t>(max_items, 1);
  if (max_items == 0 && start >= count) {
    limit = 0;
  }

  DROVER_TRY(query, db_.prepare("SELECT prompt_id, entry FROM history ORDER BY seq "
                                "LIMIT ? OFFSET ?"));
  query.bind(1, limit).bind(2, start);
  json out = json::object();
  while (true) {
    DROVER_TRY(more, query.step());
    if (!more) {
      return out;
    }
    DROVER_TRY(entry, parse_column(query.column_text(1)));
    out[query.column_text(0)] = std::move(entry);
  }
}

result<void> prompt_store::delete_history(const std::vector<std::string>& ids, bool all) {
  return db_.transaction([&]() -> result<void> {
    if (all) {
      DROVER_TRYV(db_.exec("DELETE FROM history"));
    }
    DROVER_TRY(remove, db_.prepare("DELETE FROM history WHERE prompt_id = ?"));
    for (const auto& id : ids) {
      DROVER_TRYV(remove.bind(1, id).run());
    }
    return ok();
  });
}

result<void> prompt_store::save_catalog(const std::string& worker_id,
                                        const json& catalog) {
  DROVER_TRY(upsert,
             db_.prepare("INSERT OR REPLACE INTO catalog (worker_id, seen, entries) "
                         "VALUES (?, (SELECT COALESCE(MAX(seen), 0) + 1 FROM "
                         "catalog), ?)"));
  return upsert.bind(1, worker_id).bind(2, catalog.dump()).run();
}

result<json> prompt_store::load_catalogs() {
  DROVER_TRY(query, db_.prepare("SELECT entries FROM catalog ORDER BY seen"));
  json out = json::object();
  while (true) {
    DROVER_TRY(more, query.step());
    if (!more) {
      return out;
    }
    DROVER_TRY(entries, parse_column(query.column_text(0)));
    if (entries.is_object()) {
      for (auto& [name, entry] : entries.items()) {
        out[name] = entry;
      }
    }
  }
}

}  // namespace drover::coordinator
