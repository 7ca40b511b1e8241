// Placement, retry budgets and idempotent submission of the coordinator
// actor (docs/actors.md §4), with scripted workers and a real SQLite store.

#include <algorithm>
#include <map>
#include <set>

#include <doctest/doctest.h>

#include "tests/coordinator/coordinator_harness.hpp"

namespace drover::coordinator {

using namespace drover::actors;

namespace {

const char* blur_prompt = R"({
  "1": {"class_type": "EmptyImage",
        "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
  "2": {"class_type": "ImageBlur",
        "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1.0}},
  "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}})";

const char* invert_prompt = R"({
  "1": {"class_type": "EmptyImage",
        "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
  "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
  "3": {"class_type": "ImageBlur",
        "inputs": {"image": ["2", 0], "blur_radius": 1, "sigma": 1.0}},
  "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}}})";

void join_gateway(farm& f, caf::scoped_actor& gateway) {
  gateway->request(f.coordinator, wait, gateway_hello{"g1", "g1"})
      .receive([](const farm_snapshot&) {},
               [&](const caf::error& e) { FAIL(f.system->render(e)); });
}

}  // namespace

TEST_CASE("a prompt goes only to a worker that has every class it uses") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor plain{*f.system};
  caf::scoped_actor blurring{*f.system};
  f.join_worker(plain, "plain", catalog_of({"EmptyImage", "PreviewImage"}));
  f.join_worker(blurring, "blurring",
                catalog_of({"EmptyImage", "PreviewImage", "ImageBlur"}));

  REQUIRE(f.submit(gateway, "b1", blur_prompt).accepted);
  REQUIRE(f.submit(gateway, "b2", blur_prompt).accepted);
  CHECK(next_run(blurring).prompt_id == "b1");
  // b2 waits for the only worker that can run it, though "plain" is free.
  CHECK(f.ask(gateway, queue_query{})["queue_pending"].size() == 1);
  CHECK(no_run(plain));
  REQUIRE(f.submit(gateway, "p1").accepted);
  CHECK(next_run(plain).prompt_id == "p1");
}

TEST_CASE("a prompt no single worker can run is refused, naming what each lacks") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  caf::scoped_actor w2{*f.system};
  f.join_worker(w1, "w1", catalog_of({"EmptyImage", "PreviewImage", "ImageBlur"}));
  f.join_worker(w2, "w2", catalog_of({"EmptyImage", "PreviewImage", "ImageInvert"}));

  auto reply = f.submit(gateway, "split", invert_prompt);
  CHECK_FALSE(reply.accepted);
  auto body = json::parse(reply.rejection_json);
  CHECK(body["error"]["type"] == "prompt_no_worker");
  CHECK(body["error"]["message"] == "No worker can run this prompt");
  auto details = body["error"]["details"].get<std::string>();
  CHECK(details.find("w1 lacks ImageInvert") != std::string::npos);
  CHECK(details.find("w2 lacks ImageBlur") != std::string::npos);
  CHECK(body["node_errors"] == json::object());
  CHECK(f.ask(gateway, queue_query{})["queue_pending"].empty());
}

TEST_CASE("a prompt_id submitted again is answered as before and queued once") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  auto first = f.submit(gateway, "same");
  REQUIRE_FALSE(first.accepted);  // no worker yet: nothing can validate it

  caf::scoped_actor worker{*f.system};
  f.join_worker(worker, "w1");
  REQUIRE(f.submit(gateway, "blocker").accepted);
  auto blocker = next_run(worker);

  auto queued = f.submit(gateway, "same");
  REQUIRE(queued.accepted);
  auto again = f.submit(gateway, "same");
  CHECK(again.accepted);
  CHECK(again.number_json == queued.number_json);
  CHECK(f.ask(gateway, queue_query{})["queue_pending"].size() == 1);

  f.finish(worker, blocker);
  auto run = next_run(worker);
  REQUIRE(run.prompt_id == "same");
  f.finish(worker, run);
  CHECK(f.ask(gateway, history_query{"same", -1, -1}).contains("same"));

