// `drover worker` as its own process, against a coordinator stand-in that
// this test publishes: it joins, runs a fragment, answers replays and stops
// on SIGTERM.

#include <chrono>
#include <future>
#include <signal.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <doctest/doctest.h>
#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/event_codec.hpp"
#include "actors/messages.hpp"
#include "actors/msgpack_reader.hpp"
#include "cli/child_process.hpp"

namespace drover::worker {
namespace {

using namespace std::chrono_literals;

/// A coordinator stand-in published over the CAF middleman: it welcomes the
/// worker and hands over what the worker sends.
struct fake_coordinator {
  std::promise<std::pair<actors::worker_hello, caf::actor>> hello;
  std::promise<actors::fragment_done> done;
};

caf::behavior coordinator_behavior(caf::event_based_actor* self, fake_coordinator* fake) {
  return {
      [self, fake](const actors::worker_hello& h) {
        fake->hello.set_value({h, caf::actor_cast<caf::actor>(self->current_sender())});
        return actors::worker_welcome{"fake-coordinator", 1};
      },
      [fake](const actors::fragment_done& d) { fake->done.set_value(d); },
      [](const actors::worker_update&) {},
  };
}

std::vector<actors::event> replay_all(zmq::context_t& context,
                                      const std::string& endpoint,
                                      const std::string& prompt_id, bool& complete) {
  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  dealer.connect(endpoint);
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(5);
  out.pack(std::string{"id"});
  out.pack(1);
  out.pack(std::string{"prompt_id"});
  out.pack(prompt_id);
  out.pack(std::string{"fragment"});
  out.pack(0);
  out.pack(std::string{"attempt"});
  out.pack(0);
  out.pack(std::string{"from"});
  out.pack(0);
  dealer.send(zmq::str_buffer("replay"), zmq::send_flags::sndmore);
  dealer.send(zmq::buffer(buffer.data(), buffer.size()), zmq::send_flags::none);
  std::vector<zmq::message_t> frames;
  REQUIRE(zmq::recv_multipart(dealer, std::back_inserter(frames)));
  REQUIRE(frames.size() >= 2);
  auto handle =
      msgpack::unpack(static_cast<const char*>(frames[1].data()), frames[1].size());
  complete = actors::msgpack_reader::of(handle.get()).value().boolean("complete").value();
  std::vector<actors::event> events;
  for (std::size_t i = 2; i < frames.size(); ++i) {
    events.push_back(
        actors::decode_event(static_cast<const char*>(frames[i].data()), frames[i].size())
            .value());
  }
  return events;
}

TEST_CASE("a worker joins its coordinator, runs a fragment and stops on SIGTERM") {
  caf::actor_system_config config;
  actors::configure_actor_system(config);
  caf::actor_system system{config};
  fake_coordinator fake;
  auto coordinator = system.spawn(coordinator_behavior, &fake);
  auto port = system.middleman().publish(coordinator, 0, "127.0.0.1");
  REQUIRE(port);

  auto spawned = cli::child_process::spawn(
      {DROVER_BINARY, "worker", "--coordinator", "127.0.0.1:" + std::to_string(*port),
       "--name", "w1", "--advertise-host", "127.0.0.1", "--log-level", "warn"});
  REQUIRE_MESSAGE(spawned.has_value(), actors::describe(spawned.error()));
  auto& child = spawned.value();
  auto ready = child.wait_ready(20s);
  REQUIRE_MESSAGE(ready.has_value(), actors::describe(ready.error()));

  auto joined = fake.hello.get_future();
  REQUIRE(joined.wait_for(20s) == std::future_status::ready);
  auto [hello, worker] = joined.get();
  CHECK(hello.name == "w1");
  CHECK(hello.slots == 1);
  CHECK(hello.pid == child.pid());
  CHECK(hello.events_endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
  CHECK(hello.replay_endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
  auto catalog = json::parse(hello.catalog_json);
  CHECK(catalog.contains("SaveImage"));
  CHECK(json::parse(hello.device_json)["type"] == "cpu");

  // A fragment that writes no file, so no result store is needed.
  actors::run_fragment job;
  job.prompt_id = "prompt-w";
  job.prompt_json = R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 2,
      "height": 2, "batch_size": 1, "color": 0}}, "2": {"class_type": "ImageInvert",
      "inputs": {"image": ["1", 0]}}})";
  job.extra_data_json = "{}";
  job.outputs = {"2"};
  caf::anon_send(worker, job);

  auto finished = fake.done.get_future();
  REQUIRE(finished.wait_for(20s) == std::future_status::ready);
  auto done = finished.get();
  CHECK(done.prompt_id == "prompt-w");
  CHECK(done.outcome == 0);
  CHECK(done.last_seq == 5);  // started, 2 x (node_started, node_finished), ended

  zmq::context_t context;
  bool complete = false;
  auto events = replay_all(context, hello.replay_endpoint, "prompt-w", complete);
  CHECK(complete);
  REQUIRE(events.size() == 6);
  CHECK(events.back().seq == done.last_seq);
  CHECK(events.back().kind() == actors::event_kind::fragment_ended);

  int status = child.stop(20s);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  system.middleman().unpublish(coordinator, *port);
  caf::scoped_actor self{system};
  self->monitor(coordinator);
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

}  // namespace
}  // namespace drover::worker
