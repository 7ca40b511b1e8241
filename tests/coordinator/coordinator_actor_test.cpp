#include "coordinator/coordinator_actor.hpp"

#include <fstream>

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/actor_system_setup.hpp"
#include "actors/event.hpp"
#include "actors/messages.hpp"
#include "coordinator/prompt_store.hpp"
#include "tests/coordinator/coordinator_harness.hpp"

namespace drover::coordinator {

using namespace drover::actors;

TEST_CASE(
    "a prompt goes submit, planned, run_fragment, fragment_done, history, finished") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor worker{*f.system};
  farm_snapshot snapshot;
  gateway->request(f.coordinator, wait, gateway_hello{"g1", "g1"})
      .receive([&](const farm_snapshot& s) { snapshot = s; },
               [&](const caf::error& e) { FAIL(f.system->render(e)); });
  CHECK(snapshot.store_port == 4242);
  CHECK(f.join_worker(worker, "w1").store_port == 4242);
  CHECK(next_fact(gateway).type == "worker_joined");

  auto reply = f.submit(gateway, "p1");
  REQUIRE(reply.accepted);
  CHECK(reply.number_json == "0");
  CHECK(json::parse(reply.node_errors_json) == json::object());

  auto run = next_run(worker);
  CHECK(run.prompt_id == "p1");
  CHECK(run.fragment == 0);
  CHECK(run.attempt == 0);
  CHECK(run.outputs == std::vector<std::string>{"2"});
  CHECK(json::parse(run.prompt_json)["1"]["inputs"]["width"] == 64);
  CHECK(run.sensitive_json == R"({"api_key_comfy_org": "k"})");
  auto extra = json::parse(run.extra_data_json);
  CHECK(extra["client_id"] == "client-1");
  CHECK(extra["create_time"].is_number_integer());

  // The plan was told to the gateway before the worker got its fragment.
  CHECK(next_fact(gateway).type == "queue_changed");
  auto planned = next_fact(gateway);
  REQUIRE(planned.type == "prompt_planned");
  CHECK(planned.planned.client_id == "client-1");
  CHECK(planned.planned.fragments.at(0).worker_id == "w1");

  auto queue = f.ask(gateway, queue_query{});
  CHECK(queue["queue_running"].size() == 1);
  CHECK(queue["queue_running"][0][1] == "p1");
  CHECK(queue["queue_pending"].empty());

  fragment_done done;
  done.prompt_id = "p1";
  done.outcome = static_cast<std::uint8_t>(fragment_outcome::success);
  done.last_seq = 9;
  done.started_ms = 100;
  done.cached_ms = 101;
  done.ended_ms = 150;
  done.outputs_json =
      R"({"2": {"images": [{"filename": "a.png", "subfolder": "", "type": "temp"}]}})";
  done.meta_json = R"({"2": {"node_id": "2", "display_node": "2", "parent_node": null,
                             "real_node_id": "2"}})";
  worker->send(f.coordinator, done);

  auto finished = next_fact(gateway);
  REQUIRE(finished.type == "prompt_finished");
  CHECK(finished.finished.terminal_type == "execution_success");
  CHECK(json::parse(finished.finished.terminal_json) ==
        json{{"prompt_id", "p1"}, {"timestamp", 150}});
  CHECK(finished.finished.queue_remaining == 0);
  CHECK(finished.finished.fragments.at(0).last_seq == 9);

  auto history = f.ask(gateway, history_query{"p1", -1, -1});
  const auto& entry = history["p1"];
  CHECK(entry["prompt"][0] == 0);
  CHECK(entry["prompt"][4] == json::array({"2"}));
  CHECK(entry["prompt"][3]["client_id"] == "client-1");
  CHECK_FALSE(entry["prompt"][3].contains("api_key_comfy_org"));
  CHECK(entry["outputs"]["2"]["images"][0]["filename"] == "a.png");
  CHECK(entry["status"]["status_str"] == "success");
  CHECK(entry["status"]["completed"] == true);
  CHECK(entry["status"]["messages"][0] ==
        json::array({"execution_start", {{"prompt_id", "p1"}, {"timestamp", 100}}}));
  CHECK(
      entry["status"]["messages"][1] ==
      json::array({"execution_cached",
                   {{"nodes", json::array()}, {"prompt_id", "p1"}, {"timestamp", 101}}}));
  CHECK(entry["meta"]["2"]["display_node"] == "2");
  CHECK(f.ask(gateway, queue_query{})["queue_running"].empty());
}