  auto after = f.submit(gateway, "same");
  CHECK(after.accepted);
  CHECK(after.number_json == queued.number_json);
  auto queue = f.ask(gateway, queue_query{});
  CHECK(queue["queue_pending"].empty());
  CHECK(queue["queue_running"].empty());
  CHECK(no_run(worker));
}

TEST_CASE("a requeued prompt never goes back to a worker that lost it") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  f.join_worker(w1, "w1");
  REQUIRE(f.submit(gateway, "p1").accepted);
  CHECK(next_run(w1).attempt == 0);

  // w1 comes back on a new connection: its attempt counts as lost.
  caf::scoped_actor w1_again{*f.system};
  f.join_worker(w1_again, "w1");
  CHECK(f.ask(gateway, queue_query{})["queue_pending"].size() == 1);
  CHECK(no_run(w1_again));

  caf::scoped_actor w2{*f.system};
  f.join_worker(w2, "w2");
  auto run = next_run(w2);
  CHECK(run.prompt_id == "p1");
  CHECK(run.attempt == 1);
}

TEST_CASE("a prompt that loses its retry budget of workers ends in execution_error") {
  farm f{2};
  caf::scoped_actor gateway{*f.system};
  join_gateway(f, gateway);
  caf::scoped_actor survivor{*f.system};
  {
    caf::scoped_actor first{*f.system};
    f.join_worker(first, "w1");
    REQUIRE(f.submit(gateway, "poison").accepted);
    next_run(first);
  }
  {
    caf::scoped_actor second{*f.system};
    f.join_worker(second, "w2");
    CHECK(next_run(second).attempt == 1);
  }
  auto finished = next_fact_of(gateway, "prompt_finished");
  REQUIRE(finished.type == "prompt_finished");
  CHECK(finished.finished.prompt_id == "poison");
  CHECK(finished.finished.terminal_type == "execution_error");
  CHECK(finished.finished.fragments.empty());
  auto data = json::parse(finished.finished.terminal_json);
  CHECK(data["exception_type"] == "drover.WorkerLost");
  CHECK(data["exception_message"].get<std::string>().find("2 workers") !=
        std::string::npos);
  CHECK(data["node_id"].is_null());

  auto history = f.ask(gateway, history_query{"poison", -1, -1});
  CHECK(history["poison"]["status"]["status_str"] == "error");
  CHECK(history["poison"]["status"]["messages"][2][0] == "execution_error");

  // The rest of the farm goes on.
  f.join_worker(survivor, "w3");
  REQUIRE(f.submit(gateway, "fine").accepted);
  CHECK(next_run(survivor).prompt_id == "fine");

  auto status = f.ask(gateway, farm_status_query{});
  CHECK(status["retry_budget"] == 2);
  CHECK(status["recent_finished"][0]["prompt_id"] == "poison");
  CHECK(status["recent_finished"][0]["outcome"] == "execution_error");
  bool noted = false;
  for (const auto& failure : status["recent_failures"]) {
    noted = noted || failure["prompt_id"] == "poison";
  }
  CHECK(noted);
}

TEST_CASE("a prompt prefers the free worker that ran the same leading nodes") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  caf::scoped_actor w2{*f.system};
  f.join_worker(w1, "w1");
  f.join_worker(w2, "w2");

  REQUIRE(f.submit(gateway, "other").accepted);
  auto other = next_run(w1);  // w1 joined first: it takes the first prompt
  REQUIRE(f.submit(gateway, "blur-1", blur_prompt).accepted);
  auto blur = next_run(w2);
  f.finish(w2, blur);
  f.finish(w1, other);
  CHECK(f.ask(gateway, queue_query{})["queue_running"].empty());

  // Both are free; w2 holds blur-1's results.
  REQUIRE(f.submit(gateway, "blur-2", blur_prompt).accepted);
  CHECK(next_run(w2).prompt_id == "blur-2");
  CHECK(no_run(w1));
}

