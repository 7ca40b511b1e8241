#include "coordinator/prompt_store.hpp"

#include <fstream>

#include <doctest/doctest.h>

#include "tests/coordinator/temp_dir.hpp"

namespace drover::coordinator {

namespace {

queued_prompt make_prompt(prompt_store& store, const std::string& id,
                          bool front = false) {
  queued_prompt p;
  p.prompt_id = id;
  auto counter = store.take_counter();
  p.counter = counter;
  p.number = static_cast<double>(front ? -counter : counter);
  p.number_json = std::to_string(front ? -counter : counter);
  p.has_client_id = true;
  p.client_id = "client-" + id;
  p.prompt =
      json::parse(R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 8}}})");
  p.extra_data = {{"client_id", p.client_id}, {"create_time", 1}};
  p.outputs = {"9"};
  p.sensitive_json = R"({"api_key_comfy_org": "secret"})";
  return p;
}

std::vector<std::string> ids_of(const std::vector<queued_prompt>& rows) {
  std::vector<std::string> ids;
  for (const auto& p : rows) {
    ids.push_back(p.prompt_id);
  }
  return ids;
}

json entry_for(const std::string& id) {
  return {{"prompt", id}, {"outputs", json::object()}};
}

}  // namespace

TEST_CASE("the queue survives a reopen, and running prompts come back pending") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    auto a = make_prompt(*store, "a");
    auto b = make_prompt(*store, "b");
    REQUIRE(store->enqueue(a));
    REQUIRE(store->enqueue(b));
    a.running = true;
    REQUIRE(store->mark(a));
  }
  auto store = std::move(prompt_store::open(path).value());
  auto rows = store->load_queue().value();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].prompt_id == "a");
  CHECK_FALSE(rows[0].running);
  CHECK(rows[0].requeued);
  CHECK(rows[0].attempt == 1);
  // Every queued prompt is renumbered: a running mark may not have reached
  // the disk before a power cut.
  CHECK_FALSE(rows[1].requeued);
  CHECK(rows[1].attempt == 1);
  CHECK(rows[1].client_id == "client-b");
  CHECK(rows[1].prompt["1"]["inputs"]["width"] == 8);
  CHECK(rows[1].outputs == std::vector<std::string>{"9"});
  CHECK(rows[1].queue_item() ==
        json::array({1, "b", rows[1].prompt, rows[1].extra_data, json::array({"9"})}));
  // Credentials are never written.
  CHECK(rows[1].sensitive_json == "{}");
}

TEST_CASE("the file on disk holds no credentials") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    auto a = make_prompt(*store, "a");
    REQUIRE(store->enqueue(a));
  }
  for (const auto& name : {"drover.sqlite3", "drover.sqlite3-wal"}) {
    std::ifstream in{dir.file(name), std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    CHECK(bytes.find("secret") == std::string::npos);
  }
}

TEST_CASE("counters keep growing across restarts, over queue and history") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    CHECK(store->take_counter() == 0);
    auto a = make_prompt(*store, "a");  // 1
    auto b = make_prompt(*store, "b");  // 2
    REQUIRE(store->enqueue(a));
    REQUIRE(store->enqueue(b));
    REQUIRE(store->complete("b", b.counter, entry_for("b")));
  }
  {
    auto store = std::move(prompt_store::open(path).value());
    CHECK(store->take_counter() == 3);
    CHECK(store->load_queue().value().size() == 1);
    REQUIRE(store->remove_pending({}, true));
    REQUIRE(store->delete_history({}, true));
  }
  // Nothing numbered is left, and the numbers still do not restart.
  auto store = std::move(prompt_store::open(path).value());
  CHECK(store->take_counter() == 3);
}

TEST_CASE("the queue is ordered by requeue, then number, then insertion") {
  test::temp_dir dir;
  auto store = std::move(prompt_store::open(dir.file("q.sqlite3")).value());
  auto a = make_prompt(*store, "a");        // 0
  auto b = make_prompt(*store, "b");        // 1
  auto c = make_prompt(*store, "c", true);  // -2
  auto d = make_prompt(*store, "d");
  d.number = 1;  // an explicit number equal to b's: insertion order decides
  d.counter.reset();
  d.number_json = "1.0";
  for (auto* p : {&a, &b, &c, &d}) {
    REQUIRE(store->enqueue(*p));
  }
  CHECK(ids_of(store->load_queue().value()) ==
        std::vector<std::string>{"c", "a", "b", "d"});
  CHECK(store->load_queue().value()[3].queue_item()[0].is_number_float());

  b.requeued = true;
  b.attempt = 1;
  REQUIRE(store->mark(b));
  CHECK(ids_of(store->load_queue().value()) ==
        std::vector<std::string>{"b", "c", "a", "d"});

  c.running = true;
  REQUIRE(store->mark(c));
  REQUIRE(store->remove_pending({"c", "a"}, false));
  CHECK(ids_of(store->load_queue().value()) == std::vector<std::string>{"b", "c", "d"});
  REQUIRE(store->remove_pending({}, true));
  CHECK(ids_of(store->load_queue().value()) == std::vector<std::string>{"c"});
}

