#include "coordinator/prompt_store.hpp"

namespace drover::coordinator {

using actors::errc;
using actors::fail;
using actors::ok;
using actors::result;

namespace {

constexpr std::int64_t max_history = 10000;
constexpr std::int64_t max_remembered_workers = 256;

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
  running INTEGER NOT NULL,
  failed_workers TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  prompt_id TEXT NOT NULL UNIQUE,
  counter INTEGER,
  entry TEXT NOT NULL,
  fact TEXT,
  finished_ms INTEGER NOT NULL DEFAULT 0);
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

json queued_prompt::take_queue_item() {
  auto number_value = json::parse(number_json, nullptr, false);
  return json::array({number_value.is_discarded() ? json(number) : number_value,
                      prompt_id, std::move(prompt), std::move(extra_data), outputs});
}

result<std::unique_ptr<prompt_store>> prompt_store::open(const std::string& path) {
  DROVER_TRY(db, sqlite_db::open(path));
  std::unique_ptr<prompt_store> store{new prompt_store{std::move(db)}};
  DROVER_TRYV(store->prepare_schema());
  DROVER_TRYV(store->migrate());
  DROVER_TRYV(store->recover_running());
  DROVER_TRYV(store->load_counter());
  return store;
}

result<void> prompt_store::prepare_schema() {
  DROVER_TRYV(db_.exec("PRAGMA journal_mode=WAL"));
  DROVER_TRYV(db_.exec("PRAGMA synchronous=FULL"));
  return db_.exec(schema);
}

/// Adds `column` (an SQL definition) to `table` unless it is there.
result<void> prompt_store::add_column(const std::string& table, const std::string& name,
                                      const std::string& definition) {
  DROVER_TRY(columns, db_.prepare("SELECT name FROM pragma_table_info(?)"));
  columns.bind(1, table);
  while (true) {
    DROVER_TRY(more, columns.step());
    if (!more) {
      break;
    }
    if (columns.column_text(0) == name) {
      return columns.run();
    }
  }
  return db_.exec("ALTER TABLE " + table + " ADD COLUMN " + name + " " + definition);
}

/// Brings a database written by an older drover up to this schema.
result<void> prompt_store::migrate() {
  DROVER_TRYV(add_column("queue", "failed_workers", "TEXT NOT NULL DEFAULT '[]'"));
  DROVER_TRYV(add_column("history", "fact", "TEXT"));
  return add_column("history", "finished_ms", "INTEGER NOT NULL DEFAULT 0");
}

result<void> prompt_store::recover_running() {
  // Every queued prompt gets a new attempt number, not only those marked
  // running: a mark lost with a power cut (see `mark`) must not let a new
  // attempt reuse the number of one a worker may still be running.
  DROVER_TRYV(db_.exec("UPDATE queue SET running = 0, requeued = 1 WHERE running = 1"));
  return db_.exec("UPDATE queue SET attempt = attempt + 1");
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
                  "client_id, prompt, extra_data, outputs, attempt, requeued, running, "
                  "failed_workers FROM queue ORDER BY requeued DESC, number, seq"));
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
    DROVER_TRY(failed, parse_column(query.column_text(13)));
    for (const auto& w : failed) {
      if (w.is_string()) {
        p.failed_workers.push_back(w.get<std::string>());
      }
    }
    rows.push_back(std::move(p));
  }
}

result<void> prompt_store::enqueue(queued_prompt& p) {
  std::vector<queued_prompt*> one{&p};
  return enqueue(one);
}

