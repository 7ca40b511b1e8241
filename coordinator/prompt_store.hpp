#pragma once

// The coordinator's durable queue and history (docs/actors.md §3), in one
// SQLite file (WAL, synchronous=FULL). A prompt is answered as accepted only
// once its queue row is committed; its history entry replaces the queue row in
// one transaction. Credentials (`sensitive_json`) are never written: after a
// coordinator restart, a requeued prompt runs without them.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "coordinator/sqlite_db.hpp"

namespace drover::coordinator {

/// One row of the queue.
struct queued_prompt {
  std::int64_t seq = 0;  ///< insertion order, assigned by `enqueue`
  std::string prompt_id;
  double number = 0;        ///< priority: lower runs first
  std::string number_json;  ///< the number as ComfyUI prints it ("3", "-4", "2.5")
  std::optional<std::int64_t> counter;  ///< set when the server counter gave the number
  bool has_client_id = false;
  std::string client_id;
  json prompt = json::object();
  json extra_data = json::object();
  std::vector<std::string> outputs;
  std::uint32_t attempt = 0;
  /// Workers that were lost while running it, in order; it is not placed on
  /// them again, and it fails once they reach the retry budget.
  std::vector<std::string> failed_workers;
  bool requeued = false;  ///< a worker died running it: it goes first
  bool running = false;
  std::string sensitive_json = "{}";  ///< kept in memory only

  /// `[number, prompt_id, prompt, extra_data, outputs]`, ComfyUI's queue item.
  json queue_item() const;
  /// The same, moving `prompt` and `extra_data` out: for a row that leaves
  /// the queue.
  json take_queue_item();
};

/// A finished prompt's history row, as `complete` writes it.
struct finished_row {
  std::string prompt_id;
  std::optional<std::int64_t> counter;  ///< the queue row's
  json entry;                           ///< the ComfyUI history entry
  json fact = nullptr;  ///< the finish as gateways are told; null: none kept
  std::int64_t finished_ms = 0;
};

/// Owns the database file. Used by the coordinator actor only.
class prompt_store {
 public:
  /// Opens or creates `path`. Prompts that were running when the previous
  /// process stopped go back to pending, first in line; every queued prompt
  /// gets attempt + 1.
  static actors::result<std::unique_ptr<prompt_store>> open(const std::string& path);

  /// The queue, in dispatch order (requeued first, then number, then insertion).
  actors::result<std::vector<queued_prompt>> load_queue();

  /// The next server counter: one more than any counter-assigned number ever
  /// committed (queue, history, or a remembered high-water mark that survives
  /// clearing both), so that numbers keep growing across restarts. Counters
  /// taken by refused prompts are not remembered.
  std::int64_t take_counter() { return next_counter_++; }

  /// Commits a new queue row; sets `p.seq`.
  actors::result<void> enqueue(queued_prompt& p);

  /// Commits several new rows in one transaction (one fsync), all or none;
  /// sets each `seq` in order.
  actors::result<void> enqueue(const std::vector<queued_prompt*>& batch);

  /// Records that the prompt runs (attempt as given) or went back to pending,
  /// with its failed workers. Survives a crash of the process, not
  /// necessarily a power cut (see prompt_store.cpp).
  actors::result<void> mark(const queued_prompt& p);

  /// Marks several prompts as `mark` does, in one transaction.
  actors::result<void> mark(const std::vector<const queued_prompt*>& prompts);

  /// Removes pending rows by id (all pending rows when `ids` is empty and
  /// `all` is set). Running rows are kept.
  actors::result<void> remove_pending(const std::vector<std::string>& ids, bool all);

  /// In one transaction: writes the history entry and removes the queue row.
  /// Keeps at most 10,000 entries, as ComfyUI does. `fact` (the finish as
  /// gateways were told, any JSON) is kept with the entry for
  /// `load_recent_facts`.
  actors::result<void> complete(const std::string& prompt_id,
                                std::optional<std::int64_t> counter, const json& entry,
                                const json& fact = nullptr, std::int64_t finished_ms = 0);

  /// Completes several prompts as `complete` does one, in one transaction
  /// (one fsync), all or none.
  actors::result<void> complete(const std::vector<finished_row>& rows);

  /// The facts of the last `limit` entries completed at or after `since_ms`,
  /// oldest first, with their times. Entries written without a fact are left
  /// out.
  actors::result<std::vector<std::pair<std::int64_t, json>>> load_recent_facts(
      std::size_t limit, std::int64_t since_ms);

  /// `{id: entry}`, or `{}` when unknown.
  actors::result<json> history_entry(const std::string& prompt_id);

  /// `GET /history` with ComfyUI's `max_items` and `offset` rules (-1: unset).
  actors::result<json> history(std::int64_t max_items, std::int64_t offset);

  /// Forgets the named entries, or every entry with `all`.
  actors::result<void> delete_history(const std::vector<std::string>& ids, bool all);

  /// Remembers a worker's catalog, so that validation works after a restart
  /// before the workers rejoin. The 256 most recent workers are kept.
  actors::result<void> save_catalog(const std::string& worker_id, const json& catalog);

  /// The union of every remembered catalog (later workers win per class).
  actors::result<json> load_catalogs();

  /// The class names of each remembered worker's catalog, by worker id.
  actors::result<std::map<std::string, std::set<std::string>>> load_worker_classes();

 private:
  explicit prompt_store(sqlite_db db) : db_(std::move(db)) {}
  actors::result<void> prepare_schema();
  actors::result<void> recover_running();
  actors::result<void> load_counter();
  actors::result<void> migrate();
  actors::result<void> write_mark(const queued_prompt& p);
  actors::result<void> write_finished(const finished_row& row);
  actors::result<void> add_column(const std::string& table, const std::string& name,
                                  const std::string& definition);

  sqlite_db db_;
  std::int64_t next_counter_ = 0;
};

}  // namespace drover::coordinator