TEST_CASE("history windows follow ComfyUI's max_items and offset rules") {
  test::temp_dir dir;
  auto store = std::move(prompt_store::open(dir.file("h.sqlite3")).value());
  for (const auto& id : {"h0", "h1", "h2", "h3", "h4"}) {
    auto p = make_prompt(*store, id);
    REQUIRE(store->enqueue(p));
    REQUIRE(store->complete(id, p.counter, entry_for(id)));
  }
  auto keys = [&](std::int64_t max_items, std::int64_t offset) {
    std::vector<std::string> out;
    auto window = store->history(max_items, offset).value();
    for (const auto& [k, v] : window.items()) {
      out.push_back(k);
    }
    return out;
  };
  using ids = std::vector<std::string>;
  CHECK(keys(-1, -1) == ids{"h0", "h1", "h2", "h3", "h4"});
  CHECK(keys(2, -1) == ids{"h3", "h4"});
  CHECK(keys(-1, 3) == ids{"h3", "h4"});
  CHECK(keys(2, 1) == ids{"h1", "h2"});
  CHECK(keys(9, -1) == ids{"h0", "h1", "h2", "h3", "h4"});
  CHECK(keys(-1, 7).empty());
  CHECK(keys(0, -1).empty());

  CHECK(store->history_entry("h2").value() == json{{"h2", entry_for("h2")}});
  CHECK(store->history_entry("nope").value() == json::object());
  REQUIRE(store->delete_history({"h2"}, false));
  CHECK(store->history_entry("h2").value() == json::object());
  REQUIRE(store->delete_history({}, true));
  CHECK(keys(-1, -1).empty());
  CHECK(store->load_queue().value().empty());
}

TEST_CASE("remembered catalogs are merged and survive a reopen") {
  test::temp_dir dir;
  auto path = dir.file("c.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    REQUIRE(store->save_catalog("w1", {{"A", {{"v", 1}}}, {"B", {{"v", 1}}}}));
    REQUIRE(store->save_catalog("w2", {{"B", {{"v", 2}}}}));
  }
  auto store = std::move(prompt_store::open(path).value());
  auto catalog = store->load_catalogs().value();
  CHECK(catalog.size() == 2);
  CHECK(catalog["B"]["v"] == 2);
}

TEST_CASE("the workers that lost a prompt are kept with it across a reopen") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    auto p = make_prompt(*store, "p1");
    REQUIRE(store->enqueue(p));
    p.failed_workers = {"w1", "w2"};
    p.requeued = true;
    REQUIRE(store->mark(p));
  }
  auto store = std::move(prompt_store::open(path).value());
  auto rows = store->load_queue().value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].failed_workers == std::vector<std::string>{"w1", "w2"});
}

TEST_CASE("a queue written before failed workers were kept is brought up to date") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto db = std::move(sqlite_db::open(path).value());
    REQUIRE(db.exec(R"sql(
      CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT,
        prompt_id TEXT NOT NULL UNIQUE, number REAL NOT NULL,
        number_json TEXT NOT NULL, counter INTEGER, has_client_id INTEGER NOT NULL,
        client_id TEXT NOT NULL, prompt TEXT NOT NULL, extra_data TEXT NOT NULL,
        outputs TEXT NOT NULL, attempt INTEGER NOT NULL, requeued INTEGER NOT NULL,
        running INTEGER NOT NULL);
      INSERT INTO queue (prompt_id, number, number_json, counter, has_client_id,
        client_id, prompt, extra_data, outputs, attempt, requeued, running)
        VALUES ('old', 4, '4', 4, 0, '', '{}', '{}', '["9"]', 0, 0, 1);)sql"));
  }
  auto store = prompt_store::open(path);
  REQUIRE_MESSAGE(store.has_value(), actors::describe(store.error()));
  auto rows = store.value()->load_queue().value();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].prompt_id == "old");
  CHECK(rows[0].failed_workers.empty());
  CHECK(rows[0].attempt == 1);  // it was running: back to pending
}

