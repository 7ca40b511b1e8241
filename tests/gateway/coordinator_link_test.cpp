// The CAF link to the coordinator over a real BASP connection on loopback,
// against a coordinator actor that plays its part of docs/actors.md §3.

#include <condition_variable>
#include <future>
#include <mutex>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <doctest/doctest.h>

#include "actors/actor_system_setup.hpp"
#include "gateway/caf_coordinator_link.hpp"

namespace drover::gateway {
namespace {

/// What the link's sink has seen, awaitable from the test thread.
struct seen_facts {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> facts;

  void add(std::string fact) {
    std::lock_guard lock{mutex};
    facts.push_back(std::move(fact));
    changed.notify_all();
  }

  bool await(const std::string& fact) {
    std::unique_lock lock{mutex};
    return changed.wait_for(lock, std::chrono::seconds{10}, [&] {
      return std::find(facts.begin(), facts.end(), fact) != facts.end();
    });
  }
};

caf::behavior fake_coordinator(caf::event_based_actor* self) {
  return {
      [self](actors::gateway_hello& hello) -> actors::farm_snapshot {
        auto gateway = caf::actor_cast<caf::actor>(self->current_sender());
        self->send(gateway, actors::queue_changed{5});
        actors::farm_snapshot snapshot;
        snapshot.coordinator_id = "coordinator-for-" + hello.gateway_id;
        snapshot.store_port = 4242;
        snapshot.queue_remaining = 3;
        snapshot.workers = {{"w1", "tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}};
        return snapshot;
      },
      [](actors::submit_prompt& prompt) -> actors::submit_reply {
        return {true, prompt.prompt_id, "12", "{}", ""};
      },
      [](actors::queue_query&) -> std::string { return R"({"queue_running":[]})"; },
      [](actors::farm_query&) -> std::string { return R"([{"worker_id":"w1"}])"; },
  };
}

fact_sink sink_into(seen_facts& seen) {
  fact_sink sink;
  sink.on_snapshot = [&seen](const actors::farm_snapshot& s) {
    seen.add("snapshot " + s.coordinator_id + " " + std::to_string(s.store_port) + " " +
             s.workers.at(0).worker_id);
  };
  sink.on_queue_changed = [&seen](const actors::queue_changed& f) {
    seen.add("queue " + std::to_string(f.queue_remaining));
  };
  sink.on_planned = [&seen](const actors::prompt_planned& f) {
    seen.add("planned " + f.prompt_id);
  };
  sink.on_finished = [&seen](const actors::prompt_finished& f) {
    seen.add("finished " + f.prompt_id);
  };
  sink.on_worker_joined = [&seen](const actors::worker_joined& f) {
    seen.add("joined " + f.worker.worker_id);
  };
  sink.on_worker_left = [&seen](const actors::worker_left& f) {
    seen.add("left " + f.worker_id);
  };
  return sink;
}

TEST_CASE("the link says hello, forwards facts and carries requests over CAF") {
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  caf::actor_system system{cfg};
  auto coordinator = system.spawn(fake_coordinator);
  auto port = system.middleman().publish(coordinator, 0, "127.0.0.1");
  REQUIRE(static_cast<bool>(port));

  seen_facts seen;
  caf_coordinator_link link{actors::endpoint{"127.0.0.1", *port}, "gw1", sink_into(seen)};
  link.start();
  CHECK(seen.await("snapshot coordinator-for-gw1 4242 w1"));
  CHECK(seen.await("queue 5"));

  std::promise<actors::result<actors::submit_reply>> submitted;
  actors::submit_prompt prompt;
  prompt.prompt_id = "p-1";
  link.submit(prompt, [&](actors::result<actors::submit_reply> r) {
    submitted.set_value(std::move(r));
  });
  auto reply = submitted.get_future().get();
  REQUIRE(reply.has_value());
  CHECK(reply.value().accepted);
  CHECK(reply.value().prompt_id == "p-1");
  CHECK(reply.value().number_json == "12");

  std::promise<actors::result<std::string>> queued;
  link.queue([&](actors::result<std::string> r) { queued.set_value(std::move(r)); });
  auto queue = queued.get_future().get();
  REQUIRE(queue.has_value());
  CHECK(queue.value() == R"({"queue_running":[]})");

  std::promise<actors::result<std::string>> farm;
  link.farm([&](actors::result<std::string> r) { farm.set_value(std::move(r)); });
  auto workers = farm.get_future().get();
  REQUIRE(workers.has_value());
  CHECK(workers.value() == R"([{"worker_id":"w1"}])");

  link.stop();
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
}

TEST_CASE("requests without a coordinator fail at once as unavailable") {
  seen_facts seen;
  // Nothing listens on port 1: the connector keeps retrying in the background.
  caf_coordinator_link link{actors::endpoint{"127.0.0.1", 1}, "gw2", sink_into(seen)};
  link.start();
  std::promise<actors::result<std::string>> answered;
  link.catalog([&](actors::result<std::string> r) { answered.set_value(std::move(r)); });
  auto result = answered.get_future().get();
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == actors::errc::unavailable);
  link.stop();
}

}  // namespace
}  // namespace drover::gateway