TEST_CASE("the farm status lists each worker's load, its running prompt and totals") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  caf::scoped_actor w2{*f.system};
  f.join_worker(w1, "w1");
  f.join_worker(w2, "w2");
  REQUIRE(f.submit(gateway, "a").accepted);
  auto first_run = next_run(w1);
  auto first_prompt = json::parse(first_run.prompt_json);
  json took = json::object();
  for (const auto& [id, node] : first_prompt.items()) {
    took[id] = 12.5;
  }
  f.finish(w1, first_run, fragment_outcome::success, took.dump());
  REQUIRE(f.submit(gateway, "b", blur_prompt).accepted);
  auto running = next_run(w1);
  CHECK(running.prompt_id == "b");

  auto status = f.ask(gateway, farm_status_query{});
  // What the finished prompt's node classes cost, as the worker reported it.
  REQUIRE_FALSE(status["node_classes"].empty());
  for (const auto& c : status["node_classes"]) {
    CHECK(c["runs"] == 1);
    CHECK(c["mean_ms"] == 12.5);
  }
  CHECK(status["coordinator_id"] == "coord-1");
  CHECK(status["queue"] == json{{"pending", 0}, {"running", 1}});
  REQUIRE(status["workers"].size() == 2);
  const auto& first = status["workers"][0];
  CHECK(first["worker_id"] == "w1");
  CHECK(first["state"] == "busy");
  CHECK(first["completed"] == 1);
  CHECK(first["pid"] == 1);
  REQUIRE(first["running"].size() == 1);
  CHECK(first["running"][0]["prompt_id"] == "b");
  CHECK(first["running"][0]["nodes"] == 3);
  CHECK(status["workers"][1]["state"] == "idle");
  CHECK(status["recent_finished"][0]["prompt_id"] == "a");
  CHECK(status["recent_finished"][0]["worker_id"] == "w1");
}

TEST_CASE("a resuming gateway hears running plans and recent finishes again") {
  farm f;
  caf::scoped_actor first{*f.system};
  join_gateway(f, first);
  caf::scoped_actor worker{*f.system};
  f.join_worker(worker, "w1");
  REQUIRE(f.submit(first, "done").accepted);
  f.finish(worker, next_run(worker));
  REQUIRE(f.submit(first, "running").accepted);
  next_run(worker);

  caf::scoped_actor fresh{*f.system};
  fresh->request(f.coordinator, wait, gateway_hello{"g2", "g2", false})
      .receive([](const farm_snapshot&) {},
               [&](const caf::error& e) { FAIL(f.system->render(e)); });
  CHECK(f.ask(fresh, queue_query{})["queue_running"].size() == 1);
  fresh->receive([](const prompt_planned&) { FAIL("a fresh gateway got a replay"); },
                 [](const prompt_finished&) { FAIL("a fresh gateway got a replay"); },
                 caf::after(std::chrono::seconds{0}) >> [] {});

  caf::scoped_actor resumed{*f.system};
  resumed->request(f.coordinator, wait, gateway_hello{"g3", "g3", true})
      .receive([](const farm_snapshot&) {},
               [&](const caf::error& e) { FAIL(f.system->render(e)); });
  auto plan = next_fact(resumed);
  REQUIRE(plan.type == "prompt_planned");
  CHECK(plan.planned.prompt_id == "running");
  CHECK(plan.planned.fragments.at(0).worker_id == "w1");
  auto finish = next_fact(resumed);
  REQUIRE(finish.type == "prompt_finished");
  CHECK(finish.finished.prompt_id == "done");
}

/// A catalog whose one class, an output node, loads one of `files`.
std::string loader_catalog(std::initializer_list<const char*> files) {
  auto entry = json::parse(catalog_text()).at("LoadImage");
  entry["name"] = "ModelLoader";
  entry["output_node"] = true;
  entry["input"]["required"]["image"] = json::array({json(files)});
  return json{{"ModelLoader", entry}}.dump();
}

std::string loader_prompt(const char* file) {
  return json{{"1", {{"class_type", "ModelLoader"}, {"inputs", {{"image", file}}}}}}
      .dump();
}

