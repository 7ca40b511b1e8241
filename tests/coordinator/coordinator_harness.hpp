#pragma once

// The seam under test is the coordinator actor's message protocol
// (docs/actors.md): the workers and the gateway are scripted scoped actors in
// the same actor system; the SQLite store underneath is real.

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/actor_system_setup.hpp"
#include "actors/event.hpp"
#include "actors/json.hpp"
#include "actors/messages.hpp"
#include "coordinator/coordinator_actor.hpp"
#include "coordinator/prompt_store.hpp"
#include "tests/coordinator/temp_dir.hpp"

namespace drover::coordinator {

constexpr auto wait = std::chrono::seconds{10};

inline std::string catalog_text() {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} +
                   "/comfyui-v0.8.0/object_info_subset.json"};
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

/// ComfyUI's catalog restricted to `classes`.
inline std::string catalog_of(std::initializer_list<const char*> classes) {
  auto all = json::parse(catalog_text());
  json some = json::object();
  for (const char* c : classes) {
    some[c] = all.at(c);
  }
  return some.dump();
}

inline const char* prompt_text = R"({
  "1": {"class_type": "EmptyImage",
        "inputs": {"width": 64.5, "height": 64, "batch_size": 1, "color": 0}},
  "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}})";

struct farm {
  test::temp_dir dir;
  std::unique_ptr<prompt_store> store;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  caf::actor coordinator;

  /// A coordinator whose file probes see no files unless `setup_files` hands
  /// it some.
  explicit farm(std::uint32_t retry_budget = 3,
                std::function<void(coordinator_setup&)> setup_files = {}) {
    store = std::move(prompt_store::open(dir.file("drover.sqlite3")).value());
    actors::configure_actor_system(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    coordinator_setup setup;
    setup.store = store.get();
    setup.coordinator_id = "coord-1";
    setup.store_port = 4242;
    setup.retry_budget = retry_budget;
    if (setup_files) {
      setup_files(setup);
    }
    coordinator = spawn_coordinator(*system, std::move(setup));
  }
  ~farm() {
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
    coordinator = nullptr;
    system.reset();
  }

  actors::worker_welcome join_worker(caf::scoped_actor& worker, const std::string& id,
                                     const std::string& catalog = catalog_text()) {
    actors::worker_hello hello{
        id, id, "host", 1, 1, "tcp://e/" + id, "tcp://r/" + id, catalog, "{}"};
    actors::worker_welcome welcome;
    worker->request(coordinator, wait, hello)
        .receive([&](const actors::worker_welcome& w) { welcome = w; },
                 [&](const caf::error& e) { FAIL(system->render(e)); });
    return welcome;
  }

  actors::submit_reply submit(caf::scoped_actor& from, const std::string& id,
                              const std::string& prompt = prompt_text) {
    actors::submit_prompt request;
    request.prompt_id = id;
    request.has_client_id = true;
    request.client_id = "client-1";
    request.prompt_json = prompt;
    request.extra_data_json = R"({"client_id": "client-1"})";
    request.sensitive_json = R"({"api_key_comfy_org": "k"})";
    actors::submit_reply reply;
    from->request(coordinator, wait, request)
        .receive([&](const actors::submit_reply& r) { reply = r; },
                 [&](const caf::error& e) { FAIL(system->render(e)); });
    return reply;
  }

  template <class Query>
  json ask(caf::scoped_actor& from, const Query& query) {
    std::string body;
    from->request(coordinator, wait, query)
        .receive([&](const std::string& text) { body = text; },
                 [&](const caf::error& e) { FAIL(system->render(e)); });
    return json::parse(body);
  }

  /// Tells the coordinator that `run` ended with `outcome`.
  /// `node_ms_json`: what the worker reports of its nodes' durations.
  void finish(caf::scoped_actor& worker, const actors::run_fragment& run,
              actors::fragment_outcome outcome = actors::fragment_outcome::success,
              std::string node_ms_json = {}) {
    actors::fragment_done done;
    done.prompt_id = run.prompt_id;
    done.fragment = run.fragment;
    done.attempt = run.attempt;
    done.outcome = static_cast<std::uint8_t>(outcome);
    done.node_ms_json = std::move(node_ms_json);
    worker->send(coordinator, done);
  }
};

/// The next fact a gateway receives, by type name, with its payload kept.
struct fact_log {
  std::string type;
  actors::prompt_planned planned;
  actors::prompt_finished finished;
  actors::queue_changed changed;
};

inline fact_log next_fact(caf::scoped_actor& gateway) {
  fact_log f;
  gateway->receive(
      [&](const actors::worker_joined&) { f.type = "worker_joined"; },
      [&](const actors::worker_left&) { f.type = "worker_left"; },
      [&](const actors::queue_changed& x) { f.type = "queue_changed", f.changed = x; },
      [&](const actors::prompt_planned& x) { f.type = "prompt_planned", f.planned = x; },
      [&](const actors::prompt_finished& x) {
        f.type = "prompt_finished", f.finished = x;
      },
      caf::after(wait) >> [&] { f.type = "timeout"; });
  return f;
}

/// The next fact of `type`, skipping others; type "timeout" when none came.
inline fact_log next_fact_of(caf::scoped_actor& gateway, const std::string& type) {
  while (true) {
    auto f = next_fact(gateway);
    if (f.type == type || f.type == "timeout") {
      return f;
    }
  }
}

inline actors::run_fragment next_run(caf::scoped_actor& worker) {
  actors::run_fragment run;
  worker->receive([&](const actors::run_fragment& r) { run = r; },
                  caf::after(wait) >> [&] { FAIL("no run_fragment"); });
  return run;
}

/// True when no run_fragment waits in `worker`'s mailbox. The coordinator
/// sends at once from the handler that decides, so a synchronous request to
/// it first makes this exact: whatever it decided before answering is here.
inline bool no_run(caf::scoped_actor& worker) {
  bool none = true;
  worker->receive([&](const actors::run_fragment&) { none = false; },
                  caf::after(std::chrono::seconds{0}) >> [] {});
  return none;
}

}  // namespace drover::coordinator