TEST_CASE("a worker that dies mid-prompt has its prompt requeued on another worker") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  caf::scoped_actor survivor{*f.system};
  gateway->request(f.coordinator, wait, gateway_hello{"g1", "g1"})
      .receive([](const farm_snapshot&) {}, [](const caf::error&) {});
  {
    caf::scoped_actor doomed{*f.system};
    f.join_worker(doomed, "w1");
    REQUIRE(f.submit(gateway, "p1").accepted);
    auto first = next_run(doomed);
    CHECK(first.attempt == 0);
    f.join_worker(survivor, "w2");
  }  // w1's actor terminates here

  auto second = next_run(survivor);
  CHECK(second.prompt_id == "p1");
  CHECK(second.attempt == 1);

  std::vector<std::string> facts;
  std::uint32_t planned_attempt = 99;
  for (int i = 0; i < 6; ++i) {
    auto fact = next_fact(gateway);
    facts.push_back(fact.type);
    if (fact.type == "prompt_planned") {
      planned_attempt = fact.planned.fragments.at(0).attempt;
    }
  }
  CHECK(facts == std::vector<std::string>{"worker_joined", "queue_changed",
                                          "prompt_planned", "worker_joined",
                                          "worker_left", "prompt_planned"});
  CHECK(planned_attempt == 1);

  // A late answer of the dead attempt changes nothing.
  fragment_done stale;
  stale.prompt_id = "p1";
  stale.attempt = 0;
  survivor->send(f.coordinator, stale);
  CHECK(f.ask(gateway, queue_query{})["queue_running"].size() == 1);
  CHECK(f.ask(gateway, history_query{"p1", -1, -1}) == json::object());
}

TEST_CASE("a prompt the catalog cannot validate is refused with ComfyUI's body") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  auto reply = f.submit(gateway, "p1");  // no worker has joined: no classes known
  CHECK_FALSE(reply.accepted);
  auto body = json::parse(reply.rejection_json);
  CHECK(body["error"]["type"] == "invalid_prompt");
  CHECK(body["error"]["message"] ==
        "Cannot execute because node EmptyImage does not exist.");
}

TEST_CASE("a farm query lists every connected worker with its device") {
  farm f;
  caf::scoped_actor gateway{*f.system};
  CHECK(f.ask(gateway, farm_query{}) == json::array());

  caf::scoped_actor w1{*f.system};
  worker_hello hello{"w1",
                     "gpu-box",
                     "h1",
                     1,
                     2,
                     "tcp://e/w1",
                     "tcp://r/w1",
                     catalog_text(),
                     R"({"name": "cuda:0", "type": "cuda", "index": 0})"};
  w1->request(f.coordinator, wait, hello)
      .receive([](const worker_welcome&) {},
               [&](const caf::error& e) { FAIL(f.system->render(e)); });
  caf::scoped_actor w2{*f.system};
  f.join_worker(w2, "w2");

  auto workers = f.ask(gateway, farm_query{});
  REQUIRE(workers.size() == 2);
  CHECK(workers[0]["worker_id"] == "w1");
  CHECK(workers[0]["name"] == "gpu-box");
  CHECK(workers[0]["host"] == "h1");
  CHECK(workers[0]["slots"] == 2);
  CHECK(workers[0]["device"] == json{{"name", "cuda:0"}, {"type", "cuda"}, {"index", 0}});
  CHECK(workers[1]["worker_id"] == "w2");
  CHECK(workers[1]["device"] == json::object());
}

}  // namespace drover::coordinator