result<void> prompt_store::enqueue(const std::vector<queued_prompt*>& batch) {
  return db_.transaction([&]() -> result<void> {
    DROVER_TRY(
        insert,
        db_.cached(
            "INSERT INTO queue (prompt_id, number, number_json, counter, "
            "has_client_id, client_id, prompt, extra_data, outputs, attempt, "
            "requeued, running, failed_workers) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    DROVER_TRY(last, db_.cached("SELECT last_insert_rowid()"));
    std::optional<std::int64_t> high_water;
    for (auto* p : batch) {
      insert->bind(1, p->prompt_id).bind(2, p->number).bind(3, p->number_json);
      if (p->counter) {
        insert->bind(4, *p->counter);
        high_water = std::max(high_water.value_or(*p->counter), *p->counter);
      } else {
        insert->bind_null(4);
      }
      insert->bind(5, std::int64_t{p->has_client_id})
          .bind(6, p->client_id)
          .bind(7, p->prompt.dump())
          .bind(8, p->extra_data.dump())
          .bind(9, json(p->outputs).dump())
          .bind(10, std::int64_t{p->attempt})
          .bind(11, std::int64_t{p->requeued})
          .bind(12, std::int64_t{p->running})
          .bind(13, json(p->failed_workers).dump());
      DROVER_TRYV(insert->run());
      DROVER_TRYV(last->step());
      p->seq = last->column_int(0);
      DROVER_TRYV(last->run());
    }
    if (!high_water) {
      return ok();
    }
    DROVER_TRY(mark,
               db_.cached("INSERT INTO counter (id, next) VALUES (0, ?) ON CONFLICT "
                          "(id) DO UPDATE SET next = MAX(next, excluded.next)"));
    return mark->bind(1, *high_water + 1).run();
  });
}

result<void> prompt_store::mark(const queued_prompt& p) {
  return mark(std::vector<const queued_prompt*>{&p});
}

result<void> prompt_store::mark(const std::vector<const queued_prompt*>& prompts) {
  // A mark is written without waiting for the disk: a process crash keeps
  // it (the WAL is written before the call returns) and a power cut costs at
  // most a requeue without priority, or a worker counted against a retry
  // budget once less, since recover_running renumbers every attempt. It
  // spares one fsync per placement.
  DROVER_TRYV(db_.run_cached("PRAGMA synchronous=NORMAL"));
  auto written = db_.transaction([&]() -> result<void> {
    for (const auto* p : prompts) {
      DROVER_TRYV(write_mark(*p));
    }
    return ok();
  });
  DROVER_TRYV(db_.run_cached("PRAGMA synchronous=FULL"));
  return written;
}

result<void> prompt_store::write_mark(const queued_prompt& p) {
  DROVER_TRY(update,
             db_.cached("UPDATE queue SET attempt = ?, requeued = ?, running = ?, "
                        "failed_workers = ? WHERE prompt_id = ?"));
  update->bind(1, std::int64_t{p.attempt})
      .bind(2, std::int64_t{p.requeued})
      .bind(3, std::int64_t{p.running})
      .bind(4, json(p.failed_workers).dump())
      .bind(5, p.prompt_id);
  return update->run();
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
                                    const json& entry, const json& fact,
                                    std::int64_t finished_ms) {
  return complete({finished_row{prompt_id, counter, entry, fact, finished_ms}});
}

result<void> prompt_store::complete(const std::vector<finished_row>& rows) {
  return db_.transaction([&]() -> result<void> {
    for (const auto& row : rows) {
      DROVER_TRYV(write_finished(row));
    }
    // Trimmed entries keep no counter row; the counter lives on in next_counter_
    // and in the newer entries.
    DROVER_TRY(trim, db_.cached("DELETE FROM history WHERE seq <= (SELECT MAX(seq) "
                                "FROM history) - ?"));
    return trim->bind(1, max_history).run();
  });
}

result<void> prompt_store::write_finished(const finished_row& row) {
  DROVER_TRY(insert, db_.cached("INSERT OR REPLACE INTO history (prompt_id, counter, "
                                "entry, fact, finished_ms) VALUES (?, ?, ?, ?, ?)"));
  insert->bind(1, row.prompt_id).bind(3, row.entry.dump()).bind(5, row.finished_ms);
  if (row.fact.is_null()) {
    insert->bind_null(4);
  } else {
    insert->bind(4, row.fact.dump());
  }
  if (row.counter) {
    insert->bind(2, *row.counter);
  } else {
    insert->bind_null(2);
  }
  DROVER_TRYV(insert->run());
  DROVER_TRY(remove, db_.cached("DELETE FROM queue WHERE prompt_id = ?"));
  return remove->bind(1, row.prompt_id).run();
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
  DROVER_TRYV(upsert.bind(1, worker_id).bind(2, catalog.dump()).run());
  // Every worker process has an id of its own: keep the recent ones only.
  DROVER_TRY(trim, db_.prepare("DELETE FROM catalog WHERE seen <= (SELECT MAX(seen) "
                               "FROM catalog) - ?"));
  return trim.bind(1, max_remembered_workers).run();
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

result<std::map<std::string, std::set<std::string>>> prompt_store::load_worker_classes() {
  DROVER_TRY(query, db_.prepare("SELECT worker_id, entries FROM catalog"));
  std::map<std::string, std::set<std::string>> out;
  while (true) {
    DROVER_TRY(more, query.step());
    if (!more) {
      return out;
    }
    DROVER_TRY(entries, parse_column(query.column_text(1)));
    auto& classes = out[query.column_text(0)];
    if (entries.is_object()) {
      for (auto& [name, entry] : entries.items()) {
        classes.insert(name);
      }
    }
  }
}

result<std::vector<std::pair<std::int64_t, json>>> prompt_store::load_recent_facts(
    std::size_t limit, std::int64_t since_ms) {
  DROVER_TRY(query,
             db_.prepare("SELECT finished_ms, fact FROM (SELECT seq, finished_ms, "
                         "fact FROM history WHERE fact IS NOT NULL AND "
                         "finished_ms >= ? ORDER BY seq DESC LIMIT ?) ORDER BY seq"));
  query.bind(1, since_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::pair<std::int64_t, json>> out;
  while (true) {
    DROVER_TRY(more, query.step());
    if (!more) {
      return out;
    }
    DROVER_TRY(fact, parse_column(query.column_text(1)));
    out.emplace_back(query.column_int(0), std::move(fact));
  }
}

}  // namespace drover::coordinator