TEST_CASE("a prompt goes only to a worker that has the file it loads") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  caf::scoped_actor w2{*f.system};
  f.join_worker(w1, "w1", loader_catalog({"a.safetensors"}));
  f.join_worker(w2, "w2", loader_catalog({"b.safetensors", "c.safetensors"}));

  // The farm's catalog lists every worker's files.
  auto listed = f.ask(gateway, catalog_query{})["ModelLoader"]["input"]["required"];
  CHECK(listed["image"][0] ==
        json::array({"a.safetensors", "b.safetensors", "c.safetensors"}));

  REQUIRE(f.submit(gateway, "b", loader_prompt("b.safetensors")).accepted);
  CHECK(next_run(w2).prompt_id == "b");
  REQUIRE(f.submit(gateway, "c", loader_prompt("c.safetensors")).accepted);
  // w1 is free but lacks c.safetensors: c waits for w2.
  CHECK(f.ask(gateway, queue_query{})["queue_pending"].size() == 1);
  CHECK(no_run(w1));
  REQUIRE(f.submit(gateway, "a", loader_prompt("a.safetensors")).accepted);
  CHECK(next_run(w1).prompt_id == "a");

  auto refused = f.submit(gateway, "z", loader_prompt("z.safetensors"));
  CHECK_FALSE(refused.accepted);

  // Files held by different workers only: no single worker can run it.
  auto both = json::parse(loader_prompt("a.safetensors"));
  both["2"] = both["1"];
  both["2"]["inputs"]["image"] = "b.safetensors";
  auto split = f.submit(gateway, "split", both.dump());
  CHECK_FALSE(split.accepted);
  auto body = json::parse(split.rejection_json);
  CHECK(body["error"]["type"] == "prompt_no_worker");
  auto details = body["error"]["details"].get<std::string>();
  CHECK(details.find("w1 lacks ModelLoader.image=b.safetensors") != std::string::npos);
  CHECK(details.find("w2 lacks ModelLoader.image=a.safetensors") != std::string::npos);
}

TEST_CASE("a LoadLatent prompt goes to any worker: its file is in the farm's store") {
  std::vector<std::string> inputs = {"a.png", "kept.latent"};
  int listings = 0;
  farm f{3, [&](coordinator_setup& setup) {
           setup.file_exists = [&](const std::string& type, const std::string& path) {
             return type == "input" && std::count(inputs.begin(), inputs.end(), path) > 0;
           };
           setup.list_inputs = [&]() -> actors::result<std::vector<std::string>> {
             ++listings;
             return inputs;
           };
         }};
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor worker{*f.system};
  // The worker announces ComfyUI's catalog, whose LoadLatent lists no file.
  f.join_worker(worker, "w1", catalog_of({"LoadLatent", "SaveLatent", "LoadImage"}));

  // Each catalog query lists the input folder once, as it is then.
  auto catalog = f.ask(gateway, catalog_query{});
  CHECK(listings == 1);
  CHECK(catalog["LoadLatent"]["input"]["required"]["latent"][0] ==
        json::array({"kept.latent"}));
  CHECK(catalog["LoadImage"]["input"]["required"]["image"][0] == json::array({"a.png"}));
  inputs.push_back("later.latent");
  catalog = f.ask(gateway, catalog_query{});
  CHECK(listings == 2);
  CHECK(catalog["LoadLatent"]["input"]["required"]["latent"][0] ==
        json::array({"kept.latent", "later.latent"}));

  const char* latent_prompt = R"({
    "1": {"class_type": "LoadLatent", "inputs": {"latent": "kept.latent"}},
    "2": {"class_type": "SaveLatent",
          "inputs": {"samples": ["1", 0], "filename_prefix": "again"}}})";
  REQUIRE(f.submit(gateway, "latent", latent_prompt).accepted);
  CHECK(next_run(worker).prompt_id == "latent");

  auto missing = json::parse(latent_prompt);
  missing["1"]["inputs"]["latent"] = "gone.latent";
  auto refused = f.submit(gateway, "gone", missing.dump());
  CHECK_FALSE(refused.accepted);
  CHECK(json::parse(refused.rejection_json)["error"]["type"] ==
        "prompt_outputs_failed_validation");
}