TEST_CASE("each remembered worker's classes are listed, the newest 256 kept") {
  test::temp_dir dir;
  auto store = std::move(prompt_store::open(dir.file("drover.sqlite3")).value());
  for (int i = 0; i < 260; ++i) {
    REQUIRE(store->save_catalog("w" + std::to_string(i), {{"C" + std::to_string(i), 1}}));
  }
  auto classes = store->load_worker_classes().value();
  CHECK(classes.size() == 256);
  CHECK(classes.count("w3") == 0);
  CHECK(classes.count("w4") == 1);
  CHECK(classes["w259"] == std::set<std::string>{"C259"});
}

TEST_CASE("recent finishes are kept with history and read back after a reopen") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    for (int i = 0; i < 4; ++i) {
      auto id = "p" + std::to_string(i);
      auto p = make_prompt(*store, id);
      REQUIRE(store->enqueue(p));
      REQUIRE(store->complete(id, p.counter, entry_for(id), json{{"n", i}}, 1000 + i));
    }
    auto p = make_prompt(*store, "no-fact");
    REQUIRE(store->enqueue(p));
    REQUIRE(store->complete("no-fact", p.counter, entry_for("no-fact")));
  }
  auto store = std::move(prompt_store::open(path).value());
  auto facts = store->load_recent_facts(2, 0).value();
  REQUIRE(facts.size() == 2);
  CHECK(facts[0] == std::make_pair(std::int64_t{1002}, json{{"n", 2}}));
  CHECK(facts[1] == std::make_pair(std::int64_t{1003}, json{{"n", 3}}));
  CHECK(store->load_recent_facts(10, 1003).value().size() == 1);
}

TEST_CASE("finishes and running marks written in batches survive a reopen") {
  test::temp_dir dir;
  auto path = dir.file("drover.sqlite3");
  {
    auto store = std::move(prompt_store::open(path).value());
    std::vector<queued_prompt> prompts;
    for (int i = 0; i < 5; ++i) {
      prompts.push_back(make_prompt(*store, "p" + std::to_string(i)));
      REQUIRE(store->enqueue(prompts.back()));
    }
    std::vector<const queued_prompt*> marks;
    for (auto& p : prompts) {
      p.running = true;
      p.failed_workers = {"lost-" + p.prompt_id};
      marks.push_back(&p);
    }
    REQUIRE(store->mark(marks));
    std::vector<finished_row> rows;
    for (int i = 0; i < 3; ++i) {
      const auto& p = prompts[static_cast<std::size_t>(i)];
      rows.push_back(
          {p.prompt_id, p.counter, entry_for(p.prompt_id), json{{"n", i}}, 2000 + i});
    }
    REQUIRE(store->complete(rows));
  }
  auto store = std::move(prompt_store::open(path).value());
  auto queue = store->load_queue().value();
  CHECK(ids_of(queue) == std::vector<std::string>{"p3", "p4"});
  for (const auto& p : queue) {
    CHECK(p.requeued);  // was marked running when the store closed
    CHECK(p.failed_workers == std::vector<std::string>{"lost-" + p.prompt_id});
  }
  auto history = store->history(-1, 0).value();
  CHECK(history.size() == 3);
  CHECK(history["p1"] == entry_for("p1"));
  auto facts = store->load_recent_facts(10, 0).value();
  REQUIRE(facts.size() == 3);
  CHECK(facts[2] == std::make_pair(std::int64_t{2002}, json{{"n", 2}}));
  // Counters taken by the finished prompts are not handed out again.
  CHECK(store->take_counter() == 5);
}

TEST_CASE("a cached statement left mid-result comes back reset and unbound") {
  test::temp_dir dir;
  auto db = std::move(sqlite_db::open(dir.file("plain.sqlite3")).value());
  REQUIRE(db.exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)"));
  const char* sql = "SELECT n FROM t WHERE n >= COALESCE(?, 0) ORDER BY n";
  auto first = db.cached(sql).value();
  first->bind(1, std::int64_t{2});
  REQUIRE(first->step().value());
  CHECK(first->column_int(0) == 2);

  // Abandoned after one row, as an early error return would leave it.
  auto again = db.cached(sql).value();
  CHECK(again == first);
  REQUIRE(again->step().value());
  CHECK(again->column_int(0) == 1);  // the binding is gone too
}

TEST_CASE("a database path in a missing folder fails as a value") {
  auto store = prompt_store::open("/nonexistent-drover-dir/x/drover.sqlite3");
  CHECK_FALSE(store);
}

}  // namespace drover::coordinator