TEST_CASE("a worker's updates keep its free memory current in the farm status") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor w1{*f.system};
  f.join_worker(w1, "w1");
  w1->send(f.coordinator,
           worker_update{"w1", R"({"name": "cpu", "vram_free": 7})", "", ""});
  w1->send(f.coordinator, worker_update{"stranger", R"({"vram_free": 1})", "", ""});
  auto status = f.ask(gateway, farm_status_query{});
  REQUIRE(status["workers"].size() == 1);
  CHECK(status["workers"][0]["device"]["vram_free"] == 7);
}

TEST_CASE("a burst of submissions, repeats included, is queued once per prompt_id") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor blocked{*f.system};
  f.join_worker(blocked, "w1");
  auto request = [](const std::string& id) {
    submit_prompt r;
    r.prompt_id = id;
    r.prompt_json = prompt_text;
    r.extra_data_json = "{}";
    return r;
  };
  // Sent without waiting, so that they meet in the coordinator's mailbox.
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(i % 2 == 0 ? "same" : "p" + std::to_string(i));
    gateway->send(f.coordinator, request(ids.back()));
  }
  std::map<std::string, std::set<std::string>> numbers;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    gateway->receive(
        [&](const submit_reply& r) {
          CHECK(r.accepted);
          numbers[r.prompt_id].insert(r.number_json);
        },
        caf::after(wait) >> [] { FAIL("no reply"); });
  }
  CHECK(numbers.size() == 7);
  CHECK(numbers["same"].size() == 1);
  auto queue = f.ask(gateway, queue_query{});
  CHECK(queue["queue_pending"].size() + queue["queue_running"].size() == 7);
}

TEST_CASE("a prompt submitted again right after it finished is not queued again") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor worker{*f.system};
  f.join_worker(worker, "w1");
  auto first = f.submit(gateway, "again");
  REQUIRE(first.accepted);
  auto run = next_run(worker);

  // The repeat meets the finish in the mailbox, before its history commit.
  f.finish(worker, run);
  auto repeat = f.submit(gateway, "again");
  CHECK(repeat.accepted);
  CHECK(repeat.number_json == first.number_json);
  CHECK(no_run(worker));
  auto queue = f.ask(gateway, queue_query{});
  CHECK(queue["queue_pending"].empty());
  CHECK(queue["queue_running"].empty());
  CHECK(f.ask(gateway, history_query{"again", -1, -1}).contains("again"));
}

TEST_CASE("finishes that arrive together are each told after their history commit") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  join_gateway(f, gateway);
  std::vector<std::unique_ptr<caf::scoped_actor>> workers;
  std::vector<run_fragment> runs;
  for (int i = 0; i < 4; ++i) {
    workers.push_back(std::make_unique<caf::scoped_actor>(*f.system));
    f.join_worker(*workers.back(), "w" + std::to_string(i));
    REQUIRE(f.submit(gateway, "p" + std::to_string(i)).accepted);
    runs.push_back(next_run(*workers.back()));
  }
  for (int i = 0; i < 4; ++i) {
    f.finish(*workers[static_cast<std::size_t>(i)], runs[static_cast<std::size_t>(i)]);
  }
  std::set<std::string> told;
  for (int i = 0; i < 4; ++i) {
    auto fact = next_fact_of(gateway, "prompt_finished");
    REQUIRE(fact.type == "prompt_finished");
    told.insert(fact.finished.prompt_id);
    // Its history entry is committed: a connection of its own reads it.
    auto reader = std::move(sqlite_db::open(f.dir.file("drover.sqlite3")).value());
    auto query = std::move(
        reader.prepare("SELECT COUNT(*) FROM history WHERE prompt_id = ?").value());
    query.bind(1, fact.finished.prompt_id);
    REQUIRE(query.step().value());
    CHECK(query.column_int(0) == 1);
  }
  CHECK(told.size() == 4);
}

}  // namespace drover::coordinator
